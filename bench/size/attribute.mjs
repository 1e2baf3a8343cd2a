#!/usr/bin/env node
// Where the browser build's compressed bytes are: `bash bench/size/run.sh` (which builds
// first). Not a test.
//
// twiggy counts raw bytes, but what a visitor downloads is the gzip stream, and after
// scripts/reorder-wasm.mjs the many alike copies of generic code compress against each
// other: raw shares mislead. This script remakes the shipped wasm with its function
// names kept and puts the functions in the hook's chain order. It sorts every function
// into a group by its name:
//
//   app: view code        names with `webmqtt_app` and `components` or `__component`
//                         (the Leptos views, and the runtime's generic functions
//                         instantiated for them)
//   app: the rest         other names with `webmqtt_app` (models, connection, storage,
//                         JSON, transport, and generics instantiated for them)
//   codec                 names with `webmqtt_codec` and not `webmqtt_app`
//   Leptos runtime        reactive_graph, tachys, leptos… not instantiated for app types
//   std, allocator, bindings, other
//
// and gives each group (and each of the app's modules) what the code's gzip -9 loses
// without it: what removing that code alone would save. A group's figure counts what
// it shares with the rest once, so the figures add up to less than the whole.
//
//   node bench/size/attribute.mjs [target/wasm32-unknown-unknown/wasm-release/webmqtt-app.wasm]
//
// Needs wasm-bindgen (the pinned CLI) on PATH and tools/binaryen (scripts/lib.sh:
// ensure_wasm_bindgen, ensure_build_tools). Writes its table to
// target/webmqtt-bench/size/table.md as well.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

import {
  chainOrder, customName, functionBodies, importedFunctions, readLeb, sections, wasmFeatures,
} from '../../scripts/reorder-wasm.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const INPUT = process.argv[2] ?? path.join(ROOT, 'target', 'wasm32-unknown-unknown', 'wasm-release', 'webmqtt-app.wasm');
const OUT = path.join(ROOT, 'target', 'webmqtt-bench', 'size');

const fail = (message) => {
  console.error(`attribute.mjs: ${message}`);
  process.exit(1);
};

/** The linker's wasm as Trunk ships it (bindings, -Oz, the index.html wasm-opt flags) but with names kept. */
function namedBuild(input, dir) {
  execFileSync('wasm-bindgen', ['--target', 'web', '--out-dir', dir, input], { stdio: ['ignore', 'inherit', 'inherit'] });
  const bindgenOut = path.join(dir, `${path.basename(input, '.wasm')}_bg.wasm`);
  const named = path.join(dir, 'named.wasm');
  const wasmOpt = path.join(ROOT, 'tools', 'binaryen', 'node_modules', '.bin', 'wasm-opt');
  if (!fs.existsSync(wasmOpt)) fail(`${wasmOpt} is missing (scripts/lib.sh: ensure_build_tools installs it)`);
  // -g keeps the names; --converge is left out (about 1 KB, and minutes).
  execFileSync(wasmOpt, ['-Oz', '-g', '--low-memory-unused', ...wasmFeatures(), bindgenOut, '-o', named],
    { stdio: ['ignore', 'inherit', 'inherit'] });
  return fs.readFileSync(named);
}

/** Function index -> name, from the `name` section's function names (subsection 1). */
function functionNames(wasm, list) {
  const names = new Map();
  const section = list.find((s) => s.id === 0 && customName(wasm, s) === 'name');
  if (!section) return names;
  let at = readLeb(wasm, section.start)[1] + 4; // past "name"
  while (at < section.end) {
    const id = wasm[at];
    const [size, start] = readLeb(wasm, at + 1);
    if (id === 1) {
      let [count, p] = readLeb(wasm, start);
      while (count-- > 0) {
        const [index, q] = readLeb(wasm, p);
        const [length, r] = readLeb(wasm, q);
        names.set(index, wasm.subarray(r, r + length).toString('utf8'));
        p = r + length;
      }
    }
    at = start + size;
  }
  return names;
}

/** gzip -9 of the bodies in `order`, those for which `drop` holds left out. */
function gzipWithout(bodies, order, drop) {
  return zlib.gzipSync(Buffer.concat(order.filter((f) => !drop(f)).map((f) => bodies[f])), { level: 9 }).length;
}

