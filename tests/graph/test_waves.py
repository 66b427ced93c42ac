"""A query run in waves (graph/waves.py) answers as graphql-core does: the same data, nulls
propagated to the same positions, the same errors at the same paths, on generated queries over
a schema whose fields fail, return nulls where they must not, and resolve late, in lists, in
unions and interfaces."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Annotated, Any, Optional, cast

import pytest
import strawberry
from graphql import GraphQLError
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema
from strawberry.extensions import ParserCache
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graph.execution import Executor, FieldNames
from graph.waves import _awaitable, _awaitable_types
from resolvers.futures import then


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Stone:
    weight: int


@strawberry.type
class Twig(Named):
    name: str
    size: int


async def _soon(value: object) -> object:
    await asyncio.sleep(0)  # answered on a later turn of the loop, as a load would be
    return value


def _landing(value: int) -> asyncio.Future[int]:
    """A load's future, landing on a later turn of the loop (as a DataLoader's does)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[int] = loop.create_future()
    loop.call_soon(future.set_result, value)
    return future


def _shaped_knot(index: int) -> Knot | None:
    if index % 3 == 0:
        raise ValueError(f"shape {index} failed")
    return None if index % 3 == 1 else Knot.at(index)


@strawberry.type
class Knot(Named):
    """Fields keyed on `index`: some fail, some are null where they must not be."""

    index: int
    name: str  # null (an error) every fifth knot
    note: str | None

    @classmethod
    def at(cls, index: int) -> Knot:
        return cls(
            index=index,
            name=None if index % 5 == 3 else f"k{index}",  # type: ignore[arg-type]
            note=None if index % 2 else f"n{index}",
        )

    @strawberry.field
    async def next(self) -> Knot | None:
        return None if self.index % 4 == 2 else Knot.at(self.index + 1)

    @strawberry.field
    async def must(self) -> Knot:
        if self.index % 3 == 1:
            raise ValueError(f"must {self.index} failed")
        return cast(Knot, await _soon(Knot.at(self.index * 2 + 1)))

    @strawberry.field
    def kids(self, count: int = 2) -> list[Knot]:
        return [Knot.at(self.index + 10 + i) for i in range(max(0, min(count, 3)))]

    @strawberry.field
    async def maybe_kids(self) -> list[Knot | None] | None:
        if self.index % 7 == 6:
            return None
        return [None if i == 1 else Knot.at(self.index + 20 + i) for i in range(3)]

    @strawberry.field
    def broken(self) -> str | None:
        if self.index % 2:
            raise ValueError(f"broken {self.index}")
        return "whole"

    @strawberry.field
    async def strict(self) -> str:
        if self.index % 4 == 0:
            raise ValueError(f"strict {self.index}")
        return cast(str, await _soon(f"s{self.index}"))

    @strawberry.field
    def things(self) -> list[Annotated[Twig | Stone, strawberry.union("Thing")]]:
        return [Twig(name=f"t{self.index}", size=self.index), Stone(weight=self.index)]

    @strawberry.field
    def named(self) -> Named:
        return Twig(name="twig", size=1) if self.index % 2 else Knot.at(self.index + 30)

    @strawberry.field(graphql_type=Optional["Knot"])
    def shaped(self) -> Awaitable[Knot | None]:
        # A load shaped when it lands (resolvers/futures.py): fails, nulls or gives a knot.
        return then(_landing(self.index + 40), _shaped_knot)

    @strawberry.field(graphql_type="Knot")
    def shaped_strict(self) -> Awaitable[Knot | None]:
        return then(_landing(self.index + 41), _shaped_knot)

    @strawberry.field
    def twig(self) -> Twig:
        # Every other one is cast to another type (strawberry.cast): a Twig that is refused.
        twig = Twig(name=f"t{self.index}", size=self.index)
        return strawberry.cast(Stone, twig) if self.index % 2 else twig

    @strawberry.field
    def where(self, info: strawberry.Info) -> str:
        # What a resolver reads of its info beyond the context (built on demand in waves).
        raw = info._raw_info
        aliases = [node.alias and node.alias.value for node in raw.field_nodes]
        return (
            f"{info.field_name} {info.path.as_list()} {info.context!r} {info.python_name}"
            f" {raw.parent_type.name} {aliases}"
        )

    @strawberry.field
    def later_items(self) -> list[str]:
        # Items that are awaitables themselves, which graphql-core awaits.
        return cast(list[str], [_soon(f"i{i}") for i in range(2)])


