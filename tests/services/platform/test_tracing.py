"""OpenTelemetry wiring: spans for a GraphQL request and its AWS calls; nothing loaded when off."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from graph.server.app import create_app
from services.platform.settings import Settings
from services.platform.tracing import configure_tracing, shutdown_tracing
from tests.support.clients import Api
from tests.support.server import ServerThread


@pytest.fixture
def traced_api(settings: Settings) -> Iterator[tuple[Api, InMemorySpanExporter]]:
    # Nothing listens on the endpoint: the in-memory exporter replaces the OTLP one.
    traced = settings.model_copy(update={"otel_exporter_otlp_endpoint": "http://127.0.0.1:9"})
    exporter = InMemorySpanExporter()
    configure_tracing(traced, exporter=exporter)
    server = ServerThread(create_app(traced)).start()
    try:
        yield Api(server.url), exporter
    finally:
        server.stop()
        shutdown_tracing()  # un-instruments aiobotocore for the rest of this test process


def test_a_graphql_request_produces_operation_resolver_and_aws_spans(
    traced_api: tuple[Api, InMemorySpanExporter], user_token: str
) -> None:
    # given tracing on, exporting to memory
    api, exporter = traced_api
    # when a signed-in query runs
    api.data("query TracedMe { me { email profile { jobTitle } } }", token=user_token)
    # then the operation, its resolvers and its DynamoDB calls are spans of one trace
    spans = exporter.get_finished_spans()
    operation = next(s for s in spans if s.name == "GraphQL Query: TracedMe")
    trace_id = operation.context.trace_id
    in_trace = [s for s in spans if s.context.trace_id == trace_id]
    names = {s.name for s in in_trace}
    assert "GraphQL Resolving: me" in names
    assert "GraphQL Parsing" in names
    aws = [s for s in in_trace if (s.attributes or {}).get("rpc.system") == "aws-api"]
    assert aws, names
    assert {(s.attributes or {}).get("rpc.service") for s in aws} == {"DynamoDB"}
    assert all(s.parent is not None for s in aws)
    assert operation.resource.attributes["service.name"] == "prework-api"


def test_opentelemetry_is_never_imported_when_tracing_is_off() -> None:
    # given no OTEL endpoint in the environment
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    script = (
        "import sys\n"
        "from graph.server.app import create_app\n"
        "from services.platform.settings import Settings\n"
        "create_app(Settings(_env_file=None, aws_endpoint_url='http://127.0.0.1:9'))\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'opentelemetry')\n"
        "print(loaded)\n"
    )
    # when the app is built in a fresh interpreter
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # then no opentelemetry module was loaded
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