const GROUPS = [
  ['app: view code (components)', (n) => n.includes('webmqtt_app') && /::components::|__component/.test(n)],
  ['app: models, connection, storage, JSON, transport', (n) => n.includes('webmqtt_app')],
  ['codec', (n) => n.includes('webmqtt_codec')],
  ['Leptos runtime (not instantiated for app types)', (n) => /reactive_graph|tachys|leptos|either_of|any_spawner|server_fn|throw_error/.test(n)],
  ['std, allocator, bindings, other', () => true],
];

/** `webmqtt_app::components::feed` from a name that mentions the app, for the module table. */
function appModule(name) {
  const m = /webmqtt_app(?:\[[0-9a-f]+\])?::([a-z_0-9]+)(?:::([a-z_0-9]+))?/.exec(name);
  if (!m) return null;
  if (m[1] === 'components' && m[2]) return `components::${m[2].replace(/^__component_/, '')}`;
  return m[1].replace(/^__component_/, 'components::');
}

const fmt = (n) => n.toLocaleString('en-US');
const pct = (part, whole) => `${((100 * part) / whole).toFixed(1)}%`;

async function main() {
  if (!fs.existsSync(INPUT)) fail(`${INPUT} is missing: build the app first (bash bench/size/run.sh does)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webmqtt-attribute-'));
  let wasm;
  try {
    wasm = namedBuild(INPUT, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const list = sections(wasm);
  const imported = importedFunctions(wasm, list);
  const bodies = functionBodies(wasm, list);
  const names = functionNames(wasm, list);
  const order = chainOrder(bodies);
  const whole = gzipWithout(bodies, order, () => false);
  const data = list.filter((s) => s.id === 11).map((s) => wasm.subarray(s.start, s.end));
  const dataRaw = data.reduce((sum, d) => sum + d.length, 0);
  const dataGzip = data.length ? zlib.gzipSync(Buffer.concat(data), { level: 9 }).length : 0;

  const group = bodies.map((_, f) => GROUPS.findIndex(([, test]) => test(names.get(imported + f) ?? '')));
  const module = bodies.map((_, f) => appModule(names.get(imported + f) ?? ''));
  const rawOf = (test) => bodies.reduce((sum, body, f) => sum + (test(f) ? body.length : 0), 0);
  const countOf = (test) => bodies.reduce((sum, _, f) => sum + (test(f) ? 1 : 0), 0);
  const savingOf = (test) => whole - gzipWithout(bodies, order, test);

  const groupRows = GROUPS.map(([label], g) => {
    const test = (f) => group[f] === g;
    const saving = savingOf(test);
    return `| ${label} | ${fmt(countOf(test))} | ${fmt(rawOf(test))} | ${fmt(saving)} | ${pct(saving, whole)} |`;
  });
  const moduleRows = [...new Set(module.filter(Boolean))]
    .map((m) => {
      const test = (f) => module[f] === m;
      return { m, raw: rawOf(test), saving: savingOf(test) };
    })
    .sort((a, b) => b.saving - a.saving)
    .slice(0, 20)
    .map((r) => `| ${r.m} | ${fmt(r.raw)} | ${fmt(r.saving)} | ${pct(r.saving, whole)} |`);

  const lines = [
    `Code of ${path.relative(ROOT, INPUT)}, remade with names (${fmt(bodies.length)} functions, ${fmt(names.size - imported)} named), in the hook's chain order: ${fmt(whole)} bytes gzip -9.`,
    '',
    '| group | functions | raw bytes | gzip -9 of the code without it, less | share of the code\'s gzip -9 |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...groupRows,
    `| **all code** | ${fmt(bodies.length)} | ${fmt(rawOf(() => true))} | ${fmt(whole)} | 100% |`,
    `| data (words, tables), not in the code's figures | | ${fmt(dataRaw)} | ${fmt(dataGzip)} (gzip -9 alone) | |`,
    '',
    'The app\'s modules (every function whose name mentions one, runtime generics instantiated for it included), the 20 that weigh most:',
    '',
    '| module | raw bytes | gzip -9 of the code without it, less | share |',
    '| --- | ---: | ---: | ---: |',
    ...moduleRows,
  ];
  const table = lines.join('\n');
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, 'table.md'), `${table}\n`);
  console.log(table);
}

main().catch((e) => fail(e.stack ?? String(e)));