@strawberry.type
class Query:
    @strawberry.field
    def knots(self, first: int = 3) -> list[Knot]:
        return [Knot.at(i) for i in range(max(0, min(first, 6)))]

    @strawberry.field
    async def knot(self, index: int = 0) -> Knot:
        return Knot.at(index)

    @strawberry.field
    def maybe(self, index: int = 1) -> Knot | None:
        return Knot.at(index)


def _schema(executor: type) -> strawberry.Schema:
    names = StrawberryConfig(name_converter=FieldNames()) if executor is Executor else None
    return strawberry.Schema(
        query=Query, types=[Twig], execution_context_class=executor, config=names
    )


THEIRS = _schema(StrawberryGraphQLCoreExecutionContext)
OURS = _schema(Executor)


def _located(errors: list[GraphQLError] | None) -> list[tuple[str, tuple[Any, ...] | None]]:
    return sorted((e.message, tuple(e.path) if e.path else None) for e in errors or [])


def _nulled(data: Any, path: tuple[Any, ...]) -> bool:
    """Whether the answer nulled the position of `path` or one above it."""
    value = data
    for key in path:
        if value is None:
            return True
        value = value[key]
    return value is None


async def _both(document: str, variables: dict[str, Any] | None = None) -> tuple[Any, Any]:
    theirs = await THEIRS.execute(document, variable_values=variables)
    ours = await OURS.execute(document, variable_values=variables)
    # Both leave what a nulled position no longer needs to settle in the background.
    background = asyncio.all_tasks() - {asyncio.current_task()}
    await asyncio.gather(*background, return_exceptions=True)
    return theirs, ours


def _assert_same(theirs: Any, ours: Any) -> None:
    assert ours.data == theirs.data
    data = ours.data
    ours_errors, theirs_errors = _located(ours.errors), _located(theirs.errors)
    # Every error is reported where the answer is null: at its field, or above it.
    for message, path in ours_errors + theirs_errors:
        assert path is not None and _nulled(data, path), (message, path)
    # An error whose object is still in the answer is reported by both, once, alike. Under a
    # position nulled by a non-null error, which of the errors there are reported depends on
    # which reached that position first: in graphql-core, on how its Tasks happened to finish.
    assert (
        [e for e in ours_errors if not _nulled(data, e[1][:-1])]
        == [  # type: ignore[index]
            e
            for e in theirs_errors
            if not _nulled(data, e[1][:-1])  # type: ignore[index]
        ]
    )
    assert bool(ours_errors) == bool(theirs_errors)


DOCUMENTS = {
    "leaves and late fields": "{ knots { index name note strict } }",
    "a null in a non-null leaf nulls the list item's object up to the list": (
        "{ knots(first: 5) { index name } }"
    ),
    "late errors propagate across waves": "{ maybe(index: 1) { must { index } } }",
    "late non-null chains": "{ knots(first: 5) { must { must { index strict } } } }",
    "a root that cannot be null": "{ knot(index: 3) { index name } }",
    "a late root failure": "{ knot(index: 4) { strict } maybe { index } }",
    "lists of nullable items": "{ knots(first: 6) { maybeKids { index name } } }",
    "unions and interfaces": (
        "{ knots { things { __typename ... on Twig { name size } ... on Stone { weight } }"
        " named { __typename name ... on Knot { index strict } } } }"
    ),
    "awaitable list items": "{ knots { laterItems } }",
    "what a resolver reads of its info": (
        "{ knots(first: 2) { where here: where kids { where next { where } } } }"
    ),
    "an object cast to another type is refused": "{ knots(first: 4) { index twig { size } } }",
    "loads shaped when they land": (
        "{ knots(first: 6) { index shaped { index shaped { index } } shapedStrict { index } } }"
    ),
    "aliases, fragments and directives": (
        "query Q($yes: Boolean!) { a: knots(first: 2) { ...F x: index } b: knots(first: 1) {"
        " index @include(if: $yes) name @skip(if: $yes) } }"
        " fragment F on Knot { index next { index kids(count: 3) { index } } }"
    ),
    "typename everywhere": "{ __typename knots(first: 1) { __typename next { __typename } } }",
}


