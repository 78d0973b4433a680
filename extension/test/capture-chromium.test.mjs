// The Chromium engine's bookkeeping against a scripted chrome.debugger: which command goes when, in which order
// events may come, and what reaches the uploader. (The real browser runs it in tests/e2e.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteBudget } from '../src/lib/flow.js';
import { part10, tick } from '../test-support/helpers.mjs';

/**
 * A scripted chrome.debugger: `answers[method](target, params)` answers a command (throw = protocol error). The engine
 * keeps the `chrome` it found at import: each test swaps the script and the call log, not the object.
 */
const script = { answers: {}, calls: [] };
globalThis.chrome = {
  runtime: { id: 'test', getURL: (p) => `chrome-extension://test/${p}` },
  debugger: {
    attach: async () => {},
    detach: async () => {},
    getTargets: async () => [],
    sendCommand: async (target, method, params) => {
      script.calls.push({ target, method, params });
      const answer = script.answers[method];
      return answer ? answer(target, params) : {};
    },
  },
};

function fakeChrome(answers = {}) {
  script.answers = answers;
  script.calls = [];
  return script.calls;
}

const { DebuggerCapture } = await import('../src/background/capture-chromium.js');
const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function makeEngine({ paused = false } = {}) {
  const sent = [];
  const missed = [];
  const uploader = {
    start(meta) {
      const body = { meta, chunks: [], ended: false, failed: null };
      sent.push(body);
      let done;
      const result = new Promise((resolve) => { done = resolve; });
      return { result, write(bytes) { body.chunks.push(Buffer.from(bytes)); }, end() { body.ended = true; done({}); return result; },
        fail(error) { body.failed = error; done({}); } };
    },
    async sendWhole(meta, bytes) { sent.push({ meta, chunks: [Buffer.from(bytes)], ended: true }); return {}; },
    async sendWholeBase64(meta, text) { sent.push({ meta, chunks: [Buffer.from(text, 'base64')], ended: true }); return {}; },
  };
  const ctx = { budget: new ByteBudget(1 << 30), uploader, isCaptured: () => true, isPaused: () => paused,
    onRendered() {}, onMissed: (tabId) => missed.push(tabId), onBody() {}, onDetached() {} };
  const engine = new DebuggerCapture(ctx, { quiet: { quietMs: 30, maxDelayMs: 200 } });
  const event = (method, params, sessionId) => engine.onEvent(sessionId ? { tabId: 1, sessionId } : { tabId: 1 }, method, params);
  return { engine, sent, missed, event };
}

function response(requestId, { type = 'application/dicom', length, url = `http://h/wado?n=${requestId}` } = {}) {
  const headers = { 'Content-Type': type };
  if (length !== undefined) headers['Content-Length'] = String(length);
  return { requestId, frameId: 'F', loaderId: 'L1', type: 'XHR', response: { url, status: 200, headers, mimeType: type } };
}

test('a finished body of the page is read once the page is quiet, and sent as served', async () => {
  const body = part10(20);
  const calls = fakeChrome({ 'Network.getResponseBody': () => ({ body: b64(body), base64Encoded: true }) });
  const { sent, event, engine } = makeEngine();
  event('Network.responseReceived', response('r1', { length: body.length }));
  event('Network.dataReceived', { requestId: 'r1', dataLength: body.length });
  event('Network.loadingFinished', { requestId: 'r1' });
  await tick();
  assert.equal(calls.filter((c) => c.method === 'Network.getResponseBody').length, 0, 'not read while the page is busy');
  assert.equal(engine.idle, false);
  await wait(60);
  assert.equal(calls.filter((c) => c.method === 'Network.getResponseBody').length, 1);
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].chunks[0], Buffer.from(body));
  assert.equal(sent[0].meta.url, 'http://h/wado?n=r1');
  assert.equal(engine.idle, true);
});

test('settle() reads what waits at once (a save does not wait for the page to rest)', async () => {
  const body = part10(4);
  fakeChrome({ 'Network.getResponseBody': () => ({ body: b64(body), base64Encoded: true }) });
  const { sent, event, engine } = makeEngine();
  event('Network.responseReceived', response('r1', { length: body.length }));
  event('Network.loadingFinished', { requestId: 'r1' });
  await engine.settle();
  assert.equal(sent.length, 1);
});

