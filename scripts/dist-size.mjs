// The size of a built dist/: every file raw, gzip -9 and brotli (quality 11), and
// the total gzip -9 against a budget. Node.js (zlib for brotli) and GNU gzip, no network.
//
//   node scripts/dist-size.mjs [DIR] [--budget BYTES] [--markdown]
//
// Exits 1 when the total gzip -9 of DIR (default dist) exceeds the budget
// (default: scripts/dist-size-budget, a number of bytes), 2 on bad usage. The
// budget is a ratchet: it is lowered as the build gets smaller, never raised
// without saying why in the commit. Issue 14's aim is 200,000 bytes.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let dir = "dist";
let budget = null;
let markdown = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--budget") budget = Number(args[++i]);
  else if (args[i] === "--markdown") markdown = true;
  else if (args[i].startsWith("--")) usage(`unknown option ${args[i]}`);
  else dir = args[i];
}
if (budget === null) {
  const file = path.join(here, "dist-size-budget");
  budget = Number(fs.readFileSync(file, "utf8").split("\n").find((l) => /^\d+\s*$/.test(l)));
}
if (!Number.isInteger(budget) || budget <= 0) usage("the budget must be a whole number of bytes");
if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) usage(`${dir} is not a directory (build it first: trunk build --release)`);

function usage(why) {
  console.error(`dist-size: ${why}\nusage: node scripts/dist-size.mjs [DIR] [--budget BYTES] [--markdown]`);
  process.exit(2);
}

function filesUnder(d) {
  return fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(d, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

const rows = filesUnder(dir)
  .sort()
  .map((p) => {
    const bytes = fs.readFileSync(p);
    return {
      name: path.relative(dir, p),
      raw: bytes.length,
      // GNU gzip, as the issue measures (zlib's level 9 comes out about 1% larger).
      gzip: execFileSync("gzip", ["-9", "-c", "-n"], { input: bytes, maxBuffer: 1 << 30 }).length,
      brotli: zlib.brotliCompressSync(bytes, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
      }).length,
    };
  });
const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), {
  raw: 0,
  gzip: 0,
  brotli: 0,
});

const n = (x) => x.toLocaleString("en-US");
// Hashed names differ per build: the table names a file by what it is.
// Trunk writes the hash in hex without leading zeros: 16 digits or fewer.
const label = (name) => name.replace(/-[0-9a-f]{8,16}(?=[._])/, "-HASH");
if (markdown) {
  console.log("| file | raw (bytes) | gzip -9 | brotli |");
  console.log("|---|---:|---:|---:|");
  for (const r of rows) console.log(`| ${label(r.name)} | ${n(r.raw)} | ${n(r.gzip)} | ${n(r.brotli)} |`);
  console.log(`| **all of dist/** | ${n(total.raw)} | **${n(total.gzip)}** | ${n(total.brotli)} |`);
} else {
  const w = Math.max(...rows.map((r) => label(r.name).length), 12);
  console.log(`${"file".padEnd(w)} ${"raw".padStart(10)} ${"gzip -9".padStart(10)} ${"brotli".padStart(10)}`);
  for (const r of rows)
    console.log(`${label(r.name).padEnd(w)} ${n(r.raw).padStart(10)} ${n(r.gzip).padStart(10)} ${n(r.brotli).padStart(10)}`);
  console.log(`${"all of dist/".padEnd(w)} ${n(total.raw).padStart(10)} ${n(total.gzip).padStart(10)} ${n(total.brotli).padStart(10)}`);
}
const verdict = total.gzip <= budget ? "within" : "OVER";
console.log(`dist-size: ${n(total.gzip)} bytes gzip -9 in all, ${verdict} the budget of ${n(budget)} (issue 14 aims at 200,000)`);
process.exit(total.gzip <= budget ? 0 : 1);
