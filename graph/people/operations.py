"""Queries and mutations for users and profiles."""

from __future__ import annotations

import strawberry

from graph.connections import Connection
from graph.context import Info
from graph.enums import Role
from graph.people.inputs import (
    CreateUserInput,
    PersonOrder,
    ProfileInput,
    UpdateProfileInput,
    UpdateUserInput,
)
from graph.people.types import Profile, User
from resolvers import people as resolvers
from services.people import profiles, users
from services.people import search as people_search


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
        found = await resolvers.me(info.context)
        return User.of(found) if found else None

    @strawberry.field
    async def user(self, info: Info, id: strawberry.ID) -> User | None:
        found = await resolvers.user(info.context, id)
        return User.of(found) if found else None

    @strawberry.field
    async def user_by_email(self, info: Info, email: str) -> User | None:
        found = await resolvers.user_by_email(info.context, email)
        return User.of(found) if found else None

    @strawberry.field(description="Users by role, or all; active only unless asked. Admins only.")
    async def users(
        self,
        info: Info,
        *,
        role: Role | None = None,
        include_inactive: bool = False,
        first: int = 20,
        after: str | None = None,
        order_by: PersonOrder | None = None,
    ) -> Connection[User]:
        ctx = info.context
        page = await users.list_users(
            runtime=ctx.runtime,
            viewer=ctx.viewer,
            role=role,
            include_inactive=include_inactive,
            first=first,
            after=after,
            order=order_by.order() if order_by else None,
        )
        return Connection.of(page, User.of)

    @strawberry.field(
        description=(
            "People whose name, e-mail, username, job title or department has a word starting "
            "with each word of `query` (case and accents ignored): an admin finds everyone, a "
            "manager their team and themself, a user themself. totalCount is null."
        )
    )
    async def search_people(
        self, info: Info, query: str, first: int = 20, after: str | None = None
    ) -> Connection[User]:
        ctx = info.context
        page = await people_search.search_people(
            runtime=ctx.runtime, viewer=ctx.viewer, query=query, first=first, after=after
        )
        return Connection.of(page, User.of)

    @strawberry.field
    async def profile(self, info: Info, id: strawberry.ID) -> Profile | None:
        found = await resolvers.profile(info.context, id)
        return Profile.of(found) if found else None

    @strawberry.field(description="Profiles whose manager is `managerId`.")
    async def team_members(
        self,
        info: Info,
        manager_id: strawberry.ID,
        first: int = 20,
        after: str | None = None,
        order_by: PersonOrder | None = None,
    ) -> Connection[Profile]:
        ctx = info.context
        page = await profiles.team_members(
            runtime=ctx.runtime,
            viewer=ctx.viewer,
            manager_id=manager_id,
            first=first,
            after=after,
            order=order_by.order() if order_by else None,
        )
        return Connection.of(page, Profile.of)


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

    @strawberry.mutation(
        description="Soft delete: the user is kept with isActive false, and their tokens are "
        "refused from now on. Not yourself, nor the last active admin (ADMIN_LOCKOUT)."
    )
    async def deactivate_user(self, info: Info, id: strawberry.ID) -> User:
        ctx = info.context
        return User.of(
            await users.deactivate_user(runtime=ctx.runtime, viewer=ctx.viewer, user_id=id)
        )

    @strawberry.mutation(
        description="Undo a deactivation: the user may sign in again; tokens issued before "
        "the deactivation stay refused."
    )
    async def reactivate_user(self, info: Info, id: strawberry.ID) -> User:
        ctx = info.context
        return User.of(
            await users.reactivate_user(runtime=ctx.runtime, viewer=ctx.viewer, user_id=id)
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
