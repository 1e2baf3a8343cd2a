#!/usr/bin/env node
// Draws the app's PNG icons for the web app manifest (web/icon-192.png,
// web/icon-512.png, web/icon-maskable-512.png) from the same shapes as
// web/favicon.svg, with node's standard library only (zlib for the PNG's deflate).
// The output is committed; run again after changing the icon:
//   node scripts/make-icons.mjs
//
// The favicon, on a 64 x 64 grid: a rounded square (rx 14) in #6330ad; a white dot
// (centre 18,46, r 6); two white quarter-circle arcs around (14,50), radii 22 and
// 38, 6 wide with round caps. The maskable icon fills the whole square (the
// platform applies its own mask) and draws the glyph inside the 80% safe zone.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'web');
const PURPLE = [0x63, 0x30, 0xad];
const WHITE = [0xff, 0xff, 0xff];

function inRoundedSquare(x, y, size, r) {
  if (x < 0 || y < 0 || x > size || y > size) return false;
  const cx = Math.min(Math.max(x, r), size - r);
  const cy = Math.min(Math.max(y, r), size - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

// The white glyph, in favicon units (0..64).
function inGlyph(x, y) {
  if ((x - 18) ** 2 + (y - 46) ** 2 <= 36) return true;
  const d = Math.hypot(x - 14, y - 50);
  for (const radius of [22, 38]) {
    // The arc's quarter (x >= 14, y <= 50), 6 wide, and its two round caps.
    if (x >= 14 && y <= 50 && Math.abs(d - radius) <= 3) return true;
    if ((x - 14) ** 2 + (y - (50 - radius)) ** 2 <= 9) return true;
    if ((x - (14 + radius)) ** 2 + (y - 50) ** 2 <= 9) return true;
  }
  return false;
}

// RGBA pixels, 4 x 4 samples per pixel for smooth edges.
function draw(size, maskable) {
  const px = Buffer.alloc(size * size * 4);
  const S = 4;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      let bg = 0;
      let fg = 0;
      for (let sj = 0; sj < S; sj++) {
        for (let si = 0; si < S; si++) {
          // In favicon units.
          let x = ((i + (si + 0.5) / S) / size) * 64;
          let y = ((j + (sj + 0.5) / S) / size) * 64;
          const inside = maskable || inRoundedSquare(x, y, 64, 14);
          if (!inside) continue;
          bg++;
          if (maskable) {
            // The glyph scaled to 70% around the centre: inside the 80% safe circle.
            x = (x - 32) / 0.7 + 32;
            y = (y - 32) / 0.7 + 32;
          }
          if (inGlyph(x, y)) fg++;
        }
      }
      const o = (j * size + i) * 4;
      const a = bg / (S * S);
      const f = bg ? fg / bg : 0;
      for (let c = 0; c < 3; c++) px[o + c] = Math.round(PURPLE[c] * (1 - f) + WHITE[c] * f);
      px[o + 3] = Math.round(a * 255);
    }
  }
  return px;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

// An indexed-colour PNG (a palette with transparency) when the image has at most 256
// distinct RGBA values, as these icons have (two colours and their anti-aliased
// edges): a byte a pixel rather than four, a quarter of the size. RGBA otherwise.
function png(size, rgba) {
  const palette = new Map();
  for (let o = 0; o < rgba.length && palette.size <= 256; o += 4) {
    const key = rgba.readUInt32BE(o);
    if (!palette.has(key)) palette.set(key, palette.size);
  }
  const indexed = palette.size <= 256;
  const bytesPerPixel = indexed ? 1 : 4;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = indexed ? 3 : 6; // palette, or RGBA
  const stride = size * bytesPerPixel + 1;
  const rows = Buffer.alloc(size * stride);
  for (let j = 0; j < size; j++) {
    rows[j * stride] = 0; // filter: none
    for (let i = 0; i < size; i++) {
      const o = (j * size + i) * 4;
      if (indexed) rows[j * stride + 1 + i] = palette.get(rgba.readUInt32BE(o));
      else rgba.copy(rows, j * stride + 1 + i * 4, o, o + 4);
    }
  }
  const chunks = [chunk('IHDR', ihdr)];
  if (indexed) {
    const colours = [...palette.keys()];
    chunks.push(chunk('PLTE', Buffer.from(colours.flatMap((k) => [k >>> 24, (k >>> 16) & 0xff, (k >>> 8) & 0xff]))));
    chunks.push(chunk('tRNS', Buffer.from(colours.map((k) => k & 0xff))));
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    ...chunks,
    chunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

for (const [name, size, maskable] of [['icon-192.png', 192, false], ['icon-512.png', 512, false], ['icon-maskable-512.png', 512, true]]) {
  const file = path.join(OUT, name);
  fs.writeFileSync(file, png(size, draw(size, maskable)));
  console.log(`${file}: ${fs.statSync(file).size} bytes`);
}