@pytest.mark.parametrize("name", DOCUMENTS)
async def test_documents_answer_as_graphql_core_does(name: str) -> None:
    # given the same schema run by graphql-core and in waves
    # when each runs the document
    theirs, ours = await _both(DOCUMENTS[name], {"yes": True})
    # then the answers agree
    _assert_same(theirs, ours)


# Waves keep a parsed operation's selections when it has no directives: with a parser cache,
# a repeated document is answered from them.
KEPT = strawberry.Schema(
    query=Query,
    types=[Twig],
    execution_context_class=Executor,
    config=StrawberryConfig(name_converter=FieldNames()),
    extensions=[ParserCache()],
)


@pytest.mark.parametrize("name", DOCUMENTS)
async def test_a_repeated_document_answers_as_the_first_time(name: str) -> None:
    # given a document's answer from graphql-core
    theirs, _ = await _both(DOCUMENTS[name], {"yes": True})
    # when the same parsed document runs in waves three times, its variables changing
    repeats = [
        await KEPT.execute(DOCUMENTS[name], variable_values={"yes": yes})
        for yes in (True, True, False)
    ]
    await asyncio.gather(*(asyncio.all_tasks() - {asyncio.current_task()}))
    # then each answer is the one graphql-core gives for its variables
    _assert_same(theirs, repeats[0])
    _assert_same(theirs, repeats[1])
    theirs_without, _ = await _both(DOCUMENTS[name], {"yes": False})
    _assert_same(theirs_without, repeats[2])


async def test_a_failing_root_that_cannot_be_null_nulls_the_data() -> None:
    # given a root field that cannot be null, and a knot whose name is null
    # when it is asked for, next to a field that resolves late
    theirs, ours = await _both("{ knot(index: 3) { name } maybe { strict next { index } } }")
    # then the whole data is null, with the one error
    assert ours.data is None
    assert (
        _located(ours.errors)
        == _located(theirs.errors)
        == [("Cannot return null for non-nullable field Knot.name.", ("knot", "name"))]
    )


async def test_an_error_nulls_the_nearest_nullable_position() -> None:
    # given must() failing for knot 1 and knots being a non-null list of non-null knots
    # when knot 1's must is asked for within the list
    theirs, ours = await _both("{ maybe(index: 1) { index must { index } } }")
    # then `maybe` (nullable) is null, and the error is located at must
    assert ours.data == theirs.data == {"maybe": None}
    assert _located(ours.errors) == [("must 1 failed", ("maybe", "must"))]


