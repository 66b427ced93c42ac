"""The static cost of an operation, computed from its document before anything runs.

A point is about one backend call. Each field has a weight (`FIELDS`: a read by key, a page
of a Query or Scan, a write, or free), and the fields under a list run once per item it can
hold: `first` (or its default) for a connection, a fixed bound for other lists. So weights
multiply through nesting; fragments and aliases count every time they appear. Unknown
fields (scalars, types' own attributes) are free. docs/limits.md has the table and examples.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

from graph.kept import Kept
from resolvers.changes import QUERIES_PER_PAGE
from services.media.collections import MAX_IMAGES
from services.platform.settings import Settings
from services.store.dynamo import BATCH_GET_LIMIT


class Kind(Enum):
    FREE = "free"  # no backend call (presigned URLs are signed locally)
    KEY = "key"  # a read by key, batched per request (BatchGetItem/GetItem)
    LIST = "list"  # a page of a Query or Scan, one per parent
    WRITE = "write"  # a mutation: a transaction with its audit entry (and Cognito, S3)


# Every field with a resolver (tests/graph/server/test_cost.py keeps this complete).
FIELDS: dict[str, Kind] = {
    **dict.fromkeys(
        (
            "Query.me",
            "Query.user",
            "Query.userByEmail",
            "Query.profile",
            "Query.submission",
            "Query.media",
            "Query.imageCollection",
            "Query.adminItem",
            "User.profile",
            "Profile.user",
            "Profile.manager",
            "Submission.owner",
            "Submission.reviewer",
            "Media.owner",
            "Media.submission",
            "ImageCollection.images",
            "ImageCollection.owner",
            # a subscription re-reads its selection per event; the root is a read by key
            "Subscription.submissionStatusChanged",
            "Subscription.mediaStatusChanged",
            # Relay refetch: one id, up to 5 tables in one BatchGetItem
            "Query.node",
            "Query.nodes",
            # counters, read together for every list of a response (BatchGetItem)
            "UserConnection.totalCount",
            "ProfileConnection.totalCount",
            "SubmissionConnection.totalCount",
            "MediaConnection.totalCount",
            "ImageCollectionConnection.totalCount",
            "AuditEntryConnection.totalCount",
        ),
        Kind.KEY,
    ),
    **dict.fromkeys(
        (
            "Query.users",
            "Query.teamMembers",
            "Query.submissions",
            "Query.auditLog",
            "Query.adminList",
            "Query.adminScan",
            "User.submissions",
            "User.team",
            "User.imageCollections",
            "User.media",
            "Submission.media",
            # a page of index entries (Query) and the records they name (BatchGetItem)
            "Query.searchPeople",
            "Query.searchSubmissions",
            # offline sync: up to QUERIES_PER_PAGE Queries, then the records they name
            "Query.changes",
        ),
        Kind.LIST,
    ),
    **dict.fromkeys(("Query.adminTables", "Media.url", "Media.thumbnailUrl"), Kind.FREE),
    # Stored fields and a submission's timestamps: read from the object's record when asked
    # for (graph/stored.py).
    **dict.fromkeys(
        (
            f"{type_name}.{field}"
            for type_name in ("Stored", "User", "Profile", "Submission", "Media", "ImageCollection")
            for field in ("createdAt", "updatedAt", "createdBy", "lastUpdatedBy", "version")
        ),
        Kind.FREE,
    ),
    **dict.fromkeys(("Submission.submittedAt", "Submission.reviewedAt"), Kind.FREE),
    # A connection's page info: made from its page when asked for (graph/connections.py).
    **dict.fromkeys(
        (
            f"{node}Connection.pageInfo"
            for node in ("User", "Profile", "Submission", "Media", "ImageCollection", "AuditEntry")
        ),
        Kind.FREE,
    ),
}
# Lists without `first`: how many items they can hold, and reads by key per parent.
FIXED_SIZES: dict[str, int] = {"ImageCollection.images": MAX_IMAGES}
KEY_READS: dict[str, int] = {
    "ImageCollection.images": math.ceil(MAX_IMAGES / BATCH_GET_LIMIT),
    "Query.node": 2,  # the candidate tables in one BatchGetItem, then the access check's read
}
# Lists that read more than one page of a Query or Scan each time.
LIST_READS: dict[str, int] = {"Query.changes": QUERIES_PER_PAGE}
# Lists as long as a list argument: `nodes(ids:)` holds one object per id, each id looked up
# in up to NODE_TABLES tables, 100 keys a BatchGetItem.
ARGUMENT_SIZES: dict[str, str] = {"Query.nodes": "ids"}
NODE_TABLES = 5


@dataclass(frozen=True)
class Weights:
    key: int = 1
    list: int = 2
    write: int = 10
    page_max: int = 100  # PAGE_SIZE_MAX: a larger `first` is refused, so never multiplies more

    @classmethod
    def of(cls, settings: Settings) -> Weights:
        return cls(
            key=settings.cost_weight_key,
            list=settings.cost_weight_list,
            write=settings.cost_weight_mutation,
            page_max=settings.page_size_max,
        )


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
    weights: Weights = Weights(),
) -> int:
    """The points `document`'s operation (the named one, or the only one) costs at most."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]
    if len(chosen) != 1:
        return 0  # graphql-core refuses the request itself
    operation = chosen[0]
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    walk = _Walk(schema, document, operation, variables or {}, weights)
    return walk.selections(root, operation.selection_set, 1, frozenset())


