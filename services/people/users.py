"""Users (with their profile): create, read, update, soft delete. Their Cognito side is in
`identities.py`."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from services.auth.access import Viewer
from services.auth.identity import Identity, Role
from services.people import identities, search
from services.people.records import Profile, User
from services.platform import clock, validation
from services.platform.errors import BadInput, Forbidden, NotFound
from services.runtime.wiring import Runtime, revoke_tokens
from services.store.admins import KEEP_AN_ADMIN, guard_self_removal, users_counter
from services.store.dynamo import batch_get, from_item, get_item
from services.store.list_request import ListRequest
from services.store.pagination import Direction, Order, Slice, check_first, read_slice
from services.store.records import camel
from services.store.revoked import revocation_entry
from services.store.tables import USERS
from services.store.versioned import check_version, create, save_changes, stamp_new

log = logging.getLogger("prework.people")


@dataclass(frozen=True, kw_only=True)
class NewProfile:
    first_name: str | None = None
    last_name: str | None = None
    job_title: str | None = None
    department: str | None = None
    phone: str | None = None
    bio: str | None = None
    manager_id: str | None = None


async def get_users(*, runtime: Runtime, ids: list[str]) -> dict[str, User]:
    """Users by id (BatchGetItem, 100 a call); missing ids are absent."""
    items = await batch_get(
        aws=runtime.aws, table=runtime.tables.users, keys=[{"userId": i} for i in ids]
    )
    return {i["userId"]: User.from_item(i) for i in items if "profileId" in i}


async def get_user(*, runtime: Runtime, user_id: str) -> User | None:
    item = await get_item(aws=runtime.aws, table=runtime.tables.users, key={"userId": user_id})
    return User.from_item(item) if item and "profileId" in item else None


async def find_by_email(*, runtime: Runtime, email: str) -> User | None:
    """The user with `email` (EmailIndex), or None."""
    query = ListRequest(USERS, runtime.tables).on("email", validation.email(email))
    response = await runtime.aws.dynamodb.query(**query.request(), Limit=2)
    items = [from_item(i) for i in response.get("Items", [])]
    return User.from_item(items[0]) if items else None


async def list_users(
    *,
    runtime: Runtime,
    viewer: Viewer,
    role: Role | None,
    include_inactive: bool,
    first: int,
    after: str | None,
    order: Order | None = None,
) -> Slice[User]:
    """Users by role (RoleIndex; in `order`, a sorted index over role) or all of them (Scan,
    key order), active only unless asked. Admins only."""
    viewer.require_admin()
    check_first(first, maximum=runtime.settings.page_size_max)
    query = ListRequest(USERS, runtime.tables)
    if order is not None and role is None:
        raise BadInput("orderBy needs a role: users are kept sorted within each role")
    if role is not None:
        query.on("role", role.value, by=order.by if order else None)
        if order is not None and order.direction is Direction.DESC:
            query.descending()
    query.where_exists("profileId")
    if not include_inactive:
        query.where("isActive", True)
    scope = f"users:{role.value if role else '*'}:{int(include_inactive)}"
    if order is not None:
        scope += f":{order.scope}"
    states = (True, False) if include_inactive else (True,)
    return await read_slice(
        runtime=runtime,
        query=query,
        scope=scope,
        first=first,
        after=after,
        build=User.from_item,
        count_keys=tuple(
            users_counter(r, active=a) for r in ([role] if role else list(Role)) for a in states
        ),
    )


async def create_user(
    *,
    runtime: Runtime,
    actor: Identity,
    email: str,
    username: str,
    role: Role = Role.USER,
    profile: NewProfile | None = None,
    password: str | None = None,
) -> tuple[User, Profile]:
    """Create a user and their profile in one transaction (admins only).

    With a Cognito pool configured the identity is created there first (its `sub` becomes
    the user id), and removed again if the database write fails.
    """
    if not actor.is_admin:
        raise Forbidden("only an admin may create users")
    email = validation.email(email)
    username = validation.required_text(username, field="username", max_length=64)
    profile = profile or NewProfile()
    if profile.manager_id is not None:
        await check_manager(runtime=runtime, manager_id=profile.manager_id)
    user_id = await identities.create_identity(
        runtime=runtime, email=email, username=username, role=role, password=password
    )
    at = clock.now_iso()
    meta = stamp_new(actor, at)
    profile_record = Profile.from_item(
        {"profileId": str(uuid.uuid4()), "userId": user_id}
        | {camel(k): v for k, v in (profile_fields(profile) | meta).items()}
    )
    user = User(
        user_id=user_id,
        email=email,
        username=username,
        role=role,
        is_active=True,
        profile_id=profile_record.profile_id,
        manager_id=profile_record.manager_id,
        **meta,
    )
    try:
        await create(
            runtime=runtime,
            puts=[
                (runtime.tables.users, user, "userId"),
                (runtime.tables.profiles, profile_record, "profileId"),
            ],
            actor=actor,
            entity_type="User",
            entity_id=user_id,
            owner_id=user_id,
            also=search.index_changes(runtime, before=None, after=(user, profile_record)),
        )
    except Exception:
        await identities.delete_identity(runtime=runtime, email=email)
        raise
    return user, profile_record


def profile_fields(profile: NewProfile) -> dict[str, str | None]:
    limits = {
        "first_name": 100,
        "last_name": 100,
        "job_title": 100,
        "department": 100,
        "phone": 32,
        "bio": 2000,
    }
    values: dict[str, str | None] = {
        name: validation.text(getattr(profile, name), field=name, max_length=limit)
        for name, limit in limits.items()
    }
    values["manager_id"] = profile.manager_id
    return values


async def check_manager(*, runtime: Runtime, manager_id: str) -> User:
    manager = await get_user(
        runtime=runtime, user_id=validation.identifier(manager_id, field="managerId")
    )
    if manager is None or not manager.is_active:
        raise BadInput("managerId does not name an active user", field="managerId")
    if manager.role not in (Role.MANAGER, Role.ADMIN):
        raise BadInput("managerId must name a manager or an admin", field="managerId")
    return manager


async def update_user(
    *,
    runtime: Runtime,
    viewer: Viewer,
    user_id: str,
    username: str | None = None,
    role: Role | None = None,
    expected_version: int | None = None,
) -> User:
    """Change a user's username (self or admin) or role (admin)."""
    user = await _readable(runtime=runtime, viewer=viewer, user_id=user_id)
    actor = viewer.check_self_or_admin(user.user_id, what="this user")
    changes: dict[str, Any] = {}
    if username is not None:
        changes["username"] = validation.required_text(username, field="username", max_length=64)
    if role is not None:
        if not actor.is_admin:
            raise Forbidden("only an admin may change roles")
        changes["role"] = role
        if user.role is Role.ADMIN and user.is_active and role is not Role.ADMIN:
            guard_self_removal(actor_id=actor.user_id, user_id=user.user_id)
    if not changes:
        raise BadInput("nothing to change")
    check_version(user, expected_version)
    also: list[dict[str, Any]] = []
    if changes.get("username", user.username) != user.username:
        # The username is searched for: the person's index entries change with it.
        item = await get_item(
            aws=runtime.aws,
            table=runtime.tables.profiles,
            key={"profileId": user.profile_id},
            consistent=True,
        )
        if item is not None:
            profile = Profile.from_item(item)
            also = search.index_changes(
                runtime,
                before=(user, profile),
                after=(dataclasses.replace(user, **changes), profile),
            )
            also.append(
                search.unchanged(runtime.tables.profiles, {"profileId": user.profile_id}, profile)
            )
    updated = await save_changes(
        runtime=runtime,
        table=runtime.tables.users,
        key={"userId": user.user_id},
        record=user,
        changes=changes,
        actor=actor,
        entity_type="User",
        entity_id=user.user_id,
        owner_id=user.user_id,
        also=also,
        floors=KEEP_AN_ADMIN,
    )
    if role is not None and role != user.role:
        await identities.sync_groups(runtime=runtime, user=updated, role=role)
    return updated