async def test_a_page_makes_one_task_per_late_resolver() -> None:
    # given a count of the Tasks an operation creates
    loop = asyncio.get_running_loop()
    made: list[str] = []

    def counting(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        made.append(getattr(coro, "__qualname__", ""))
        return asyncio.Task(coro, loop=loop, **kwargs)

    document = "{ knots(first: 5) { strict next { index } } }"
    counts = []
    for schema in (THEIRS, OURS):
        made.clear()
        loop.set_task_factory(counting)  # type: ignore[arg-type]
        try:
            # when each executor runs a page of 5 knots with two late fields each
            result = await schema.execute(document)
        finally:
            loop.set_task_factory(None)
        assert result.data == (await THEIRS.execute(document)).data
        counts.append(len(made))
    # then waves make one Task per late field; graphql-core one per knot too
    assert counts == [15, 10]


@strawberry.type
class Slow:
    started: strawberry.Private[asyncio.Event]
    cancelled: strawberry.Private[asyncio.Event]

    @strawberry.field
    async def forever(self) -> str:
        self.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        return "never"


@strawberry.type
class SlowQuery:
    @strawberry.field
    def slow(self, info: strawberry.Info) -> list[Slow]:
        return cast(list[Slow], info.context["slow"])


async def test_a_cancelled_operation_cancels_its_resolvers() -> None:
    # given two resolvers that never answer
    slow = [Slow(started=asyncio.Event(), cancelled=asyncio.Event()) for _ in range(2)]
    schema = strawberry.Schema(query=SlowQuery, execution_context_class=Executor)
    # when the operation is cancelled while they wait
    task = asyncio.ensure_future(
        cast(Awaitable[Any], schema.execute("{ slow { forever } }", context_value={"slow": slow}))
    )
    await asyncio.gather(*(s.started.wait() for s in slow))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # then both resolvers were cancelled too
    await asyncio.wait_for(asyncio.gather(*(s.cancelled.wait() for s in slow)), timeout=5)


@strawberry.type
class Gate:
    @strawberry.field
    async def after(self, info: strawberry.Info) -> str:
        cast(asyncio.Event, info.context["reached"]).set()
        return "after"


@strawberry.type
class GateQuery:
    @strawberry.field
    async def held(self, info: strawberry.Info) -> str:
        await cast(asyncio.Event, info.context["release"]).wait()
        return "held"

    @strawberry.field
    async def gate(self) -> Gate:
        return Gate()


async def test_a_field_does_not_wait_for_an_unrelated_slow_one() -> None:
    # given a root field held until released, and a sibling with a late field of its own
    schema = strawberry.Schema(query=GateQuery, execution_context_class=Executor)
    context = {"reached": asyncio.Event(), "release": asyncio.Event()}
    # when the operation runs
    task = asyncio.ensure_future(
        cast(Awaitable[Any], schema.execute("{ held gate { after } }", context_value=context))
    )
    # then the sibling's late field runs while the slow one still waits
    await asyncio.wait_for(context["reached"].wait(), timeout=5)
    assert not task.done()
    context["release"].set()
    result = await task
    assert result.data == {"held": "held", "gate": {"after": "after"}}


@strawberry.type
class Twin:
    @strawberry.field
    def value(self, info: strawberry.Info) -> str:
        # One future for every twin: graphql-core awaits what a resolver returns.
        return cast(str, info.context["shared"])


@strawberry.type
class TwinQuery:
    @strawberry.field
    def twins(self) -> list[Twin]:
        return [Twin(), Twin(), Twin()]


async def test_one_future_given_to_several_fields_completes_each() -> None:
    # given a resolver that gives the same future (as a DataLoader does for one key) to 3 fields
    shared: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_soon(shared.set_result, "same")
    schema = strawberry.Schema(query=TwinQuery, execution_context_class=Executor)
    # when the operation runs
    result = await schema.execute("{ twins { value } }", context_value={"shared": shared})
    # then every field has the value
    assert result.data == {"twins": [{"value": "same"}] * 3}


SDL = str(THEIRS)
GENERATED = hypothesis_settings(
    max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)


@GENERATED
@given(data=st.data())
def test_generated_queries_answer_as_graphql_core_does(data: st.DataObject) -> None:
    # given any query over the schema
    document = cast(str, data.draw(from_schema(SDL, fields=["knots", "knot", "maybe"])))
    # when graphql-core and waves run it
    theirs, ours = asyncio.run(_both(document))
    # then the answers agree
    _assert_same(theirs, ours)


class _Hooked:
    """A value whose attribute hook may make it awaitable per value."""

    def __init__(self, awaitable: bool) -> None:
        self.awaitable = awaitable

    def __getattr__(self, name: str) -> Any:
        if name == "__await__" and self.awaitable:
            return lambda: iter(())
        raise AttributeError(name)


def test_awaitable_is_answered_per_type_unless_a_value_could_answer_otherwise() -> None:
    # given plain values, a future, a coroutine and values with an attribute hook
    loop = asyncio.new_event_loop()
    coroutine = _soon(1)
    try:
        # when / then each is told apart as graphql-core tells it
        assert not _awaitable(Knot.at(1))
        assert not _awaitable([1])
        assert _awaitable(loop.create_future())
        assert _awaitable(coroutine)
        assert _awaitable(_Hooked(awaitable=True))
        assert not _awaitable(_Hooked(awaitable=False))
        # and only types that answer alike for every value are kept
        assert Knot in _awaitable_types
        assert _Hooked not in _awaitable_types
    finally:
        coroutine.close()
        loop.close()
