"""Optional OpenTelemetry tracing, on when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

opentelemetry is imported only inside `configure_tracing` and only when tracing is on: a
deployment without the `otel` extra installed, or without the setting, never loads it.
Spans: one per GraphQL operation with its parse, validation and resolvers (Strawberry's
extension, added by the graph layer) and one per AWS call (aiobotocore instrumentation),
exported over OTLP/HTTP in batches.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

from services.platform.settings import Settings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

SERVICE_NAME = "prework-api"

_lock = threading.Lock()
# The process's provider once configured (a dict, so no `global` statement is needed).
_configured: dict[str, TracerProvider] = {}


def configure_tracing(
    settings: Settings, *, exporter: SpanExporter | None = None
) -> TracerProvider | None:
    """The process's tracer provider, set up on first use; None when tracing is off.

    Once per process (each uvicorn worker calls it after the fork): installs the global
    tracer provider and instruments aiobotocore. `exporter` replaces the OTLP exporter
    (tests pass an in-memory one) and exports synchronously.
    """
    if not settings.otel_exporter_otlp_endpoint:
        return None
    with _lock:
        if "provider" in _configured:
            return _configured["provider"]
        try:
            from opentelemetry import trace
            from opentelemetry.instrumentation.botocore import AiobotocoreInstrumentor
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
        except ImportError as error:
            raise RuntimeError(
                "OTEL_EXPORTER_OTLP_ENDPOINT is set but OpenTelemetry is not installed: "
                "pip install 'prework[otel]'"
            ) from error

        attributes: dict[str, str] = {"deployment.environment": settings.env}
        if not os.environ.get("OTEL_SERVICE_NAME"):  # the standard variable wins when set
            attributes["service.name"] = SERVICE_NAME
        provider = TracerProvider(resource=Resource.create(attributes))
        processor: SpanProcessor
        if exporter is None:
            processor = BatchSpanProcessor(_otlp_exporter(settings.otel_exporter_otlp_endpoint))
        else:
            processor = SimpleSpanProcessor(exporter)
        provider.add_span_processor(processor)
        trace.set_tracer_provider(provider)
        # Patches aiobotocore's AioBaseClient, so every client (opened before or after) is traced.
        AiobotocoreInstrumentor().instrument(tracer_provider=provider)  # type: ignore[no-untyped-call]
        _configured["provider"] = provider
        return provider


def tracer() -> Any:
    """The product's tracer when tracing is configured, else None (for spans the
    instrumentations do not make, such as the aiodynamo read client's calls)."""
    provider = _configured.get("provider")
    if provider is None:
        return None
    return provider.get_tracer("prework")


def _otlp_exporter(endpoint: str) -> Any:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    # The setting names the collector's base URL (as the OTel spec's variable does);
    # traces go to its /v1/traces path.
    return OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")


def shutdown_tracing() -> None:
    """Export what is buffered, stop exporting and un-instrument (at shutdown)."""
    with _lock:
        provider = _configured.pop("provider", None)
        if provider is None:
            return
        from opentelemetry.instrumentation.botocore import AiobotocoreInstrumentor

        AiobotocoreInstrumentor().uninstrument()  # type: ignore[no-untyped-call]
        provider.shutdown()
