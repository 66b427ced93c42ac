"""Queries and mutations for users, profiles, submissions and the audit log."""

from __future__ import annotations

import strawberry

from graph.connections import Connection, ReviewDecision, Role, SubmissionStatus
from graph.context import Info
from graph.inputs import (
    CreateSubmissionInput,
    CreateUserInput,
    ProfileInput,
    UpdateProfileInput,
    UpdateSubmissionInput,
    UpdateUserInput,
)
from graph.nodes import AuditEntry, Profile, Submission, User
from resolvers import people
from resolvers import submissions as submission_resolvers
from services.people import profiles, users
from services.submissions import workflow


def _profile(data: ProfileInput | None, manager_id: str | None = None) -> users.NewProfile:
    fields = (
        {}
        if data is None
        else {
            "first_name": data.first_name,
            "last_name": data.last_name,
            "job_title": data.job_title,
            "department": data.department,
            "phone": data.phone,
            "bio": data.bio,
        }
    )
    return users.NewProfile(**fields, manager_id=manager_id)


@strawberry.type
class PeopleQuery:
    @strawberry.field(description="The signed-in user.")
    async def me(self, info: Info) -> User | None:
        found = await people.me(info.context)
        return User.of(found) if found else None

    @strawberry.field
    async def user(self, info: Info, id: strawberry.ID) -> User | None:
        found = await people.user(info.context, id)
        return User.of(found) if found else None

    @strawberry.field
    async def user_by_email(self, info: Info, email: str) -> User | None:
        found = await people.user_by_email(info.context, email)
        return User.of(found) if found else None

    @strawberry.field(description="Users by role, or all; active only unless asked. Admins only.")
    async def users(
        self,
        info: Info,
        role: Role | None = None,
        include_inactive: bool = False,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[User]:
        page = await people.user_list(info.context, role, include_inactive, first, after)
        return Connection.of(page, User.of)

    @strawberry.field
    async def profile(self, info: Info, id: strawberry.ID) -> Profile | None:
        found = await people.profile(info.context, id)
        return Profile.of(found) if found else None

    @strawberry.field(description="Profiles whose manager is `managerId`.")
    async def team_members(
        self, info: Info, manager_id: strawberry.ID, first: int = 20, after: str | None = None
    ) -> Connection[Profile]:
        page = await people.team_members(info.context, manager_id, first, after)
        return Connection.of(page, Profile.of)

    @strawberry.field
    async def submission(self, info: Info, id: strawberry.ID) -> Submission | None:
        found = await submission_resolvers.submission(info.context, id)
        return Submission.of(found) if found else None

    @strawberry.field(
        description="Without userId: an admin sees all, a manager their team's, a user their own."
    )
    async def submissions(
        self,
        info: Info,
        user_id: strawberry.ID | None = None,
        status: SubmissionStatus | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Submission]:
        page = await submission_resolvers.submission_list(
            info.context, user_id, status, first, after
        )
        return Connection.of(page, Submission.of)

    @strawberry.field
    async def audit_log(
        self,
        info: Info,
        entity_id: strawberry.ID | None = None,
        user_id: strawberry.ID | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[AuditEntry]:
        page = await people.audit_log(info.context, entity_id, user_id, first, after)
        return Connection.of(page, AuditEntry.of)


@strawberry.type
class PeopleMutation:
    @strawberry.mutation(description="Create a user with their profile (admins only).")
    async def create_user(self, info: Info, input: CreateUserInput) -> User:
        ctx = info.context
        user, _ = await users.create_user(
            runtime=ctx.runtime,
            actor=ctx.viewer.require_admin(),
            email=input.email,
            username=input.username,
            role=input.role,
            profile=_profile(input.profile, input.manager_id),
        )
        return User.of(user)

    @strawberry.mutation
    async def update_user(
        self,
        info: Info,
        id: strawberry.ID,
        input: UpdateUserInput,
        expected_version: int | None = None,
    ) -> User:
        ctx = info.context
        updated = await users.update_user(
            runtime=ctx.runtime,
            viewer=ctx.viewer,
            user_id=id,
            username=input.username,
            role=input.role,
            expected_version=expected_version,
        )
        return User.of(updated)

    @strawberry.mutation(description="Soft delete: the user is kept with isActive false.")
    async def deactivate_user(self, info: Info, id: strawberry.ID) -> User:
        ctx = info.context
        return User.of(
            await users.deactivate_user(runtime=ctx.runtime, viewer=ctx.viewer, user_id=id)
        )

    @strawberry.mutation
    async def update_profile(
        self,
        info: Info,
        id: strawberry.ID,
        input: UpdateProfileInput,
        expected_version: int | None = None,
    ) -> Profile:
        ctx = info.context
        extra = {} if input.manager_id is strawberry.UNSET else {"manager_id": input.manager_id}
        updated = await profiles.update_profile(
            runtime=ctx.runtime,
            viewer=ctx.viewer,
            profile_id=id,
            changes=_profile(input),
            expected_version=expected_version,
            **extra,
        )
        return Profile.of(updated)

    @strawberry.mutation(description="A new DRAFT owned by the caller.")
    async def create_submission(self, info: Info, input: CreateSubmissionInput) -> Submission:
        ctx = info.context
        created = await workflow.create_submission(
            runtime=ctx.runtime,
            viewer=ctx.viewer,
            title=input.title,
            description=input.description,
            content=input.content,
        )
        return Submission.of(created)

    @strawberry.mutation
    async def update_submission(
        self,
        info: Info,
        id: strawberry.ID,
        input: UpdateSubmissionInput,
        expected_version: int | None = None,
    ) -> Submission:
        ctx = info.context
        updated = await workflow.update_submission(
            runtime=ctx.runtime,
            viewer=ctx.viewer,
            submission_id=id,
            title=input.title,
            description=input.description,
            content=input.content,
            expected_version=expected_version,
        )
        return Submission.of(updated)

    @strawberry.mutation(description="DRAFT (or REJECTED) → SUBMITTED, by the owner.")
    async def submit_submission(self, info: Info, id: strawberry.ID) -> Submission:
        ctx = info.context
        return Submission.of(
            await workflow.submit_submission(
                runtime=ctx.runtime, viewer=ctx.viewer, submission_id=id
            )
        )

    @strawberry.mutation(description="By the owner's manager or an admin.")
    async def review_submission(
        self, info: Info, id: strawberry.ID, decision: ReviewDecision, note: str | None = None
    ) -> Submission:
        ctx = info.context
        return Submission.of(
            await workflow.review_submission(
                runtime=ctx.runtime,
                viewer=ctx.viewer,
                submission_id=id,
                decision=decision,
                note=note,
            )
        )
