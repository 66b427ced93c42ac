"""Viewer.team_ids: the caller's team, loaded through the wired `load_team` once per viewer."""

from __future__ import annotations

import pytest

from services.auth.access import Person, Viewer
from services.auth.identity import Identity
from services.platform.errors import Unauthenticated


async def _no_user(_: str) -> Person | None:
    return None


async def test_team_ids_loads_the_callers_team_once() -> None:
    # given a manager whose team loader counts its calls
    calls: list[str] = []

    async def load_team(manager_id: str) -> list[str]:
        calls.append(manager_id)
        return ["a", "b"]

    viewer = Viewer(
        identity=Identity(user_id="boss", username="boss", groups=frozenset({"manager"})),
        load_user=_no_user,
        load_team=load_team,
    )
    # when asking twice, and changing the first answer
    first = await viewer.team_ids()
    first.append("intruder")
    second = await viewer.team_ids()
    # then the team is the manager's, read once, and not changed by callers
    assert second == ["a", "b"]
    assert calls == ["boss"]


async def test_team_ids_needs_a_caller() -> None:
    # given an anonymous viewer
    async def load_team(_: str) -> list[str]:
        raise AssertionError("not reached")

    viewer = Viewer(identity=None, load_user=_no_user, load_team=load_team)
    # when asking for a team
    # then the caller must sign in
    with pytest.raises(Unauthenticated):
        await viewer.team_ids()
