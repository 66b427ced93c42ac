"""Viewers wired to people: their team is the profiles they manage (ManagerIdIndex)."""

from __future__ import annotations

from services.auth.access import LoadUser, Viewer
from services.auth.identity import Identity
from services.people.profiles import team_ids
from services.platform.errors import ServiceError
from services.runtime.wiring import Runtime


def viewer_for(
    *,
    runtime: Runtime,
    identity: Identity | None,
    load_user: LoadUser,
    rejection: ServiceError | None = None,
) -> Viewer:
    """The caller `identity`, loading users with `load_user` (a DataLoader in the API) and
    their team with `profiles.team_ids`."""

    async def load_team(manager_id: str) -> list[str]:
        return await team_ids(runtime=runtime, manager_id=manager_id)

    return Viewer(identity=identity, load_user=load_user, load_team=load_team, rejection=rejection)
