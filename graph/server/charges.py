"""Charging operations for what they may cost, before they run (docs/limits.md).

After validation, with the variables in hand: the static cost (`graph/server/cost.py`) over
MAX_QUERY_COST is QUERY_TOO_COSTLY; then the client's leaky bucket (`services/limits`) pays
for it or the operation is THROTTLED (HTTP 429 with Retry-After). Either way no resolver
runs, so no AWS call is made. Every response then carries `extensions.cost`: the requested
points and the backend calls actually made. Subscriptions pay once, when they subscribe.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncIterator
from typing import Any

from graphql import DocumentNode, GraphQLSchema
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from graph.errors import coded
from graph.server.cost import KeptCosts, Weights
from services.limits import Charge
from services.platform import metrics
from services.platform.aws import CURRENT_COUNT, CallCount
from services.platform.errors import ServiceError, Throttled, TooCostly


def client_key(context: Any) -> str:
    """Whose bucket pays: the signed-in user, else the caller's IP address."""
    identity = getattr(context, "identity", None)
    if identity is not None:
        return f"user:{identity.user_id}"
    request = getattr(context, "request", None)
    client = getattr(request, "client", None)
    return f"ip:{getattr(client, 'host', None) or 'unknown'}"


class QueryCharge(SchemaExtension):
    def __init__(self, *, costs: KeptCosts | None = None) -> None:
        # The schema's kept costs, shared by every operation's instance.
        self.costs = costs or KeptCosts(1)
        self.requested: int | None = None
        self.charge: Charge | None = None
        self.count = CallCount()
        self.subscription = False

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if getattr(context, "runtime", None) is None:
            yield  # executed outside the server (tools, tests of the bare schema): no budget
            return
        refusal = await self._refusal(context)
        if refusal is not None:
            error = coded(refusal)
            if self.subscription:
                raise error  # the stream's one result: the refusal
            # A result set before execution stands in for it: no resolver runs.
            self.execution_context.result = GraphQLExecutionResult(data=None, errors=[error])
            yield
            return
        token = CURRENT_COUNT.set(self.count)
        try:
            yield
        finally:
            with contextlib.suppress(ValueError):
                CURRENT_COUNT.reset(token)

    async def _refusal(self, context: Any) -> ServiceError | None:
        """Cost the operation and charge the client; the error that refuses it, if any."""
        document = self.execution_context.graphql_document
        assert document is not None
        self.subscription = self.execution_context.operation_type is OperationType.SUBSCRIPTION
        self.requested, self.charge, refusal = await charge_operation(
            context=context,
            schema=self.execution_context.schema._schema,
            document=document,
            operation_name=self.execution_context.operation_name,
            variables=self.execution_context.variables,
            costs=self.costs,
        )
        return refusal

    def get_results(self) -> dict[str, Any]:
        if self.subscription:
            return {}  # events carry no cost; the subscription paid when it subscribed
        return cost_extension(requested=self.requested, count=self.count, charge=self.charge)


async def charge_operation(
    *,
    context: Any,
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    costs: KeptCosts,
) -> tuple[int, Charge | None, ServiceError | None]:
    """Cost an operation and charge its client: the points requested, the charge (None when
    refused by cost alone) and the error that refuses it, if any."""
    settings = context.runtime.settings
    cost = costs.cost(
        schema,
        document,
        operation_name=operation_name,
        variables=variables,
        weights=Weights.of(settings),
    )
    metrics.QUERY_COST.observe(cost)
    if cost > settings.max_query_cost:
        metrics.REFUSED_BY_COST.labels("QUERY_TOO_COSTLY").inc()
        return (
            cost,
            None,
            TooCostly(
                f"this operation may cost {cost} points, more than the {settings.max_query_cost}"
                " allowed: ask for smaller pages (`first`) or fewer nested lists",
                cost=cost,
                maximum=settings.max_query_cost,
            ),
        )
    charge = await context.runtime.budget.charge(client=client_key(context), cost=cost)
    if charge.allowed:
        return cost, charge, None
    metrics.REFUSED_BY_COST.labels("THROTTLED").inc()
    wait = math.ceil(charge.retry_after * 1000) / 1000
    response = getattr(context, "response", None)
    if response is not None and hasattr(response, "status_code"):
        response.status_code = 429
        response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return (
        cost,
        charge,
        Throttled(
            f"over your budget: this operation costs {cost} points and "
            f"{charge.available} are available; retry in {wait} s",
            retryAfter=wait,
            cost=cost,
            throttleStatus=_status(charge),
        ),
    )


def cost_extension(
    *, requested: int | None, count: CallCount, charge: Charge | None
) -> dict[str, Any]:
    """A response's `extensions.cost`: points requested, backend calls made, the budget."""
    cost: dict[str, Any] = {"requested": requested or 0, "actual": count.calls}
    if charge is not None:
        cost["throttleStatus"] = _status(charge)
    return {"cost": cost}


def _status(charge: Charge) -> dict[str, Any]:
    return {
        "maximumAvailable": charge.capacity,
        "currentlyAvailable": charge.available,
        "restoreRate": charge.rate,
    }
