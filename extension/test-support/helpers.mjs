import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const extRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = path.resolve(extRoot, '..');
export const readJson = (p) => JSON.parse(fs.readFileSync(path.resolve(extRoot, p), 'utf8'));

export function bytes(n, seed = 1) {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; out[i] = x & 0xff; }
  return out;
}

export function part10(extra = 0) {
  const b = new Uint8Array(132 + extra);
  b.set([0x44, 0x49, 0x43, 0x4d], 128);
  return b;
}

export const tick = () => new Promise((r) => setImmediate(r));
