"""Global object identification (the Relay spec): `node` and `nodes` refetch any object by
the id the API gave it (the `Node` interface is in graph/stored.py)."""

from __future__ import annotations

import strawberry

from graph.audit.types import AuditEntry
from graph.context import Info
from graph.media.types import ImageCollection, Media
from graph.people.types import Profile, User
from graph.stored import Node
from graph.submissions.types import Submission
from resolvers import nodes as resolvers
from services.media.records import ImageCollection as ImageCollectionRecord
from services.media.records import Media as MediaRecord
from services.people.records import Profile as ProfileRecord
from services.people.records import User as UserRecord
from services.platform.errors import ServiceError
from services.store.audit import AuditEntry as AuditEntryRecord
from services.submissions.records import Submission as SubmissionRecord


def as_node(record: resolvers.Node) -> Node:
    """The GraphQL object of a record `node` found."""
    match record:
        case UserRecord():
            return User.of(record)
        case ProfileRecord():
            return Profile.of(record)
        case SubmissionRecord():
            return Submission.of(record)
        case MediaRecord():
            return Media.of(record)
        case ImageCollectionRecord():
            return ImageCollection.of(record)
        case AuditEntryRecord():
            return AuditEntry.of(record)


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Any object by id; null with a NOT_FOUND error when unknown or not yours."
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return as_node(await resolvers.node(info.context, id))

    @strawberry.field(
        description=(
            "Objects by id, in order (at most 100): each unknown or unreadable one is null with "
            "its own NOT_FOUND error. One BatchGetItem across the tables for up to 20 ids."
        )
    )
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        found = await resolvers.nodes(info.context, [str(i) for i in ids])
        # graphql-core reports an exception in a list as that item's error (null in place).
        return [r if isinstance(r, ServiceError) else as_node(r) for r in found]  # type: ignore[misc]
