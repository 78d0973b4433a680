// base64 <-> bytes without Node's Buffer, so the same code runs in a service worker, a page and node.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Uint8Array(256).fill(255);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;
LOOKUP['-'.charCodeAt(0)] = 62; // base64url, just in case
LOOKUP['_'.charCodeAt(0)] = 63;

export function bytesToBase64(bytes) {
  // btoa over binary strings built in slices: fast in browsers and node >= 16.
  let out = '';
  const SLICE = 0x2000 * 3; // a multiple of 3 so slices concatenate without padding; small enough for apply()
  for (let i = 0; i < bytes.length; i += SLICE) {
    const part = bytes.subarray(i, Math.min(i + SLICE, bytes.length));
    out += btoa(String.fromCharCode.apply(null, part));
  }
  return out;
}

export function base64ToBytes(text) {
  let len = text.length;
  while (len > 0 && (text.charCodeAt(len - 1) === 61 /* = */ || text.charCodeAt(len - 1) <= 32)) len--;
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let buffer = 0, bits = 0, o = 0;
  for (let i = 0; i < len; i++) {
    const v = LOOKUP[text.charCodeAt(i)];
    if (v === 255) {
      const c = text.charCodeAt(i);
      if (c === 10 || c === 13 || c === 32 || c === 9) continue;
      throw new Error('invalid base64');
    }
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (buffer >> bits) & 0xff;
    }
  }
  return o === out.length ? out : out.subarray(0, o);
}

/** How many bytes a base64 text decodes to (padding and trailing whitespace allowed, nothing else checked). */
export function base64DecodedLength(text) {
  let len = text.length;
  while (len > 0 && text.charCodeAt(len - 1) <= 32) len--;
  let pad = 0;
  while (pad < 2 && len > 0 && text.charCodeAt(len - 1) === 61 /* = */) { len--; pad++; }
  return Math.floor((len * 3) / 4);
}

/**
 * Splits a base64 text into pieces that each decode on their own (whole 4-character groups), of at most
 * `maxBytes` decoded bytes: what the host expects of body chunks (docs/protocol.md, "decoded one by one").
 * Yields [piece, decodedLength].
 */
export function* base64Pieces(text, maxBytes) {
  const chars = Math.max(4, Math.floor(maxBytes / 3) * 4);
  for (let i = 0; i < text.length; i += chars) {
    const piece = text.slice(i, i + chars);
    yield [piece, base64DecodedLength(piece)];
  }
}

export function textToBytes(text) {
  return new TextEncoder().encode(text);
}
