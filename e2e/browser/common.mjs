// What both browser apps share: the page's configuration, Cognito sign-in from the browser,
// a JPEG made on a canvas, the presigned S3 POST, and rendering. The apps differ only in the
// GraphQL client (apollo.mjs, urql.mjs); the Playwright driver (e2e/browser_clients.mjs)
// calls the steps on `window.app` and checks what the page rendered.

import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";

/** Where the API and Cognito are: the page's query string (`?api=…&cognito=…&region=…&clientId=…`). */
export function config() {
  const params = new URLSearchParams(location.search);
  const value = (name) => {
    const v = params.get(name);
    if (!v) throw new Error(`the page needs ?${name}=`);
    return v;
  };
  const api = value("api");
  return {
    httpUrl: `${api}/graphql`,
    wsUrl: `${api.replace(/^http/, "ws")}/graphql`,
    cognitoEndpoint: value("cognito"),
    region: value("region"),
    clientId: value("clientId"),
  };
}

/** InitiateAuth USER_PASSWORD_AUTH against the pool's app client, as a web app does with the
 *  AWS SDK (no AWS credentials: the call is unauthenticated). Resolves with the ID token. */
export async function signIn({ cognitoEndpoint, region, clientId }, email, password) {
  const cognito = new CognitoIdentityProviderClient({ region, endpoint: cognitoEndpoint });
  const out = await cognito.send(
    new InitiateAuthCommand({
      ClientId: clientId,
      AuthFlow: "USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );
  const token = out.AuthenticationResult?.IdToken;
  if (!token) throw new Error(`sign-in needs a challenge: ${out.ChallengeName}`);
  return token;
}

/** A small JPEG drawn on a canvas: what a user would pick from disk. */
export async function drawJpeg(label) {
  const canvas = document.createElement("canvas");
  canvas.width = 320;
  canvas.height = 200;
  const g = canvas.getContext("2d");
  const gradient = g.createLinearGradient(0, 0, 320, 200);
  gradient.addColorStop(0, "#1d4ed8");
  gradient.addColorStop(1, "#f59e0b");
  g.fillStyle = gradient;
  g.fillRect(0, 0, 320, 200);
  g.fillStyle = "#fff";
  g.font = "bold 36px sans-serif";
  g.fillText(label, 24, 112);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
  return new File([blob], `${label.toLowerCase()}.jpg`, { type: "image/jpeg" });
}

/** The presigned POST straight to S3: every field as it came, the file last. */
export async function postToS3(ticket, file) {
  const form = new FormData();
  for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
  form.append("file", file);
  const response = await fetch(ticket.url, { method: "POST", body: form });
  if (!response.ok) throw new Error(`S3 answered ${response.status}`);
  return response.status;
}

/** A settled promise with its resolver outside (for events the driver waits on). */
export function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const escape = (s) =>
  String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/** What the test asserts on: the list a watched query holds, as the cache has it now. */
export function summarize(connection) {
  return {
    ids: connection.edges.map((e) => e.node.id),
    titles: connection.edges.map((e) => e.node.title),
    totalCount: connection.totalCount,
    hasNextPage: connection.pageInfo.hasNextPage,
  };
}

/** Wait until the page shows what `condition` looks for (the cache re-rendered it). */
export async function until(condition, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("the page was not updated in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Paint the submissions list a watched query holds ("3 of 17", title and status each). */
export function renderList(connection) {
  const list = document.getElementById("submissions");
  const edges = connection?.edges ?? [];
  document.getElementById("count").textContent = `${edges.length} of ${connection?.totalCount ?? "?"}`;
  list.innerHTML = edges
    .map(
      ({ node }) =>
        `<li data-id="${escape(node.id)}"><span class="title">${escape(node.title)}</span>` +
        ` <span class="status status-${escape(node.status)}">${escape(node.status)}</span></li>`,
    )
    .join("");
}

export function log(line) {
  const item = document.createElement("li");
  item.textContent = line;
  document.getElementById("log").append(item);
}

export function showSignedIn(email) {
  document.getElementById("who").textContent = `Signed in as ${email}`;
  document.getElementById("signin").hidden = true;
}

export function showImage(media) {
  const figure = document.getElementById("upload");
  figure.innerHTML =
    `<img alt="uploaded" src="${escape(media.thumbnailUrl)}">` +
    `<figcaption>${escape(media.id)} · ${escape(media.status)}</figcaption>`;
  return new Promise((resolve, reject) => {
    const img = figure.querySelector("img");
    img.onload = () => resolve({ width: img.naturalWidth, height: img.naturalHeight });
    img.onerror = () => reject(new Error("the thumbnail did not load"));
  });
}

/** Wire the sign-in form to `onSignIn(email, password)`. */
export function mountSignIn(onSignIn) {
  const form = document.getElementById("signin");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    onSignIn(String(data.get("email")), String(data.get("password"))).catch((error) => {
      document.getElementById("error").textContent = String(error?.message ?? error);
    });
  });
}
