// Subresource Integrity for the post_build hooks (scripts/reorder-wasm.mjs,
// scripts/minify-js.mjs), which rewrite files after Trunk hashed them into index.html.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The `integrity` value Trunk writes: sha384, base64. */
export const sri = (bytes) => 'sha384-' + crypto.createHash('sha384').update(bytes).digest('base64');

/**
 * Writes `after` to the staged file `name` in `dir`, which held `before`, and puts its new
 * hash into `dir`/index.html in place of the old one. Throws, writing nothing, unless
 * index.html names the old hash exactly once.
 */
export function replaceWithIntegrity(dir, name, before, after) {
  const htmlFile = path.join(dir, 'index.html');
  const html = fs.readFileSync(htmlFile, 'utf8');
  const old = sri(before);
  const uses = html.split(old).length - 1;
  if (uses !== 1) throw new Error(`index.html names ${name}'s integrity ${uses} times, not once`);
  fs.writeFileSync(path.join(dir, name), after);
  fs.writeFileSync(htmlFile, html.replace(old, sri(after)));
}
