// Apollo Client and urql, bundled (e2e/browser/build.mjs), in headless Chromium against the
// running service. A static server in this driver serves the page on http://localhost:3001 —
// an origin in the default CORS_ALLOWED_ORIGINS, where a frontend dev server would be — and
// the page talks to Cognito on the local stack, /graphql over HTTP and WebSocket, and S3,
// each on its own origin, as a web app does.
//
//   PREWORK_URL=... PREWORK_TOKEN=... PREWORK_LOCAL_STATE=.prework-local.json \
//     node e2e/browser_clients.mjs apollo|urql|cors
//
// Prints one line `RESULT <json>` for the pytest side (e2e/test_browser_clients.py).

import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "node:http";
import { launchChromium } from "./chromium.mjs";
import { SMALL_JPEG_BASE64 as PROBE_JPEG } from "./jpeg.mjs";
import { graphqlHttp, openSubscriptions as openSubscriptionCount, required } from "./service.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const BROWSER = join(HERE, "browser");
const BASE = required("PREWORK_URL");
const TOKEN = required("PREWORK_TOKEN");
const STATE = JSON.parse(readFileSync(required("PREWORK_LOCAL_STATE"), "utf8"));
const ARTIFACTS = process.env.PREWORK_ARTIFACTS ?? join(HERE, "artifacts");
const EMAIL = "user@example.com";
// The page's port: http://localhost:3001 is in the default CORS_ALLOWED_ORIGINS.
const ALLOWED_PORT = 3001;
const STEP_MS = 20_000;
const PAGE_SIZE = 3;


function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function sleep(ms) {
  await new Promise((r) => setTimeout(r, ms));
}

/** A query or mutation from "another device" (Node's fetch, the demo user's token). */
const http = (query, variables) =>
  graphqlHttp({ base: BASE, token: TOKEN, ms: STEP_MS }, query, variables);

const openSubscriptions = () => openSubscriptionCount({ base: BASE, ms: STEP_MS });

/** Run `start()` (which subscribes), then wait until the server counts one more open
 *  subscription and a moment more for it to reach the event broker: only then is an event
 *  sure to reach it. */
async function subscribed(start) {
  const baseline = await openSubscriptions();
  const value = await start();
  const deadline = Date.now() + STEP_MS;
  while ((await openSubscriptions()) <= baseline) {
    check(Date.now() < deadline, "the subscription never became active");
    await sleep(50);
  }
  await sleep(300);
  return value;
}

/** A static server for e2e/browser/ on 127.0.0.1:`port` (0: any free one), as a frontend dev
 *  server would be: /<app>/ is the page, /<app>/app.js its bundle. Resolves with its origin. */
async function serveStatic(port) {
  const server = createServer((request, response) => {
    const path = new URL(request.url, "http://localhost").pathname;
    const bundle = path.match(/^\/(apollo|urql)\/app\.js(\.map)?$/);
    const send = (type, body) => response.writeHead(200, { "Content-Type": type }).end(body);
    if (bundle) return send("text/javascript", readFileSync(join(BROWSER, "dist", `${bundle[1]}.js${bundle[2] ?? ""}`)));
    if (path === "/probe") return send("text/html", "<!doctype html><title>probe</title>");
    if (/^\/(apollo|urql)\/$/.test(path)) return send("text/html", readFileSync(join(BROWSER, "index.html")));
    response.writeHead(404).end("not found");
  });
  await new Promise((resolve, reject) => {
    server.once("error", (error) =>
      reject(error.code === "EADDRINUSE" ? new Error(`port ${port} is busy (a frontend dev server?)`) : error),
    );
    server.listen(port, "127.0.0.1", resolve);
  });
  servers.push(server);
  return `http://localhost:${server.address().port}`;
}
const servers = [];

function pageUrl(origin, app) {
  const query = new URLSearchParams({
    api: BASE,
    cognito: STATE.endpoint,
    region: STATE.region,
    clientId: STATE.clientId,
  });
  return `${origin}/${app}/?${query}`;
}

