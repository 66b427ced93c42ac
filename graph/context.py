"""The typed request context: the resolvers' context plus the Starlette request/response."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

import strawberry

from resolvers.context import RequestContext


@dataclass
class Context(RequestContext):
    request: Any = None
    response: Any = None


Info: TypeAlias = strawberry.Info[Context, None]
