// GraphiQL in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core):
// open /graphql, put the token in the Headers pane, run `{ me { email } }`, expect the
// signed-in user's email in the result pane, save a screenshot. Fails if the page requested
// anything from another host (GraphiQL must work on a closed network).
//
//   PREWORK_URL=... PREWORK_TOKEN=... PREWORK_ARTIFACTS=e2e/artifacts node e2e/graphiql.mjs

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const BASE = process.env.PREWORK_URL;
const TOKEN = process.env.PREWORK_TOKEN;
const ARTIFACTS = process.env.PREWORK_ARTIFACTS ?? "artifacts";
const EXPECTED = process.env.PREWORK_EXPECT_EMAIL ?? "user@example.com";
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const STEP_MS = 20_000;

// No internet here: without these Chromium keeps trying (and failing) to reach Google services.
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Set a GraphiQL (CodeMirror 5) editor's text through its API: typing would auto-close brackets. */
async function setEditor(page, selector, text) {
  await page.waitForSelector(`${selector} .CodeMirror`, { state: "attached", timeout: STEP_MS });
  await page.evaluate(
    ([sel, value]) => document.querySelector(`${sel} .CodeMirror`).CodeMirror.setValue(value),
    [selector, text],
  );
}

async function main() {
  if (!BASE || !TOKEN) throw new Error("PREWORK_URL and PREWORK_TOKEN are required");
  mkdirSync(ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), "prework-chromium-")); // fresh --user-data-dir
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
    timeout: STEP_MS,
  });
  const elsewhere = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(STEP_MS);
    page.on("request", (request) => {
      const url = request.url();
      if (!url.startsWith(BASE) && !url.startsWith("data:") && !url.startsWith("ws://127.0.0.1")) {
        elsewhere.push(url);
      }
    });
    const logs = [];
    page.on("console", (message) => logs.push(`${message.type()}: ${message.text()}`));

    await page.goto(`${BASE}/graphql`, { waitUntil: "load" });
    // The query editor exists only once React and GraphiQL have loaded and rendered.
    await page.waitForSelector(".graphiql-query-editor .CodeMirror").catch((error) => {
      throw new Error(`GraphiQL did not render (${error.message}); console:\n${logs.join("\n")}`);
    });
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
    if (elsewhere.length) throw new Error(`requests left the machine: ${elsewhere.join(", ")}`);
    console.log(`PASS graphiql ${JSON.stringify(result.replace(/\s+/g, " ").trim())}`);
  } catch (error) {
    const page = context.pages()[0];
    if (page) await page.screenshot({ path: join(ARTIFACTS, "graphiql-failure.png") }).catch(() => {});
    throw error;
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const deadline = setTimeout(() => {
  console.error("FAIL graphiql: overall deadline passed");
  process.exit(2);
}, 6 * STEP_MS);

main().then(
  () => {
    clearTimeout(deadline);
    process.exit(0);
  },
  (error) => {
    console.error(`FAIL graphiql: ${error.stack ?? error}`);
    process.exit(1);
  },
);
