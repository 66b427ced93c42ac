"""Resolvers for users, profiles and the audit log: thin calls into services via loaders."""

from __future__ import annotations

from resolvers.context import RequestContext
from resolvers.loaders import PageKey
from services.auth.identity import Role
from services.people import profiles, users
from services.people.records import Profile, User
from services.platform import validation
from services.platform.errors import Forbidden, NotFound
from services.store import audit
from services.store.audit import AuditEntry
from services.store.pagination import Slice, check_first
from services.submissions.records import Submission, SubmissionStatus


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


async def user_list(
    ctx: RequestContext, role: Role | None, include_inactive: bool, first: int, after: str | None
) -> Slice[User]:
    return await users.list_users(
        runtime=ctx.runtime,
        viewer=ctx.viewer,
        role=role,
        include_inactive=include_inactive,
        first=first,
        after=after,
    )


async def profile(ctx: RequestContext, profile_id: str) -> Profile | None:
    ctx.viewer.require()
    found = await ctx.loaders.profile.load(validation.identifier(profile_id))
    if found is None:
        return None
    owner = await ctx.loaders.user.load(found.user_id)
    if owner is None or not await ctx.viewer.can_read_person(owner):
        raise Forbidden("you may not access this profile")
    return found


async def team_members(
    ctx: RequestContext, manager_id: str, first: int, after: str | None
) -> Slice[Profile]:
    return await profiles.team_members(
        runtime=ctx.runtime, viewer=ctx.viewer, manager_id=manager_id, first=first, after=after
    )


async def profile_of(ctx: RequestContext, person: User) -> Profile | None:
    return await ctx.loaders.profile.load(person.profile_id)


async def user_of(ctx: RequestContext, user_id: str | None) -> User | None:
    return await ctx.loaders.user.load(user_id) if user_id else None


async def submissions_of(
    ctx: RequestContext,
    person: User,
    status: SubmissionStatus | None,
    first: int,
    after: str | None,
) -> Slice[Submission]:
    await ctx.viewer.check_owned(person.user_id, what="these submissions")
    check_first(first, maximum=ctx.runtime.settings.page_size_max)
    key = PageKey(parent=person.user_id, first=first, after=after, status=status)
    return await ctx.loaders.submissions_by_user.load(key)


async def team_of(
    ctx: RequestContext, person: User, first: int, after: str | None
) -> Slice[Profile]:
    identity = ctx.viewer.require()
    if not (identity.is_admin or identity.user_id == person.user_id):
        raise Forbidden("only the manager or an admin may list this team")
    check_first(first, maximum=ctx.runtime.settings.page_size_max)
    return await ctx.loaders.team.load(PageKey(parent=person.user_id, first=first, after=after))


async def audit_log(
    ctx: RequestContext, entity_id: str | None, user_id: str | None, first: int, after: str | None
) -> Slice[AuditEntry]:
    return await audit.list_entries(
        runtime=ctx.runtime,
        viewer=ctx.viewer,
        entity_id=entity_id,
        user_id=user_id,
        first=first,
        after=after,
    )


async def require_user(ctx: RequestContext, user_id: str) -> User:
    found = await ctx.loaders.user.load(user_id)
    if found is None:
        raise NotFound("no user with this id")
    return found
