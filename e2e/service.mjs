// The running service as the Node drivers reach it outside any browser: settings from the
// environment, a query over HTTP, the server's count of open subscriptions.

/** An environment variable the driver cannot run without. */
export function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** A query or mutation over HTTP with Node's fetch; the `data`, or a thrown error. */
export async function graphqlHttp({ base, token, ms }, query, variables = {}) {
  const response = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(ms),
  });
  const body = await response.json();
  if (!response.ok || body.errors) {
    throw new Error(`HTTP ${response.status}: ${JSON.stringify(body.errors ?? body)}`);
  }
  return body.data;
}

/** Open subscriptions on the server (the prework_subscriptions_open gauge). */
export async function openSubscriptions({ base, ms }) {
  const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(ms) })).text();
  const line = text.split("\n").find((l) => l.startsWith("prework_subscriptions_open"));
  return line ? Number(line.split(" ").pop()) : 0;
}
