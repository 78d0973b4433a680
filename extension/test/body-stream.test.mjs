import test from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { BodyUploader } from '../src/lib/body-stream.js';
import { ByteBudget } from '../src/lib/flow.js';
import { HostError, ERROR } from '../src/lib/protocol.js';
import { bytes, tick } from '../test-support/helpers.mjs';

/** A fake cloudfilm-host speaking docs/protocol.md, with a configurable delay per reply. */
class FakeHost {
  constructor({ delayMs = 0, chunkAck = false, failBegin = null, maxChunkBytes = 1 << 20 } = {}) {
    Object.assign(this, { delayMs, chunkAck, failBegin, maxChunkBytes });
    this.bodies = new Map();
    this.done = new Map();
    this.log = [];
    this.maxOpen = 0;
    this.outstandingChunkAcks = 0;
    this.maxOutstandingChunkAcks = 0;
    this.transport = { request: (m) => this.request(m), post: (m) => this.handle(m) };
  }

  reply(value) {
    return new Promise((resolve, reject) => setTimeout(() => (value instanceof Error ? reject(value) : resolve(value)), this.delayMs));
  }

  request(m) {
    if (m.type === 'body-chunk') {
      this.outstandingChunkAcks++;
      this.maxOutstandingChunkAcks = Math.max(this.maxOutstandingChunkAcks, this.outstandingChunkAcks);
      this.handle(m);
      return this.reply({ type: 'body-chunk-result', body: m.body, seq: m.seq }).finally(() => { this.outstandingChunkAcks--; });
    }
    try {
      return this.reply(this.handle(m));
    } catch (e) {
      return this.reply(e);
    }
  }

  handle(m) {
    this.log.push({ type: m.type, body: m.body, seq: m.seq, size: m.data?.length });
    switch (m.type) {
      case 'body-begin':
        if (this.failBegin) throw new HostError({ code: ERROR[this.failBegin], name: this.failBegin, message: 'no' });
        assert.match(m.body, /^[A-Za-z0-9._-]{1,64}$/);
        assert.ok(!this.bodies.has(m.body), 'duplicate body id');
        this.bodies.set(m.body, { begin: m, parts: [], nextSeq: 0 });
        this.maxOpen = Math.max(this.maxOpen, this.bodies.size);
        return { type: 'body-begin-result', body: m.body };
      case 'body-chunk': {
        const b = this.bodies.get(m.body);
        assert.ok(b, 'chunk for a body that is not open');
        assert.equal(m.seq, b.nextSeq++, 'chunks in order');
        const data = Buffer.from(m.data, 'base64');
        assert.ok(data.length <= this.maxChunkBytes, 'chunk within maxChunkBytes');
        b.parts.push(data);
        return undefined;
      }
      case 'body-end': {
        const b = this.bodies.get(m.body);
        this.bodies.delete(m.body);
        const all = Buffer.concat(b.parts);
        if (m.sha256) assert.equal(m.sha256, crypto.createHash('sha256').update(all).digest('hex'));
        this.done.set(m.body, { begin: b.begin, data: all });
        return { type: 'body-end-result', body: m.body, bytes: all.length,
          objects: [{ outcome: 'stored', sopInstanceUid: m.body, seriesInstanceUid: '1.2.3' }] };
      }
      case 'body-abort':
        this.bodies.delete(m.body);
        return { type: 'body-abort-result', body: m.body };
      default:
        throw new Error(`unexpected ${m.type}`);
    }
  }
}

test('a whole body is sent as begin, ordered chunks of at most maxChunkBytes, end with its digest', async () => {
  const host = new FakeHost({ maxChunkBytes: 1000 });
  const budget = new ByteBudget(1 << 20);
  const up = new BodyUploader({ transport: host.transport, budget, maxChunkBytes: 1000 });
  const data = bytes(4321, 9);
  await budget.acquire(data.length);
  const result = await up.sendWhole({ url: 'https://h/x.dcm', status: 200, mimeType: 'application/dicom', tabId: 3 }, data);
  assert.equal(result.type, 'body-end-result');
  const [stored] = host.done.values();
  assert.deepEqual(new Uint8Array(stored.data), data);
  assert.equal(stored.begin.totalBytes, 4321);
  assert.equal(stored.begin.tabId, 3);
  assert.deepEqual(host.log.map((l) => l.type), ['body-begin', ...Array(5).fill('body-chunk'), 'body-end']);
  assert.equal(budget.used, 0, 'every byte released once posted');
});

test('an empty body is begin + end, no chunk', async () => {
  const host = new FakeHost();
  const up = new BodyUploader({ transport: host.transport, budget: new ByteBudget(10) });
  await up.sendWhole({ url: 'u' }, new Uint8Array(0));
  assert.deepEqual(host.log.map((l) => l.type), ['body-begin', 'body-end']);
});

test('memory stays bounded and bodies in flight capped, whatever the study size', async () => {
  const host = new FakeHost({ delayMs: 1 });
  const LIMIT = 3 * 65536;
  const budget = new ByteBudget(LIMIT);
  const up = new BodyUploader({ transport: host.transport, budget, maxChunkBytes: 16384, maxBodiesInFlight: 3 });
  const results = [];
  // Like the Chromium engine: wait for room in the budget before reading the next body.
  for (let i = 0; i < 60; i++) {
    const data = bytes(65536, i + 1);
    await budget.acquire(data.length);
    results.push(up.sendWhole({ url: `https://h/${i}.dcm` }, data));
  }
  await Promise.all(results);
  assert.equal(host.done.size, 60);
  assert.ok(budget.peak <= LIMIT, `peak ${budget.peak} <= ${LIMIT}`);
  assert.ok(host.maxOpen <= 3, `open bodies ${host.maxOpen}`);
  assert.equal(budget.used, 0);
  let i = 0;
  for (const { data } of host.done.values()) assert.equal(data.length, 65536, `body ${i++}`);
});

