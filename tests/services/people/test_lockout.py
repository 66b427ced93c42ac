"""The last active admin is never deactivated or demoted, whoever asks (here the `prework`
operator, who is no user); with a second admin, one admin may deactivate another."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from services.admin import by_key
from services.auth.identity import Identity, Role
from services.local.counting import build_counters, scan_all
from services.people import create_user, get_user, viewer_for
from services.people.users import deactivate_user, update_user
from services.platform.errors import LockOut
from services.platform.settings import Settings
from services.runtime.wiring import Runtime, RuntimeScope
from services.store.admins import ACTIVE_ADMINS, is_active_admin
from services.store.counters import read_counts
from services.store.dynamo import to_item
from tests.support import processes

OPERATOR = Identity(user_id="cli", username="prework.cli", groups=frozenset({"admin"}))


def _viewer(runtime: Runtime, identity: Identity) -> object:
    async def load(user_id: str) -> object:
        return await get_user(runtime=runtime, user_id=user_id)

    return viewer_for(runtime=runtime, identity=identity, load_user=load)  # type: ignore[arg-type]


async def _admin(runtime: Runtime) -> str:
    email = f"admin-{uuid.uuid4().hex[:8]}@lockout.test"
    user, _ = await create_user(
        runtime=runtime, actor=OPERATOR, email=email, username="only", role=Role.ADMIN
    )
    return user.user_id


def test_the_last_active_admin_cannot_be_deactivated_or_demoted(settings: Settings) -> None:
    # given a deployment of its own whose users table has one admin
    own = processes.side_deployment(settings, "lockout", cognito_user_pool_id=None)

    async def scenario() -> None:
        async with RuntimeScope(own) as runtime:
            only = await _admin(runtime)
            viewer = _viewer(runtime, OPERATOR)
            # when the operator deactivates or demotes them
            for change in (
                deactivate_user(runtime=runtime, viewer=viewer, user_id=only),  # type: ignore[arg-type]
                update_user(runtime=runtime, viewer=viewer, user_id=only, role=Role.USER),  # type: ignore[arg-type]
            ):
                # then LAST_ADMIN is refused and the admin stays an active admin
                with pytest.raises(LockOut) as refused:
                    await change
                assert refused.value.details["reason"] == "LAST_ADMIN"
            kept = await get_user(runtime=runtime, user_id=only)
            assert kept is not None and kept.is_active and kept.role is Role.ADMIN

            # given a second admin
            second = await _admin(runtime)
            as_second = Identity(user_id=second, username="second", groups=frozenset({"admin"}))
            # when the second deactivates the first
            done = await deactivate_user(
                runtime=runtime,
                viewer=_viewer(runtime, as_second),  # type: ignore[arg-type]
                user_id=only,
            )
            # then it works, and the second is now the last one
            assert not done.is_active
            with pytest.raises(LockOut):
                await deactivate_user(runtime=runtime, viewer=viewer, user_id=second)  # type: ignore[arg-type]

    asyncio.run(scenario())


# Ways one admin removes another: GraphQL's services, and the seed-003 admin table API's
# writes to the users table (what `/endpoint` and the `admin*` fields call).
async def _deactivate(runtime: Runtime, actor: Identity, user_id: str) -> object:
    return await deactivate_user(runtime=runtime, viewer=_viewer(runtime, actor), user_id=user_id)  # type: ignore[arg-type]


async def _demote(runtime: Runtime, actor: Identity, user_id: str) -> object:
    viewer = _viewer(runtime, actor)
    return await update_user(runtime=runtime, viewer=viewer, user_id=user_id, role=Role.MANAGER)  # type: ignore[arg-type]


async def _endpoint_set(runtime: Runtime, actor: Identity, user_id: str) -> object:
    outcome = await by_key.update_item(
        runtime=runtime, actor=actor, table="Users", item_id=user_id, update=UNSET_ACTIVE
    )
    assert outcome.success, outcome
    return outcome


async def _endpoint_delete(runtime: Runtime, actor: Identity, user_id: str) -> object:
    return await by_key.delete_item(runtime=runtime, actor=actor, table="Users", item_id=user_id)


async def _endpoint_put(runtime: Runtime, actor: Identity, user_id: str) -> object:
    item = await by_key.get_item(runtime=runtime, actor=actor, table="Users", item_id=user_id)
    return await by_key.create_item(
        runtime=runtime, actor=actor, table="Users", item=item | {"role": "USER"}
    )


UNSET_ACTIVE = {"set": {"isActive": False, "note": "removed"}}
REMOVALS = {
    "deactivate": _deactivate,
    "demote": _demote,
    "endpoint set": _endpoint_set,
    "endpoint delete": _endpoint_delete,
    "endpoint put": _endpoint_put,
}
RACES = [
    ("deactivate", "deactivate"),
    ("demote", "demote"),
    ("deactivate", "demote"),
    ("endpoint set", "deactivate"),
    ("endpoint delete", "demote"),
    ("endpoint put", "endpoint set"),
    ("endpoint delete", "endpoint delete"),
    ("deactivate", "deactivate"),
]


def _as_admin(user_id: str) -> Identity:
    return Identity(user_id=user_id, username=f"admin.{user_id[:6]}", groups=frozenset({"admin"}))


async def _active_admins(runtime: Runtime) -> tuple[int, int]:
    """Active admins as the counter says, and as the stored users make them (a Scan)."""
    counted = await read_counts(
        aws=runtime.aws, table=runtime.tables.counters, keys=[ACTIVE_ADMINS]
    )
    stored = 0
    async for item in scan_all(aws=runtime.aws, table=runtime.tables.users):
        stored += is_active_admin(item)
    return counted[ACTIVE_ADMINS], stored


def test_two_admins_removing_each_other_at_once_leave_one(settings: Settings) -> None:
    # given a deployment of its own with one admin
    own = processes.side_deployment(settings, "lockrace", cognito_user_pool_id=None)

    async def scenario() -> None:
        async with RuntimeScope(own) as runtime:
            survivor = await _admin(runtime)
            for first, second in RACES:
                # given a second admin
                other = await _admin(runtime)
                assert await _active_admins(runtime) == (2, 2)
                # when each removes the other at the same moment
                outcomes = await asyncio.gather(
                    REMOVALS[first](runtime, _as_admin(survivor), other),
                    REMOVALS[second](runtime, _as_admin(other), survivor),
                    return_exceptions=True,
                )
                # then exactly one wins, the other is refused as LAST_ADMIN
                refused = [o for o in outcomes if isinstance(o, Exception)]
                assert len(refused) == 1, (first, second, outcomes)
                assert isinstance(refused[0], LockOut), (first, second, refused)
                assert refused[0].details["reason"] == "LAST_ADMIN"
                # and one active admin is left, counted exactly
                assert await _active_admins(runtime) == (1, 1), (first, second)
                survivor = survivor if isinstance(outcomes[1], Exception) else other

    asyncio.run(scenario())


def test_a_missing_admin_counter_refuses_until_init_counts(settings: Settings) -> None:
    # given two admins, and their counter lost (data from before counters, init not run)
    own = processes.side_deployment(settings, "lockcount", cognito_user_pool_id=None)

    async def scenario() -> None:
        async with RuntimeScope(own) as runtime:
            first, second = await _admin(runtime), await _admin(runtime)
            await runtime.aws.dynamodb.delete_item(
                TableName=runtime.tables.counters, Key=to_item({"counterId": ACTIVE_ADMINS})
            )
            # when one deactivates the other
            with pytest.raises(LockOut) as refused:
                await _deactivate(runtime, _as_admin(first), second)
            # then it is refused (the safe side) and nothing changed
            assert refused.value.details["reason"] == "LAST_ADMIN"
            kept = await get_user(runtime=runtime, user_id=second)
            assert kept is not None and kept.is_active
            # when `prework init --recount` counts the admins again
            await build_counters(aws=runtime.aws, settings=own, force=True)
            # then the deactivation goes through
            done = await _deactivate(runtime, _as_admin(first), second)
            assert not done.is_active  # type: ignore[attr-defined]

    asyncio.run(scenario())


def test_an_admin_table_update_removing_your_own_access_writes_nothing(
    settings: Settings,
) -> None:
    # given two admins
    own = processes.side_deployment(settings, "lockself", cognito_user_pool_id=None)

    async def scenario() -> None:
        async with RuntimeScope(own) as runtime:
            me, _ = await _admin(runtime), await _admin(runtime)
            # when I send the admin table API an update whose later action removes my access
            update = {"set": {"jobTitle": "changed"}, "remove": ["role"]}
            with pytest.raises(LockOut) as refused:
                await by_key.update_item(
                    runtime=runtime, actor=_as_admin(me), table="Users", item_id=me, update=update
                )
            # then it is refused as SELF before any action is written
            assert refused.value.details["reason"] == "SELF"
            item = await runtime.aws.dynamodb.get_item(
                TableName=runtime.tables.users, Key=to_item({"userId": me}), ConsistentRead=True
            )
            assert "jobTitle" not in item["Item"]
            assert item["Item"]["role"] == {"S": "ADMIN"}

    asyncio.run(scenario())
