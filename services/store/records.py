"""Domain records and their DynamoDB item form (camelCase attributes, as the seeds)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from functools import cache
from typing import Any, Self

from services.auth.identity import Role


@cache
def camel(name: str) -> str:
    """`last_updated_by` -> `lastUpdatedBy`: item attribute names follow the seeds."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class SubmissionStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    IN_REVIEW = "IN_REVIEW"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


@dataclass(frozen=True, kw_only=True)
class Record:
    """Fields every item carries (DESIGN.md: audit fields and optimistic-locking version)."""

    created_at: str
    updated_at: str
    created_by: str
    last_updated_by: str
    version: int

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Self:
        values = {f.name: item.get(camel(f.name)) for f in fields(cls)}
        return cls(**cls._coerce(values))

    @classmethod
    def _coerce(cls, values: dict[str, Any]) -> dict[str, Any]:
        return values

    def to_item(self) -> dict[str, Any]:
        return {camel(f.name): getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, kw_only=True)
class User(Record):
    user_id: str
    email: str
    username: str
    role: Role
    is_active: bool
    profile_id: str
    # A copy of the profile's managerId: authorization checks read it without a second call.
    manager_id: str | None = None

    @classmethod
    def _coerce(cls, values: dict[str, Any]) -> dict[str, Any]:
        values["role"] = Role(values["role"])
        values["is_active"] = bool(values["is_active"])
        return values


@dataclass(frozen=True, kw_only=True)
class Profile(Record):
    profile_id: str
    user_id: str
    manager_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    job_title: str | None = None
    department: str | None = None
    phone: str | None = None
    bio: str | None = None


@dataclass(frozen=True, kw_only=True)
class Submission(Record):
    submission_id: str
    user_id: str
    title: str
    description: str | None = None
    content: str | None = None
    status: SubmissionStatus
    submitted_at: str | None = None
    reviewed_at: str | None = None
    reviewer_id: str | None = None
    review_note: str | None = None

    @classmethod
    def _coerce(cls, values: dict[str, Any]) -> dict[str, Any]:
        values["status"] = SubmissionStatus(values["status"])
        return values


@dataclass(frozen=True, kw_only=True)
class AuditEntry(Record):
    log_id: str
    user_id: str
    entity_id: str
    entity_type: str
    action: str
    owner_id: str | None = None
    changes: str | None = None  # JSON object: field -> {"from": old, "to": new}


class MediaKind(StrEnum):
    IMAGE = "IMAGE"
    DOCUMENT = "DOCUMENT"


class MediaStatus(StrEnum):
    PENDING_UPLOAD = "PENDING_UPLOAD"
    PROCESSING = "PROCESSING"
    READY = "READY"
    FAILED = "FAILED"


@dataclass(frozen=True, kw_only=True)
class Media(Record):
    media_id: str
    user_id: str
    kind: MediaKind
    status: MediaStatus
    filename: str
    content_type: str
    # Declared by the client at requestUpload; replaced by the stored object's size once read.
    size: int
    bucket: str
    original_key: str
    submission_id: str | None = None
    thumb200_key: str | None = None
    thumb400_key: str | None = None
    width: int | None = None
    height: int | None = None
    failure_reason: str | None = None

    @classmethod
    def _coerce(cls, values: dict[str, Any]) -> dict[str, Any]:
        values["kind"] = MediaKind(values["kind"])
        values["status"] = MediaStatus(values["status"])
        return values

    @property
    def final(self) -> bool:
        """READY and FAILED never change again (only deletion)."""
        return self.status in (MediaStatus.READY, MediaStatus.FAILED)


@dataclass(frozen=True, kw_only=True)
class ImageCollection(Record):
    user_id: str
    collection_id: str
    name: str
    media_ids: list[str]

    @classmethod
    def _coerce(cls, values: dict[str, Any]) -> dict[str, Any]:
        values["media_ids"] = list(values.get("media_ids") or [])
        return values
