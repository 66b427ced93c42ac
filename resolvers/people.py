"""Reads of users and profiles through the request's loaders, with the access checks that
need them (the caller's own record, a person's manager)."""

from __future__ import annotations

from collections.abc import Awaitable

from resolvers.context import RequestContext
from resolvers.loaders import PageKey
from services.people import users
from services.people.records import Profile, User
from services.platform import validation
from services.platform.errors import Forbidden
from services.store.pagination import Order, Slice, check_first


async def me(ctx: RequestContext) -> User | None:
    identity = ctx.viewer.require()
    return await ctx.loaders.user.load(identity.user_id)


async def user(ctx: RequestContext, user_id: str) -> User | None:
    ctx.viewer.require()
    found = await ctx.loaders.user.load(validation.identifier(user_id))
    if found is not None and not await ctx.viewer.can_read_person(found):
        raise Forbidden("you may not access this user")
    return found


async def user_by_email(ctx: RequestContext, email: str) -> User | None:
    ctx.viewer.require()
    found = await users.find_by_email(runtime=ctx.runtime, email=email)
    if found is not None and not await ctx.viewer.can_read_person(found):
        raise Forbidden("you may not access this user")
    return found


async def profile(ctx: RequestContext, profile_id: str) -> Profile | None:
    ctx.viewer.require()
    found = await ctx.loaders.profile.load(validation.identifier(profile_id))
    if found is None:
        return None
    owner = await ctx.loaders.user.load(found.user_id)
    if owner is None or not await ctx.viewer.can_read_person(owner):
        raise Forbidden("you may not access this profile")
    return found


def profile_of(ctx: RequestContext, person: User) -> Awaitable[Profile | None]:
    """The loader's future itself (resolvers/futures.py): no coroutine to run."""
    return ctx.loaders.profile.load(person.profile_id)


def user_of(ctx: RequestContext, user_id: str) -> Awaitable[User | None]:
    """The loader's future itself (resolvers/futures.py): no coroutine to run."""
    return ctx.loaders.user.load(user_id)


async def team_of(
    ctx: RequestContext,
    person: User,
    first: int,
    after: str | None,
    *,
    count: bool = False,
    order: Order | None = None,
) -> Slice[Profile]:
    identity = ctx.viewer.require()
    if not (identity.is_admin or identity.user_id == person.user_id):
        raise Forbidden("only the manager or an admin may list this team")
    check_first(first, maximum=ctx.runtime.settings.page_size_max)
    key = PageKey(parent=person.user_id, first=first, after=after, count=count, order=order)
    return await ctx.loaders.team.load(key)
