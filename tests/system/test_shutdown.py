"""Graceful shutdown: SIGTERM to a `prework serve` process lets the request in flight finish,
closes open subscriptions with a close frame (1012 service restart, or 1001 going away), and
the process exits on its own (uvicorn's graceful shutdown, bounded by
GRACEFUL_SHUTDOWN_SECONDS)."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from services.platform.settings import Settings
from tests.support.clients import Api
from tests.support.factories.media import wait_for
from tests.support.processes import api_server, dynamodb, environment, fault_proxy, log_of

ME = "{ me { email } }"
SUBSCRIBE = "subscription { submissionStatusChanged { id status } }"
SLOW_DYNAMODB = 1.5  # seconds the proxy holds each DynamoDB read


def test_sigterm_finishes_the_request_in_flight_and_closes_subscriptions(
    settings: Settings, user_token: str, tmp_path: Path
) -> None:
    # given a `prework serve` process whose DynamoDB is reached through a proxy that can slow it
    with fault_proxy(str(settings.aws_endpoint_url)) as proxy:
        own = settings.model_copy(update={"aws_endpoint_url": proxy.url})
        env = environment(own, GRACEFUL_SHUTDOWN_SECONDS="15")
        with api_server(env, tmp_path) as (api, proc):
            assert api.data(ME, token=user_token)["me"]["email"] == "user@example.com"
            # and an open subscription
            url = api.url.replace("http://", "ws://") + "/graphql"
            with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
                init = {
                    "type": "connection_init",
                    "payload": {"Authorization": f"Bearer {user_token}"},
                }
                ws.send(json.dumps(init))
                assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
                ws.send(
                    json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
                )
                # and a request in flight that takes a while (DynamoDB is slow now)
                proxy.delay(dynamodb(), SLOW_DYNAMODB)
                result: dict[str, Any] = {}
                slow = threading.Thread(target=_request, args=(api, user_token, result))
                slow.start()
                wait_for(lambda: proxy.count(dynamodb()) > 0, what="the request to reach DynamoDB")
                # when the process is told to stop
                proc.send_signal(signal.SIGTERM)
                stopped_at = time.monotonic()
                # then the subscription gets a close frame saying the service is going away
                closed = _close_code(ws)
                assert closed in (1001, 1012), closed
                # and the request in flight still completes normally
                slow.join(timeout=20)
                assert result.get("status") == 200, result
                assert result["body"]["data"]["me"]["email"] == "user@example.com"
                assert result["finished"] > stopped_at
            # and the process exits on its own, without a traceback (uvicorn re-raises the
            # SIGTERM it handled once shut down, so the exit status reports the signal)
            assert proc.wait(timeout=20) in (0, -signal.SIGTERM)
            assert "Traceback" not in log_of(proc)


def _request(api: Api, token: str, result: dict[str, Any]) -> None:
    try:
        response = api.post(ME, token=token)
        result.update(status=response.status_code, body=response.json())
    except httpx.HTTPError as error:
        result["error"] = repr(error)
    result["finished"] = time.monotonic()


def _close_code(ws: Any) -> int | None:
    try:
        while True:
            ws.recv(timeout=10)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None
