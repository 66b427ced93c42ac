// Debian's headless Chromium as every browser driver here starts it (playwright-core).

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

// No internet here: without these Chromium keeps trying (and failing) to reach Google services.
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
