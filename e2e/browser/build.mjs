// Bundle the browser apps with esbuild (`make e2e` runs this): dist/ is build output, git-ignored.
//
//   node e2e/browser/build.mjs

import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const started = Date.now();
await build({
  entryPoints: { apollo: join(here, "apollo.mjs"), urql: join(here, "urql.mjs") },
  outdir: join(here, "dist"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "chrome120",
  minify: true,
  sourcemap: true,
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
});
console.log(`bundled e2e/browser/dist/{apollo,urql}.js in ${Date.now() - started} ms`);
