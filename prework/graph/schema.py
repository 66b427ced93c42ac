"""The schema: each area contributes its Query/Mutation/Subscription parts."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from prework.graph.admin import AdminMutation, AdminQuery
from prework.graph.errors import ErrorCodes, expected
from prework.graph.media import MediaMutation, MediaQuery
from prework.graph.people import PeopleMutation, PeopleQuery
from prework.graph.subscriptions import PeopleSubscription
from prework.services.settings import Settings

Query = merge_types("Query", (PeopleQuery, MediaQuery, AdminQuery))
Mutation = merge_types("Mutation", (PeopleMutation, MediaMutation, AdminMutation))
Subscription = merge_types("Subscription", (PeopleSubscription,))


def extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Limits and caches from settings; factories so each operation gets fresh state."""
    production = settings.env == "production"
    factories: list[Callable[[], SchemaExtension]] = [
        lambda: ErrorCodes(mask_internal=production),
        lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
        lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
    ]
    # Caches are shared across operations, so one instance each, bounded.
    parser_cache = ParserCache(maxsize=settings.parser_cache_size)
    validation_cache = ValidationCache(maxsize=settings.validation_cache_size)
    factories += [lambda: parser_cache, lambda: validation_cache]
    if not settings.introspection_enabled:
        factories.append(DisableIntrospection)
    return factories


class Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Callers' mistakes are not server errors: log only the unexpected (ErrorCodes logs
        # those again with the request id).
        unexpected = [e for e in errors if not expected(e)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(settings: Settings) -> strawberry.Schema:
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions(settings),
    )


def sdl() -> str:
    """The schema as SDL (what `schema.graphql` holds)."""
    return build_schema(Settings()).as_str() + "\n"
