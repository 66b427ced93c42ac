// Long-lived sharp baseline for bench/thumbnails.py.
//
// Reads one JSON command per line on stdin, answers one JSON line on stdout:
//   {"file": "...", "widths": [400, 200], "quality": 80, "iterations": 6}
//   -> {"wall_ms": [...], "cpu_ms": [...], "sizes": [[w, h, bytes], ...]}
// Each file is read once; each iteration runs one idiomatic pipeline per width,
// one after the other, so node's start-up and file reading are never timed.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import sharp from "sharp";

sharp.concurrency(1); // one libvips thread, like the single-threaded product
sharp.cache(false); // no operation cache: every iteration really decodes

const buffers = new Map();

async function thumbnails(input, widths, quality) {
  const sizes = [];
  for (const width of widths) {
    const { data, info } = await sharp(input)
      .rotate()
      .resize({ width })
      .jpeg({ quality })
      .toBuffer({ resolveWithObject: true });
    sizes.push([info.width, info.height, data.length]);
  }
  return sizes;
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
  let sizes = [];
  for (let i = 0; i < command.iterations; i++) {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    sizes = await thumbnails(input, command.widths, command.quality);
    const end = process.hrtime.bigint();
    const used = process.cpuUsage(cpuStart);
    wall.push(Number(end - start) / 1e6);
    cpu.push((used.user + used.system) / 1000);
  }
  console.log(JSON.stringify({ wall_ms: wall, cpu_ms: cpu, sizes }));
}
