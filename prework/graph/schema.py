"""The schema: each area contributes its Query/Mutation/Subscription parts."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.tools import merge_types

from prework.graph.errors import ErrorCodes
from prework.graph.media import MediaMutation, MediaQuery
from prework.graph.people import PeopleMutation, PeopleQuery
from prework.graph.subscriptions import PeopleSubscription
from prework.services.settings import Settings

Query = merge_types("Query", (PeopleQuery, MediaQuery))
Mutation = merge_types("Mutation", (PeopleMutation, MediaMutation))
Subscription = merge_types("Subscription", (PeopleSubscription,))


def extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Limits and caches from settings; factories so each operation gets fresh state.

    The depth and alias rules are built once: Strawberry's validation cache is keyed by the
    rule classes, and QueryDepthLimiter/MaxAliasesLimiter create new classes per instance,
    so building them per operation made every validation a cache miss.
    """
    production = settings.env == "production"
    rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    parser_size, validation_size = settings.parser_cache_size, settings.validation_cache_size
    factories: list[Callable[[], SchemaExtension]] = [
        lambda: ErrorCodes(mask_internal=production),
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
        # Fresh instances share one bounded LRU per size (module level in Strawberry).
        lambda: ParserCache(maxsize=parser_size),
        lambda: ValidationCache(maxsize=validation_size),
    ]
    if not settings.introspection_enabled:
        factories.append(DisableIntrospection)
    return factories


def build_schema(settings: Settings) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions(settings),
    )


def sdl() -> str:
    """The schema as SDL (what `schema.graphql` holds)."""
    return build_schema(Settings()).as_str() + "\n"
