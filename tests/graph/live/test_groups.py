"""Equal graphql-transport-ws subscriptions follow one stream (graph/live/groups.py):
each member gets the event under its own operation id, members come and go independently,
and a member whose socket stops draining is disconnected without holding up the others."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from graph.live.groups import FanOut, Group
from graph.server.app import create_app
from services.platform.settings import Settings
from services.runtime.wiring import Runtime
from services.submissions import workflow
from services.submissions.records import Submission, SubmissionStatus
from tests.conftest import Stack
from tests.graph.submissions.test_subscriptions import _next, _open
from tests.support.clients import Api
from tests.support.factories.people import make_submission, make_team
from tests.support.server import ServerThread

SUBMIT = "mutation($id: ID!) { submitSubmission(id: $id) { id status } }"
WATCH = "subscription($id: ID) { submissionStatusChanged(submissionId: $id) { id status } }"
WATCH_ALL = "subscription { submissionStatusChanged { id content } }"


async def _subscribe(
    ws: ClientConnection, op_id: str, query: str, variables: dict[str, Any] | None = None
) -> None:
    payload = {"query": query, "variables": variables or {}}
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))


def _groups(stack: Stack, submission_id: str) -> list[Group]:
    """The server's groups following `submission_id` (read across threads: tests only)."""
    fanout: FanOut = stack.server.app.state.fanout
    return [g for g in list(fanout.groups.values()) if submission_id in str(g.key)]


def _members(stack: Stack, submission_id: str) -> int:
    return sum(len(g.members) for g in _groups(stack, submission_id))


async def _watch(
    stack: Stack, submission_id: str, subscriptions: list[tuple[ClientConnection, str]]
) -> None:
    """Subscribe each (socket, operation id) to WATCH and wait until the server has them."""
    for ws, op_id in subscriptions:
        await _subscribe(ws, op_id, WATCH, {"id": submission_id})
    count = len(subscriptions)
    await _until(lambda: _members(stack, submission_id) == count, f"{count} members")
    await asyncio.sleep(0.3)  # past the subscribe-time check