async def deactivate_user(*, runtime: Runtime, viewer: Viewer, user_id: str) -> User:
    """Soft delete (admins only): `isActive` becomes false, the Cognito user is disabled and
    their tokens are refused on every API process (the durable revocation list, written in
    the same transaction, and `revoke_tokens`). An admin cannot deactivate themselves, nor
    the last active admin (ADMIN_LOCKOUT)."""
    actor = viewer.require_admin()
    user = await _readable(runtime=runtime, viewer=viewer, user_id=user_id)
    if user.user_id == actor.user_id:
        guard_self_removal(actor_id=actor.user_id, user_id=user.user_id)
    if not user.is_active:
        return user
    at = clock.epoch_second()
    updated = await save_changes(
        runtime=runtime,
        table=runtime.tables.users,
        key={"userId": user.user_id},
        record=user,
        changes={"is_active": False},
        actor=actor,
        entity_type="User",
        entity_id=user.user_id,
        owner_id=user.user_id,
        action="DEACTIVATE",
        also=[await revocation_entry(runtime=runtime, user_id=user.user_id, at=at)],
        floors=KEEP_AN_ADMIN,
    )
    await revoke_tokens(runtime=runtime, user_id=user.user_id, at=at)
    await _cognito(runtime, "admin_disable_user", user)
    return updated


