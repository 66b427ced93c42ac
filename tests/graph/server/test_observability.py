"""Health endpoints, Prometheus metrics and access logs, over HTTP against the served app."""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid

import pytest
from jose import jwt

from graph.server import observability
from graph.server.observability import operation_label
from services.platform.logs import JsonFormatter
from tests.support.clients import Api

ME = "query ObsMe { me { email } }"


def _sample(metrics: str, name: str, **labels: str) -> float:
    """The value of the first sample of `name` with these labels in Prometheus text, else 0."""
    for line in metrics.splitlines():
        if line.startswith(f"{name}{{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _requests(metrics: str, operation: str, outcome: str) -> float:
    return _sample(metrics, "prework_graphql_requests_total", operation=operation, outcome=outcome)


def test_healthz_says_alive(api: Api) -> None:
    # when probing liveness
    response = api.http.get(f"{api.url}/healthz")
    # then 200, with a request id like every response
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"]


def test_readyz_checks_dynamodb_and_s3(api: Api) -> None:
    # when probing readiness of the provisioned stack
    response = api.http.get(f"{api.url}/readyz")
    # then 200 with each check named
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert body["checks"]["dynamodb"]["status"] == "ok"
    assert body["checks"]["s3"]["status"] == "ok"


def test_metrics_count_operations_by_name_and_outcome(api: Api, user_token: str) -> None:
    # given the counters before
    before = api.http.get(f"{api.url}/metrics").text
    ok_before = _requests(before, "ObsMe", "ok")
    denied_before = _requests(before, "ObsMe", "UNAUTHENTICATED")
    # when one signed-in and one anonymous call run
    api.data(ME, token=user_token)
    api.run(ME)
    # then each outcome is counted, latency observed, and AWS calls counted by operation
    response = api.http.get(f"{api.url}/metrics")
    after = response.text
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert _requests(after, "ObsMe", "ok") == ok_before + 1
    assert _requests(after, "ObsMe", "UNAUTHENTICATED") == denied_before + 1
    assert _sample(after, "prework_graphql_request_seconds_count", operation="ObsMe") >= 2
    assert _sample(after, "prework_aws_calls_total", service="dynamodb") > 0
    assert "prework_subscriptions_open" in after


def test_unnamed_and_unparsable_operations_have_bounded_labels(api: Api) -> None:
    # when an anonymous document and a broken one are sent
    api.run("{ __typename }")
    broken = api.run("{ broken")
    # then the syntax error is coded, and both are counted as "anonymous" with their outcome
    assert broken["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    after = api.http.get(f"{api.url}/metrics").text
    assert _requests(after, "anonymous", "ok") >= 1
    assert _requests(after, "anonymous", "GRAPHQL_PARSE_FAILED") >= 1


def test_operation_labels_cannot_grow_without_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a nearly full set of known operation names
    monkeypatch.setattr(observability, "MAX_OPERATION_NAMES", 2)
    monkeypatch.setattr(observability.Observability, "_names", {"Known"})
    # when labelling names
    # then known and new names pass until the bound, then "other"; odd names are "invalid"
    assert operation_label("Known") == "Known"
    assert operation_label("Second") == "Second"
    assert operation_label("Third") == "other"
    assert operation_label("Known") == "Known"
    assert operation_label("not a name!") == "invalid"
    assert operation_label(None) == "anonymous"


def test_one_access_line_per_request_with_operation_user_and_codes(
    api: Api, user_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    # given a caller-chosen request id
    caplog.set_level(logging.INFO, logger="prework.access")
    request_id = f"obs-{uuid.uuid4().hex}"
    # when a signed-in request runs
    response = api.post(ME, token=user_token, headers={"X-Request-Id": request_id})
    # then exactly one access record carries the request's facts
    assert response.headers["x-request-id"] == request_id
    lines = [r for r in caplog.records if getattr(r, "requestId", None) == request_id]
    assert len(lines) == 1
    line = lines[0]
    assert line.message == "graphql request"
    assert line.operation == "ObsMe"  # type: ignore[attr-defined]
    assert line.operationType == "query"  # type: ignore[attr-defined]
    assert line.userId == jwt.get_unverified_claims(user_token)["sub"]  # type: ignore[attr-defined]
    assert line.status == 200  # type: ignore[attr-defined]
    assert line.errorCodes == []  # type: ignore[attr-defined]
    assert line.durationMs > 0  # type: ignore[attr-defined]
    # and it formats as one line of JSON
    formatted = JsonFormatter().format(line)
    assert "\n" not in formatted
    entry = json.loads(formatted)
    assert entry["requestId"] == request_id
    assert entry["level"] == "INFO"
    assert entry["logger"] == "prework.access"
    assert re.match(r"\d{4}-\d\d-\d\dT", entry["time"])


def test_access_line_names_error_codes_and_status(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    # given an anonymous caller
    caplog.set_level(logging.INFO, logger="prework.access")
    request_id = f"obs-{uuid.uuid4().hex}"
    # when they ask who they are, and then send an oversized body
    api.post(ME, headers={"X-Request-Id": request_id})
    big = api.post("#" + "x" * 300_000 + "\n{ me { id } }", headers={"X-Request-Id": request_id})
    # then the first line has the code and no user; the refused one has its 413
    lines = [r for r in caplog.records if getattr(r, "requestId", None) == request_id]
    assert [r.status for r in lines] == [200, 413]  # type: ignore[attr-defined]
    assert lines[0].errorCodes == ["UNAUTHENTICATED"]  # type: ignore[attr-defined]
    assert lines[0].userId is None  # type: ignore[attr-defined]
    assert big.headers["x-request-id"] == request_id


def test_json_formatter_keeps_extras_and_exceptions() -> None:
    # given a record with extras and an exception
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("t").makeRecord(
            "t", logging.ERROR, __file__, 1, "failed %s", ("here",), exc_info=sys.exc_info()
        )
    record.requestId = "abc"
    record.odd = uuid.UUID(int=0)
    # when formatted
    entry = json.loads(JsonFormatter().format(record))
    # then the message is interpolated, extras are top-level, odd values are strings
    assert entry["message"] == "failed here"
    assert entry["requestId"] == "abc"
    assert entry["odd"] == "00000000-0000-0000-0000-000000000000"
    assert "ValueError: boom" in entry["exception"]