def _counter(url: str, name: str) -> float:
    for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith(f"{name} "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def _until(check: Any, what: str, wait: float = 5) -> None:
    deadline = asyncio.get_running_loop().time() + wait
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_each_member_gets_the_event_under_its_own_operation_id(
    api: Api, stack: Stack, settings: Settings, admin_token: str
) -> None:
    # given one user's two sockets, three equal subscriptions under different ids
    team = make_team(api, settings, admin_token)
    draft = make_submission(api, team.member)
    first, second = [await _open(stack, team.member.token) for _ in range(2)]
    await _watch(stack, draft["id"], [(first, "a"), (first, "b"), (second, "c")])
    # when the submission is submitted
    await asyncio.to_thread(api.data, SUBMIT, {"id": draft["id"]}, token=team.member.token)
    # then one group (one stream) served them, and each id got the same event once
    assert len(_groups(stack, draft["id"])) == 1
    received = [await _next(first), await _next(first), await _next(second)]
    assert sorted(m["id"] for m in received) == ["a", "b", "c"]
    for message in received:
        assert message["type"] == "next"
        change = message["payload"]["data"]["submissionStatusChanged"]
        assert change == {"id": draft["id"], "status": "SUBMITTED"}
    for ws in (first, second):
        await ws.close()


async def test_members_leave_independently_and_the_last_one_stops_the_stream(
    api: Api, stack: Stack, settings: Settings, admin_token: str
) -> None:
    # given two sockets of one user following the same subscription
    team = make_team(api, settings, admin_token)
    draft = make_submission(api, team.member)
    staying, leaving = [await _open(stack, team.member.token) for _ in range(2)]
    await _watch(stack, draft["id"], [(staying, "1"), (leaving, "1")])
    # when one completes its subscription and the submission changes
    await leaving.send(json.dumps({"id": "1", "type": "complete"}))
    await asyncio.sleep(0.3)
    await asyncio.to_thread(api.data, SUBMIT, {"id": draft["id"]}, token=team.member.token)
    # then the other still gets the event, and the one that left does not
    event = await _next(staying)
    assert event["payload"]["data"]["submissionStatusChanged"]["status"] == "SUBMITTED"
    with pytest.raises(TimeoutError):
        await _next(leaving, wait=1)
    assert _members(stack, draft["id"]) == 1
    # when the last member goes away too, then its group (and stream) is gone
    await staying.close()
    await _until(lambda: not _groups(stack, draft["id"]), "the group to end")
    await leaving.close()


def _server_tasks(stack: Stack) -> list[asyncio.Task[Any]]:
    """Every task on the API server's loop (read across threads: tests only)."""
    (run_asgi, *_) = list(stack.server.server.server_state.tasks)
    return list(asyncio.all_tasks(run_asgi.get_loop()))


async def test_members_hold_no_task_and_are_counted_open_until_they_leave(
    api: Api, stack: Stack, settings: Settings, admin_token: str
) -> None:
    # given a socket, and the open subscriptions counted before
    team = make_team(api, settings, admin_token)
    draft = make_submission(api, team.member)
    ws = await _open(stack, team.member.token)
    before = _counter(stack.server.url, "prework_subscriptions_open")
    # when it follows one submission under three ids
    await _watch(stack, draft["id"], [(ws, "a"), (ws, "b"), (ws, "c")])
    # then one group serves them, with one task for its stream and none per member
    (group,) = _groups(stack, draft["id"])
    names = [t.get_coro().__qualname__ for t in _server_tasks(stack)]  # type: ignore[union-attr]
    assert names.count("Group.run") >= 1
    assert not [name for name in names if name.endswith(".run_operation")], names
    assert _counter(stack.server.url, "prework_subscriptions_open") == before + 3
    # when one is completed by the client, then it leaves the group and is no longer counted
    await ws.send(json.dumps({"id": "b", "type": "complete"}))
    await _until(lambda: len(group.members) == 2, "2 members")
    assert _counter(stack.server.url, "prework_subscriptions_open") == before + 2
    # when the socket closes, then the others leave too
    await ws.close()
    await _until(lambda: not _groups(stack, draft["id"]), "the group to end")
    await _until(
        lambda: _counter(stack.server.url, "prework_subscriptions_open") == before, "the count"
    )


# --- a subscriber that stops reading -------------------------------------------------------


@dataclass
class Server:
    thread: ServerThread
    loop: asyncio.AbstractEventLoop
    runtime: Runtime


@pytest.fixture(scope="module")
def small_backlog(settings: Settings) -> Iterator[Server]:
    """Its own API server whose subscribers may fall only 3 events behind."""
    captured: dict[str, Any] = {}

    def capture(runtime: Runtime) -> None:
        captured.update(loop=asyncio.get_running_loop(), runtime=runtime)

    own = settings.model_copy(update={"subscription_backlog": 3})
    server = ServerThread(create_app(own, on_startup=[capture])).start()
    try:
        yield Server(server, captured["loop"], captured["runtime"])
    finally:
        server.stop()


def _big_event(owner: str, number: int) -> dict[str, Any]:
    """A submission change whose content fills socket buffers quickly (512 kB)."""
    now = datetime.now(UTC).isoformat()
    record = Submission(
        submission_id=f"big-{number}",
        user_id=owner,
        title="big",
        content="x" * 512 * 1024,
        status=SubmissionStatus.SUBMITTED,
        created_at=now,
        updated_at=now,
        created_by=owner,
        last_updated_by=owner,
        version=number,
    )
    return record.to_item()


class Stalled:
    """A subscriber that stops reading: websockets' sans-I/O client on a blocking socket with
    a small receive buffer, read only when the test says so."""

    def __init__(self, port: int, token: str, query: str) -> None:
        self.sock = socket.socket()
        # a fixed small buffer (no autotuning: loopback would take tens of MB)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
        self.sock.connect(("127.0.0.1", port))
        self.sock.settimeout(10)
        uri = parse_uri(f"ws://127.0.0.1:{port}/graphql")
        self.client = ClientProtocol(uri, subprotocols=[Subprotocol("graphql-transport-ws")])
        self.client.send_request(self.client.connect())
        self._flush()
        while self.client.state is not State.OPEN:  # the handshake response
            self._read()
            self.client.events_received()
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        self.send(init)
        assert self.next_text()["type"] == "connection_ack"
        self.send({"id": "1", "type": "subscribe", "payload": {"query": query}})

    def send(self, message: dict[str, Any]) -> None:
        self.client.send_text(json.dumps(message).encode())
        self._flush()

    def _flush(self) -> None:
        self.sock.sendall(b"".join(self.client.data_to_send()))

    def next_text(self) -> dict[str, Any]:
        while True:
            for event in self.client.events_received():
                if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                    return dict(json.loads(event.data))
            self._read()

    def read_to_close(self) -> int:
        """Read everything the server sent; the close code it ended with."""
        while self.client.close_rcvd is None:
            self.client.events_received()
            self._read()
        return self.client.close_rcvd.code

    def _read(self) -> None:
        data = self.sock.recv(256 * 1024)
        if data:
            self.client.receive_data(data)
        else:
            self.client.receive_eof()
        self._flush()  # pongs and the closing handshake


async def test_a_subscriber_that_stops_reading_is_closed_and_the_others_get_everything(
    small_backlog: Server, admin_token: str
) -> None:
    # given two admin sockets following all submission changes; one stops reading at once
    port = small_backlog.thread.port
    reader = await connect(
        small_backlog.thread.url.replace("http://", "ws://") + "/graphql",
        subprotocols=[Subprotocol("graphql-transport-ws")],
        max_size=None,
    )
    init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {admin_token}"}}
    await reader.send(json.dumps(init))
    assert json.loads(await asyncio.wait_for(reader.recv(), 5))["type"] == "connection_ack"
    await _subscribe(reader, "1", WATCH_ALL)
    stalled = await asyncio.to_thread(Stalled, port, admin_token, WATCH_ALL)
    events = small_backlog.runtime.events
    await _until(lambda: events.subscribers(workflow.CHANNEL) == 1, "the stream")
    await asyncio.sleep(0.3)
    me = await asyncio.to_thread(_me, small_backlog.thread.url, admin_token)
    slow_before = _counter(small_backlog.thread.url, "prework_slow_subscribers_total")
    # when 40 large events (20 MB, more than the stalled socket's buffers) are published
    count = 40

    async def read_all() -> list[dict[str, Any]]:
        return [await _next(reader, wait=20) for _ in range(count)]

    reading = asyncio.create_task(read_all())
    for number in range(count):
        publish = events.publish(workflow.CHANNEL, _big_event(me, number + 1))
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(publish, small_backlog.loop))
    received = await reading
    # then the reader got every event, in order
    ids = [m["payload"]["data"]["submissionStatusChanged"]["id"] for m in received]
    assert ids == [f"big-{n + 1}" for n in range(count)]
    # and the stalled subscriber was dropped: once it reads again it finds the close (1013)
    code = await asyncio.to_thread(stalled.read_to_close)
    assert code == 1013
    slow = _counter(small_backlog.thread.url, "prework_slow_subscribers_total")
    assert slow == slow_before + 1
    await reader.close()


