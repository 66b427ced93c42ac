"""The audit log by entity follows the team rule: a manager sees entries their team owns."""

from __future__ import annotations

from services.platform.settings import Settings
from tests.support.clients import Api
from tests.support.factories.people import make_submission, make_team

AUDIT_BY_ENTITY = """
query AuditByEntity($e: ID!) {
  auditLog(entityId: $e) { edges { node { entityId action userId ownerId } } }
}
"""


def _entries(api: Api, entity_id: str, token: str) -> list[dict[str, str]]:
    edges = api.data(AUDIT_BY_ENTITY, {"e": entity_id}, token=token)["auditLog"]["edges"]
    return [e["node"] for e in edges]


def test_a_manager_sees_entries_their_team_owns_and_no_others(
    api: Api, settings: Settings, admin_token: str
) -> None:
    # given a team member's draft and an outsider's (each has its CREATE entry)
    team = make_team(api, settings, admin_token)
    ours = make_submission(api, team.member)
    theirs = make_submission(api, team.outsider)
    # when the manager reads both entities' audit logs
    seen = _entries(api, ours["id"], team.manager.token)
    hidden = _entries(api, theirs["id"], team.manager.token)
    # then the team member's entry is there and the outsider's is not
    assert seen == [
        {
            "entityId": ours["id"],
            "action": "CREATE",
            "userId": team.member.id,
            "ownerId": team.member.id,
        }
    ]
    assert hidden == []
    # and the outsider's own manager does see it
    assert [e["action"] for e in _entries(api, theirs["id"], team.other_manager.token)] == [
        "CREATE"
    ]


def test_a_teammate_sees_only_their_own_entries(
    api: Api, settings: Settings, admin_token: str
) -> None:
    # given a draft of one team member
    team = make_team(api, settings, admin_token)
    draft = make_submission(api, team.member)
    # when another member of the same team reads its audit log
    entries = _entries(api, draft["id"], team.member2.token)
    # then nothing: only managers see their team's entries
    assert entries == []
    # while its owner sees the entry
    assert [e["action"] for e in _entries(api, draft["id"], team.member.token)] == ["CREATE"]
