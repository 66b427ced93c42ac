"""The competitor of bench/overhead.py: the nested query as a hand-written Starlette JSON
handler, with no GraphQL layer.

It makes the same service calls with the same batching as the GraphQL resolvers (the same
per-request DataLoaders, the same token verification and access checks) and returns the same
JSON shape, so the difference in API-process CPU is what the GraphQL layer costs.

    uvicorn --factory bench.handwritten:app_from_env   # settings from the environment
    POST /nested  {"n": 20}   with  Authorization: Bearer <token>
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from resolvers.loaders import PageKey, make_loaders
from services.people import users
from services.people.records import User
from services.people.viewers import viewer_for
from services.platform.errors import ServiceError
from services.platform.settings import Settings
from services.runtime import collector
from services.runtime.wiring import Runtime, RuntimeScope
from services.store.pagination import Direction, Order, check_first
from services.submissions.records import SubmissionOrderField

# as the product is asked for it (bench/common.py NESTED)
OLDEST_FIRST = Order(SubmissionOrderField.CREATED, Direction.ASC)


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


async def nested(runtime: Runtime, token: str | None, n: int) -> dict[str, Any]:
    """users(first: n) { profile { manager { email } } submissions(first: 5, orderBy: CREATED
    ASC) { status } }"""
    identity = await runtime.verifier.verify(token) if token else None
    loaders = make_loaders(runtime)
    viewer = viewer_for(runtime=runtime, identity=identity, load_user=loaders.user.load)
    page = await users.list_users(
        runtime=runtime, viewer=viewer, role=None, include_inactive=False, first=n, after=None
    )

    async def manager_of(person: User) -> dict[str, Any] | None:
        profile = await loaders.profile.load(person.profile_id)
        if profile is None:
            return None
        manager = await loaders.user.load(profile.manager_id) if profile.manager_id else None
        return {"manager": {"email": manager.email} if manager else None}

    async def submissions_of(person: User) -> dict[str, Any]:
        await viewer.check_owned(person.user_id, what="these submissions")
        check_first(5, maximum=runtime.settings.page_size_max)
        page = await loaders.submissions_by_user.load(
            PageKey(parent=person.user_id, first=5, order=OLDEST_FIRST)
        )
        return {"edges": [{"node": {"status": s.status.value}} for s, _ in page.edges]}

    people = [person for person, _ in page.edges]
    profiles, subs = await asyncio.gather(
        asyncio.gather(*(manager_of(p) for p in people)),
        asyncio.gather(*(submissions_of(p) for p in people)),
    )
    edges = [
        {"node": {"profile": profile, "submissions": sub}}
        for profile, sub in zip(profiles, subs, strict=True)
    ]
    return {"data": {"users": {"edges": edges}}}


def create_app(settings: Settings) -> Starlette:
    holder: dict[str, Runtime] = {}

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with RuntimeScope(settings) as runtime:
            holder["runtime"] = runtime
            collector.settle(threshold=settings.gc_threshold)  # as the product's start-up
            yield

    async def handle(request: Request) -> Response:
        body = orjson.loads(await request.body())
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        try:
            result = await nested(
                holder["runtime"], token if scheme.lower() == "bearer" else None, int(body["n"])
            )
        except ServiceError as error:
            return _json({"errors": [{"message": error.message, "code": error.code}]})
        return _json(result)

    async def healthz(_: Request) -> Response:
        return _json({"status": "ok"})

    return Starlette(
        routes=[Route("/nested", handle, methods=["POST"]), Route("/healthz", healthz)],
        lifespan=lifespan,
    )


def app_from_env() -> Starlette:
    return create_app(Settings())
