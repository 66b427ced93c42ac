// GraphiQL in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core). Fails if
// the page requested anything from another host than the API and its Cognito endpoint
// (GraphiQL must work on a closed network). Two runs:
//
//   node e2e/graphiql.mjs headers
//     a token pasted into the Headers pane, `{ me { email } }` shows the user's email.
//   node e2e/graphiql.mjs signin <cognito endpoint> <email> <temporary password>
//     the sign-in panel: a demo person in one click, the token refreshed (the page's clock is
//     moved on 55 minutes) and the new one sent, sign-out (the refresh token is refused after),
//     a wrong password, then <email> typed in, asked for a new password (first sign-in), a
//     query and a subscription event with their token. Content-Security-Policy checked.
//
//   PREWORK_URL=... PREWORK_TOKEN=... PREWORK_ARTIFACTS=e2e/artifacts node e2e/graphiql.mjs ...

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "./chromium.mjs";

const BASE = process.env.PREWORK_URL;
const TOKEN = process.env.PREWORK_TOKEN;
const ARTIFACTS = process.env.PREWORK_ARTIFACTS ?? "artifacts";
const EXPECTED = process.env.PREWORK_EXPECT_EMAIL ?? "user@example.com";
const [MODE = "headers", COGNITO = "", FRESH_EMAIL, TEMPORARY_PASSWORD] = process.argv.slice(2);
const NEW_PASSWORD = "Chosen-In-GraphiQL-2026!";
const STEP_MS = 20_000;
const SETTLE_MS = 500;


function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Set a GraphiQL (CodeMirror 5) editor's text through its API: typing would auto-close brackets. */
async function setEditor(page, selector, text) {
  await page.waitForSelector(`${selector} .CodeMirror`, { state: "attached", timeout: STEP_MS });
  await page.evaluate(
    ([sel, value]) => document.querySelector(`${sel} .CodeMirror`).CodeMirror.setValue(value),
    [selector, text],
  );
}

async function editorText(page, selector) {
  return page.evaluate(
    (sel) => document.querySelector(`${sel} .CodeMirror`).CodeMirror.getValue(),
    selector,
  );
}

async function openGraphiQL(page, logs) {
  const response = await page.goto(`${BASE}/graphql`, { waitUntil: "load" });
  // The query editor exists only once React and GraphiQL have loaded and rendered.
  await page.waitForSelector(".graphiql-query-editor .CodeMirror").catch((error) => {
    throw new Error(`GraphiQL did not render (${error.message}); console:\n${logs.join("\n")}`);
  });
  return response;
}

/** Run `query` with the ▶ button until the result pane shows `shown`; the Authorization header
 *  the request went with and the JSON answer. */
async function run(page, query, shown) {
  await setEditor(page, ".graphiql-query-editor", query);
  // GraphiQL re-reads the document's operations after a debounce; clicking ▶ before that, with
  // the example's three operations still counted, opens "which operation?" instead of running.
  await page.waitForTimeout(SETTLE_MS);
  const [request] = await Promise.all([
    page.waitForRequest(
      (r) =>
        r.url() === `${BASE}/graphql` &&
        r.method() === "POST" &&
        (r.postData() ?? "").includes(JSON.stringify(query)),
    ),
    page.locator(".graphiql-execute-button").click(),
  ]);
  const body = await (await request.response()).json();
  await page.waitForFunction(
    (text) => document.querySelector(".graphiql-response")?.innerText.includes(text),
    shown,
  );
  return { authorization: request.headers().authorization, body };
}

/** The page's next call to Cognito whose body contains `marker`. */
function cognitoCall(page, marker) {
  return page.waitForResponse(
    (r) => r.url().startsWith(COGNITO) && (r.request().postData() ?? "").includes(marker),
  );
}

/** Cognito directly (not through the page): is a refresh token still accepted? */
async function refreshAccepted(clientId, refreshToken) {
  const response = await fetch(COGNITO, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
    },
    body: JSON.stringify({
      ClientId: clientId,
      AuthFlow: "REFRESH_TOKEN_AUTH",
      AuthParameters: { REFRESH_TOKEN: refreshToken },
    }),
  });
  return response.ok;
}

