"""The AWS endpoint goes away and comes back while the service runs: requests fail fast with a
coded error, then recover without a restart."""

from __future__ import annotations

import time

from moto.server import ThreadedMotoServer

from prework.graph.app import create_app
from prework.services.settings import Settings
from tests.support import Api, ServerThread, error_codes, free_port

ME = "{ me { email } }"


def test_requests_fail_fast_while_aws_is_down_and_recover_after(
    settings: Settings, user_token: str
) -> None:
    # given an API whose AWS endpoint is its own moto server (sharing the session's state)
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    own = settings.model_copy(
        update={"aws_endpoint_url": f"http://127.0.0.1:{port}", "aws_max_attempts": 2}
    )
    server = ServerThread(create_app(own)).start()
    api = Api(server.url)
    try:
        assert api.data(ME, token=user_token)["me"]["email"] == "user@example.com"
        # when the endpoint stops
        moto.stop()
        started = time.monotonic()
        body = api.run(ME, token=user_token)
        elapsed = time.monotonic() - started
        # then the request fails fast with a coded, retryable error
        assert error_codes(body) == ["SERVICE_UNAVAILABLE"]
        assert elapsed < 5
        # when it comes back on the same address
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        moto.start()
        # then the same running API answers again
        assert api.data(ME, token=user_token)["me"]["email"] == "user@example.com"
    finally:
        server.stop()
        moto.stop()
