// terser (tools/terser, installed by scripts/lib.sh: ensure_build_tools) for the
// post_build hooks: scripts/minify-js.mjs (the page's scripts) and
// scripts/precache.mjs (the service worker). Offline.

import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `source` minified (compressed, names mangled); `module`: an ES module, else a classic script. */
export async function minify(source, { module }) {
  const require = createRequire(path.join(ROOT, 'tools', 'terser', 'package.json'));
  let terser;
  try {
    terser = require('terser');
  } catch (e) {
    throw new Error(`terser is missing (scripts/lib.sh: ensure_build_tools installs it in tools/terser): ${e.message}`);
  }
  const { code } = await terser.minify(source, { module, ecma: 2020, compress: true, mangle: true });
  if (!code) throw new Error('terser gave nothing');
  return code;
}
