"""Submissions: drafts a user hands in, reviewed by their manager or an admin."""

from __future__ import annotations

import dataclasses
import uuid
from enum import StrEnum
from typing import Any

from services.auth.access import Viewer
from services.auth.identity import Identity
from services.platform import clock, validation
from services.platform.errors import BadInput, Forbidden, NotFound
from services.runtime.wiring import Runtime
from services.store import search as index
from services.store.dynamo import batch_get
from services.store.list_request import ListRequest
from services.store.pagination import (
    Direction,
    Order,
    Slice,
    check_first,
    partition_page,
    read_slice,
)
from services.store.tables import SUBMISSIONS
from services.store.versioned import check_version, create, save_changes, stamp_new
from services.submissions.records import (
    Submission,
    SubmissionOrderField,
    SubmissionStatus,
    by_status_counter,
    by_user_counter,
)

NEWEST_FIRST = Order(SubmissionOrderField.CREATED, Direction.DESC)
EDITABLE = (SubmissionStatus.DRAFT, SubmissionStatus.REJECTED)
CHANNEL = "submission"


class ReviewDecision(StrEnum):
    START_REVIEW = "START_REVIEW"
    APPROVE = "APPROVE"
    REJECT = "REJECT"


_REVIEW = {
    ReviewDecision.START_REVIEW: ((SubmissionStatus.SUBMITTED,), SubmissionStatus.IN_REVIEW),
    ReviewDecision.APPROVE: (
        (SubmissionStatus.SUBMITTED, SubmissionStatus.IN_REVIEW),
        SubmissionStatus.APPROVED,
    ),
    ReviewDecision.REJECT: (
        (SubmissionStatus.SUBMITTED, SubmissionStatus.IN_REVIEW),
        SubmissionStatus.REJECTED,
    ),
}


async def get_submissions(*, runtime: Runtime, ids: list[str]) -> dict[str, Submission]:
    """Submissions by id (BatchGetItem, 100 a call)."""
    items = await batch_get(
        aws=runtime.aws,
        table=runtime.tables.submissions,
        keys=[{"submissionId": i} for i in ids],
    )
    return {i["submissionId"]: Submission.from_item(i) for i in items}


async def _get(*, runtime: Runtime, viewer: Viewer, submission_id: str) -> Submission:
    viewer.require()
    found = await get_submissions(runtime=runtime, ids=[validation.identifier(submission_id)])
    submission = found.get(submission_id)
    if submission is None:
        raise NotFound("no submission with this id")
    return submission


async def get_readable(*, runtime: Runtime, viewer: Viewer, submission_id: str) -> Submission:
    """One submission the caller may read (owner, their manager, admin)."""
    submission = await _get(runtime=runtime, viewer=viewer, submission_id=submission_id)
    await viewer.check_owned(submission.user_id, what="this submission")
    return submission


async def by_user_page(
    *,
    runtime: Runtime,
    user_id: str,
    status: SubmissionStatus | None,
    first: int,
    after: str | None,
    order: Order | None = None,
) -> Slice[Submission]:
    """One page of a user's submissions, newest first unless `order` says otherwise (a sorted
    index over userId). Callers check access first."""
    return await partition_page(
        runtime=runtime,
        spec=SUBMISSIONS,
        attribute="userId",
        value=user_id,
        scope=f"submissions:user:{user_id}:{status or '*'}",
        first=first,
        after=after,
        build=Submission.from_item,
        equals=("status", status.value) if status else None,
        count_keys=(by_user_counter(user_id, status),),
        order=order or NEWEST_FIRST,
    )


