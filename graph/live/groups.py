"""Equal subscriptions follow one stream, and each event is encoded once for all of them.

`executions.py` made equal subscriptions (same document, variables and viewer) share one
execution per event. Each subscriber still paid for its own chain of async generators,
Strawberry's per-result handling and JSON encoding: about 70 µs of CPU per subscriber per
event, so 1,000 subscribers at 50 events/s needed 3.5 CPUs (bench/results.md). Here the
subscribers of a graphql-transport-ws connection join a group keyed like the shared
execution (plus the operation name); the group runs one stream with its first member's
context, encodes each result once, and writes `{"id": <member's id>, ..., "payload": ...}`
to every member's socket in one loop. Errors carry the member's own request id, so a result
with errors is formatted per member (rare).

Each message is written straight to the socket (`send_now`, graph/server/sockets.py) when
its buffer has room, which is almost always: through the ASGI send chain a send cost about as
much again as the write itself. A member that cannot keep up (its socket's buffer full) gets
a Task for that send, through ASGI, and a bounded backlog; the others are not held up. Past
the backlog it is disconnected (1013).

What a member sees is what its own stream would have shown: the subscribe-time check and
every per-event check depend only on the document, the variables and the viewer (user and
groups), which are equal within a group.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import orjson
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.utils.aio import aclosing

from graph.live import eager
from graph.live.executions import viewer_key
from graph.server.sockets import SendNow
from services.platform import exactjson, metrics

if TYPE_CHECKING:
    from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation

    from graph.context import Context
    from graph.live.protocols import TransportWSHandler

log = logging.getLogger("prework.subscriptions")

SLOW_CONSUMER = 1013  # "try again later": the client fell too far behind

# How a member's stream ended: None (completed), the pre-execution errors, or the failure.
Ended = asyncio.Future[PreExecutionError | BaseException | None]


@lru_cache(maxsize=256)
def is_subscription(query: str, operation_name: str | None, max_tokens: int) -> bool:
    """Whether the operation to run is a subscription; False when the document does not
    parse (within the same token limit as every operation) or the operation is not found:
    Strawberry's own path reports those."""
    try:
        document = parse(query, no_location=True, max_tokens=max_tokens)
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    return len(operations) == 1 and operations[0].operation is OperationType.SUBSCRIPTION


def group_key(operation: Operation[Context, None], context: Context) -> Hashable:
    # No variables and {} are the same operation. Text, not orjson's bytes: the key lives as
    # long as the subscription, and orjson's bytes keep their 4 kB write buffer.
    variables = orjson.dumps(
        operation.variables or {}, option=orjson.OPT_SORT_KEYS, default=str
    ).decode()
    return (operation.query, operation.operation_name, variables, viewer_key(context))


@dataclass(eq=False)
class Member:
    handler: TransportWSHandler
    head: bytes  # b'{"id":<id>,"type":"next","payload":'
    ended: Ended
    send_now: SendNow | None
    backlog: deque[bytes] | None = None  # made when a send has to wait (most never do)
    sending: asyncio.Task[None] | None = None
    dropped: bool = False


