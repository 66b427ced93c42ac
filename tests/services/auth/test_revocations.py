"""The deny-list of revoked tokens: by user, up to a moment, bounded in size and age."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.auth.revocations import Revocations


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_tokens_issued_up_to_the_revocation_are_refused_later_ones_accepted() -> None:
    # given a user revoked at 1000.5
    clock = Clock(1000.5)
    revocations = Revocations(size=10, seconds=3600, clock=clock)
    revocations.revoke("u1", at=1000.5)
    # then tokens issued before or in that second are refused, later ones accepted
    assert revocations.refuses("u1", issued_at=990)
    assert revocations.refuses("u1", issued_at=1000)
    assert not revocations.refuses("u1", issued_at=1001)
    # and other users, and tokens without a usable iat, are judged accordingly
    assert not revocations.refuses("u2", issued_at=990)
    assert revocations.refuses("u1", issued_at=None)
    assert revocations.refuses("u1", issued_at=True)


def test_a_revocation_is_forgotten_once_every_token_it_covers_has_expired() -> None:
    clock = Clock(1000.0)
    revocations = Revocations(size=10, seconds=60, clock=clock)
    revocations.revoke("u1", at=1000.0)
    clock.now = 1061.0
    assert not revocations.refuses("u1", issued_at=999)
    revocations.revoke("u2", at=1061.0)
    assert len(revocations) == 1


def test_a_later_revocation_never_moves_the_moment_back() -> None:
    revocations = Revocations(size=10, seconds=3600, clock=Clock(2000.0))
    revocations.revoke("u1", at=2000.0)
    revocations.revoke("u1", at=1500.0)  # a late event from another process
    assert revocations.refuses("u1", issued_at=1999)


@given(st.lists(st.integers(0, 50), max_size=300), st.integers(1, 20))
def test_the_list_never_holds_more_than_its_size(users: list[int], size: int) -> None:
    clock = Clock(10_000.0)
    revocations = Revocations(size=size, seconds=3600, clock=clock)
    for user in users:
        revocations.revoke(f"u{user}", at=clock.now)
        assert len(revocations) <= size
    # and the most recently revoked user is always remembered
    if users:
        assert revocations.refuses(f"u{users[-1]}", issued_at=clock.now - 1)


def test_listeners_hear_only_news() -> None:
    # given a deny-list with a listener (the process's open WebSockets)
    heard: list[str] = []
    revocations = Revocations(size=10, seconds=60, clock=Clock(1000.0))
    revocations.listen(heard.append)
    # when a user is revoked, the same revocation read again (the stored list each second),
    # an older one arrives late, then a later one, and one already expired
    assert revocations.revoke("u1", at=990.0)
    assert not revocations.revoke("u1", at=990.0)
    assert not revocations.revoke("u1", at=980.0)
    assert revocations.revoke("u1", at=995.0)
    assert not revocations.revoke("u2", at=900.0)
    # then the listener heard the new and the later one only
    assert heard == ["u1", "u1"]
