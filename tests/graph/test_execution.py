"""The schema's executor (graph/execution.py) answers exactly as Strawberry's own does, errors
included, while converting a selection's arguments once instead of once per list item."""

from __future__ import annotations

import enum
import gc
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, cast

import pytest
import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.permission import BasePermission
from strawberry.scalars import JSON
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.arguments import convert_arguments

from graph.execution import Executor, FieldNames, _call_of
from graph.schema import build_schema
from services.platform.settings import Settings
from tests.support.counting import counted


@strawberry.enum
class Direction(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.input
class Order:
    direction: Direction = Direction.ASC
    nulls_last: bool = False


class Deny(BasePermission):
    message = "not for you"

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Item:
    index: int
    name: str
    nickname: str | None
    state: Direction
    tags: list[str]

    @strawberry.field
    def label(self, order: Order | None = None, prefix: str = "#") -> str:
        seen = f"{prefix}{self.index}:{order.direction.value if order else '-'}"
        if order is not None:
            order.direction = Direction.DESC  # a careless resolver: others must not see it
        return seen

    @strawberry.field
    async def later(self, info: strawberry.Info, times: int = 1) -> str:
        return f"{info.field_name}:{self.name * times}"

    @strawberry.field
    def echo(self, value: JSON) -> JSON:
        data = cast(dict[str, Any], value)
        data["seen"] = data.get("seen", 0) + 1  # mutable argument values stay per call
        return cast(JSON, data)

    @strawberry.field
    def where(self, info: strawberry.Info) -> str:
        return f"{info.field_name}:{info.path.key}:{self.index}"

    @strawberry.field
    def twice(self) -> int:
        return self.index * 2

    @strawberry.field
    def fails(self) -> str:
        raise ValueError(f"item {self.index} failed")

    @strawberry.field(permission_classes=[Deny])  # type: ignore[untyped-decorator]
    def secret(self) -> str:
        return "never"


def _items(count: int) -> list[Item]:
    # Item 2 breaks its non-null `name` and holds a value its enum cannot serialize.
    return [
        Item(
            index=i,
            name=None if i == 2 else f"n{i}",  # type: ignore[arg-type]
            nickname=None if i % 2 else f"k{i}",
            state="SIDEWAYS" if i == 2 else Direction.ASC,  # type: ignore[arg-type]
            tags=[f"t{i}"],
        )
        for i in range(count)
    ]


@strawberry.type
class Query:
    @strawberry.field
    def items(self, first: int = 3) -> list[Item]:
        return _items(first)


class CountsResolves(SchemaExtension):
    calls: list[str] = []

    def resolve(
        self,
        _next: Callable[..., Any],
        root: Any,
        info: GraphQLResolveInfo[Any],
        *args: str,
        **kwargs: Any,
    ) -> Awaitable[object] | object:
        CountsResolves.calls.append(info.field_name)
        result: object = _next(root, info, *args, **kwargs)
        return result


def _schema(executor: type, *extensions: type[SchemaExtension]) -> strawberry.Schema:
    names = StrawberryConfig(name_converter=FieldNames()) if executor is Executor else None
    return strawberry.Schema(
        query=Query,
        execution_context_class=executor,
        config=names,
        extensions=list(extensions),
    )


DOCUMENTS = {
    "leaves and nulls": "{ items(first: 4) { index name nickname state tags } }",
    "arguments by literal": '{ items { label(order: {direction: ASC}, prefix: "~") } }',
    "arguments by variable": (
        "query Q($o: Order, $p: String!) { items { label(order: $o, prefix: $p) } }"
    ),
    "aliases with other arguments": (
        '{ items { a: label(order: {direction: DESC}) b: label c: label(prefix: "!") } }'
    ),
    "fragments": "{ items { ...F } } fragment F on Item { index later(times: 2) }",
    "resolver errors": "{ items { index fails } }",
    "resolvers of self and info": "{ items { w: where twice } }",
    "enum leaves": "{ items(first: 2) { index state } }",
    "permissions": "{ items(first: 1) { index secret } }",
    "bad variable": "query Q($n: Int!) { items(first: $n) { index } }",
}
VARIABLES = {"o": {"direction": "DESC"}, "p": "*", "n": "three"}


def _shape(result: Any) -> tuple[Any, list[tuple[str, Any]]]:
    errors = sorted((e.message, e.path) for e in result.errors or [])
    return result.data, errors


@pytest.mark.parametrize("name", DOCUMENTS)
async def test_answers_and_errors_equal_strawberrys_own(name: str) -> None:
    # given the same schema with Strawberry's executor and with ours
    document = DOCUMENTS[name]
    theirs = _schema(StrawberryGraphQLCoreExecutionContext)
    ours = _schema(Executor)
    # when both run the document
    expected = await theirs.execute(document, variable_values=VARIABLES)
    got = await ours.execute(document, variable_values=VARIABLES)
    # then data and errors (messages and paths) are the same
    assert _shape(got) == _shape(expected)


async def test_a_list_converts_its_arguments_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a count of argument conversions
    calls = counted(monkeypatch, "graph.execution.convert_arguments", convert_arguments)
    # when 20 items each resolve `label` with the same arguments, and `a`/`b` differ
    result = await _schema(Executor).execute(
        "{ items(first: 20) { a: label(order: {direction: DESC}) b: label } }"
    )
    # then `items` and the two selections converted once each, not 40 times
    assert result.errors is None
    assert len(calls) == 3


def _conversions_counted(monkeypatch: pytest.MonkeyPatch) -> tuple[list[int], strawberry.Schema]:
    """A count of argument conversions, and a schema with a parser cache (one document object
    per query text, as the API's)."""
    calls = counted(monkeypatch, "graph.execution.convert_arguments", convert_arguments)
    schema = strawberry.Schema(
        query=Query,
        execution_context_class=Executor,
        config=StrawberryConfig(name_converter=FieldNames()),
        extensions=[ParserCache()],
    )
    return calls, schema


async def test_literal_arguments_are_converted_once_across_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a count of argument conversions, and a schema with a parser cache (one document
    # object per query text)
    calls, schema = _conversions_counted(monkeypatch)
    document = (
        "query Q($o: Order, $n: Int!) { items(first: $n) {"
        ' a: label(order: {direction: DESC}, prefix: "~") b: label(order: $o) } }'
    )
    # when it runs three times, its variables changing
    results = [
        await schema.execute(document, variable_values={"o": {"direction": o}, "n": n})
        for o, n in (("ASC", 2), ("DESC", 3), ("ASC", 1))
    ]
    # then each answer follows its own variables
    assert [r.data for r in results] == [
        {"items": [{"a": f"~{i}:DESC", "b": f"#{i}:{o}"} for i in range(n)]}
        for o, n in (("ASC", 2), ("DESC", 3), ("ASC", 1))
    ]
    # and only the selections with variables converted again: `a` once in all
    assert len(calls) == 1 + 2 + 2 + 2


VARIABLE_ARGUMENTS = (
    "query Q($n: Int!, $p: String, $d: Direction) { items(first: $n) {"
    " a: label(prefix: $p) b: label(order: {direction: $d}) c: later(times: $n)"
    " } }"
)


async def test_arguments_with_variables_are_converted_once_per_value_across_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a count of argument conversions, and a schema with a parser cache
    calls, schema = _conversions_counted(monkeypatch)
    runs: list[dict[str, Any]] = [
        {"n": 2, "p": "~", "d": "ASC"},
        {"n": 1, "p": "~", "d": "DESC"},
        {"n": 2, "p": "~", "d": "ASC"},  # the first one's values again: nothing converted
        {"n": 2, "d": "ASC"},  # `$p` left out: `prefix` takes its default
        {"n": 2, "p": None, "d": "ASC"},  # null is not left out
    ]
    # when the same document runs with these variables
    results = [await schema.execute(VARIABLE_ARGUMENTS, variable_values=v) for v in runs]
    # then each answer follows its own variables
    assert results[-1].errors is not None  # null for a non-null `prefix`
    assert [r.data for r in results[:4]] == [
        {
            "items": [
                {
                    "a": f"{v.get('p', '#')}{i}:-",
                    "b": f"#{i}:{v['d']}",
                    "c": f"later:{f'n{i}' * v['n']}",
                }
                for i in range(v["n"])
            ]
        }
        for v in runs[:4]
    ]
    # and each selection converted once per distinct value of its own variables, across
    # requests: all four, then `items`, `b` and `c` (`a`'s `$p` is the same), none, `a`; the
    # null `$p` fails before conversion
    assert len(calls) == 4 + 3 + 0 + 1 + 0


async def test_each_call_gets_its_own_input_object() -> None:
    # given a resolver that changes its `order` argument after reading it
    # when 5 items share one selection
    result = await _schema(Executor).execute(
        "{ items(first: 5) { label(order: {direction: ASC}) } }"
    )
    # then every call saw the value the client sent
    assert result.data == {"items": [{"label": f"#{i}:ASC"} for i in range(5)]}


async def test_mutable_argument_values_are_converted_per_call() -> None:
    # given a JSON argument (a dict), which the resolver changes
    # when 3 items share the selection
    result = await _schema(Executor).execute("{ items { echo(value: {seen: 0}) } }")
    # then no call saw another's change
    assert result.data == {"items": [{"echo": {"seen": 1}}] * 3}


async def test_an_extension_that_resolves_sees_every_field() -> None:
    # given an extension with a `resolve` hook (as tracing has)
    document = '{ items(first: 2) { index name label(prefix: "x") } }'
    counts = []
    for executor in (StrawberryGraphQLCoreExecutionContext, Executor):
        CountsResolves.calls = []
        # when each executor runs the same document
        result = await _schema(executor, CountsResolves).execute(document)
        assert result.errors is None
        counts.append(sorted(CountsResolves.calls))
    # then the hook saw the same fields, leaves included
    assert counts[0] == counts[1]
    assert len(counts[1]) == 1 + 2 * 3


def test_resolvers_of_self_alone_or_self_and_info_are_called_positionally() -> None:
    # given the schema's Item fields
    schema = _schema(Executor)
    item = schema._schema.get_type("Item")
    assert isinstance(item, GraphQLObjectType)
    converter = schema.schema_converter
    # when their calls are planned
    plans = {name: _call_of(item.fields[name], converter) for name in ("where", "twice", "later")}
    # then `(self, info)` and `(self)` take positions; one with arguments takes keywords
    assert {name: plan.positional if plan else None for name, plan in plans.items()} == {
        "where": 2,
        "twice": 1,
        "later": 0,
    }


def test_the_api_schema_executes_with_it() -> None:
    schema = build_schema(Settings(_env_file=None))  # type: ignore[call-arg]
    assert issubclass(schema.execution_context_class, Executor)
    assert isinstance(schema.config.name_converter, FieldNames)


def test_field_names_are_camel_cased_once() -> None:
    names = FieldNames()
    assert names.apply_naming_config("order_by") == "orderBy"
    assert names.apply_naming_config("order_by") == "orderBy"
    assert names._converted == {"order_by": "orderBy"}


class _Context:
    """A request's context: an operation is the only one holding it."""


@pytest.mark.parametrize(
    "name", ["arguments by literal", "resolvers of self and info", "enum leaves"]
)
async def test_an_operation_leaves_no_reference_cycles(name: str) -> None:
    # given our executor and a context that only the operation refers to
    schema = _schema(Executor)
    context = _Context()
    freed = weakref.ref(context)
    gc.collect()
    gc.disable()  # only reference counting frees what the operation made
    try:
        # when an operation runs and its result is dropped
        result = await schema.execute(DOCUMENTS[name], context_value=context)
        assert result.data is not None
        del context, result
        # then its context (and all the request's objects it reaches) is freed at once
        assert freed() is None
    finally:
        gc.enable()