/** What the page sent: /graphql HTTP requests (by operation), Cognito calls, WebSocket events. */
function watchTraffic(page) {
  const traffic = { graphql: [], cognito: [], wsNext: 0, failed: [] };
  page.on("request", (request) => {
    const url = request.url();
    if (url.startsWith(`${BASE}/graphql`) && request.method() !== "OPTIONS") {
      const body = request.method() === "POST" ? JSON.parse(request.postData() ?? "{}") : {};
      const operation = body.operationName ?? new URL(url).searchParams.get("operationName");
      traffic.graphql.push(`${request.method()} ${operation}`);
    } else if (url.startsWith(STATE.endpoint) && request.headers()["x-amz-target"]) {
      traffic.cognito.push(request.headers()["x-amz-target"]);
    }
  });
  page.on("requestfailed", (request) => traffic.failed.push(`${request.url()} ${request.failure()?.errorText}`));
  page.on("websocket", (socket) => {
    socket.on("framereceived", ({ payload }) => {
      if (String(payload).includes('"type":"next"')) traffic.wsNext += 1;
    });
  });
  return traffic;
}

/** The submissions the page shows, as painted in the DOM. */
async function rendered(page) {
  return page.$$eval("#submissions li", (items) =>
    items.map((li) => ({
      id: li.dataset.id,
      title: li.querySelector(".title").textContent,
      status: li.querySelector(".status").textContent,
    })),
  );
}

async function launch() {
  const browser = await launchChromium({ viewport: { width: 1100, height: 720 }, timeout: STEP_MS });
  return {
    context: browser.context,
    close: async () => {
      await browser.close();
      for (const server of servers.splice(0)) server.close();
    },
  };
}