async def reactivate_user(*, runtime: Runtime, viewer: Viewer, user_id: str) -> User:
    """Undo a deactivation (admins only): `isActive` true and the Cognito user enabled. Tokens
    issued before the deactivation stay refused (its revocation entry stays, restarts
    included); the user signs in again."""
    actor = viewer.require_admin()
    user = await _readable(runtime=runtime, viewer=viewer, user_id=user_id)
    if user.is_active:
        return user
    updated = await save_changes(
        runtime=runtime,
        table=runtime.tables.users,
        key={"userId": user.user_id},
        record=user,
        changes={"is_active": True},
        actor=actor,
        entity_type="User",
        entity_id=user.user_id,
        owner_id=user.user_id,
        action="REACTIVATE",
    )
    await _cognito(runtime, "admin_enable_user", user)
    return updated


async def sign_out_user(*, runtime: Runtime, actor: Identity, email: str) -> User:
    """Sign a user out everywhere (admins only): Cognito revokes their refresh tokens, and
    their ID and access tokens are refused on every API process from now on. Recorded as a
    versioned, audited change of the user (SIGN_OUT) with its revocation entry."""
    if not actor.is_admin:
        raise Forbidden("only an admin may sign users out")
    user = await find_by_email(runtime=runtime, email=email)
    if user is None:
        raise NotFound("no user with this email")
    at = clock.epoch_second()
    await save_changes(
        runtime=runtime,
        table=runtime.tables.users,
        key={"userId": user.user_id},
        record=user,
        changes={},
        actor=actor,
        entity_type="User",
        entity_id=user.user_id,
        owner_id=user.user_id,
        action="SIGN_OUT",
        also=[await revocation_entry(runtime=runtime, user_id=user.user_id, at=at)],
    )
    await revoke_tokens(runtime=runtime, user_id=user.user_id, at=at)
    await _cognito(runtime, "admin_user_global_sign_out", user)
    return user


async def _cognito(runtime: Runtime, call: str, user: User) -> None:
    # Best effort after the database commit: the deny-list already refuses the tokens.
    pool = runtime.settings.cognito_user_pool_id
    if not pool:
        return
    try:
        await getattr(runtime.aws.cognito, call)(UserPoolId=pool, Username=user.email)
    except ClientError as error:
        log.error("Cognito %s for user %s failed: %s", call, user.user_id, error)


async def load_user(viewer: Viewer, user_id: str) -> User | None:
    """`viewer.load_user` as people's `User`: access rules type it only by what they read."""
    found = await viewer.load_user(user_id)
    assert found is None or isinstance(found, User), "the viewer's loader returns Users"
    return found


async def _readable(*, runtime: Runtime, viewer: Viewer, user_id: str) -> User:
    viewer.require()
    user = await load_user(viewer, validation.identifier(user_id))
    if user is None:
        raise NotFound("no user with this id")
    if not await viewer.can_read_person(user):
        raise Forbidden("you may not access this user")
    return user