def _me(url: str, token: str) -> str:
    answer = httpx.post(
        f"{url}/graphql",
        json={"query": "{ me { id } }"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    return str(answer.json()["data"]["me"]["id"])


async def test_an_invalid_subscription_gets_its_error_and_the_socket_stays_usable(
    stack: Stack, admin_token: str
) -> None:
    # given a socket
    ws = await _open(stack, admin_token)
    # when it subscribes with a field that does not exist (it parses: the group path)
    await _subscribe(ws, "bad", "subscription { submissionStatusChanged { password } }")
    # then that subscription gets a coded error, and no group is left behind
    error = await _next(ws)
    assert error["type"] == "error" and error["id"] == "bad"
    assert error["payload"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    fanout: FanOut = stack.server.app.state.fanout
    assert not [g for g in list(fanout.groups.values()) if "password" in str(g.key)]
    # and the socket still serves a ping
    await ws.send(json.dumps({"type": "ping"}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "pong"
    await ws.close()


async def test_a_subscription_over_the_token_limit_is_refused_before_any_group(
    stack: Stack, admin_token: str
) -> None:
    # given a socket
    ws = await _open(stack, admin_token)
    # when the subscription document has more than MAX_QUERY_TOKENS (2000) tokens
    fields = " ".join(["id"] * 2100)
    await _subscribe(ws, "1", f"subscription {{ submissionStatusChanged {{ {fields} }} }}")
    # then the protocol's answer to an unparseable document: the socket closes with 4400
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400
    assert "tokens" in closed.value.rcvd.reason


async def _answer(ws: ClientConnection) -> dict[str, Any] | int:
    """The next message, or the close code if the server closed the socket instead."""
    try:
        return dict(json.loads(await asyncio.wait_for(ws.recv(), 5)))
    except ConnectionClosed as closed:
        assert closed.rcvd is not None
        return closed.rcvd.code


@pytest.mark.parametrize(
    ("payload", "expected"),
    [({"query": 42}, "complete"), ({"query": WATCH_ALL, "operationName": ["x"]}, 4400)],
    ids=["query not text", "operation name not text"],
)
async def test_a_malformed_subscribe_is_refused_as_strawberry_refuses_it(
    stack: Stack, admin_token: str, payload: dict[str, Any], expected: str | int
) -> None:
    # given an open socket
    ws = await _open(stack, admin_token)
    try:
        # when a subscribe arrives whose query or operation name is not text
        await ws.send(json.dumps({"id": "bad", "type": "subscribe", "payload": payload}))
        # then Strawberry's own path answers it: it completes that id, or closes with 4400
        answer = await _answer(ws)
        assert answer == expected or (isinstance(answer, dict) and answer["type"] == expected)
    finally:
        await ws.close()
    # and the server still serves subscriptions
    other = await _open(stack, admin_token)
    await _subscribe(other, "good", "{ __typename }")
    reply = await _next(other)
    assert reply["payload"]["data"] == {"__typename": "Query"}
    await other.close()
