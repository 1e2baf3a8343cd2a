#!/usr/bin/env node
// Trunk post_build hook (see Trunk.toml), run first: in a release build, puts the
// wasm's functions in an order that gzip compresses better, and the wasm's new
// Subresource Integrity hash into index.html in place of the old one.
//
// gzip (deflate) finds repeats only in the last 32 KiB it has read. The linker orders
// functions by where they come from, so the copies of one generic function made for
// different types (a Leptos view's build, a memo, an effect, ...) lie far apart. This
// script chains the functions greedily, each followed by the one that shares the most
// 5-byte sequences with the functions just before it, and has wasm-opt reorder them
// to that chain: a function order changes nothing the code does. 15 KB gzip -9 less
// on a 311 KB wasm (BENCHMARKS.md, issue 14 in session 12).
//
// wasm-opt (tools/binaryen) does the reordering, since it renumbers every call, table
// entry and export: the script writes the chain as function names (a `name` section),
// and wasm-opt sorts by them (--reorder-functions-by-name) and strips the names again.
// The file keeps its name: the hash in it was made from the file before, which the
// build makes the same way every time, and the chain is a function of it.
//
//   TRUNK_STAGING_DIR=dist TRUNK_PROFILE=release node scripts/reorder-wasm.mjs   (what Trunk runs)
//
// Offline: reads and writes local files only. bench/size/attribute.mjs imports the
// reading functions and the order from here (the hook runs only as a script).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { replaceWithIntegrity } from './integrity.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const fail = (message) => {
  console.error(`reorder-wasm.mjs: ${message}`);
  process.exit(1);
};

// --- reading and writing the module's sections -------------------------------------

/** A LEB128 unsigned integer at `at`: [value, the offset after it]. */
function readLeb(bytes, at) {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length && i < at + 5; i++) {
    value += (bytes[i] & 0x7f) * scale;
    scale *= 128;
    if (bytes[i] < 0x80) return [value, i + 1];
  }
  throw new Error(`a LEB128 number at byte ${at} is cut short or too long`);
}

function writeLeb(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return Buffer.from(out);
}

const writeName = (text) => {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([writeLeb(bytes.length), bytes]);
};

/** The module's sections, in order: { id, header, start, end } (where the section
 * begins, and its payload's bounds). */
function sections(wasm) {
  if (wasm.length < 8 || wasm.readUInt32LE(0) !== 0x6d736100 || wasm.readUInt32LE(4) !== 1) {
    throw new Error('not a WebAssembly module (version 1)');
  }
  const list = [];
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, start] = readLeb(wasm, at + 1);
    if (start + size > wasm.length) throw new Error(`section ${id} runs past the end of the file`);
    list.push({ id, header: at, start, end: start + size });
    at = start + size;
  }
  return list;
}

const customName = (wasm, s) => {
  const [length, at] = readLeb(wasm, s.start);
  return wasm.subarray(at, at + length).toString('utf8');
};

/** How many functions the module imports (they come first in the function index space). */
function importedFunctions(wasm, list) {
  const section = list.find((s) => s.id === 2);
  if (!section) return 0;
  let [count, at] = readLeb(wasm, section.start);
  let functions = 0;
  const skipName = () => {
    const [length, next] = readLeb(wasm, at);
    at = next + length;
  };
  const skipLeb = () => {
    at = readLeb(wasm, at)[1];
  };
  const skipLimits = () => {
    const [flags, next] = readLeb(wasm, at);
    at = next;
    skipLeb();
    if (flags & 1) skipLeb();
  };
  while (count-- > 0) {
    skipName();
    skipName();
    const kind = wasm[at++];
    if (kind === 0) {
      skipLeb();
      functions++;
    } else if (kind === 1) {
      at++; // the element type
      skipLimits();
    } else if (kind === 2) {
      skipLimits();
    } else if (kind === 3) {
      at += 2; // value type, mutability
    } else if (kind === 4) {
      at++; // tag attribute
      skipLeb();
    } else {
      throw new Error(`an import of unknown kind ${kind}`);
    }
  }
  return functions;
}

/** The defined functions' bodies, in index order. */
function functionBodies(wasm, list) {
  const section = list.find((s) => s.id === 10);
  if (!section) throw new Error('no code section');
  let [count, at] = readLeb(wasm, section.start);
  const bodies = [];
  while (count-- > 0) {
    const [size, start] = readLeb(wasm, at);
    bodies.push(wasm.subarray(start, start + size));
    at = start + size;
  }
  if (at !== section.end) throw new Error('the code section has bytes after its last function');
  return bodies;
}

// --- the order ---------------------------------------------------------------------

const GRAM = 5;
// A sequence found in more functions than this (zero runs, common prologues) says
// little about which two belong together, and would make the search quadratic.
const COMMON = 200;

/** Each body's distinct 5-byte sequences, as numbers (40 bits fit a double exactly). */
function gramsOf(body) {
  const seen = new Set();
  for (let i = 0; i + GRAM <= body.length; i++) {
    seen.add(body[i] * 4294967296 + body.readUInt32BE(i + 1));
  }
  return Array.from(seen);
}

/**
 * The bodies' indices in chain order. From the first function, each next is the unplaced
 * one sharing the most 5-byte sequences with the functions just placed, where each
 * counts half as much as the one after it (gzip still sees the ones before the current
 * one); ties go to the lower index, and with none sharing any, the lowest unplaced index
 * is next. Deterministic. (The plain count with the current function alone gave 1 KB
 * more; dividing by the functions' sizes, 2.4 KB more.)
 */
