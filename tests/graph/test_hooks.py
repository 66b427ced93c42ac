"""Extension hooks kept per class (graph/hooks.py) run exactly as Strawberry's own lookup runs
them: the same hooks, in the same order, seeing and suppressing the same errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext

from graph.hooks import KeptHooksRunner

QUERY_OK = "query Ok { ok }"
QUERY_BROKEN = "query Broken { broken }"
QUERY_INVALID = "query Invalid { missing }"
QUERY_UNPARSABLE = "query {"


@strawberry.type
class Query:
    @strawberry.field
    def ok(self) -> str:
        return "yes"

    @strawberry.field
    def broken(self) -> str:
        raise ValueError("resolver failed")


def _extensions(log: list[str]) -> list[type[SchemaExtension]]:
    """One extension per kind of hook Strawberry accepts, each logging what it sees."""

    class Generators(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            log.append("operation in")
            try:
                yield
            except Exception as error:
                log.append(f"operation saw {type(error).__name__}")
                raise
            log.append("operation out")

        def on_parse(self) -> Iterator[None]:
            log.append("parse in")
            yield
            log.append("parse out")

    class AsyncGenerators(SchemaExtension):
        async def on_execute(self) -> AsyncIterator[None]:
            log.append("execute in")
            yield
            log.append(f"execute out {self.execution_context.operation_name}")

    class Callables(SchemaExtension):
        def on_validate(self) -> None:  # type: ignore[override]
            log.append("validate called")

        async def on_execute(self) -> None:  # type: ignore[override]
            log.append("execute awaited")

    class Defaults(SchemaExtension):
        def get_results(self) -> dict[str, Any]:
            log.append("results")
            return {"seen": len(log)}

    return [Generators, AsyncGenerators, Callables, Defaults]


class StrawberryRunnerSchema(strawberry.Schema):
    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return SchemaExtensionsRunner(execution_context=execution_context, extensions=extensions)


class KeptRunnerSchema(strawberry.Schema):
    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return KeptHooksRunner(execution_context=execution_context, extensions=extensions)


async def _run(
    schema_class: type[strawberry.Schema],
    query: str,
    *,
    extra: list[type[SchemaExtension]] | None = None,
) -> tuple[list[str], Any]:
    log: list[str] = []
    schema = schema_class(query=Query, extensions=[*_extensions(log), *(extra or [])])
    try:
        result = await schema.execute(query)
    except Exception as error:
        return log, repr(error)
    return log, (result.data, [e.message for e in result.errors or []], result.extensions)


@pytest.mark.parametrize("query", [QUERY_OK, QUERY_BROKEN, QUERY_INVALID, QUERY_UNPARSABLE])
async def test_kept_hooks_run_as_strawberrys_own_lookup(query: str) -> None:
    # given: the same extensions under Strawberry's runner and under the kept one
    # when
    theirs = await _run(StrawberryRunnerSchema, query)
    ours = await _run(KeptRunnerSchema, query)
    # then: the same hooks ran in the same order, with the same answer
    assert ours == theirs
    assert ours[0][0] == "operation in"


async def test_kept_hooks_see_an_error_raised_inside_their_stage_as_strawberrys_do() -> None:
    # given: an execution hook that fails before execution, inside the operation hook
    class Refuses(SchemaExtension):
        def on_execute(self) -> Iterator[None]:
            raise RuntimeError("refused before execution")
            yield  # pragma: no cover

    # when
    theirs = await _run(StrawberryRunnerSchema, QUERY_OK, extra=[Refuses])
    ours = await _run(KeptRunnerSchema, QUERY_OK, extra=[Refuses])
    # then: the operation hook saw the error on its way out, under both runners
    assert ours == theirs
    assert "operation saw RuntimeError" in ours[0]


async def test_the_product_schema_runs_kept_hooks() -> None:
    # given
    from graph.schema import build_schema
    from services.platform.settings import Settings

    schema = build_schema(Settings())
    # when
    context = ExecutionContext(query="{ __typename }", schema=schema, allowed_operations=())
    runner = schema.create_extensions_runner(context, [])
    # then
    assert isinstance(runner, KeptHooksRunner)
