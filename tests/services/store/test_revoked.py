"""The durable revocation list: one item of the counters table, written in the same
transaction as the deactivation or sign-out, pruned of entries older than
REVOCATION_SECONDS, and bounded: past REVOCATION_LIST_SIZE (at most 8000, which fits
DynamoDB's 400 KB item) a revocation is refused loudly and nothing is written."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from services.auth.identity import Identity, Role
from services.people import create_user, get_user, sign_out_user, viewer_for
from services.people.users import deactivate_user
from services.platform import clock
from services.platform.errors import RevocationListFull
from services.platform.settings import Settings
from services.runtime.wiring import Runtime, RuntimeScope
from services.store.dynamo import to_item
from services.store.revoked import KEY, MAX_BYTES, PREFIX, entry_bytes, read_revoked
from tests.support import processes

OPERATOR = Identity(user_id="cli", username="prework.cli", groups=frozenset({"admin"}))


def _viewer(runtime: Runtime) -> object:
    async def load(user_id: str) -> object:
        return await get_user(runtime=runtime, user_id=user_id)

    return viewer_for(runtime=runtime, identity=OPERATOR, load_user=load)  # type: ignore[arg-type]


async def _user(runtime: Runtime) -> tuple[str, str]:
    email = f"r-{uuid.uuid4().hex[:8]}@revoked.test"
    user, _ = await create_user(
        runtime=runtime, actor=OPERATOR, email=email, username="r", role=Role.USER
    )
    return user.user_id, email


def test_entries_are_written_with_the_change_and_expired_ones_pruned(settings: Settings) -> None:
    # given a deployment whose tokens live 60 s, and an entry stored 2 minutes ago
    own = processes.side_deployment(
        settings, "revlist", cognito_user_pool_id=None, revocation_seconds=60
    )

    async def scenario() -> None:
        async with RuntimeScope(own) as runtime:
            table = runtime.tables.counters
            old = clock.epoch_second() - 120
            await runtime.aws.dynamodb.put_item(
                TableName=table, Item=to_item(KEY | {PREFIX + "gone": old})
            )
            deactivated, _ = await _user(runtime)
            signed_out, email = await _user(runtime)
            # when one user is deactivated and another signed out
            before = clock.epoch_second()
            await deactivate_user(runtime=runtime, viewer=_viewer(runtime), user_id=deactivated)  # type: ignore[arg-type]
            user = await sign_out_user(runtime=runtime, actor=OPERATOR, email=email)
            # then both are on the stored list, from the moment of the change, the expired
            # entry is gone, and the sign-out is a versioned change of the user
            stored = await read_revoked(aws=runtime.aws, table=table)
            assert set(stored) == {deactivated, signed_out}
            assert all(before <= at <= clock.epoch_second() for at in stored.values())
            after = await get_user(runtime=runtime, user_id=user.user_id)
            assert after is not None and after.version == user.version + 1
            assert after.is_active

    asyncio.run(scenario())


def test_the_largest_list_fits_one_item() -> None:
    # given REVOCATION_LIST_SIZE at its maximum, every entry a 36-character id
    most = Settings.model_fields["revocation_list_size"].metadata
    assert any(getattr(m, "le", None) == 8000 for m in most)
    # then the entries stay under the bytes the list allows, itself under DynamoDB's 400 KB
    assert 8000 * entry_bytes(str(uuid.uuid4())) <= MAX_BYTES < 400 * 1024


def test_a_full_list_refuses_loudly_and_writes_nothing(settings: Settings) -> None:
    # given a list of 3 at most, holding 2 live entries
    own = processes.side_deployment(
        settings, "revfull", cognito_user_pool_id=None, revocation_list_size=3
    )

    async def scenario() -> None:
        async with RuntimeScope(own) as runtime:
            table = runtime.tables.counters
            now = clock.epoch_second()
            full = KEY | {PREFIX + str(uuid.uuid4()): now for _ in range(2)}
            await runtime.aws.dynamodb.put_item(TableName=table, Item=to_item(full))
            first, _ = await _user(runtime)
            second, _ = await _user(runtime)
            # when one more user is deactivated: the third entry fits
            await deactivate_user(runtime=runtime, viewer=_viewer(runtime), user_id=first)  # type: ignore[arg-type]
            assert len(await read_revoked(aws=runtime.aws, table=table)) == 3
            # when another one is: it is refused, and they stay active
            with pytest.raises(RevocationListFull) as refused:
                await deactivate_user(runtime=runtime, viewer=_viewer(runtime), user_id=second)  # type: ignore[arg-type]
            assert refused.value.details == {"revoked": 4, "maximum": 3}
            kept = await get_user(runtime=runtime, user_id=second)
            assert kept is not None and kept.is_active
            assert second not in await read_revoked(aws=runtime.aws, table=table)

    asyncio.run(scenario())
