"""What every resolver gets: the shared services, the caller, and this request's loaders."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
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

    def refresh(self) -> None:
        """New loaders and viewer: per request, and per event on a long-lived subscription."""
        self.__dict__.pop("loaders", None)
        self.__dict__.pop("viewer", None)

    # Built on first use, then plain attributes (read a few times for every object of a page):
    # an idle WebSocket (most subscribers of a fan-out group, whose stream runs with the first
    # member's context) never needs its own (~8 kB each; docs/limits.md).
    @cached_property
    def loaders(self) -> Loaders:
        return make_loaders(self.runtime)

    @cached_property
    def viewer(self) -> Viewer:
        return viewer_for(
            runtime=self.runtime,
            identity=self.identity,
            load_user=self.loaders.user.load,
            rejection=self.auth_error,
        )
