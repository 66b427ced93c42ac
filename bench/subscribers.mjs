// The subscription benchmark's client: N graphql-transport-ws sockets in one node process
// (bench/subscriptions.py runs several, each with its share of the subscribers).
//
//   node bench/subscribers.mjs '{"urls": ["ws://127.0.0.1:8000/graphql"], "token": "...",
//                                "subscribers": 1000, "first": 0, "query": "subscription { ... }",
//                                "field": "submissionStatusChanged"}'
//
// Why node: 50 events/s to 1,000 sockets is 50,000 messages/s to receive, parse and time; a
// Python client spends more CPU on that than the server under test (bench/notes.md).
// Talks to bench/subscriptions.py in JSON lines: it prints {"connected"}, {"warm"} once every
// socket has received an event, and on stdin "measure" / "stop" starts and ends the window;
// "stop" prints {"done", latencies, ...} and exits. Latency = receipt - the event's updatedAt.
import { performance } from "node:perf_hooks";
import readline from "node:readline";

import WebSocket from "ws";

const config = JSON.parse(process.argv[2]);
const field = config.field;
const out = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

let measuring = false;
let warm = 0;
let announcedWarm = false;
const latencies = [];
const errors = [];
const errorKinds = {}; // "closed 1011", "ECONNRESET", ...: how many of each
const fail = (index, what) => {
  errors.push(`subscriber ${index}: ${what}`);
  const kind = what.replace(/\d{3,}/g, "N").slice(0, 80);
  errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
};
const sockets = [];
let outside = 0;

// "2026-11-22T00:18:00.123456+00:00" -> epoch ms with the microseconds Date.parse drops.
// Every subscriber gets the same event: its stamp is parsed once, not 10,000 times.
let lastStamp = "";
let lastMs = 0;
function stampMs(stamp) {
  if (stamp !== lastStamp) {
    lastMs = parseStamp(stamp);
    lastStamp = stamp;
  }
  return lastMs;
}

function parseStamp(stamp) {
  const dot = stamp.indexOf(".");
  let micros = 0;
  if (dot > 0) {
    const digits = stamp.slice(dot + 1, dot + 7).match(/^\d+/)?.[0] ?? "";
    micros = Number(digits.padEnd(6, "0").slice(3, 6)) / 1000;
  }
  return Date.parse(stamp) + micros;
}

const now = () => performance.timeOrigin + performance.now();

function open(url, index) {
  return new Promise((resolve) => {
    let warmed = false;
    // offers permessage-deflate, as browsers do; the server decides (WS_PER_MESSAGE_DEFLATE)
    const ws = new WebSocket(url, "graphql-transport-ws");
    sockets.push(ws);
    ws.on("open", () => {
      ws.send(
        JSON.stringify({
          type: "connection_init",
          payload: { Authorization: `Bearer ${config.token}` },
        }),
      );
    });
    ws.on("message", (raw) => {
      const received = now();
      const message = JSON.parse(raw);
      if (message.type === "connection_ack") {
        ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: config.query } }));
        resolve();
        return;
      }
      if (message.type !== "next" || message.payload.errors) {
        fail(index, String(raw).slice(0, 200));
        return;
      }
      if (!warmed) {
        warmed = true;
        warm += 1;
        if (warm === config.subscribers && !announcedWarm) {
          announcedWarm = true;
          out({ warm: true });
        }
      }
      if (measuring) {
        latencies.push(received - stampMs(message.payload.data[field].updatedAt));
      } else {
        outside += 1;
      }
    });
    ws.on("error", (error) => {
      fail(index, error.message);
      resolve();
    });
    ws.on("close", (code) => {
      if (code !== 1000 && code !== 1005) fail(index, `closed ${code}${measuring ? " while measuring" : ""}`);
      resolve(); // closed before its ack (a refused token): counted, not waited for forever
    });
  });
}

const began = performance.now();
const opening = [];
for (let i = 0; i < config.subscribers; i += 1) {
  opening.push(open(config.urls[i % config.urls.length], (config.first ?? 0) + i));
  // do not flood the accept queue
  if (i % 50 === 49) await new Promise((r) => setTimeout(r, 20));
}
await Promise.all(opening);
out({ connected: true, connect_s: (performance.now() - began) / 1000, errors: errors.length });

const commands = readline.createInterface({ input: process.stdin });
commands.on("line", (line) => {
  const command = line.trim();
  if (command === "measure") {
    measuring = true;
  } else if (command === "stop") {
    measuring = false;
    for (const ws of sockets) ws.close(1000);
    const done = { done: true, latencies, outside, warm, errors: errors.slice(0, 20), errorKinds };
    // exit only once the (large) line is flushed: stdout to a pipe is asynchronous
    process.stdout.write(`${JSON.stringify({ ...done, error_count: errors.length })}\n`, () =>
      process.exit(0),
    );
  }
});