class KeptCosts:
    """Operation costs per parsed document (graph/kept.py), operation, variables (by their
    JSON: a page size, an id) and weights, least recently used dropped past `size`."""

    def __init__(self, size: int) -> None:
        self._kept: Kept[int] = Kept(size)

    def cost(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        *,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        weights: Weights,
    ) -> int:
        """`operation_cost`, computed once per document, operation, variables and weights."""
        try:
            shown = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS) if variables else b""
        except TypeError:  # not JSON (not from a request): computed each time
            shown = None
        key = (id(schema), operation_name, shown, weights)
        cost = self._kept.get(document, key) if shown is not None else None
        if cost is None:
            cost = operation_cost(
                schema,
                document,
                operation_name=operation_name,
                variables=variables,
                weights=weights,
            )
            if shown is not None:
                self._kept.put(document, cost, key)
        return cost


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
        weights: Weights,
    ) -> None:
        self.schema = schema
        self.weights = weights
        self.mutation = operation.operation.value == "mutation"
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.variables = dict(variables)
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in self.variables and isinstance(definition.default_value, IntValueNode):
                self.variables[name] = int(definition.default_value.value)

    def selections(
        self,
        parent: GraphQLNamedType,
        selection_set: SelectionSetNode | None,
        times: int,
        spreads: frozenset[str],
        per_item: int = 1,
    ) -> int:
        """`per_item`: inside a connection, how many items its `edges` hold (its other fields,
        such as `totalCount`, run once per connection)."""
        if selection_set is None or times == 0:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(parent, selection, times, spreads, per_item)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(
                    target or parent, selection.selection_set, times, spreads, per_item
                )
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in spreads:
                    continue  # unknown or cyclic: validation refuses the document
                target = self.schema.get_type(fragment.type_condition.name.value)
                total += self.selections(
                    target or parent, fragment.selection_set, times, spreads | {name}, per_item
                )
        return total

    def field(
        self,
        parent: GraphQLNamedType,
        node: FieldNode,
        times: int,
        spreads: frozenset[str],
        per_item: int = 1,
    ) -> int:
        name = node.name.value
        if name == "edges":
            times *= per_item
        if name.startswith("__") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return 0
        definition = parent.fields.get(name)
        if definition is None:
            return 0
        coordinate = f"{parent.name}.{name}"
        kind = Kind.WRITE if self.mutation and parent is self.schema.mutation_type else None
        kind = kind or FIELDS.get(coordinate, Kind.FREE)
        weight = {
            Kind.FREE: 0,
            Kind.KEY: self.weights.key * KEY_READS.get(coordinate, 1),
            Kind.LIST: self.weights.list * LIST_READS.get(coordinate, 1),
            Kind.WRITE: self.weights.write,
        }[kind]
        size = self.first(node, definition) if kind is Kind.LIST else 1
        size = FIXED_SIZES.get(coordinate, size)
        if coordinate in ARGUMENT_SIZES:
            size = self.length(node, ARGUMENT_SIZES[coordinate])
            # the candidate tables' reads, and one more for the access checks' owner reads
            weight *= max(1, math.ceil(size * NODE_TABLES / BATCH_GET_LIMIT)) + 1
        child = get_named_type(definition.type)
        if size != 1 and isinstance(child, GraphQLObjectType) and "edges" in child.fields:
            return times * weight + self.selections(
                child, node.selection_set, times, spreads, per_item=size
            )
        return times * weight + self.selections(child, node.selection_set, times * size, spreads)

    def length(self, node: FieldNode, argument_name: str) -> int:
        """How many items a list argument holds (a literal or a variable); the page maximum
        when unknown, as the resolver refuses longer lists."""
        for argument in node.arguments or ():
            if argument.name.value != argument_name:
                continue
            value: Any = argument.value
            if isinstance(value, ListValueNode):
                return min(len(value.values), self.weights.page_max)
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                if isinstance(given, list):
                    return min(len(given), self.weights.page_max)
        return self.weights.page_max

    def first(self, node: FieldNode, definition: GraphQLField) -> int:
        """The page size a connection asks for: the argument, its variable, or the default."""
        value: Any = None
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value)
        if value is None and "first" in definition.args:
            value = definition.args["first"].default_value
        if not isinstance(value, int) or isinstance(value, bool):
            return self.weights.page_max
        return min(max(value, 0), self.weights.page_max)
