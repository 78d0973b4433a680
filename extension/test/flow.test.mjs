import test from 'node:test';
import assert from 'node:assert/strict';
import { Chunker, ByteBudget, Slots, splitIntoChunks, concatBytes } from '../src/lib/flow.js';
import { bytes, tick } from '../test-support/helpers.mjs';

test('Chunker cuts arbitrary pieces into fixed-size chunks and keeps every byte in order', () => {
  const data = bytes(10000, 7);
  for (const size of [1, 7, 1000, 4096, 20000]) {
    const c = new Chunker(size);
    const out = [];
    for (let i = 0; i < data.length;) {
      const n = Math.min(1 + ((i * 31) % 1777), data.length - i);
      out.push(...c.push(data.subarray(i, i + n)));
      i += n;
    }
    const last = c.flush();
    if (last) out.push(last);
    for (const chunk of out.slice(0, -1)) assert.equal(chunk.length, size);
    assert.ok(out.at(-1).length <= size);
    assert.deepEqual(concatBytes(out), data);
    assert.equal(c.flush(), null);
  }
});

test('Chunker rejects a zero size; splitIntoChunks splits a whole buffer', () => {
  assert.throws(() => new Chunker(0));
  const parts = splitIntoChunks(bytes(10), 4);
  assert.deepEqual(parts.map((p) => p.length), [4, 4, 2]);
  assert.deepEqual(splitIntoChunks(new Uint8Array(0), 4), []);
});

test('ByteBudget makes acquirers wait, in order, until bytes are released', async () => {
  const b = new ByteBudget(100);
  await b.acquire(60);
  const order = [];
  const p1 = b.acquire(50).then(() => order.push('a'));
  const p2 = b.acquire(10).then(() => order.push('b')); // fits, but waits its turn behind a
  await tick();
  assert.deepEqual(order, []);
  b.release(60);
  await Promise.all([p1, p2]);
  assert.deepEqual(order, ['a', 'b']);
  assert.equal(b.used, 60);
  assert.ok(b.peak <= 100);
});

test('ByteBudget lets one oversized request through when nothing else is held', async () => {
  const b = new ByteBudget(100);
  await b.acquire(500);
  assert.equal(b.used, 500);
  let got = false;
  b.acquire(1).then(() => { got = true; });
  await tick();
  assert.equal(got, false);
  b.release(500);
  await tick();
  assert.equal(got, true);
});

test('ByteBudget.force can pass the limit, whenBelowLimit resolves once drained', async () => {
  const b = new ByteBudget(10);
  b.force(25);
  assert.ok(b.over);
  let below = false;
  b.whenBelowLimit().then(() => { below = true; });
  b.release(10);
  await tick();
  assert.equal(below, false);
  b.release(10);
  await tick();
  assert.equal(below, true);
});

test('Slots bound how many bodies are open and follow a new limit', async () => {
  const s = new Slots(2);
  await s.acquire();
  await s.acquire();
  let third = false;
  s.acquire().then(() => { third = true; });
  await tick();
  assert.equal(third, false);
  s.setLimit(3);
  await tick();
  assert.equal(third, true);
  assert.equal(s.inUse, 3);
  s.release(); s.release(); s.release();
  assert.equal(s.inUse, 0);
});
