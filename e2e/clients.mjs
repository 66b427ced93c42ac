// End-to-end scenarios with the reference JS clients: graphql-ws over WebSocket, fetch over HTTP.
//
//   PREWORK_URL=http://127.0.0.1:8000 PREWORK_TOKEN=... node e2e/clients.mjs submission-submitted
//
// Each scenario is an async function in SCENARIOS; run one or more by name. To add one (e.g.
// `media-ready`: requestUpload -> POST the file to `url` with `fields` -> mediaStatusChanged
// until READY), add a function below and its name to SCENARIOS in e2e/test_node_clients.py.
// Every step has a deadline; the process exits non-zero on the first failure.

import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { SMALL_JPEG_BASE64 } from "./jpeg.mjs";
import { graphqlHttp, openSubscriptions as openSubscriptionCount, required } from "./service.mjs";

const BASE = required("PREWORK_URL");
const TOKEN = required("PREWORK_TOKEN");
const STEP_MS = 15_000;

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A query or mutation over HTTP with Node's fetch; the `data`, or a thrown error. */
const http = (query, variables) =>
  graphqlHttp({ base: BASE, token: TOKEN, ms: STEP_MS }, query, variables);

/** A graphql-transport-ws client with the Cognito token in connection_init's payload. */
function wsClient() {
  return createClient({
    url: `${BASE.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${TOKEN}` },
    retryAttempts: 0,
  });
}

const openSubscriptions = () => openSubscriptionCount({ base: BASE, ms: STEP_MS });

/**
 * Subscribe and resolve with the first event for which `until(data)` holds.
 * `active` resolves once the server counts the subscription as open: only then is an event
 * guaranteed to reach it, so scenarios trigger their change after awaiting it.
 */
async function subscribe(client, query, variables, until) {
  let dispose = () => {};
  const baseline = await openSubscriptions(); // before subscribing, or ours would be counted
  const event = new Promise((resolve, reject) => {
    dispose = client.subscribe(
      { query, variables },
      {
        next: (result) => {
          if (result.errors) reject(new Error(JSON.stringify(result.errors)));
          else if (until(result.data)) resolve(result.data);
        },
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => reject(new Error("subscription completed without the expected event")),
      },
    );
  });
  event.catch(() => {}); // rejections are reported where the scenario awaits `event`
  const active = (async () => {
    const deadline = Date.now() + STEP_MS;
    while ((await openSubscriptions()) <= baseline) {
      if (Date.now() > deadline) throw new Error("the subscription never became active");
      await new Promise((r) => setTimeout(r, 50));
    }
    // The gauge rises as the resolver starts; give it a moment to reach the event broker.
    await new Promise((r) => setTimeout(r, 300));
  })();
  return { event, active, dispose: () => dispose() };
}

const JPEG = Buffer.from(SMALL_JPEG_BASE64, "base64");

const SCENARIOS = {
  /** requestUpload -> POST the file to S3 -> mediaStatusChanged until READY, with thumbnails. */
  async "media-ready"() {
    const bytes = JPEG;
    const { requestUpload } = await http(
      `mutation Upload($input: RequestUploadInput!) {
         requestUpload(input: $input) { media { id status } url fields }
       }`,
      { input: { filename: "e2e.jpg", contentType: "image/jpeg", size: bytes.length, kind: "IMAGE" } },
    );
    const client = wsClient();
    try {
      const sub = await subscribe(
        client,
        `subscription Watch($id: ID) {
           mediaStatusChanged(mediaId: $id) { id status thumbnailUrl(width: 200) failureReason }
         }`,
        { id: requestUpload.media.id },
        (data) => ["READY", "FAILED"].includes(data.mediaStatusChanged.status),
      );
      await withTimeout(sub.active, STEP_MS, "subscription active");
      const form = new FormData();
      for (const [key, value] of Object.entries(requestUpload.fields)) form.append(key, value);
      form.append("file", new Blob([bytes], { type: "image/jpeg" }), "e2e.jpg");
      const posted = await fetch(requestUpload.url, {
        method: "POST",
        body: form,
        signal: AbortSignal.timeout(STEP_MS),
      });
      if (!posted.ok) throw new Error(`S3 POST answered ${posted.status}`);
      const data = await withTimeout(sub.event, STEP_MS, "READY event");
      sub.dispose();
      const media = data.mediaStatusChanged;
      if (media.status !== "READY") throw new Error(`media ended ${media.status}: ${media.failureReason}`);
      const thumbnail = await fetch(media.thumbnailUrl, { signal: AbortSignal.timeout(STEP_MS) });
      if (!thumbnail.ok) throw new Error(`thumbnail GET answered ${thumbnail.status}`);
      return { id: media.id, status: media.status, thumbnailBytes: (await thumbnail.arrayBuffer()).byteLength };
    } finally {
      await client.dispose();
    }
  },


  /** A submission created and submitted over HTTP is seen as SUBMITTED over WebSocket. */
  async "submission-submitted"() {
    const { createSubmission } = await http(
      `mutation Create($input: CreateSubmissionInput!) {
         createSubmission(input: $input) { id status }
       }`,
      { input: { title: `e2e node ${Date.now()}`, description: "graphql-ws scenario" } },
    );
    if (createSubmission.status !== "DRAFT") throw new Error(`created as ${createSubmission.status}`);

    const client = wsClient();
    try {
      const sub = await subscribe(
        client,
        `subscription Watch($id: ID) { submissionStatusChanged(submissionId: $id) { id status } }`,
        { id: createSubmission.id },
        (data) => data.submissionStatusChanged.status === "SUBMITTED",
      );
      await withTimeout(sub.active, STEP_MS, "subscription active");
      const { submitSubmission } = await http(
        `mutation Submit($id: ID!) { submitSubmission(id: $id) { id status } }`,
        { id: createSubmission.id },
      );
      if (submitSubmission.status !== "SUBMITTED") throw new Error("submit did not submit");
      const data = await withTimeout(sub.event, STEP_MS, "SUBMITTED event");
      sub.dispose();
      if (data.submissionStatusChanged.id !== createSubmission.id) throw new Error("wrong id");
      return { id: createSubmission.id, status: data.submissionStatusChanged.status };
    } finally {
      await client.dispose();
    }
  },
};

async function main(names) {
  if (names.length === 0) names = Object.keys(SCENARIOS);
  for (const name of names) {
    const scenario = SCENARIOS[name];
    if (!scenario) throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS)}`);
    const started = Date.now();
    const result = await withTimeout(scenario(), 4 * STEP_MS, name);
    console.log(`PASS ${name} ${Date.now() - started} ms ${JSON.stringify(result)}`);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error) => {
    console.error(`FAIL ${error.stack ?? error}`);
    process.exit(1);
  },
);
