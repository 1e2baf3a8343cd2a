#!/usr/bin/env node
// Trunk post_build hook (see Trunk.toml), run before precache.mjs: in a release build,
// minifies the page's scripts in the staged build with terser (tools/terser), which
// Trunk's own `minify` leaves as they are:
// - wasm-bindgen's JS (webmqtt-app-HASH.js), whose new Subresource Integrity hash
//   goes into index.html in place of the old one. The file keeps its name: the hash
//   in it was made from the unminified file, which the build makes the same way
//   every time;
// - web/'s loader.js and pwa.js (copied as they are; index.html names them without
//   an integrity hash). Their comments are for us, not for the download.
//
//   TRUNK_STAGING_DIR=dist TRUNK_PROFILE=release node scripts/minify-js.mjs   (what Trunk runs)
//
// Offline: reads and writes local files only.

import fs from 'node:fs';
import path from 'node:path';

import { replaceWithIntegrity } from './integrity.mjs';
import { minify } from './terser.mjs';

const fail = (message) => {
  console.error(`minify-js.mjs: ${message}`);
  process.exit(1);
};

if (process.env.TRUNK_PROFILE !== 'release') process.exit(0);
const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) fail('no TRUNK_STAGING_DIR');

const minifyModule = (source, name) =>
  minify(source, { module: true }).catch((e) => fail(`${name}: ${e.message}`));

const names = fs.readdirSync(dir).filter((n) => /^webmqtt-app-[0-9a-f]+\.js$/.test(n));
if (names.length !== 1) fail(`expected one webmqtt-app-HASH.js in ${dir}, found ${JSON.stringify(names)}`);
const file = path.join(dir, names[0]);
const source = fs.readFileSync(file, 'utf8');
const code = await minifyModule(source, names[0]);
try {
  replaceWithIntegrity(dir, names[0], source, code);
} catch (e) {
  fail(e.message);
}
console.error(`minify-js.mjs: ${names[0]} ${source.length} -> ${code.length} bytes`);

for (const name of ['loader.js', 'pwa.js']) {
  const script = path.join(dir, name);
  if (!fs.existsSync(script)) fail(`${name} is missing from ${dir} (index.html copies it from web/)`);
  const text = fs.readFileSync(script, 'utf8');
  const small = await minifyModule(text, name);
  fs.writeFileSync(script, small);
  console.error(`minify-js.mjs: ${name} ${text.length} -> ${small.length} bytes`);
}
