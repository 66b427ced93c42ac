"""The request context builds its loaders and viewer on first use: an idle WebSocket (most
members of a fan-out group) never pays for them."""

from __future__ import annotations

from resolvers.context import RequestContext
from services.platform.settings import Settings
from services.runtime.wiring import RuntimeScope


async def test_loaders_and_viewer_are_built_once_on_first_use_and_anew_after_refresh(
    settings: Settings,
) -> None:
    async with RuntimeScope(settings) as runtime:
        # given a new context
        context = RequestContext(runtime=runtime, request_id="r-1")
        # then nothing is built yet
        assert "loaders" not in vars(context) and "viewer" not in vars(context)
        # when the loaders and viewer are used twice
        loaders, viewer = context.loaders, context.viewer
        # then they were built once
        assert context.loaders is loaders and context.viewer is viewer
        # when the context is refreshed (each subscription event)
        context.refresh()
        # then the next use gets new ones
        assert context.loaders is not loaders and context.viewer is not viewer