async def list_submissions(
    *,
    runtime: Runtime,
    viewer: Viewer,
    user_id: str | None,
    status: SubmissionStatus | None,
    first: int,
    after: str | None,
    order: Order | None = None,
) -> Slice[Submission]:
    """Submissions the caller may see: of one user, or by status (an admin: everyone's,
    a manager: their team's, a user: their own). One user's are in `order` (newest first by
    default); the lists across people are in key order and take no `order`."""
    identity = viewer.require()
    check_first(first, maximum=runtime.settings.page_size_max)
    if user_id is None and not identity.is_manager:
        user_id = identity.user_id
    if user_id is not None:
        await viewer.check_owned(
            validation.identifier(user_id, field="userId"), what="these submissions"
        )
        return await by_user_page(
            runtime=runtime, user_id=user_id, status=status, first=first, after=after, order=order
        )
    if order is not None:
        raise BadInput("orderBy needs userId: only one person's submissions are kept sorted")
    query = ListRequest(SUBMISSIONS, runtime.tables)
    scope = "submissions:all"
    if status is not None:
        query.on("status", status.value)
        scope = f"submissions:status:{status.value}"
    count_keys = tuple(by_status_counter(s) for s in _statuses(status))
    if not identity.is_admin:
        team = await viewer.team_ids()
        if not team:
            return Slice(edges=[], has_next=False, count_keys=())
        query.where_in("userId", team)
        scope += f":team:{identity.user_id}"
        # A team's size is bounded (team_ids): its members' counters, one BatchGetItem per 100.
        count_keys = tuple(by_user_counter(u, status) for u in team)
    return await read_slice(
        runtime=runtime,
        query=query,
        scope=scope,
        first=first,
        after=after,
        build=Submission.from_item,
        count_keys=count_keys,
    )


def _statuses(status: SubmissionStatus | None) -> list[SubmissionStatus]:
    return [status] if status is not None else list(SubmissionStatus)


ALL = "submissions:all"


def searchable_submission(submission: Submission) -> index.Searchable:
    """A submission is found by the words of its title: by everyone who may read it."""
    scopes = (ALL, f"submissions:user:{submission.user_id}")
    return index.Searchable.of(
        submission.submission_id, [submission.title], scopes, owner=submission.user_id
    )


async def search_submissions(
    *, runtime: Runtime, viewer: Viewer, query: str, first: int, after: str | None
) -> Slice[Submission]:
    """Submissions the caller may see (as `submissions`) whose title has a word starting
    with each word of `query`: an admin's from everyone, a manager's from their team and
    themself (the index of everyone's, filtered to them), a user's from their own."""
    identity = viewer.require()
    check_first(first, maximum=runtime.settings.page_size_max)
    words = index.query_words(query)
    scope, owners = f"submissions:user:{identity.user_id}", None
    if identity.is_admin:
        scope = ALL
    elif identity.is_manager:
        team = await viewer.team_ids()
        if team:
            scope, owners = ALL, [identity.user_id, *team]
            if len(owners) > 100:
                raise BadInput("this team is too large to search at once: filter by userId")
    cursor_scope = f"search:{scope}:{identity.user_id}:{' '.join(words)}"
    start = runtime.cursors.decode(after, scope=cursor_scope)
    if start is not None and set(start) != {"term", "entry"}:
        raise BadInput("invalid cursor")
    hits = await index.search(
        runtime=runtime, scope=scope, words=words, first=first, start=start, owners=owners
    )
    found = await get_submissions(runtime=runtime, ids=hits.ids)
    edges = [
        (found[i], runtime.cursors.encode(scope=cursor_scope, key=position))
        for i, position in zip(hits.ids, hits.cursors, strict=True)
        if i in found
    ]
    return Slice(edges=edges, has_next=hits.has_next)


async def create_submission(
    *,
    runtime: Runtime,
    viewer: Viewer,
    title: str,
    description: str | None = None,
    content: str | None = None,
) -> Submission:
    """A new DRAFT owned by the caller."""
    actor = viewer.require()
    at = clock.now_iso()
    submission = Submission(
        submission_id=str(uuid.uuid4()),
        user_id=actor.user_id,
        title=validation.required_text(title, field="title", max_length=200),
        description=validation.text(description, field="description", max_length=5000),
        content=validation.text(content, field="content", max_length=100_000),
        status=SubmissionStatus.DRAFT,
        **stamp_new(actor, at),
    )
    await create(
        runtime=runtime,
        puts=[(runtime.tables.submissions, submission, "submissionId")],
        actor=actor,
        entity_type="Submission",
        entity_id=submission.submission_id,
        owner_id=actor.user_id,
        also=index.changes(
            runtime.tables.search_index, before=None, after=searchable_submission(submission)
        ),
    )
    return submission


