"""Counters never drift and search entries never go stale: after any sequence of concurrent
creates, status changes, deletes, deactivations, role and manager changes, every stored
counter equals a full recount of the tables, and the search index holds exactly the entries
the stored records make (hypothesis stateful test, each step's writes racing each other)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Iterator
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from services.auth.access import Viewer
from services.auth.identity import Identity, Role
from services.local import provisioning
from services.local.counting import recount, scan_all, stored_counts
from services.local.indexing import wanted_entries
from services.media import collections, items, pipeline
from services.media.records import MediaKind
from services.people import NewProfile, create_user, get_user, update_profile, viewer_for
from services.people.users import deactivate_user, update_user
from services.platform.aws import Aws
from services.platform.errors import ServiceError
from services.platform.settings import Settings
from services.runtime.wiring import Runtime, RuntimeScope
from services.submissions import workflow
from services.submissions.workflow import ReviewDecision

ADMIN = Identity(user_id="counting-admin", username="counting.admin", groups=frozenset({"admin"}))
_names = itertools.count()
PARALLEL = st.integers(min_value=2, max_value=6)
WORDS = st.sampled_from(["Ana", "Ángel", "anna", "Bo", "bob", "Zoë"])


def _viewer(runtime: Runtime, identity: Identity) -> Viewer:
    async def load(user_id: str) -> Any:
        return await get_user(runtime=runtime, user_id=user_id)

    return viewer_for(runtime=runtime, identity=identity, load_user=load)


async def _together(calls: list[Awaitable[Any]]) -> list[Any]:
    """Run writes at once; losing a race (CONFLICT) or a refused step is a normal outcome."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, ServiceError):
            raise result
    return [r for r in results if not isinstance(r, BaseException)]


