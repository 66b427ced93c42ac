"""Input types of the people-side mutations."""

from __future__ import annotations

import strawberry

from graph.connections import MediaKind, Role


@strawberry.input
class ProfileInput:
    first_name: str | None = None
    last_name: str | None = None
    job_title: str | None = None
    department: str | None = None
    phone: str | None = None
    bio: str | None = None


@strawberry.input(description="A new user and their profile. Admins only.")
class CreateUserInput:
    email: str
    username: str
    role: Role = Role.USER
    manager_id: strawberry.ID | None = None
    profile: ProfileInput | None = None


@strawberry.input
class UpdateUserInput:
    username: str | None = None
    role: Role | None = strawberry.field(default=None, description="Admins only.")


@strawberry.input
class UpdateProfileInput(ProfileInput):
    manager_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Admins only; null removes the manager."
    )


@strawberry.input
class CreateSubmissionInput:
    title: str
    description: str | None = None
    content: str | None = None


@strawberry.input
class UpdateSubmissionInput:
    title: str | None = None
    description: str | None = None
    content: str | None = None


@strawberry.input(description="A file the caller is about to upload.")
class RequestUploadInput:
    filename: str = strawberry.field(description="A plain file name (no path), ≤ 255 characters.")
    content_type: str = strawberry.field(
        description=(
            "IMAGE: image/jpeg, image/png, image/gif or image/webp. DOCUMENT: application/pdf."
        )
    )
    size: int = strawberry.field(description="Bytes; at most 20 MiB (IMAGE) or 50 MiB (DOCUMENT).")
    kind: MediaKind = MediaKind.IMAGE
    submission_id: strawberry.ID | None = strawberry.field(
        default=None, description="Attach to one of the caller's own submissions."
    )


@strawberry.input
class CreateImageCollectionInput:
    name: str
    media_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="READY images the caller may see, in order."
    )