class Group:
    """The members of one subscription and the stream they follow."""

    def __init__(self, key: Hashable, fanout: FanOut, leader: TransportWSHandler) -> None:
        self.key = key
        self.fanout = fanout
        self.leader = leader
        self.members: dict[int, Member] = {}
        self.task: asyncio.Task[None] | None = None

    def join(self, handler: TransportWSHandler, operation: Operation[Context, None]) -> Member:
        head = b'{"id":' + orjson.dumps(operation.id) + b',"type":"next","payload":'
        ended = asyncio.get_running_loop().create_future()
        member = Member(handler, head, ended, handler.websocket.send_now())
        self.members[id(member)] = member
        return member

    def leave(self, member: Member) -> None:
        self.members.pop(id(member), None)
        if member.sending is not None:
            member.sending.cancel()
        if not self.members and self.task is not None:
            self.task.cancel()  # nobody is listening: stop the stream
            self.fanout.forget(self)

    async def run(self, operation: Operation[Context, None]) -> None:
        """Follow the stream with the leader's context until it ends or nobody is left."""
        outcome: PreExecutionError | BaseException | None = None
        try:
            source = await self.leader.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=self.leader.context,
                root_value=self.leader.root_value,
                operation_name=operation.operation_name,
            )
            async with aclosing(source):
                first = True
                async for result in source:
                    if first and isinstance(result, PreExecutionError):
                        outcome = result
                        break
                    if not isinstance(result, ExecutionResult):
                        outcome = TypeError("incremental delivery is not supported here")
                        break
                    first = False
                    self.publish(result)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.exception("subscription stream failed")
            outcome = error
        finally:
            self.fanout.forget(self)
        for member in list(self.members.values()):
            if not member.ended.done():
                member.ended.set_result(outcome)

    def publish(self, result: ExecutionResult) -> None:
        """Send `result` to every member: encoded once, unless errors need request ids."""
        members = list(self.members.values())
        if not members:
            return
        metrics.SUBSCRIPTION_EXECUTIONS.labels("shared").inc(len(members) - 1)
        if result.errors:
            for member in members:
                self.deliver(member, member.head + self._payload(result, member) + b"}")
            return
        shared = self._payload(result, None) + b"}"
        for member in members:
            self.deliver(member, member.head + shared)

    def _payload(self, result: ExecutionResult, member: Member | None) -> bytes:
        payload: dict[str, Any] = {"data": result.data}
        if result.errors and member is not None:
            own = member.handler.context.request_id
            payload["errors"] = [_with_request_id(dict(e.formatted), own) for e in result.errors]
        if result.extensions:
            payload["extensions"] = result.extensions
        return exactjson.dumps(payload)  # as GraphQLView.encode_json

    def deliver(self, member: Member, data: bytes) -> None:
        if member.dropped:
            return
        if member.sending is None and member.send_now is not None and member.send_now(data):
            return
        if member.sending is not None:
            if member.backlog is None:
                member.backlog = deque()
            if len(member.backlog) >= self.fanout.backlog:
                self._drop(member)
            else:
                member.backlog.append(data)
            return
        try:
            member.sending = eager.start(member.handler.websocket.send_text(data.decode()))
        except Exception:  # the socket is gone; its handler ends the member
            member.dropped = True
            return
        if member.sending is not None:
            member.sending.add_done_callback(lambda task: self._sent(member, task))

    def _sent(self, member: Member, task: asyncio.Task[None]) -> None:
        member.sending = None
        if task.cancelled() or task.exception() is not None:
            member.dropped = True
            return
        backlog, member.backlog = member.backlog, None
        for data in backlog or ():
            self.deliver(member, data)

    def _drop(self, member: Member) -> None:
        member.dropped = True
        member.backlog = None
        metrics.SLOW_SUBSCRIBERS.inc()
        log.warning("closing a subscriber that fell %d events behind", self.fanout.backlog)
        close = member.handler.websocket.close(SLOW_CONSUMER, "too slow to keep up with events")
        asyncio.get_running_loop().create_task(close)


def _with_request_id(error: dict[str, Any], request_id: str) -> dict[str, Any]:
    extensions = error.get("extensions")
    if not isinstance(extensions, dict) or "requestId" not in extensions:
        return error
    return {**error, "extensions": {**extensions, "requestId": request_id}}


class FanOut:
    """The groups of one process (per GraphQL view). `backlog`: messages kept for a member
    whose socket is not draining before it is disconnected."""

    def __init__(self, *, backlog: int, max_tokens: int) -> None:
        self.backlog = backlog
        self.max_tokens = max_tokens
        self.groups: dict[Hashable, Group] = {}

    def applies(self, query: str, operation_name: str | None) -> bool:
        """Subscriptions follow groups; queries and mutations sent over the socket do not."""
        return is_subscription(query, operation_name, self.max_tokens)

    def forget(self, group: Group) -> None:
        if self.groups.get(group.key) is group:
            del self.groups[group.key]

    def join(self, handler: TransportWSHandler, operation: Operation[Context, None]) -> Ended:
        """Join (or start) the group of `operation`. Returns the member's `ended`: it completes
        with how the stream ended (None when it completed, the pre-execution errors, or the
        failure); cancelling it leaves the group. No Task waits on it: at 10,000 idle
        subscribers a process, a Task and its coroutine frames per member were about 1 kB
        each (bench/notes.md)."""
        key = group_key(operation, handler.context)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(key, self, handler)
            member = group.join(handler, operation)
            group.task = asyncio.get_running_loop().create_task(group.run(operation))
        else:
            member = group.join(handler, operation)
        member.ended.add_done_callback(lambda _: group.leave(member))
        return member.ended