class Writers(RuleBasedStateMachine):
    settings: ClassVar[Settings]

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.scope = RuntimeScope(self.settings)
        self.runtime: Runtime = self.loop.run_until_complete(self.scope.__aenter__())
        self.admin = _viewer(self.runtime, ADMIN)
        self.people: list[str] = []
        self.managers: list[str] = []
        self.submissions: list[str] = []
        self.media: list[str] = []
        self.collections: list[str] = []

    def run(self, calls: list[Awaitable[Any]]) -> list[Any]:
        return self.loop.run_until_complete(_together(calls))  # type: ignore[no-any-return]

    def teardown(self) -> None:
        self.loop.run_until_complete(self.scope.__aexit__(None, None, None))
        self.loop.close()

    def own(self, user_id: str) -> Viewer:
        return _viewer(self.runtime, Identity(user_id=user_id, username=user_id))

    @rule(roles=st.lists(st.sampled_from(list(Role)), min_size=1, max_size=4), data=st.data())
    def create_people(self, roles: list[Role], data: st.DataObject) -> None:
        def one(role: Role) -> Awaitable[Any]:
            manager = data.draw(st.sampled_from([None, *self.managers]))
            name = f"c{next(_names)}"
            return create_user(
                runtime=self.runtime,
                actor=ADMIN,
                email=f"{name}@counting.test",
                username=name,
                role=role,
                profile=NewProfile(manager_id=manager),
            )

        for user, _ in self.run([one(r) for r in roles]):
            self.people.append(user.user_id)
            if user.role is not Role.USER:
                self.managers.append(user.user_id)

    @rule(n=PARALLEL, data=st.data())
    def create_submissions(self, n: int, data: st.DataObject) -> None:
        if not self.people:
            return
        owners = data.draw(st.lists(st.sampled_from(self.people), min_size=n, max_size=n))
        calls = [
            workflow.create_submission(
                runtime=self.runtime, viewer=self.own(o), title=data.draw(WORDS)
            )
            for o in owners
        ]
        self.submissions += [s.submission_id for s in self.run(calls)]

    @rule(n=PARALLEL, data=st.data())
    def move_submissions(self, n: int, data: st.DataObject) -> None:
        if not self.submissions:
            return
        # The same submission may be picked twice: its writers race and one loses.
        picks = data.draw(st.lists(st.sampled_from(self.submissions), min_size=n, max_size=n))
        actions = data.draw(st.lists(st.sampled_from(["submit", *ReviewDecision]), min_size=n))

        def one(submission_id: str, action: str) -> Awaitable[Any]:
            if action == "submit":
                return workflow.submit_submission(
                    runtime=self.runtime, viewer=self.admin, submission_id=submission_id
                )
            return workflow.review_submission(
                runtime=self.runtime,
                viewer=self.admin,
                submission_id=submission_id,
                decision=ReviewDecision(action),
                note=None,
            )

        self.run([one(s, a) for s, a in zip(picks, actions, strict=False)])

    @rule(n=PARALLEL, data=st.data())
    def deactivate_or_change_role(self, n: int, data: st.DataObject) -> None:
        if not self.people:
            return
        picks = data.draw(st.lists(st.sampled_from(self.people), min_size=n, max_size=n))
        roles = data.draw(st.lists(st.sampled_from([None, *Role]), min_size=n, max_size=n))
        self.run(
            [
                deactivate_user(runtime=self.runtime, viewer=self.admin, user_id=p)
                if role is None
                else update_user(runtime=self.runtime, viewer=self.admin, user_id=p, role=role)
                for p, role in zip(picks, roles, strict=True)
            ]
        )

    @rule(n=PARALLEL, data=st.data())
    def change_managers(self, n: int, data: st.DataObject) -> None:
        if not self.people:
            return
        people = data.draw(st.lists(st.sampled_from(self.people), min_size=n, max_size=n))
        calls = []
        for person in people:
            user = self.loop.run_until_complete(get_user(runtime=self.runtime, user_id=person))
            assert user is not None
            # A new manager, a new name or a new username: each moves search entries, and
            # the same person may be edited twice at once.
            edit = data.draw(st.sampled_from(["manager", "name", "username"]))
            if edit == "username":
                calls.append(
                    update_user(
                        runtime=self.runtime,
                        viewer=self.admin,
                        user_id=person,
                        username=data.draw(WORDS),
                    )
                )
                continue
            extra = {"manager_id": data.draw(st.sampled_from([None, *self.managers]))}
            calls.append(
                update_profile(
                    runtime=self.runtime,
                    viewer=self.admin,
                    profile_id=user.profile_id,
                    changes=NewProfile(first_name=data.draw(WORDS))
                    if edit == "name"
                    else NewProfile(),
                    **(extra if edit == "manager" else {}),
                )
            )
        self.run(calls)

    @rule(n=PARALLEL, data=st.data())
    def retitle_submissions(self, n: int, data: st.DataObject) -> None:
        if not self.submissions:
            return
        picks = data.draw(st.lists(st.sampled_from(self.submissions), min_size=n, max_size=n))
        self.run(
            [
                workflow.update_submission(
                    runtime=self.runtime,
                    viewer=self.admin,
                    submission_id=s,
                    title=f"{data.draw(WORDS)} {data.draw(WORDS)}",
                )
                for s in picks
            ]
        )

    @rule(n=PARALLEL, data=st.data())
    def upload(self, n: int, data: st.DataObject) -> None:
        if not self.people:
            return
        owners = data.draw(st.lists(st.sampled_from(self.people), min_size=n, max_size=n))
        attach = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
        calls = []
        for picked, to_submission in zip(owners, attach, strict=True):
            owner, submission = picked, None
            if to_submission and self.submissions:
                # Attached to someone's submission, so uploaded by its owner.
                submission = data.draw(st.sampled_from(self.submissions))
                found = self.loop.run_until_complete(
                    workflow.get_submissions(runtime=self.runtime, ids=[submission])
                )
                owner = found[submission].user_id
            calls.append(
                items.request_upload(
                    runtime=self.runtime,
                    viewer=self.own(owner),
                    filename="a.jpg",
                    content_type="image/jpeg",
                    size=10,
                    kind=MediaKind.IMAGE,
                    submission_id=submission,
                )
            )
        self.media += [t.media.media_id for t in self.run(calls)]

    @rule(n=PARALLEL, data=st.data())
    def process_or_delete_media(self, n: int, data: st.DataObject) -> None:
        if not self.media:
            return
        picks = data.draw(st.lists(st.sampled_from(self.media), min_size=n, max_size=n))
        deletes = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
        calls = []
        for media_id, delete in zip(picks, deletes, strict=True):
            if delete:
                calls.append(
                    items.delete_media(runtime=self.runtime, viewer=self.admin, media_id=media_id)
                )
                continue
            media = self.loop.run_until_complete(
                items.load_media(runtime=self.runtime, media_id=media_id)
            )
            if media is not None:
                # No file was posted: PENDING_UPLOAD -> PROCESSING -> FAILED.
                calls.append(pipeline.process_media(runtime=self.runtime, media=media))
        self.run(calls)

    @rule(n=PARALLEL, data=st.data())
    def collections_come_and_go(self, n: int, data: st.DataObject) -> None:
        if not self.people:
            return
        owners = data.draw(st.lists(st.sampled_from(self.people), min_size=n, max_size=n))
        calls: list[Awaitable[Any]] = [
            collections.create_collection(
                runtime=self.runtime, viewer=self.own(o), name="Set", media_ids=[]
            )
            for o in owners
        ]
        if self.collections:
            gone = data.draw(st.lists(st.sampled_from(self.collections), max_size=n))
            calls += [
                collections.delete_collection(
                    runtime=self.runtime, viewer=self.admin, collection_id=c
                )
                for c in gone
            ]
        for result in self.run(calls):
            if not isinstance(result, bool):
                self.collections.append(collections.public_id(result))

    @invariant()
    def counters_equal_a_full_recount(self) -> None:
        async def both() -> tuple[dict[str, int], dict[str, int]]:
            aws, s = self.runtime.aws, self.settings
            return await stored_counts(aws=aws, settings=s), await recount(aws=aws, settings=s)

        stored, counted = self.loop.run_until_complete(both())
        assert stored == counted

    @invariant()
    def search_entries_are_exactly_what_the_records_make(self) -> None:
        async def both() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
            aws, s = self.runtime.aws, self.settings
            wanted = await wanted_entries(aws=aws, settings=s)
            stored = {
                (i["term"], i["entry"])
                async for i in scan_all(aws=aws, table=s.table("search-index"))
                if i["term"] != "#built"
            }
            return stored, set(wanted)

        stored, wanted = self.loop.run_until_complete(both())
        assert stored == wanted


@pytest.fixture(scope="module")
def counting_settings(settings: Settings) -> Iterator[Settings]:
    """Own tables (prefix `counting`), so the recount sees only this test's writes."""
    own = settings.model_copy(update={"table_prefix": "counting", "cognito_user_pool_id": None})

    async def prepare() -> None:
        async with Aws(own) as aws:
            await provisioning.provision(aws=aws, settings=own)

    asyncio.run(prepare())
    yield own


def test_counters_equal_a_full_recount_after_concurrent_writes(
    counting_settings: Settings,
) -> None:
    # given empty tables and writers that race each other in every step
    Writers.settings = counting_settings
    # when hypothesis runs random sequences of concurrent writes
    # then after every step each counter equals a recount of the tables
    run_state_machine_as_test(
        Writers,
        settings=settings(
            max_examples=8,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
