// Draws the toolbar icon as PNG at any size (no image files to keep in sync, no dependencies).
// A teal rounded square with a white film frame and sprocket holes.

import zlib from 'node:zlib';

function crc32(buf) {
  let c = -1;
  for (let i = 0; i < buf.length; i++) {
    c ^= buf[i];
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ -1) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

function inRoundRect(x, y, x0, y0, x1, y1, r) {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

/** Colour of the unit-square point (u, v), as [r, g, b, a]. */
function shade(u, v) {
  const TEAL = [15, 118, 110, 255], WHITE = [255, 255, 255, 255], DARK = [19, 78, 74, 255], CLEAR = [0, 0, 0, 0];
  if (!inRoundRect(u, v, 0.02, 0.02, 0.98, 0.98, 0.2)) return CLEAR;
  if (inRoundRect(u, v, 0.16, 0.2, 0.84, 0.8, 0.05)) {
    // the film strip: white with sprocket holes top and bottom, a dark frame in the middle
    for (let i = 0; i < 4; i++) {
      const hx = 0.24 + i * 0.16;
      if (inRoundRect(u, v, hx, 0.24, hx + 0.08, 0.3, 0.015) || inRoundRect(u, v, hx, 0.7, hx + 0.08, 0.76, 0.015)) return TEAL;
    }
    if (inRoundRect(u, v, 0.24, 0.36, 0.76, 0.64, 0.03)) {
      // a stylised cross-section: a light ellipse on the dark frame
      const e = ((u - 0.5) / 0.18) ** 2 + ((v - 0.5) / 0.1) ** 2;
      return e <= 1 ? [204, 251, 241, 255] : DARK;
    }
    return WHITE;
  }
  return TEAL;
}

export function makeIcon(size) {
  const SS = 4; // supersampling for smooth edges
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const c = shade((x + (sx + 0.5) / SS) / size, (y + (sy + 0.5) / SS) / size);
          acc[0] += c[0] * c[3]; acc[1] += c[1] * c[3]; acc[2] += c[2] * c[3]; acc[3] += c[3];
        }
      }
      const o = y * (size * 4 + 1) + 1 + x * 4;
      const a = acc[3];
      raw[o] = a ? Math.round(acc[0] / a) : 0;
      raw[o + 1] = a ? Math.round(acc[1] / a) : 0;
      raw[o + 2] = a ? Math.round(acc[2] / a) : 0;
      raw[o + 3] = Math.round(a / (SS * SS));
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
