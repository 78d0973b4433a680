import test from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { bytesToBase64, base64ToBytes, textToBytes } from '../src/lib/base64.js';
import { Sha256, sha256Hex } from '../src/lib/sha256.js';
import { bytes } from '../test-support/helpers.mjs';

test('base64 round-trips and matches node at every length', () => {
  for (const n of [0, 1, 2, 3, 4, 5, 100, 98303, 98304, 98305, 300001]) {
    const data = bytes(n, n + 1);
    const b64 = bytesToBase64(data);
    assert.equal(b64, Buffer.from(data).toString('base64'), `encode ${n}`);
    assert.deepEqual(base64ToBytes(b64), data, `decode ${n}`);
  }
  assert.deepEqual(base64ToBytes('aGVs\nbG8='), textToBytes('hello'));
  assert.throws(() => base64ToBytes('a*b='));
});

test('incremental SHA-256 matches node for any split', () => {
  for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 200000]) {
    const data = bytes(n, 3);
    const expected = crypto.createHash('sha256').update(data).digest('hex');
    assert.equal(sha256Hex(data), expected, `one piece ${n}`);
    const h = new Sha256();
    for (let i = 0; i < n; i += 37) h.update(data.subarray(i, i + 37));
    assert.equal(h.hex(), expected, `pieces ${n}`);
    assert.equal(h.hex(), expected, 'hex() twice');
  }
});

test('base64 decoded length and pieces that decode on their own', async () => {
  const { base64DecodedLength, base64Pieces } = await import('../src/lib/base64.js');
  for (let n = 0; n < 40; n++) {
    const data = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 255));
    const text = data.toString('base64');
    assert.equal(base64DecodedLength(text), n);
    assert.equal(base64DecodedLength(`${text}\n`), n);
    const pieces = [...base64Pieces(text, 7)];
    assert.ok(pieces.every(([p, len]) => Buffer.from(p, 'base64').length === len && len <= 7));
    assert.deepEqual(Buffer.concat(pieces.map(([p]) => Buffer.from(p, 'base64'))), data);
  }
});
