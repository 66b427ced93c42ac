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
    connection_params: dict[str, Any] | None = None
    # Built on first use: an idle WebSocket (most subscribers of a fan-out group, whose stream
    # runs with the first member's context) never needs its own (~8 kB each; docs/limits.md).
    _loaders: Loaders | None = field(default=None, init=False, repr=False)
    _viewer: Viewer | None = field(default=None, init=False, repr=False)

    def refresh(self) -> None:
        """New loaders and viewer: per request, and per event on a long-lived subscription."""
        self._loaders = self._viewer = None

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = make_loaders(self.runtime)
        return self._loaders

    @property
    def viewer(self) -> Viewer:
        if self._viewer is None:
            self._viewer = viewer_for(
                runtime=self.runtime,
                identity=self.identity,
                load_user=self.loaders.user.load,
                rejection=self.auth_error,
            )
        return self._viewer
