// Runs graphql-http's server audits against a GraphQL-over-HTTP endpoint and prints one JSON
// line per audit: {id, name, status, reason}. Usage: node audit.mjs http://127.0.0.1:8000/graphql
import { auditServer } from "graphql-http";
import { createRequire } from "node:module";

const url = process.argv[2];
const version = createRequire(import.meta.url)("graphql-http/package.json").version;
const results = await auditServer({ url });
const audits = [];
for (const result of results) {
  const entry = { id: result.id, name: result.name, status: result.status };
  if (result.status !== "ok") {
    entry.reason = result.reason;
    try {
      entry.body = await result.response.text();
    } catch {
      entry.body = "(read by the audit)";
    }
    entry.statusCode = result.response.status;
  }
  audits.push(entry);
}
console.log(JSON.stringify({ version, audits }));
