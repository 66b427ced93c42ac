"""A query or mutation run without Strawberry's extension stages (issue 16, bench/notes.md).

Strawberry runs an operation through four stages (operation, parsing, validation, execution)
and enters every extension's hook for each: per request it builds the extensions, a runner, a
context manager per stage and an exit stack per stage, and asks the execution context for the
operation's name and type again at each hook. That machinery was about a third of the work the
GraphQL layer adds to a small request. Here the extensions' work is done in line, by the same
functions they use:

- `Documents`: the kept parse (with the token limit) and the kept validation, same rules;
- `QueryCharge`: `charge_operation` before any resolver runs, `extensions.cost` after;
- `ErrorCodes`: `with_code` on every error; `Schema.process_errors` logs the unexpected first;
- `Observability`: `record_operation` with the duration and the final codes.

Only a document that parses, names one query or mutation the transport allows and validates
without errors takes this path, and only with exactly those extensions (no tracing): anything
else (a syntax error, an invalid document, an unknown operation name, a subscription, a
server-side call without a runtime) goes through `Strawberry`'s own stages, which report it.
Nothing observable has happened by the time that is decided: parsing and validation are kept
per document and have no side effects. tests/graph/test_direct.py runs both paths alike.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from inspect import isawaitable
from typing import TYPE_CHECKING, Any

from graphql import ASTValidationRule, GraphQLError, execute, get_operation_ast
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.execution import optimized_is_awaitable
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from graph.errors import as_graphql_error, coded, with_code
from graph.server.charges import charge_operation, cost_extension
from graph.server.observability import record_operation
from services.limits import Charge
from services.platform.aws import CURRENT_COUNT, CallCount

if TYPE_CHECKING:
    from graph.schema import OperationParts, Schema

_KINDS = {kind.value: kind for kind in OperationType}


@dataclass(frozen=True, slots=True)
class DirectPath:
    """What the schema's extensions would do to an operation, done in line (module docstring),
    with what they share (`parts`).

    `rules`: every validation rule the general path validates with, in its order (graphql's
    specified rules, then the extensions'), so both share the kept validations."""

    parts: OperationParts
    rules: tuple[type[ASTValidationRule], ...]

    async def execute(
        self,
        *,
        schema: Schema,
        query: str | None,
        variables: dict[str, Any] | None,
        context: Any,
        root_value: Any,
        operation_name: str | None,
        allowed: Collection[OperationType],
        operation_extensions: dict[str, Any] | None,
    ) -> ExecutionResult | None:
        """The operation's result, or None when it must take the general path."""
        started = time.perf_counter()
        if not query or getattr(context, "runtime", None) is None:
            return None
        parts = self.parts
        try:
            document = parts.parse(query, max_tokens=parts.max_tokens)
        except GraphQLError:
            return None
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return None
        kind = _KINDS[operation.operation.value]
        if kind not in allowed or kind is OperationType.SUBSCRIPTION:
            return None
        if parts.validated.errors(schema._schema, document, self.rules):
            return None
        # The name Strawberry's execution context reports: the one asked for, else the first
        # operation's (here the only one: a document of several needs a name to get here).
        name = operation_name
        if name is None and operation.name is not None:
            name = operation.name.value
        count = CallCount()
        requested: int | None = None
        charge: Charge | None = None
        failure: Exception | None = None
        try:
            requested, charge, refusal = await charge_operation(
                context=context,
                schema=schema._schema,
                document=document,
                operation_name=name,
                variables=variables,
                costs=parts.costs,
            )
            if refusal is not None:
                # As a result set before execution: no resolver runs.
                result = GraphQLExecutionResult(data=None, errors=[coded(refusal)])
            else:
                token = CURRENT_COUNT.set(count)
                try:
                    executed = execute(
                        schema._schema,
                        document,
                        root_value=root_value,
                        context_value=context,
                        variable_values=variables,
                        operation_name=name,
                        executor_class=schema.execution_context_class,
                        is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
                        operation_extensions=operation_extensions,
                    )
                    result = await executed if isawaitable(executed) else executed
                finally:
                    CURRENT_COUNT.reset(token)
            if result.errors:
                schema.process_errors(result.errors)
                request_id = getattr(context, "request_id", None)
                result.errors = [
                    with_code(error, request_id=request_id, mask_internal=parts.production)
                    for error in result.errors
                ]
        except Exception as raised:  # a bug: logged, answered as an internal error
            failure = raised
            error = as_graphql_error(raised)
            schema.process_errors([error])
            # Coded too (the stages leave such an error without a code, and the view then
            # calls it a validation failure).
            error = with_code(
                error,
                request_id=getattr(context, "request_id", None),
                mask_internal=parts.production,
            )
            result = GraphQLExecutionResult(data=None, errors=[error])
        record_operation(
            seconds=time.perf_counter() - started,
            operation_name=name,
            kind=kind.value,
            errors=list(result.errors or ()),
            failure=failure,
            context=context,
        )
        return ExecutionResult(
            data=result.data,
            errors=result.errors,
            extensions=cost_extension(requested=requested, count=count, charge=charge),
        )
