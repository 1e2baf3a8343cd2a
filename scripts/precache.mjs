#!/usr/bin/env node
// Trunk post_build hook (see Trunk.toml): writes sw.js, the service worker, into the
// staged build from web/sw.template.js, with the list of the build's files, the
// sha256 of each (as a Subresource Integrity value) and a version: a hash of all of
// them and of the template. Same files, same sw.js; any change, a new version.
// The template's code is minified with terser (tools/terser); the list stays one
// file a line, readable.
//
//   TRUNK_STAGING_DIR=dist node scripts/precache.mjs      (what Trunk runs)
//   node scripts/precache.mjs path/to/dist                (by hand, e.g. the e2e tests)
//
// Offline: reads and writes local files only.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { minify } from './terser.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEMPLATE = path.join(ROOT, 'web', 'sw.template.js');
const OUTPUT = 'sw.js';
// Not part of the shell: the worker itself, and source maps should there be any.
const SKIP = (name) => name === OUTPUT || name.endsWith('.map');

const dir = path.resolve(process.argv[2] || process.env.TRUNK_STAGING_DIR || '');
if (!process.argv[2] && !process.env.TRUNK_STAGING_DIR) {
  console.error('precache.mjs: no directory (TRUNK_STAGING_DIR or an argument)');
  process.exit(2);
}
if (!fs.existsSync(path.join(dir, 'index.html'))) {
  console.error(`precache.mjs: ${dir}/index.html is missing`);
  process.exit(1);
}

function list(d, prefix = '') {
  return fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
    const rel = prefix + e.name;
    if (e.isDirectory()) return list(path.join(d, e.name), rel + '/');
    return e.isFile() && !SKIP(rel) ? [rel] : [];
  });
}

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest();
const template = fs.readFileSync(TEMPLATE, 'utf8');
const SLOT = 'const PRECACHE = __WEBMQTT_PRECACHE__;';
if (template.split(SLOT).length !== 2) {
  console.error(`precache.mjs: ${TEMPLATE} must have the line "${SLOT}" once`);
  process.exit(1);
}
const names = list(dir).sort();
const files = names.map((name) => [name, 'sha256-' + sha256(fs.readFileSync(path.join(dir, name))).toString('base64')]);
const version = crypto.createHash('sha256')
  .update(template)
  .update(files.map(([n, h]) => `${n} ${h}\n`).join(''))
  .digest('hex')
  .slice(0, 16);
// One file a line, for a readable sw.js.
const precache = `{"version":${JSON.stringify(version)},"files":[\n${files.map((f) => ' ' + JSON.stringify(f)).join(',\n')}\n]}`;
// The code after the list, minified on its own (PRECACHE is a global to it), under
// the template's "use strict", which must stay the file's first statement.
const STRICT = '"use strict";';
const code = template.split(SLOT)[1];
let small;
try {
  small = await minify(STRICT + code, { module: false });
} catch (e) {
  console.error(`precache.mjs: ${TEMPLATE}: ${e.message}`);
  process.exit(1);
}
if (!template.split(SLOT)[0].trimEnd().endsWith(STRICT) || !small.startsWith(STRICT)) {
  console.error(`precache.mjs: ${TEMPLATE} must say ${STRICT} just before "${SLOT}"`);
  process.exit(1);
}
fs.writeFileSync(path.join(dir, OUTPUT), `${STRICT}\nconst PRECACHE = ${precache};\n${small.slice(STRICT.length)}\n`);
console.log(`precache.mjs: ${dir}/${OUTPUT}: version ${version}, ${files.length} files`);
