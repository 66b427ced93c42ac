"""What every resolver gets: the shared services, the caller, and this request's loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from resolvers.loaders import Loaders, make_loaders
from services.auth.access import Viewer
from services.auth.identity import Identity
from services.people.viewers import viewer_for
from services.platform.errors import ServiceError
from services.runtime.wiring import Runtime


@dataclass
class RequestContext:
    runtime: Runtime
    request_id: str
    identity: Identity | None = None
    auth_error: ServiceError | None = None
    loaders: Loaders = field(init=False)
    viewer: Viewer = field(init=False)
    connection_params: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """New loaders and viewer: per request, and per event on a long-lived subscription."""
        self.loaders = make_loaders(self.runtime)
        self.viewer = viewer_for(
            runtime=self.runtime,
            identity=self.identity,
            load_user=self.loaders.user.load,
            rejection=self.auth_error,
        )
