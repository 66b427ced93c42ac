"""Identical subscriptions share one execution per event.

Every subscriber of an event used to run graphql-core over its own selection set: with many
subscribers that dominates the server's CPU (bench/results.md). Subscribers whose operation
(same parsed document), variables and viewer (user and groups: nested fields may depend on
who asks) are equal get the same result, computed once per event object.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Hashable
from typing import Any

import orjson
from graphql import ExecutionResult, OperationType

from graph.errors import with_code
from graph.execution import Executor
from resolvers.memo import IdentityMemo
from services.platform import metrics

_events: IdentityMemo[object, dict[Hashable, Any]] = IdentityMemo(size=1024)


def viewer_key(context: object) -> Hashable:
    """Who is asking, as far as results can differ: the user and their groups."""
    identity = getattr(context, "identity", None)
    return (identity.user_id, tuple(sorted(identity.groups))) if identity else None


class SharedEventExecutor(Executor):
    """The schema's executor (graph/execution.py), with per-event results shared between
    equal subscriptions."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        operation = self.operation
        if serially is not False or operation.operation is not OperationType.SUBSCRIPTION:
            return super().execute_operation(serially)
        results = _events(self.root_value, lambda _: {})
        key = self._sharing_key()
        if key in results:
            metrics.SUBSCRIPTION_EXECUTIONS.labels("shared").inc()
        else:
            metrics.SUBSCRIPTION_EXECUTIONS.labels("computed").inc()
            result = super().execute_operation(serially)
            results[key] = asyncio.ensure_future(result) if self.is_awaitable(result) else result
        shared = results[key]
        if isinstance(shared, asyncio.Future):
            return self._copy_later(shared)
        return self._copy(shared)

    def _sharing_key(self) -> Hashable:
        viewer = viewer_key(self.context_value)
        variables = orjson.dumps(
            self.variable_values.coerced, option=orjson.OPT_SORT_KEYS, default=str
        )
        return (id(self.operation), variables, viewer)

    def _copy(self, result: ExecutionResult) -> ExecutionResult:
        """The subscriber's own copy, errors coded with its request id: field errors of an
        event do not pass through the operation extensions (ErrorCodes)."""
        context = self.context_value
        runtime = getattr(context, "runtime", None)
        mask = runtime is None or runtime.settings.env == "production"
        request_id = getattr(context, "request_id", None)
        errors = (
            [with_code(e, request_id=request_id, mask_internal=mask) for e in result.errors]
            if result.errors
            else None
        )
        return ExecutionResult(result.data, errors, dict(result.extensions or {}) or None)

    async def _copy_later(self, shared: Awaitable[ExecutionResult]) -> ExecutionResult:
        # shield: one subscriber going away must not cancel the execution the others wait for.
        return self._copy(await asyncio.shield(shared))