async function headersPane(page) {
  await setEditor(page, ".graphiql-query-editor", "{ me { email } }");
  // Open the Headers tab, then fill its editor.
  await page.getByRole("button", { name: "Headers" }).click();
  const headers = JSON.stringify({ Authorization: `Bearer ${TOKEN}` });
  await setEditor(page, ".graphiql-editor-tool .graphiql-editor:not(.hidden)", headers);
  await page.locator(".graphiql-execute-button").click();
  await page.waitForFunction(
    (email) => document.querySelector(".graphiql-response")?.innerText.includes(email),
    EXPECTED,
    { timeout: STEP_MS },
  );
  const result = await page.locator(".graphiql-response").innerText();
  await page.screenshot({ path: join(ARTIFACTS, "graphiql.png") });
  console.log(`PASS graphiql ${JSON.stringify(result.replace(/\s+/g, " ").trim())}`);
}

async function signIn(page, logs) {
  // A fake clock (running in step with the real one until moved on) to reach the refresh time.
  await page.clock.install();
  const response = await openGraphiQL(page, logs);
  const csp = response.headers()["content-security-policy"] ?? "";
  const connect = csp
    .split(";")
    .map((d) => d.trim())
    .find((d) => d.startsWith("connect-src"));
  check(
    connect === `connect-src 'self' ${new URL(COGNITO).origin}`,
    `CSP connect-src is ${connect}`,
  );
  const example = await editorText(page, ".graphiql-query-editor");
  check(
    example.includes("query Me {") && !example.includes("Welcome to GraphiQL"),
    `default tab: ${example}`,
  );
  await page.screenshot({ path: join(ARTIFACTS, "graphiql-start.png") });
  console.log(
    `PASS default-tab ${JSON.stringify(example.split("\n").find((l) => l.startsWith("query")))}`,
  );

  // A demo person, one click
  const [signedIn] = await Promise.all([
    cognitoCall(page, "USER_PASSWORD_AUTH"),
    page.getByRole("button", { name: /Max Manager/ }).click(),
  ]);
  const first = (await signedIn.json()).AuthenticationResult;
  const clientId = JSON.parse(signedIn.request().postData()).ClientId;
  await page.getByText("Signed in as").waitFor();
  let answer = await run(page, "{ me { email } }", "manager@example.com");
  check(
    answer.body.data?.me?.email === "manager@example.com",
    `demo me: ${JSON.stringify(answer.body)}`,
  );
  check(
    answer.authorization === `Bearer ${first.IdToken}`,
    "the demo person's ID token was not sent",
  );
  await page.screenshot({ path: join(ARTIFACTS, "graphiql-signin.png") });
  console.log(`PASS demo ${answer.body.data.me.email}`);

  // Refresh: 55 minutes on, the timer (5 minutes before the hour) refreshes; the new token is sent
  const refreshing = cognitoCall(page, "REFRESH_TOKEN_AUTH");
  await page.clock.fastForward("55:01");
  const second = (await (await refreshing).json()).AuthenticationResult;
  check(second.IdToken !== first.IdToken, "the refresh returned the same ID token");
  answer = await run(page, "{ me { email role } }", "MANAGER");
  check(answer.authorization === `Bearer ${second.IdToken}`, "the refreshed ID token was not sent");
  check(
    answer.body.data?.me?.email === "manager@example.com",
    `after refresh: ${JSON.stringify(answer.body)}`,
  );
  console.log("PASS refresh the new ID token is sent");

  // Sign-out: no token sent any more, and Cognito refuses the old refresh token
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByText("Signed out:").waitFor();
  const said = await page.locator(".signin-message").innerText();
  answer = await run(page, "{ me { email } }", '"me": null');
  check(answer.authorization === undefined, "a token was sent after sign-out");
  check(answer.body.data?.me == null, `me after sign-out: ${JSON.stringify(answer.body)}`);
  check(
    !(await refreshAccepted(clientId, first.RefreshToken)),
    "the refresh token still works after sign-out",
  );
  console.log(`PASS signout ${JSON.stringify(said)}`);

  // A wrong password, typed
  await page.getByLabel("Email").fill(FRESH_EMAIL);
  await page.getByLabel("Password", { exact: true }).fill("Not-The-Password-1!");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByText("Wrong email or password.").waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "graphiql-signed-out.png") });
  console.log("PASS wrong-password");

  // The new person's first sign-in: temporary password, then a new one
  await page.getByLabel("Password", { exact: true }).fill(TEMPORARY_PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByText("choose a new password").waitFor();
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set password" }).click();
  await page.getByText(`Signed in as ${FRESH_EMAIL}`).waitFor();
  answer = await run(page, "{ me { email } }", FRESH_EMAIL);
  check(answer.body.data?.me?.email === FRESH_EMAIL, `typed me: ${JSON.stringify(answer.body)}`);
  const token = answer.authorization;
  console.log(`PASS typed ${FRESH_EMAIL}`);

  // A subscription with the signed-in person's token: their submission's status change arrives
  const title = `From GraphiQL ${Date.now()}`;
  const subscribed = new Promise((resolve) => {
    page.on("websocket", (socket) => {
      const sent = [];
      socket.on("framesent", ({ payload }) => {
        sent.push(JSON.parse(String(payload)));
        if (sent.at(-1).type === "subscribe") resolve(sent);
      });
    });
  });
  await setEditor(
    page,
    ".graphiql-query-editor",
    "subscription { submissionStatusChanged { title status } }",
  );
  await page.waitForTimeout(SETTLE_MS);
  await page.locator(".graphiql-execute-button").click();
  const frames = await subscribed;
  check(
    frames[0].type === "connection_init" && frames[0].payload.Authorization === token,
    "connection_init lacks the token",
  );
  const http = async (query, variables) => {
    const r = await fetch(`${BASE}/graphql`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: token },
      body: JSON.stringify({ query, variables }),
    });
    return (await r.json()).data;
  };
  const { createSubmission } = await http(
    "mutation($t: String!) { createSubmission(input: { title: $t }) { id } }",
    { t: title },
  );
  await http("mutation($id: ID!) { submitSubmission(id: $id) { id } }", {
    id: createSubmission.id,
  });
  await page.waitForFunction((text) => {
    const shown = document.querySelector(".graphiql-response")?.innerText ?? "";
    return shown.includes(text) && shown.includes("SUBMITTED");
  }, title);
  await page.screenshot({ path: join(ARTIFACTS, "graphiql-subscription.png") });
  console.log("PASS subscription SUBMITTED");
}