function chainOrder(bodies) {
  const grams = bodies.map(gramsOf);
  const holders = new Map();
  grams.forEach((list, f) => {
    for (const g of list) {
      const h = holders.get(g);
      if (h) h.push(f);
      else holders.set(g, [f]);
    }
  });
  const n = bodies.length;
  const placed = new Uint8Array(n);
  const shared = new Float64Array(n);
  const order = [];
  let lowestUnplaced = 0;
  let current = 0;
  while (order.length < n) {
    placed[current] = 1;
    order.push(current);
    if (order.length === n) break;
    for (let f = 0; f < n; f++) shared[f] /= 2;
    for (const g of grams[current]) {
      const h = holders.get(g);
      if (h.length > COMMON) continue;
      for (const f of h) shared[f] += 1;
    }
    let best = -1;
    for (let f = 0; f < n; f++) {
      if (!placed[f] && shared[f] > 0 && (best < 0 || shared[f] > shared[best])) best = f;
    }
    if (best < 0) {
      while (placed[lowestUnplaced]) lowestUnplaced++;
      best = lowestUnplaced;
    }
    current = best;
  }
  return order;
}

/** A `name` section naming every function so that sorting by name gives `order`. */
function nameSection(imported, order) {
  const width = String(order.length).length;
  const names = new Array(imported + order.length);
  for (let i = 0; i < imported; i++) names[i] = `import${i}`;
  order.forEach((f, rank) => {
    names[imported + f] = `f${String(rank).padStart(width, '0')}`;
  });
  const entries = [writeLeb(names.length)];
  names.forEach((name, index) => entries.push(writeLeb(index), writeName(name)));
  const functionNames = Buffer.concat(entries);
  const payload = Buffer.concat([writeName('name'), Buffer.from([1]), writeLeb(functionNames.length), functionNames]);
  return Buffer.concat([Buffer.from([0]), writeLeb(payload.length), payload]);
}

/** The module without its `name` section, with one naming the functions for `order`. */
function withOrderNames(wasm, list, imported, order) {
  const kept = [wasm.subarray(0, 8)];
  for (const s of list) {
    if (s.id === 0 && customName(wasm, s) === 'name') continue;
    kept.push(wasm.subarray(s.header, s.end));
  }
  kept.push(nameSection(imported, order));
  return Buffer.concat(kept);
}

/** The wasm features index.html gives Trunk's wasm-opt (data-wasm-opt-params). */
function wasmFeatures() {
  const html = fs.readFileSync(path.join(ROOT, 'index.html'), 'utf8');
  const params = /data-wasm-opt-params="([^"]*)"/.exec(html);
  if (!params) throw new Error('index.html has no data-wasm-opt-params');
  return params[1].split(/\s+/).filter((p) => p.startsWith('--enable-'));
}

/** `wasm` with its functions in `order`, by wasm-opt; names and producers stripped. */
function reordered(wasm, list, imported, order) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webmqtt-reorder-'));
  try {
    const input = path.join(dir, 'in.wasm');
    const output = path.join(dir, 'out.wasm');
    fs.writeFileSync(input, withOrderNames(wasm, list, imported, order));
    const wasmOpt = path.join(ROOT, 'tools', 'binaryen', 'node_modules', '.bin', 'wasm-opt');
    if (!fs.existsSync(wasmOpt)) {
      throw new Error(`${wasmOpt} is missing (scripts/lib.sh: ensure_build_tools installs it)`);
    }
    // The optimize and shrink levels of -Oz, with no pass of it: they make wasm-opt
    // write the code as compactly as Trunk's -Oz run did.
    execFileSync(wasmOpt, [
      ...wasmFeatures(),
      '--optimize-level=2', '--shrink-level=2',
      '--reorder-functions-by-name', '--strip-debug', '--strip-producers',
      input, '-o', output,
    ], { stdio: ['ignore', 'inherit', 'inherit'] });
    return fs.readFileSync(output);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// --- the hook ----------------------------------------------------------------------

function main() {
  if (process.env.TRUNK_PROFILE !== 'release') return;
  const dir = process.env.TRUNK_STAGING_DIR;
  if (!dir) fail('no TRUNK_STAGING_DIR');
  const names = fs.readdirSync(dir).filter((n) => /^webmqtt-app-[0-9a-f]+_bg\.wasm$/.test(n));
  if (names.length !== 1) fail(`expected one webmqtt-app-HASH_bg.wasm in ${dir}, found ${JSON.stringify(names)}`);
  const file = path.join(dir, names[0]);
  const wasm = fs.readFileSync(file);

  let result;
  try {
    const list = sections(wasm);
    const imported = importedFunctions(wasm, list);
    const bodies = functionBodies(wasm, list);
    result = reordered(wasm, list, imported, chainOrder(bodies));
    const after = functionBodies(result, sections(result));
    if (after.length !== bodies.length) {
      throw new Error(`wasm-opt gave ${after.length} functions, not ${bodies.length}`);
    }
  } catch (e) {
    fail(`${names[0]}: ${e.message}`);
  }

  try {
    replaceWithIntegrity(dir, names[0], wasm, result);
  } catch (e) {
    fail(e.message);
  }
  console.error(`reorder-wasm.mjs: ${names[0]} ${wasm.length} -> ${result.length} bytes`);
}

export { chainOrder, customName, functionBodies, importedFunctions, readLeb, sections, wasmFeatures };

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url))) main();