test('an unsized body is streamed: buffered data, early data and later data, in order', async () => {
  const parts = [Buffer.from('AAAA'), Buffer.from('BBBB'), Buffer.from('CCCC')];
  let answer;
  fakeChrome({ 'Network.streamResourceContent': () => new Promise((resolve) => { answer = resolve; }) });
  const { sent, event } = makeEngine();
  event('Network.responseReceived', response('r2'));
  // Data that comes while the stream is being asked for is kept and written after the buffered part.
  event('Network.dataReceived', { requestId: 'r2', dataLength: 4, data: b64(parts[1]) });
  answer({ bufferedData: b64(parts[0]) });
  await tick();
  event('Network.dataReceived', { requestId: 'r2', dataLength: 4, data: b64(parts[2]) });
  event('Network.loadingFinished', { requestId: 'r2' });
  await tick();
  assert.equal(sent.length, 1);
  assert.equal(Buffer.concat(sent[0].chunks).toString(), 'AAAABBBBCCCC');
  assert.equal(sent[0].ended, true);
});

test('a stream refused because the request already finished falls back to reading it whole', async () => {
  const body = part10(8);
  fakeChrome({
    'Network.streamResourceContent': async () => { throw new Error('Request with the provided ID has already finished loading'); },
    'Network.getResponseBody': () => ({ body: b64(body), base64Encoded: true }),
  });
  const { sent, event, engine } = makeEngine();
  event('Network.responseReceived', response('r3'));
  event('Network.loadingFinished', { requestId: 'r3' });
  await engine.settle();
  await tick();
  await engine.settle();
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].chunks[0], Buffer.from(body));
});

test('a tab closed before its bodies were read: the images are counted as missed', async () => {
  fakeChrome();
  const { event, engine, missed, sent } = makeEngine();
  event('Network.responseReceived', response('r4', { length: 10 }));
  event('Network.loadingFinished', { requestId: 'r4' });
  engine.onDetach({ tabId: 1 }, 'target_closed');
  await wait(60);
  assert.deepEqual(missed, [1]);
  assert.equal(sent.length, 0);
});

test('a new document reads what waits first', async () => {
  const body = part10(2);
  const calls = fakeChrome({ 'Network.getResponseBody': () => ({ body: b64(body), base64Encoded: true }) });
  const { event } = makeEngine();
  event('Network.responseReceived', response('r5', { length: body.length }));
  event('Network.loadingFinished', { requestId: 'r5' });
  event('Network.requestWillBeSent', { requestId: 'L2', loaderId: 'L2', frameId: 'F', type: 'Document', request: { url: 'http://h/next' } });
  await tick();
  assert.equal(calls.filter((c) => c.method === 'Network.getResponseBody').length, 1);
});

test('a worker runs only once the tab pauses requests; its requests have their responses paused, the page\'s not', async () => {
  const body = part10(6);
  const calls = fakeChrome({ 'Fetch.getResponseBody': () => ({ body: b64(body), base64Encoded: true }) });
  const { event, sent } = makeEngine();
  event('Target.attachedToTarget', { sessionId: 'W', targetInfo: { type: 'worker' } });
  await wait(5);
  const order = calls.map((c) => `${c.target.sessionId ?? 'tab'} ${c.method}`);
  assert.ok(order.indexOf('tab Fetch.enable') >= 0 && order.indexOf('tab Fetch.enable') < order.indexOf('W Runtime.runIfWaitingForDebugger'),
    `Fetch.enable before the worker runs: ${order}`);
  assert.ok(!order.includes('W Network.enable'), 'the worker session does not read bodies');

  event('Network.requestWillBeSent', { requestId: 'p1', frameId: 'F', type: 'XHR', request: { url: 'http://h/a' } });
  event('Fetch.requestPaused', { requestId: 'i1', networkId: 'p1', request: { url: 'http://h/a' }, resourceType: 'XHR' });
  event('Fetch.requestPaused', { requestId: 'i2', networkId: 'w1', request: { url: 'http://h/wado?n=w1' }, resourceType: 'XHR' });
  await tick();
  const continues = calls.filter((c) => c.method === 'Fetch.continueRequest');
  assert.deepEqual(continues.map((c) => [c.params.requestId, c.params.interceptResponse]), [['i1', false], ['i2', true]]);

  event('Fetch.requestPaused', { requestId: 'i2', networkId: 'w1', request: { url: 'http://h/wado?n=w1' }, resourceType: 'XHR',
    responseStatusCode: 200, responseHeaders: [{ name: 'Content-Type', value: 'application/dicom' }] });
  await wait(5);
  const last = calls.filter((c) => c.method.startsWith('Fetch.')).slice(-2).map((c) => c.method);
  assert.deepEqual(last, ['Fetch.getResponseBody', 'Fetch.continueRequest'], 'read, then let go');
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].chunks[0], Buffer.from(body));
});

test('with the helper away an image is counted as missed and nothing is read', async () => {
  const calls = fakeChrome();
  const { event, missed } = makeEngine({ paused: true });
  event('Network.responseReceived', response('r6', { length: 10 }));
  event('Network.loadingFinished', { requestId: 'r6' });
  await wait(60);
  assert.deepEqual(missed, [1]);
  assert.equal(calls.filter((c) => c.method === 'Network.getResponseBody').length, 0);
});
