"""No lock-out: an admin cannot deactivate, demote or delete themselves, through GraphQL or
the seed-003 `/endpoint` (the fuzzer's `me { id }` → `deactivateUser` stays harmless)."""

from __future__ import annotations

import httpx

from tests.support.clients import Api, error_codes

ME = "{ me { id role isActive } }"
DEACTIVATE = "mutation D($id: ID!) { deactivateUser(id: $id) { id isActive } }"
DEMOTE = "mutation R($id: ID!) { updateUser(id: $id, input: {role: USER}) { id role } }"


def test_an_admin_cannot_deactivate_or_demote_themselves(api: Api, admin_token: str) -> None:
    # given the demo admin's own id
    me = api.data(ME, token=admin_token)["me"]
    # when they deactivate themselves, or make themselves a USER
    for document in (DEACTIVATE, DEMOTE):
        body = api.run(document, {"id": me["id"]}, token=admin_token)
        # then each is refused with ADMIN_LOCKOUT (SELF), and nothing changed
        assert error_codes(body) == ["ADMIN_LOCKOUT"], body
        assert body["errors"][0]["extensions"]["reason"] == "SELF"
    assert api.data(ME, token=admin_token)["me"] == me | {"role": "ADMIN", "isActive": True}


def test_the_endpoint_refuses_the_same_writes(api: Api, admin_token: str) -> None:
    # given the demo admin's own users-table item
    me = api.data(ME, token=admin_token)["me"]
    url = f"{api.url}/endpoint?table=Users&id={me['id']}"
    headers = {"Authorization": f"Bearer {admin_token}"}
    # when they set isActive false, change their role, or delete their item
    attempts = [
        httpx.put(url, headers=headers, json={"set": {"isActive": False}}),
        httpx.put(url, headers=headers, json={"set": {"role": "USER"}}),
        httpx.put(url, headers=headers, json={"remove": ["role"]}),
        httpx.delete(url, headers=headers),
    ]
    # then each is a seed-shaped 403 and the item is as it was
    for response in attempts:
        assert response.status_code == 403, response.text
        assert response.json()["success"] is False
        assert "own admin access" in response.json()["error"]
    assert api.data(ME, token=admin_token)["me"] == me
    # and a harmless write to their own item still works
    ok = httpx.put(url, headers=headers, json={"set": {"nickname": "boss"}})
    assert ok.status_code == 200, ok.text
