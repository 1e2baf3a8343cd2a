#!/usr/bin/env node
// Every Subresource Integrity hash in a built index.html matches the file it names.
// The post_build hooks rewrite the wasm and the bindings after Trunk hashed them; a
// stale hash makes the browser refuse that file (a stylesheet, the bindings' module
// preload), or throw a preloaded wasm away and download it again where it checks a
// fetch preload's hash (Chromium 156 ignores it, and says so in the console).
//
//   node scripts/check-integrity.mjs dist     (scripts/test.sh, the static-build suite)

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/check-integrity.mjs DIST_DIR');
  process.exit(2);
}
const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');

/** An attribute's value in a tag's text: quoted or not (Trunk's minifier drops quotes). */
const attribute = (tag, name) => {
  const m = new RegExp(`\\s${name}=(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`).exec(tag);
  return m ? (m[1] ?? m[2] ?? m[3]) : null;
};

let checked = 0;
const wrong = [];
for (const [tag] of html.matchAll(/<(?:link|script)\b[^>]*>/g)) {
  const integrity = attribute(tag, 'integrity');
  if (!integrity) continue;
  const ref = attribute(tag, 'href') ?? attribute(tag, 'src');
  const file = path.join(dir, decodeURI(ref.replace(/^\.\//, '').split(/[?#]/)[0]));
  const [algorithm, expected] = integrity.split(/-(.*)/s);
  if (!fs.existsSync(file)) {
    wrong.push(`${ref}: no such file in ${dir}`);
    continue;
  }
  const actual = crypto.createHash(algorithm).update(fs.readFileSync(file)).digest('base64');
  if (actual !== expected) wrong.push(`${ref}: index.html says ${integrity}, the file is ${algorithm}-${actual}`);
  checked++;
}
if (wrong.length) {
  console.error(`check-integrity.mjs: ${wrong.length} integrity hash(es) in ${dir}/index.html do not match:\n  ${wrong.join('\n  ')}`);
  process.exit(1);
}
if (checked === 0) {
  console.error(`check-integrity.mjs: ${dir}/index.html has no integrity hash (Trunk writes one per file)`);
  process.exit(1);
}
console.error(`check-integrity.mjs: ${checked} integrity hashes match their files`);
