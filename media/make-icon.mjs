#!/usr/bin/env node
// Draws media/icon.png (128x128 RGBA): a trace as rows of step bars with a gutter heat strip
// (green → amber → red at the first error) and a lens over the first error. Pure Node: shapes are
// sampled 4x4 per pixel for anti-aliasing, the PNG is encoded with zlib. Usage: node media/make-icon.mjs [out.png]
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const SIZE = 128;
const SS = 4; // samples per pixel per axis
const root = path.resolve(import.meta.dirname, "..");
const out = process.argv[2] ?? path.join(root, "media/icon.png");

const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16), 255];

/** Signed-distance-free shape tests in icon coordinates (0..128). */
const roundedRect = (x0, y0, x1, y1, r) => (x, y) => {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const ring = (cx, cy, r0, r1) => (x, y) => {
  const d = (x - cx) ** 2 + (y - cy) ** 2;
  return d >= r0 * r0 && d <= r1 * r1;
};
const disc = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
/** A thick line segment with round caps. */
const capsule = (ax, ay, bx, by, r) => (x, y) => {
  const vx = bx - ax, vy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * vx + (y - ay) * vy) / (vx * vx + vy * vy)));
  return (x - ax - t * vx) ** 2 + (y - ay - t * vy) ** 2 <= r * r;
};

// Layers, painted in order: [shape, rgba]. Colours read on light and dark marketplace pages.
const layers = [];
layers.push([roundedRect(4, 4, 124, 124, 22), hex("#1b1f2a")]);
const heat = ["#2fbf71", "#2fbf71", "#8fd14f", "#f2c14e", "#e5484d", "#7a8194"];
const lengths = [78, 64, 84, 56, 72, 46];
const rowTop = 18, rowH = 13, gap = 4;
const errorRow = 4;
heat.forEach((colour, i) => {
  const y0 = rowTop + i * (rowH + gap);
  layers.push([roundedRect(14, y0, 22, y0 + rowH, 3), hex(colour)]); // gutter heat
  const text = i === errorRow ? "#f4f5f7" : i > errorRow ? "#4a5063" : "#9aa3b5";
  layers.push([roundedRect(30, y0 + 3, 30 + lengths[i], y0 + rowH - 3, 3.5), hex(text)]); // step text
});
// The lens: a ring around the first-error row, glass tint inside, a handle to the bottom right.
const ey = rowTop + errorRow * (rowH + gap) + rowH / 2;
const lens = { x: 84, y: ey, r: 21 };
layers.push([disc(lens.x, lens.y, lens.r - 3), [229, 72, 77, 56]]);
layers.push([ring(lens.x, lens.y, lens.r - 3, lens.r + 2.5), hex("#f4f5f7")]);
layers.push([capsule(lens.x + 17, lens.y + 17, 112, 114, 5), hex("#f4f5f7")]);

const over = (dst, [r, g, b, a]) => {
  const sa = a / 255, da = dst[3] / 255, oa = sa + da * (1 - sa);
  if (oa === 0) return [0, 0, 0, 0];
  const mix = (s, d) => (s * sa + d * da * (1 - sa)) / oa;
  return [mix(r, dst[0]), mix(g, dst[1]), mix(b, dst[2]), oa * 255];
};

const pixels = Buffer.alloc(SIZE * SIZE * 4);
for (let py = 0; py < SIZE; py++) {
  for (let px = 0; px < SIZE; px++) {
    const acc = [0, 0, 0, 0];
    for (let sy = 0; sy < SS; sy++) {
      for (let sx = 0; sx < SS; sx++) {
        const x = px + (sx + 0.5) / SS, y = py + (sy + 0.5) / SS;
        let c = [0, 0, 0, 0];
        for (const [shape, colour] of layers) if (shape(x, y)) c = over(c, colour);
        // premultiplied accumulation so transparent samples do not darken edges
        acc[0] += c[0] * c[3]; acc[1] += c[1] * c[3]; acc[2] += c[2] * c[3]; acc[3] += c[3];
      }
    }
    const o = (py * SIZE + px) * 4, n = SS * SS;
    const a = acc[3] / n;
    pixels[o] = a ? Math.round(acc[0] / acc[3]) : 0;
    pixels[o + 1] = a ? Math.round(acc[1] / acc[3]) : 0;
    pixels[o + 2] = a ? Math.round(acc[2] / acc[3]) : 0;
    pixels[o + 3] = Math.round(a);
  }
}

// PNG: signature, IHDR (8-bit RGBA), IDAT (filter 0 per row, deflated), IEND.
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0);
ihdr.writeUInt32BE(SIZE, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // RGBA
const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) pixels.copy(raw, y * (SIZE * 4 + 1) + 1, y * SIZE * 4, (y + 1) * SIZE * 4);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk("IHDR", ihdr),
  chunk("IDAT", zlib.deflateSync(raw, { level: 9 })),
  chunk("IEND", Buffer.alloc(0)),
]);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, png);
console.log(`wrote ${path.relative(process.cwd(), out)} (${SIZE}x${SIZE}, ${png.length} bytes)`);
