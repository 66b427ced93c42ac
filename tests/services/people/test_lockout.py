"""The last active admin is never deactivated or demoted, whoever asks (here the `prework`
operator, who is no user); with a second admin, one admin may deactivate another."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from services.auth.identity import Identity, Role
from services.people import create_user, get_user, viewer_for
from services.people.users import deactivate_user, update_user
from services.platform.errors import LockOut
from services.platform.settings import Settings
from services.runtime.wiring import Runtime, RuntimeScope
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