/** The whole story for one client library. */
async function clientScenario(app) {
  // given six submissions of the demo user, newest first (so two pages of three are ours)
  const stamp = Date.now().toString(36);
  const made = [];
  for (let i = 1; i <= 2 * PAGE_SIZE; i += 1) {
    const { createSubmission } = await http(
      `mutation Seed($input: CreateSubmissionInput!) { createSubmission(input: $input) { id } }`,
      { input: { title: `${app} ${stamp} #${i}` } },
    );
    made.push(createSubmission.id);
  }
  const { context, close } = await launch();
  const result = { app, steps: {} };
  const page = context.pages()[0] ?? (await context.newPage());
  const logs = [];
  page.on("console", (message) => logs.push(`${message.type()}: ${message.text()}`));
  page.on("pageerror", (error) => logs.push(`pageerror: ${error.message}`));
  const traffic = watchTraffic(page);
  const sent = () => traffic.graphql.length;
  try {
    page.setDefaultTimeout(STEP_MS);
    const origin = await serveStatic(ALLOWED_PORT);
    await page.goto(pageUrl(origin, app), { waitUntil: "load" });
    await page.waitForFunction(() => window.app !== undefined);
    result.client = await page.evaluate(() => window.app.name);

    // sign in: the form → Cognito InitiateAuth from the browser
    await page.fill("input[name=email]", EMAIL);
    await page.fill("input[name=password]", STATE.password);
    await page.click("button[type=submit]");
    await page.waitForFunction((email) => document.getElementById("who").textContent.includes(email), EMAIL);
    result.steps.signIn = { cognito: [...traffic.cognito] };

    // query: the first page
    let mark = sent();
    const first = await page.evaluate((n) => window.app.showList(n), PAGE_SIZE);
    result.steps.query = { ...first, requests: traffic.graphql.slice(mark), rendered: (await rendered(page)).length };

    // paginate: the next page, merged by the pagination helper into the same list
    mark = sent();
    const merged = await page.evaluate(() => window.app.nextPage());
    result.steps.paginate = { ...merged, requests: traffic.graphql.slice(mark), rendered: (await rendered(page)).length };

    // mutation: rename the newest; the list on screen changes from the cache, no refetch
    const target = first.ids[0];
    const title = `${app} ${stamp} renamed`;
    mark = sent();
    const renamed = await page.evaluate(([id, t]) => window.app.rename(id, t), [target, title]);
    await sleep(500); // a refetch, if any client sent one, would show up here
    const afterRename = await rendered(page);
    result.steps.mutation = {
      emissionsBefore: merged.emissions,
      emissionsAfter: renamed.emissions,
      requests: traffic.graphql.slice(mark),
      renderedTitle: afterRename.find((s) => s.id === target)?.title,
      expectedTitle: title,
      rendered: afterRename.length,
    };

    // subscription: another device submits it; the event reaches the page over the socket
    // and the cache puts the new status on screen without an HTTP request
    await subscribed(() => page.evaluate((id) => window.app.watchStatus(id), target));
    mark = sent();
    const wsBefore = traffic.wsNext;
    await http(`mutation Submit($id: ID!) { submitSubmission(id: $id) { id status } }`, { id: target });
    const changed = await page.evaluate(() => window.app.statusChanged());
    await sleep(300);
    result.steps.subscription = {
      event: changed.event,
      renderedStatus: (await rendered(page)).find((s) => s.id === target)?.status,
      requests: traffic.graphql.slice(mark),
      wsNext: traffic.wsNext - wsBefore,
    };

    // upload: requestUpload → mediaStatusChanged → presigned POST to S3 → READY → thumbnail
    const started = Date.now();
    const ticket = await subscribed(() => page.evaluate(() => window.app.startUpload()));
    const done = await page.evaluate(() => window.app.finishUpload());
    result.steps.upload = { ...ticket, ...done, seconds: (Date.now() - started) / 1000 };

    mkdirSync(ARTIFACTS, { recursive: true });
    const screenshot = join(ARTIFACTS, `browser-${app}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    result.screenshot = screenshot;
    result.failedRequests = traffic.failed;
    result.seeded = made;
    return result;
  } catch (error) {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, `browser-${app}-failure.png`) }).catch(() => {});
    error.message += `\nso far: ${JSON.stringify(result)}\ntraffic: ${JSON.stringify(traffic)}\nconsole:\n${logs.join("\n")}`;
    throw error;
  } finally {
    await close();
  }
}

/** From a page on `origin`: can a script call /graphql with a token, and POST to the media
 *  bucket with a preflight (a non-simple request) and without one (a plain form POST)? */
async function probeFrom(context, origin) {
  const preflighted = (await http(UPLOAD, { input: PROBE_INPUT })).requestUpload;
  const simple = (await http(UPLOAD, { input: PROBE_INPUT })).requestUpload;
  const page = await context.newPage();
  try {
    await page.goto(`${origin}/probe`, { waitUntil: "domcontentloaded" });
    return await page.evaluate(
      async ({ api, token, preflighted, simple, jpeg }) => {
        const outcome = async (request) => {
          try {
            const response = await request();
            return `readable ${response.status}`;
          } catch (error) {
            return `refused (${error.name})`;
          }
        };
        const form = (ticket) => {
          const data = new FormData();
          for (const [k, v] of Object.entries(ticket.fields)) data.append(k, v);
          data.append("file", new Blob([Uint8Array.from(atob(jpeg), (c) => c.charCodeAt(0))], { type: "image/jpeg" }));
          return data;
        };
        return {
          api: await outcome(() =>
            fetch(`${api}/graphql`, {
              method: "POST",
              headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
              body: JSON.stringify({ query: "{ me { email } }" }),
            }),
          ),
          // A header outside the CORS-safelisted ones makes the browser ask S3 first (OPTIONS).
          s3Preflighted: await outcome(() =>
            fetch(preflighted.url, { method: "POST", body: form(preflighted), headers: { "X-Probe": "1" } }),
          ),
          // A plain multipart form POST is a "simple" request: no preflight, S3 gets it as is.
          s3Simple: await outcome(() => fetch(simple.url, { method: "POST", body: form(simple) })),
        };
      },
      { api: BASE, token: TOKEN, preflighted, simple, jpeg: PROBE_JPEG },
    );
  } finally {
    await page.close();
  }
}

const UPLOAD = `mutation Probe($input: RequestUploadInput!) { requestUpload(input: $input) { url fields } }`;
const PROBE_INPUT = {
  filename: "probe.jpg",
  contentType: "image/jpeg",
  size: Buffer.from(PROBE_JPEG, "base64").length,
  kind: "IMAGE",
};

async function corsScenario() {
  const { context, close } = await launch();
  try {
    const allowed = await serveStatic(ALLOWED_PORT);
    const other = await serveStatic(0); // a free port: an origin in no list
    return {
      allowed: { origin: allowed, ...(await probeFrom(context, allowed)) },
      other: { origin: other, ...(await probeFrom(context, other)) },
    };
  } finally {
    await close();
  }
}

async function main() {
  const [scenario] = process.argv.slice(2);
  const result = scenario === "cors" ? await corsScenario() : await clientScenario(scenario);
  console.log(`RESULT ${JSON.stringify(result)}`);
}

const deadline = setTimeout(() => {
  console.error("FAIL browser_clients: overall deadline passed");
  process.exit(2);
}, 8 * STEP_MS);

main().then(
  () => {
    clearTimeout(deadline);
    process.exit(0);
  },
  (error) => {
    console.error(`FAIL browser_clients: ${error.message ?? error}\n${error.stack ?? ""}`);
    process.exit(1);
  },
);
