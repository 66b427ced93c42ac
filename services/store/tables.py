"""The DynamoDB tables of DESIGN.md: names, keys and global secondary indexes."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.platform.settings import Settings


@dataclass(frozen=True)
class TableSpec:
    entity: str
    hash_key: str
    range_key: str | None = None
    indexes: dict[str, str] = field(default_factory=dict)  # index name -> hash attribute
    # Indexes for ordered lists (orderBy): index name -> (hash attribute, sort attribute).
    sorted_indexes: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def key_names(self) -> list[str]:
        """The primary key attributes."""
        return [self.hash_key] + ([self.range_key] if self.range_key else [])

    def key_of(self, item: dict[str, object]) -> dict[str, object]:
        """The primary key attributes of an item."""
        return {n: item[n] for n in self.key_names}

    def index_on(self, attribute: str) -> str:
        """The global secondary index whose partition key is `attribute`."""
        for name, hash_attribute in self.indexes.items():
            if hash_attribute == attribute:
                return name
        raise ValueError(f"the {self.entity} table has no index on {attribute}")

    def sorted_index(self, attribute: str, sort: str) -> str:
        """The global secondary index over `attribute` sorted by `sort`."""
        for name, keys in self.sorted_indexes.items():
            if keys == (attribute, sort):
                return name
        raise ValueError(f"the {self.entity} table has no index on {attribute} by {sort}")

    @property
    def key_attributes(self) -> set[str]:
        """Every attribute a key of the table or of one of its indexes names (all strings)."""
        names = {self.hash_key, *self.indexes.values()}
        names.update(a for keys in self.sorted_indexes.values() for a in keys)
        return names | ({self.range_key} if self.range_key else set())


# Sort attributes: createdAt/updatedAt as stored; `nameOrder`, `titleOrder` and
# `submittedOrder` are folded copies each record writes for ordering (`Record.order_attributes`).
USERS = TableSpec(
    "users",
    "userId",
    indexes={"EmailIndex": "email", "RoleIndex": "role"},
    sorted_indexes={
        "RoleNameIndex": ("role", "nameOrder"),
        "RoleCreatedAtIndex": ("role", "createdAt"),
    },
)
PROFILES = TableSpec(
    "profiles",
    "profileId",
    indexes={"UserIdIndex": "userId", "ManagerIdIndex": "managerId"},
    sorted_indexes={
        "ManagerIdNameIndex": ("managerId", "nameOrder"),
        "ManagerIdCreatedAtIndex": ("managerId", "createdAt"),
    },
)
SUBMISSIONS = TableSpec(
    "submissions",
    "submissionId",
    indexes={"UserIdIndex": "userId", "StatusIndex": "status"},
    sorted_indexes={
        "UserIdCreatedAtIndex": ("userId", "createdAt"),
        "UserIdUpdatedAtIndex": ("userId", "updatedAt"),
        "UserIdSubmittedAtIndex": ("userId", "submittedOrder"),
        "UserIdTitleIndex": ("userId", "titleOrder"),
    },
)
MEDIA = TableSpec(
    "media",
    "mediaId",
    indexes={"UserIdIndex": "userId", "SubmissionIdIndex": "submissionId"},
    sorted_indexes={"UserIdCreatedAtIndex": ("userId", "createdAt")},
)
# FeedIndex: the log in time order, one partition per UTC day (`feedDay`), sorted by
# `feedOrder` = `<createdAt>#<logId>`; LeftManagerIdFeedIndex: the entries that moved someone
# off a manager's team (services/store/feed.py reads both for `changes(since:)`).
AUDIT_LOG = TableSpec(
    "audit-log",
    "logId",
    indexes={"UserIdIndex": "userId", "EntityIdIndex": "entityId"},
    sorted_indexes={
        "FeedIndex": ("feedDay", "feedOrder"),
        "LeftManagerIdFeedIndex": ("leftManagerId", "feedOrder"),
    },
)
IMAGE_COLLECTIONS = TableSpec(
    "image-collections",
    "userId",
    range_key="collectionId",
    sorted_indexes={
        "UserIdUpdatedAtIndex": ("userId", "updatedAt"),
        "UserIdNameIndex": ("userId", "nameOrder"),
    },
)
# Exact list sizes (`totalCount`), moved in the same transaction as the change they count
# (services/store/counters.py): `counterId` names what is counted, `n` is the count.
COUNTERS = TableSpec("counters", "counterId")
# Word-prefix search entries, written in the same transaction as what they index
# (services/store/search.py): `term` = `<scope>:<first letter>`, `entry` = `<word>#<id>`.
SEARCH_INDEX = TableSpec("search-index", "term", range_key="entry")

ALL_TABLES = (
    USERS,
    PROFILES,
    SUBMISSIONS,
    MEDIA,
    AUDIT_LOG,
    IMAGE_COLLECTIONS,
    COUNTERS,
    SEARCH_INDEX,
)


@dataclass(frozen=True)
class TableNames:
    """Real table names for one deployment (`{prefix}-{entity}-{stage}`)."""

    users: str
    profiles: str
    submissions: str
    media: str
    audit_log: str
    image_collections: str
    counters: str
    search_index: str

    @classmethod
    def from_settings(cls, settings: Settings) -> TableNames:
        return cls(
            users=settings.table(USERS.entity),
            profiles=settings.table(PROFILES.entity),
            submissions=settings.table(SUBMISSIONS.entity),
            media=settings.table(MEDIA.entity),
            audit_log=settings.table(AUDIT_LOG.entity),
            image_collections=settings.table(IMAGE_COLLECTIONS.entity),
            counters=settings.table(COUNTERS.entity),
            search_index=settings.table(SEARCH_INDEX.entity),
        )

    def of(self, spec: TableSpec) -> str:
        """The real name of the table `spec` describes."""
        name = getattr(self, spec.entity.replace("-", "_"))
        assert isinstance(name, str)
        return name