async function main() {
  if (!BASE || !TOKEN) throw new Error("PREWORK_URL and PREWORK_TOKEN are required");
  if (MODE === "signin")
    check(
      COGNITO && FRESH_EMAIL && TEMPORARY_PASSWORD,
      "signin needs <endpoint> <email> <password>",
    );
  mkdirSync(ARTIFACTS, { recursive: true });
  const { context, close } = await launchChromium({
    viewport: { width: 1280, height: 800 },
    timeout: STEP_MS,
  });
  const elsewhere = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(STEP_MS);
    page.on("request", (request) => {
      const url = request.url();
      const allowed = [BASE, "data:", "ws://127.0.0.1", ...(COGNITO ? [COGNITO] : [])];
      if (!allowed.some((prefix) => url.startsWith(prefix))) elsewhere.push(url);
    });
    const logs = [];
    page.on("console", (message) => logs.push(`${message.type()}: ${message.text()}`));
    const violations = [];
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) violations.push(message.text());
    });

    if (MODE === "signin") await signIn(page, logs);
    else {
      await openGraphiQL(page, logs);
      await headersPane(page);
    }
    if (elsewhere.length) throw new Error(`requests left the machine: ${elsewhere.join(", ")}`);
    if (violations.length)
      throw new Error(`Content-Security-Policy violations: ${violations.join("\n")}`);
  } catch (error) {
    const page = context.pages()[0];
    if (page)
      await page
        .screenshot({ path: join(ARTIFACTS, `graphiql-${MODE}-failure.png`) })
        .catch(() => {});
    throw error;
  } finally {
    await close();
  }
}

const deadline = setTimeout(() => {
  console.error(`FAIL graphiql ${MODE}: overall deadline passed`);
  process.exit(2);
}, 12 * STEP_MS);

main().then(
  () => {
    clearTimeout(deadline);
    process.exit(0);
  },
  (error) => {
    console.error(`FAIL graphiql ${MODE}: ${error.stack ?? error}`);
    process.exit(1);
  },
);
