// Long-lived sharp baseline for bench/thumbnails.py: the same READY step as the product.
//
// Reads one JSON command per line on stdin, answers one JSON line on stdout:
//   {"file": "...", "widths": [400, 200], "iterations": 6,
//    "outputs": {"jpeg": {"quality": 80}, "webp": {...}, "avif": {...}}, "placeholder": true}
//   -> {"wall_ms": [...], "cpu_ms": [...], "sizes": [[format, w, h, bytes], ...],
//       "placeholder": "<base64 ThumbHash>", "dominant": "#rrggbb"}
// Each file is read once; each iteration runs one idiomatic pipeline per width and format
// (sharp(input).rotate().resize({width}).<format>(options)), one after the other, then the
// ThumbHash (npm `thumbhash`) and dominant colour of the smallest JPEG, so node's start-up
// and file reading are never timed. `outputs` carries the product's encoder settings.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import sharp from "sharp";
import { rgbaToThumbHash } from "thumbhash";

sharp.concurrency(1); // one libvips thread, like the single-threaded product
sharp.cache(false); // no operation cache: every iteration really decodes

const buffers = new Map();

async function placeholder(smallest) {
  // ThumbHash takes at most 100 x 100: from the 200 px JPEG just made (cheap to decode).
  const { data, info } = await sharp(smallest)
    .resize(100, 100, { fit: "inside" })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const hash = rgbaToThumbHash(info.width, info.height, data);
  const { dominant } = await sharp(smallest).stats();
  const hex = [dominant.r, dominant.g, dominant.b].map((c) => c.toString(16).padStart(2, "0"));
  return { hash: Buffer.from(hash).toString("base64"), dominant: `#${hex.join("")}` };
}

async function renditions(input, widths, outputs, wantPlaceholder) {
  const sizes = [];
  let smallest = null;
  for (const width of widths) {
    for (const [format, options] of Object.entries(outputs)) {
      const { data, info } = await sharp(input)
        .rotate()
        .resize({ width })
        [format](options)
        .toBuffer({ resolveWithObject: true });
      sizes.push([format, info.width, info.height, data.length]);
      if (format === "jpeg") smallest = data;
    }
  }
  const made = wantPlaceholder && smallest ? await placeholder(smallest) : null;
  return { sizes, made };
}

console.log(
  JSON.stringify({ ready: true, versions: sharp.versions, concurrency: sharp.concurrency() }),
);

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line);
  if (command.quit) break;
  let input = buffers.get(command.file);
  if (input === undefined) {
    input = readFileSync(command.file);
    buffers.set(command.file, input);
  }
  const wall = [];
  const cpu = [];
  let result = { sizes: [], made: null };
  for (let i = 0; i < command.iterations; i++) {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    result = await renditions(input, command.widths, command.outputs, command.placeholder);
    const end = process.hrtime.bigint();
    const used = process.cpuUsage(cpuStart);
    wall.push(Number(end - start) / 1e6);
    cpu.push((used.user + used.system) / 1000);
  }
  console.log(
    JSON.stringify({
      wall_ms: wall,
      cpu_ms: cpu,
      sizes: result.sizes,
      placeholder: result.made?.hash ?? null,
      dominant: result.made?.dominant ?? null,
    }),
  );
}