async def update_submission(
    *,
    runtime: Runtime,
    viewer: Viewer,
    submission_id: str,
    title: str | None = None,
    description: str | None = None,
    content: str | None = None,
    expected_version: int | None = None,
) -> Submission:
    """Edit a draft (or a rejected submission) — owner or admin."""
    submission = await _get(runtime=runtime, viewer=viewer, submission_id=submission_id)
    await viewer.check_owned(submission.user_id, what="this submission")
    actor = viewer.check_self_or_admin(submission.user_id, what="this submission")
    if submission.status not in EDITABLE:
        raise BadInput(f"a {submission.status.value} submission cannot be edited")
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = validation.required_text(title, field="title", max_length=200)
    if description is not None:
        changes["description"] = validation.text(description, field="description", max_length=5000)
    if content is not None:
        changes["content"] = validation.text(content, field="content", max_length=100_000)
    if not changes:
        raise BadInput("nothing to change")
    check_version(submission, expected_version)
    return await _save(runtime=runtime, actor=actor, submission=submission, changes=changes)


async def submit_submission(*, runtime: Runtime, viewer: Viewer, submission_id: str) -> Submission:
    """DRAFT (or REJECTED) → SUBMITTED, by the owner (or an admin)."""
    submission = await _get(runtime=runtime, viewer=viewer, submission_id=submission_id)
    identity = viewer.check_self_or_admin(submission.user_id, what="this submission")
    if submission.status not in EDITABLE:
        raise BadInput(f"cannot submit a {submission.status.value} submission")
    changes = {"status": SubmissionStatus.SUBMITTED, "submitted_at": clock.now_iso()}
    saved = await _save(
        runtime=runtime, actor=identity, submission=submission, changes=changes, action="SUBMIT"
    )
    await publish(runtime=runtime, submission=saved)
    return saved


async def review_submission(
    *,
    runtime: Runtime,
    viewer: Viewer,
    submission_id: str,
    decision: ReviewDecision,
    note: str | None,
) -> Submission:
    """The owner's manager or an admin moves a submission through review."""
    submission = await _get(runtime=runtime, viewer=viewer, submission_id=submission_id)
    identity = viewer.require()
    if not (identity.is_admin or await viewer.manages(submission.user_id)):
        raise Forbidden("only the owner's manager or an admin may review this submission")
    allowed_from, target = _REVIEW[decision]
    if submission.status not in allowed_from:
        raise BadInput(
            f"cannot {decision.value.lower().replace('_', ' ')} "
            f"a {submission.status.value} submission"
        )
    changes: dict[str, Any] = {
        "status": target,
        "reviewer_id": identity.user_id,
        "review_note": validation.text(note, field="note", max_length=2000),
    }
    if target is not SubmissionStatus.IN_REVIEW:
        changes["reviewed_at"] = clock.now_iso()
    saved = await _save(
        runtime=runtime, actor=identity, submission=submission, changes=changes, action="REVIEW"
    )
    await publish(runtime=runtime, submission=saved)
    return saved


async def _save(
    *,
    runtime: Runtime,
    actor: Identity,
    submission: Submission,
    changes: dict[str, Any],
    action: str = "UPDATE",
) -> Submission:
    # A new title changes the submission's search entries in the same transaction.
    after = searchable_submission(dataclasses.replace(submission, **changes))
    return await save_changes(
        runtime=runtime,
        table=runtime.tables.submissions,
        key={"submissionId": submission.submission_id},
        record=submission,
        changes=changes,
        actor=actor,
        entity_type="Submission",
        entity_id=submission.submission_id,
        owner_id=submission.user_id,
        action=action,
        also=index.changes(
            runtime.tables.search_index, before=searchable_submission(submission), after=after
        ),
    )


async def publish(*, runtime: Runtime, submission: Submission) -> None:
    """Tell subscribers about a status change."""
    await runtime.events.publish(CHANNEL, submission.to_item())
