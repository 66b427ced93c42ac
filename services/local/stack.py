"""The embedded local AWS stack: moto's ThreadedMotoServer on a free loopback port.

Nothing is mocked in-process: the service talks HTTP to this server through the same
aioboto3 code it uses against real AWS; only the endpoint URL differs.
"""

from __future__ import annotations

import logging
import os

from moto.server import ThreadedMotoServer

from services.platform.settings import Settings

LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class LocalStack:
    """Starts and stops a moto server; `settings_for` points settings at it."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        self.endpoint = ""

    def start(self) -> str:
        # moto's werkzeug logs every request at INFO; keep the service's own logs readable.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        logging.getLogger("aiobotocore.credentials").setLevel(logging.WARNING)
        for name, value in LOCAL_CREDENTIALS.items():
            os.environ.setdefault(name, value)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self.endpoint

    def stop(self) -> None:
        self._server.stop()

    def settings_for(self, settings: Settings, **extra: object) -> Settings:
        return settings.model_copy(update={"aws_endpoint_url": self.endpoint, **extra})
