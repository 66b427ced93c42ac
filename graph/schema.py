"""The schema: each area contributes its Query/Mutation/Subscription parts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import strawberry
from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    NoSchemaIntrospectionCustomRule,
    specified_rules,
)
from graphql import parse as graphql_parse
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import validate_document
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType
from typing_extensions import override

from graph.admin.operations import AdminMutation, AdminQuery
from graph.audit.operations import AuditQuery
from graph.direct import DirectPath
from graph.errors import ErrorCodes, expected
from graph.execution import FieldNames
from graph.hooks import KeptHooksRunner
from graph.kept import Kept
from graph.live.executions import SharedEventExecutor
from graph.media.operations import MediaMutation, MediaQuery, MediaSubscription
from graph.nodes import NodeQuery
from graph.people.operations import PeopleMutation, PeopleQuery
from graph.server.charges import QueryCharge
from graph.server.cost import KeptCosts
from graph.server.observability import Observability
from graph.submissions.operations import (
    SubmissionMutation,
    SubmissionQuery,
    SubmissionSubscription,
)
from graph.sync.operations import SyncQuery
from services.platform.settings import Settings

# Field order in the SDL follows this order.
Query = merge_types(
    "Query",
    (PeopleQuery, SubmissionQuery, AuditQuery, MediaQuery, AdminQuery, NodeQuery, SyncQuery),
)
Mutation = merge_types(
    "Mutation", (PeopleMutation, SubmissionMutation, MediaMutation, AdminMutation)
)
Subscription = merge_types("Subscription", (SubmissionSubscription, MediaSubscription))


class ValidatedDocuments:
    """Validation errors per parsed document (graph/kept.py), least recently used dropped past
    `size`. Strawberry's ValidationCache keys an lru_cache by the document, and a
    DocumentNode's hash walks its whole tree on every lookup (24 µs for the nested query of
    bench/overhead.py)."""

    def __init__(self, size: int) -> None:
        self._kept: Kept[list[GraphQLError]] = Kept(size)

    def errors(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        rules: Sequence[type[ASTValidationRule]],
    ) -> list[GraphQLError]:
        key = (id(schema), tuple(map(id, rules)))
        errors = self._kept.get(document, key)
        if errors is None:
            errors = validate_document(schema, document, tuple(rules))
            self._kept.put(document, errors, key)
        return errors


class Documents(SchemaExtension):
    """An operation's document: the token limit, the parser cache, the depth and alias rules
    and validation kept per document (`ValidatedDocuments`). One extension instead of
    Strawberry's four (MaxTokensLimiter, ParserCache, AddValidationRules, ValidationCache):
    Strawberry builds every extension's hooks anew for each operation.

    A syntax error is left to Strawberry: parsing here, it would escape the operation and skip
    every extension's result handling (no `extensions.code`, outcome not counted). The
    document stays unset, and Strawberry parses again and reports the error the normal way.
    """

    def __init__(
        self,
        *,
        max_tokens: int,
        parse: Callable[..., DocumentNode],
        rules: tuple[type[ASTValidationRule], ...],
        validated: ValidatedDocuments,
    ) -> None:
        self.max_tokens = max_tokens
        self.parse = parse
        self.rules = rules
        self.validated = validated

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.max_tokens
        context.validation_rules = context.validation_rules + self.rules
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.parse(context.query, **context.parse_options)
        except GraphQLError:
            context.graphql_document = None
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None:  # else Strawberry reports the parse error
            context.pre_execution_errors = self.validated.errors(
                context.schema._schema, context.graphql_document, context.validation_rules
            )
        yield


@dataclass(frozen=True, slots=True)
class OperationParts:
    """What the schema's extensions share across operations, built once from settings: the
    parser cache, the depth and alias rules, kept validations and costs.

    The depth and alias rules are built once: kept validations are keyed by the rule
    classes, and QueryDepthLimiter/MaxAliasesLimiter create new classes per instance, so
    building them per operation would make every validation a miss.
    """

    max_tokens: int
    parse: Callable[..., DocumentNode]
    rules: tuple[type[ASTValidationRule], ...]
    validated: ValidatedDocuments
    costs: KeptCosts
    production: bool
    introspection: bool

    @classmethod
    def of(cls, settings: Settings) -> OperationParts:
        return cls(
            max_tokens=settings.max_query_tokens,
            parse=lru_cache(maxsize=settings.parser_cache_size)(graphql_parse),
            rules=(
                *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
                *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
            ),
            validated=ValidatedDocuments(settings.validation_cache_size),
            costs=KeptCosts(settings.validation_cache_size),
            production=settings.env == "production",
            introspection=settings.introspection_enabled,
        )

    def extensions(self, *, tracer_provider: Any = None) -> list[Callable[[], SchemaExtension]]:
        """Metrics, error codes, limits and caches; factories so each operation gets fresh
        state. With a tracer provider (tracing on), OpenTelemetry spans too."""
        factories: list[Callable[[], SchemaExtension]] = [
            # First in, last out: it sees the codes ErrorCodes sets and the whole duration.
            Observability,
            lambda: ErrorCodes(mask_internal=self.production),
            # Fresh instances share the schema's parser cache and kept validations.
            lambda: Documents(
                max_tokens=self.max_tokens,
                parse=self.parse,
                rules=self.rules,
                validated=self.validated,
            ),
            # After validation, before any resolver: cost, budget, `extensions.cost`.
            lambda: QueryCharge(costs=self.costs),
        ]
        if not self.introspection:
            factories.append(DisableIntrospection)
        if tracer_provider is not None:
            # Imported only here: it imports opentelemetry, which stays unloaded when tracing
            # is off.
            from strawberry.extensions.tracing import OpenTelemetryExtension

            factories.append(lambda: OpenTelemetryExtension(tracer_provider=tracer_provider))
        return factories

    def direct_path(self) -> DirectPath:
        """The same work as `extensions()` without tracing, done in line (graph/direct.py);
        validated with the rules in the order the extensions add them."""
        introspection = () if self.introspection else (NoSchemaIntrospectionCustomRule,)
        return DirectPath(parts=self, rules=(*specified_rules, *self.rules, *introspection))


# What runs once and answers once: a subscription streams, over a WebSocket (graphql-transport-ws
# uses `stream`, graphql-ws `subscribe`), and no HTTP streaming transport is on.
ONCE = frozenset({OperationType.QUERY, OperationType.MUTATION})


class Schema(strawberry.Schema):
    def __init__(self, *args: Any, direct: DirectPath | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.direct = direct

    @override
    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        # Strawberry lets POST and GET run a subscription once: its field resolves to a stream
        # and fails as an internal error. Refused instead: a 400 saying subscriptions are not
        # allowed over that method.
        allowed = ONCE if allowed_operation_types is None else ONCE & set(allowed_operation_types)
        if self.direct is not None:
            result = await self.direct.execute(
                schema=self,
                query=query,
                variables=variable_values,
                context=context_value,
                root_value=root_value,
                operation_name=operation_name,
                allowed=allowed,
                operation_extensions=operation_extensions,
            )
            if result is not None:
                return result
        return await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed,
            operation_extensions,
        )

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        # Hooks looked up once per extension class, not per stage of every operation.
        return KeptHooksRunner(execution_context=execution_context, extensions=extensions)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Callers' mistakes are not server errors: log only the unexpected (ErrorCodes logs
        # those again with the request id).
        unexpected = [e for e in errors if not expected(e)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(settings: Settings, *, tracer_provider: Any = None) -> strawberry.Schema:
    """The schema with its extensions; `tracer_provider` (from services.tracing) adds spans."""
    parts = OperationParts.of(settings)
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=parts.extensions(tracer_provider=tracer_provider),
        # Spans wrap the extension stages: a traced operation takes them all.
        direct=parts.direct_path() if tracer_provider is None else None,
        execution_context_class=SharedEventExecutor,
        config=StrawberryConfig(name_converter=FieldNames()),
    )


def sdl() -> str:
    """The schema as SDL (what `schema.graphql` holds)."""
    return build_schema(Settings()).as_str() + "\n"
