"""What every subscription field's stream goes through: counted while it runs, and service
errors turned into coded GraphQL errors."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import TypeVar

from graph.errors import coded
from services.platform import metrics
from services.platform.errors import ServiceError

T = TypeVar("T")


async def guarded(stream: AsyncIterator[T]) -> AsyncGenerator[T, None]:
    """Counts running subscription streams and gives service errors their code. (Equal
    graphql-transport-ws subscriptions share one stream: protocols.py counts subscriptions.)"""
    metrics.SUBSCRIPTION_STREAMS.inc()
    try:
        async for item in stream:
            yield item
    except ServiceError as error:
        raise coded(error) from error
    finally:
        metrics.SUBSCRIPTION_STREAMS.dec()