test('a streamed body (pieces of any size) arrives intact; chunk acks keep at most N unacknowledged', async () => {
  const host = new FakeHost({ delayMs: 2, chunkAck: true, maxChunkBytes: 5000 });
  const budget = new ByteBudget(1 << 20);
  const up = new BodyUploader({ transport: host.transport, budget, maxChunkBytes: 5000, maxUnackedChunks: 2 });
  up.configure({ capabilities: ['chunk-ack'], maxChunkBytes: 5000, maxBodiesInFlight: 2 });
  const data = bytes(123457, 5);
  const w = up.start({ url: 'https://h/stream', mimeType: 'multipart/related' });
  for (let i = 0; i < data.length; i += 3001) {
    const piece = data.slice(i, i + 3001);
    budget.force(piece.length);
    w.write(piece);
  }
  await w.end();
  const [stored] = host.done.values();
  assert.deepEqual(new Uint8Array(stored.data), data);
  assert.ok(host.maxOutstandingChunkAcks <= 2, `unacked ${host.maxOutstandingChunkAcks}`);
  assert.equal(budget.used, 0);
});

test('the host refusing a body (disk full) rejects it with the code and frees its bytes and slot', async () => {
  const host = new FakeHost({ failBegin: 'disk-full' });
  const budget = new ByteBudget(1000);
  const up = new BodyUploader({ transport: host.transport, budget, maxBodiesInFlight: 1 });
  await budget.acquire(500);
  await assert.rejects(up.sendWhole({ url: 'u' }, bytes(500)), (e) => e.codeName === 'disk-full' && e.code === 12);
  assert.equal(budget.used, 0);
  assert.equal(up.slots.inUse, 0);
});

test('failAll (host gone) ends every open body and frees what it held', async () => {
  const host = new FakeHost({ delayMs: 5 });
  const budget = new ByteBudget(1 << 20);
  const up = new BodyUploader({ transport: host.transport, budget });
  const w = up.start({ url: 'u' });
  budget.force(1000);
  w.write(bytes(1000));
  await tick();
  up.failAll(Object.assign(new Error('gone'), { hostGone: true }));
  await assert.rejects(w.end(), /gone/);
  assert.equal(budget.used, 0);
  assert.equal(up.openBodies, 0);
  // Writes after failure are dropped and released at once.
  budget.force(10);
  assert.equal(await w.write(bytes(10)), false);
  assert.equal(budget.used, 0);
});

test('body ids are unique and valid', () => {
  const up = new BodyUploader({ transport: {}, budget: new ByteBudget(1), idPrefix: 'c' + 'x'.repeat(80) });
  const a = up.nextBodyId(), b = up.nextBodyId();
  assert.notEqual(a, b);
  assert.match(a, /^[A-Za-z0-9._-]{1,64}$/);
});

test('a body handed over as base64 is forwarded undecoded: chunks decode one by one to the very bytes', async () => {
  for (const [size, maxChunk] of [[0, 1000], [1, 1000], [2, 1000], [3, 1000], [4321, 1000], [4321, 1001], [3000, 1000], [65537, 4096]]) {
    const host = new FakeHost({ maxChunkBytes: maxChunk });
    const budget = new ByteBudget(1 << 20);
    const up = new BodyUploader({ transport: host.transport, budget, maxChunkBytes: maxChunk });
    const data = bytes(size, size % 251);
    await budget.acquire(size);
    const result = await up.sendWholeBase64({ url: 'https://h/x.dcm', tabId: 1 }, Buffer.from(data).toString('base64'), size);
    assert.equal(result.type, 'body-end-result');
    const [stored] = host.done.values();
    assert.deepEqual(new Uint8Array(stored.data), data, `size ${size}, chunks of ${maxChunk}`);
    assert.equal(stored.begin.totalBytes, size);
    assert.equal(budget.used, 0, 'every byte released once posted');
    const chunks = host.log.filter((l) => l.type === 'body-chunk').length;
    assert.equal(chunks, Math.ceil(size / (Math.floor(maxChunk / 3) * 3)), `size ${size}: chunk count`);
  }
});

test('body-begin carries every response header it was given (a vendor viewer\'s X-ImageFrame included)', async () => {
  const host = new FakeHost();
  const up = new BodyUploader({ transport: host.transport, budget: new ByteBudget(1 << 20) });
  const frame = '{"rows":512,"columns":512,"bitsAllocated":16}';
  const data = bytes(64, 3);
  await up.sendWhole({ url: 'https://h/imageservice/api/image/dicom/S/I/0/0', status: 200, mimeType: 'application/octet-stream',
    headers: { 'content-type': 'application/octet-stream', 'x-imageframe': frame }, tabId: 1 }, data);
  const [stored] = host.done.values();
  assert.deepEqual(stored.begin.headers, { 'content-type': 'application/octet-stream', 'x-imageframe': frame });
});
