"""Profiles: one per user; a team is the profiles whose `managerId` is the manager's user id."""

from __future__ import annotations

import dataclasses
from typing import Any

from services.auth.access import Viewer
from services.people import search
from services.people.records import Profile, team_counter
from services.people.users import NewProfile, check_manager, load_user, profile_fields
from services.platform import clock, validation
from services.platform.errors import BadInput, Forbidden, NotFound
from services.runtime.wiring import Runtime
from services.store.dynamo import batch_get, from_item
from services.store.list_request import ListRequest
from services.store.pagination import Order, Slice, partition_page
from services.store.tables import PROFILES
from services.store.versioned import check_version, save_changes, update_entry

_UNSET = object()


async def get_profiles(*, runtime: Runtime, ids: list[str]) -> dict[str, Profile]:
    """Profiles by id (BatchGetItem, 100 a call)."""
    items = await batch_get(
        aws=runtime.aws, table=runtime.tables.profiles, keys=[{"profileId": i} for i in ids]
    )
    return {i["profileId"]: Profile.from_item(i) for i in items}


def team_scope(manager_id: str) -> str:
    return f"team:{manager_id}"


async def team_page(
    *,
    runtime: Runtime,
    manager_id: str,
    first: int,
    after: str | None,
    order: Order | None = None,
) -> Slice[Profile]:
    """One page of a manager's team, in `order` (a sorted index over managerId) or in key
    order (ManagerIdIndex). Callers check access first."""
    return await partition_page(
        runtime=runtime,
        spec=PROFILES,
        attribute="managerId",
        value=manager_id,
        scope=team_scope(manager_id),
        first=first,
        after=after,
        build=Profile.from_item,
        count_keys=(team_counter(manager_id),),
        order=order,
    )


async def team_members(
    *,
    runtime: Runtime,
    viewer: Viewer,
    manager_id: str,
    first: int,
    after: str | None,
    order: Order | None = None,
) -> Slice[Profile]:
    """A manager's team: the manager themself or an admin may list it."""
    identity = viewer.require()
    validation.identifier(manager_id, field="managerId")
    if not (identity.is_admin or (identity.is_manager and identity.user_id == manager_id)):
        raise Forbidden("only the manager or an admin may list this team")
    return await team_page(
        runtime=runtime, manager_id=manager_id, first=first, after=after, order=order
    )


async def team_ids(*, runtime: Runtime, manager_id: str, limit: int = 100) -> list[str]:
    """User ids of a manager's team (at most `limit`)."""
    query = ListRequest(PROFILES, runtime.tables).on("managerId", manager_id)
    response = await runtime.aws.dynamodb.query(
        **query.request(), ProjectionExpression="userId", Limit=limit + 1
    )
    ids = [from_item(i)["userId"] for i in response.get("Items", [])]
    if len(ids) > limit or response.get("LastEvaluatedKey"):
        raise BadInput(f"this team has more than {limit} members: filter by userId")
    return ids


async def update_profile(
    *,
    runtime: Runtime,
    viewer: Viewer,
    profile_id: str,
    changes: NewProfile,
    manager_id: object = _UNSET,
    expected_version: int | None = None,
) -> Profile:
    """Change profile fields (owner or admin); `managerId` only by an admin."""
    identity = viewer.require()
    found = await get_profiles(runtime=runtime, ids=[validation.identifier(profile_id)])
    profile = found.get(profile_id)
    if profile is None:
        raise NotFound("no profile with this id")
    actor = viewer.check_self_or_admin(profile.user_id, what="this profile")
    fields = {
        k: v
        for k, v in profile_fields(changes).items()
        if k != "manager_id" and getattr(changes, k) is not None
    }
    also: list[dict[str, object]] = []
    if manager_id is not _UNSET:
        if not identity.is_admin:
            raise Forbidden("only an admin may change a manager")
        if manager_id is not None:
            assert isinstance(manager_id, str)
            if manager_id == profile.user_id:
                raise BadInput("a person cannot manage themself", field="managerId")
            await check_manager(runtime=runtime, manager_id=manager_id)
        fields["manager_id"] = manager_id
    if not fields:
        raise BadInput("nothing to change")
    check_version(profile, expected_version)
    owner = await load_user(viewer, profile.user_id)
    if owner is None:
        raise NotFound("the profile's user no longer exists")
    # Names, job, department and manager are searched for: the entries change with them.
    changed: dict[str, Any] = dict(fields)
    also += search.index_changes(
        runtime, before=(owner, profile), after=(owner, dataclasses.replace(profile, **changed))
    )
    if "manager_id" in fields and fields["manager_id"] != profile.manager_id:
        also.append(
            update_entry(
                table=runtime.tables.users,
                key={"userId": owner.user_id},
                record=owner,
                changes={"manager_id": fields["manager_id"]},
                actor=actor,
                at=clock.now_iso(),
            )
        )
    elif also:
        also.append(search.unchanged(runtime.tables.users, {"userId": owner.user_id}, owner))
    return await save_changes(
        runtime=runtime,
        table=runtime.tables.profiles,
        key={"profileId": profile.profile_id},
        record=profile,
        changes=fields,
        actor=actor,
        entity_type="Profile",
        entity_id=profile.profile_id,
        owner_id=profile.user_id,
        also=also,
    )
