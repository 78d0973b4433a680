// Firefox: a dedicated worker's WebSocket messages. The background puts the socket relay in front of each worker
// script of a captured tab (capture-firefox.js, socket-relay.js workerScriptPrefix); the relay in the worker reaches
// the document's relay through a hello answered with a private port. Run here from the serialized sources in fresh V8
// contexts: a document with both content scripts and a fake background, and workers whose scripts run in contexts of
// their own, messages crossing asynchronously as between threads. The real browsers: tests/e2e socket-zip.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { installSocketTap } from '../src/background/page-hook.js';
import { startsStrict, workerScriptPrefix } from '../src/content/socket-relay.js';
import { checkBodyMessage } from '../src/lib/captured-body.js';
import { FAKE_WEBSOCKET, FakeChannel, firefoxDocument, joinBodies, socketImage, wait } from '../test-support/socket-fakes.mjs';

const messageEvent = (data, ports = []) => {
  const event = new Event('message');
  Object.defineProperty(event, 'data', { value: data });
  Object.defineProperty(event, 'ports', { value: Object.freeze([...ports]) });
  return event;
};

const WORKER_SCOPE = Object.defineProperty(function DedicatedWorkerGlobalScope() {}, Symbol.hasInstance, { value: () => true });

/**
 * A `Worker` class for a fake page: `new Worker(url)` runs `scripts[url]` in a worker context of its own, with the relay
 * in front when `prefixed` (what the background does for a captured tab), and FileReaderSync for the Blobs made by
 * `blobOf`. Each worker is kept in `workers` ({ url, g (its global), seen (what its own code received) }).
 */
function workerClass({ scripts, prefixed = true, options = {}, strict = false, workers = [] }) {
  class Worker extends EventTarget {
    constructor(url) {
      super();
      const inside = new EventTarget();
      const g = vm.createContext({ Blob, TextEncoder, TextDecoder, URL, setTimeout, clearTimeout, btoa, JSON, Date,
        MessageChannel: FakeChannel, DedicatedWorkerGlobalScope: WORKER_SCOPE, FileReaderSync,
        addEventListener: inside.addEventListener.bind(inside),
        postMessage: (data, transfer = []) => {
          if (this.ended) return;
          this.posted.push(data);
          // What a worker posted before it closed itself still arrives; nothing does once its page ended it.
          setTimeout(() => { if (this.ended !== 'terminated') this.dispatchEvent(messageEvent(data, transfer)); });
        },
        close: () => { this.ended = 'closed'; } });
      this.posted = []; // everything the worker's global posted to its parent
      this.ended = false;
      g.Worker = Worker; // a worker may start workers of its own
      this.inside = inside;
      workers.push({ url, g, worker: this });
      vm.runInContext(FAKE_WEBSOCKET, g);
      vm.runInContext(`${prefixed ? workerScriptPrefix(installSocketTap, options, { strict }) : ''}${scripts[url]}`, g);
    }
    postMessage(data, transfer = []) { setTimeout(() => { if (!this.ended) this.inside.dispatchEvent(messageEvent(data, transfer)); }); }
    terminate() { this.ended = 'terminated'; }
  }
  return Worker;
}

// Blobs the fake FileReaderSync can read at once (a real one reads any Blob synchronously, in workers only).
const blobBytes = new WeakMap();
const blobOf = (bytes) => { const blob = new Blob([bytes]); blobBytes.set(blob, bytes.slice()); return blob; };
class FileReaderSync { readAsArrayBuffer(blob) { return blobBytes.get(blob).slice().buffer; } }

/** The worker's own code: records what it receives; a message 'open' opens a socket (globalThis.ws). */
const WORKER_SCRIPT = `globalThis.seen = [];
addEventListener('message', (e) => { seen.push(e.data); if (e.data === 'open') globalThis.ws = new WebSocket('wss://h/worker'); });`;

/** A document with both content scripts, whose page starts a worker (`worker.js`) and listens to it. */
function documentWithWorker({ scripts = { 'worker.js': WORKER_SCRIPT }, capture = true, prefixed = true, options = {} } = {}) {
  const workers = [];
  const doc = firefoxDocument({ capture, options, globals: { Worker: workerClass({ scripts, prefixed, options, workers }) } });
  vm.runInContext(`globalThis.fromWorker = []; globalThis.w = new Worker('worker.js');
    w.addEventListener('message', (e) => fromWorker.push(e.data)); w.postMessage('open');`, doc.page);
  const bodies = () => joinBodies(doc.sent.map((m) => checkBodyMessage(m.message)).filter(Boolean));
  return { ...doc, workers, bodies };
}

test('a worker\'s socket: its messages, ArrayBuffer and Blob, reach the background through the document\'s relay', async () => {
  const { page, workers, sent, bodies } = documentWithWorker();
  await wait(10);
  const { g } = workers[0];
  g.ws.receive('451-["image"]');
  const buffer = socketImage(300, 2).buffer;
  g.ws.receive(buffer); // the first binary message: the worker asks its page, then capture is found on
  g.ws.receive(blobOf(socketImage(250, 3)));
  await wait(60);
  g.ws.receive(socketImage(200, 4).buffer); // capture known to be on: sent at once
  await wait(30);
  const got = bodies();
  assert.deepEqual(Object.keys(got).sort(), ['1/2', '1/3', '1/4']);
  assert.deepEqual(got['1/2'], Buffer.from(socketImage(300, 2)));
  assert.deepEqual(got['1/3'], Buffer.from(socketImage(250, 3)));
  assert.deepEqual(got['1/4'], Buffer.from(socketImage(200, 4)));
  assert.equal(got['1/2'].first.url, 'wss://h/worker');
  assert.equal(got['1/2'].first.via, 'websocket');
  assert.match(got['1/2'].first.id, /^w1\.s\d+$/, 'a worker\'s ids cannot meet the document\'s');
  assert.ok(sent.every((m) => m.message.t === 'body'));
  // Neither the page's code nor the worker's saw anything of ours.
  assert.equal(vm.runInContext('JSON.stringify(fromWorker)', page), '[]');
  assert.equal(JSON.stringify(g.seen), '["open"]');
});

test('a page that ends its worker as soon as the images are in: the copies the worker held still come, then it ends', async () => {
  const { page, workers, bodies } = documentWithWorker();
  vm.runInContext("w.addEventListener('message', (e) => { if (e.data === 'done') { w.terminate(); globalThis.afterEnd = fromWorker.length; } });", page);
  await wait(10);
  const { g, worker } = workers[0];
  g.ws.receive(socketImage(300, 8).buffer); // held: the worker has just asked whether capture is on
  vm.runInContext("postMessage('done'); setTimeout(() => postMessage('later'), 5);", g); // the page ends it on 'done'
  await new Promise((resolve) => setTimeout(resolve, 1));
  assert.equal(vm.runInContext('globalThis.afterEnd', page), 1, 'the page got its \'done\' and ended the worker');
  assert.equal(worker.ended, false, 'it lives on until its copies are sent');
  await wait(60);
  assert.equal(worker.ended, 'terminated');
  assert.deepEqual(bodies()['1/1'], Buffer.from(socketImage(300, 8)));
  assert.equal(vm.runInContext('fromWorker.length - afterEnd', page), 0, 'the page heard nothing after it ended the worker');
  // Once settled, ending a worker is immediate.
  const second = documentWithWorker();
  await wait(10);
  second.workers[0].g.ws.receive(socketImage(300).buffer);
  await wait(60);
  vm.runInContext('w.terminate()', second.page);
  assert.equal(second.workers[0].worker.ended, 'terminated');
});

test('a worker that closes itself while its copies wait: it closes once they are sent', async () => {
  const { workers, bodies } = documentWithWorker();
  await wait(10);
  const { g, worker } = workers[0];
  g.ws.receive(socketImage(280, 9).buffer);
  vm.runInContext('close()', g);
  assert.equal(worker.ended, false);
  await wait(60);
  assert.equal(worker.ended, 'closed');
  assert.deepEqual(bodies()['1/1'], Buffer.from(socketImage(280, 9)));
});

test('a worker and its document share one relay: both sockets\' messages arrive, with ids of their own', async () => {
  const { page, workers, sent } = documentWithWorker();
  await wait(10);
  const pageSocket = vm.runInContext('new WebSocket("wss://h/page")', page);
  pageSocket.receive(socketImage(220, 5).buffer);
  workers[0].g.ws.receive(socketImage(230, 6).buffer);
  await wait(60);
  // Both are the first message of their context's first socket: told apart by url and id.
  const firsts = sent.map((m) => checkBodyMessage(m.message)).filter((m) => m?.part === 0);
  assert.deepEqual(firsts.map((m) => m.url).sort(), ['wss://h/page', 'wss://h/worker']);
  assert.notEqual(firsts[0].id, firsts[1].id);
  const bytesOf = (url) => Buffer.from(firsts.find((m) => m.url === url).data, 'base64');
  assert.deepEqual(bytesOf('wss://h/page'), Buffer.from(socketImage(220, 5)));
  assert.deepEqual(bytesOf('wss://h/worker'), Buffer.from(socketImage(230, 6)));
});

test('capture off for the tab: the worker is told, and its copies never leave it', async () => {
  const posted = [];
  class CountingChannel extends FakeChannel {
    constructor() {
      super();
      for (const port of [this.port1, this.port2]) {
        const post = port.postMessage;
        port.postMessage = (data) => { posted.push(data); post(data); };
      }
    }
  }
  const workers = [];
  const doc = firefoxDocument({ capture: false,
    globals: { MessageChannel: CountingChannel, Worker: workerClass({ scripts: { 'worker.js': WORKER_SCRIPT }, workers }) } });
  vm.runInContext("globalThis.w = new Worker('worker.js'); w.postMessage('open');", doc.page);
  await wait(10);
  workers[0].g.ws.receive(socketImage(300).buffer);
  await wait(40);
  assert.ok(posted.includes('off'), 'the worker was told');
  workers[0].g.ws.receive(socketImage(300, 2).buffer);
  await wait(40);
  assert.deepEqual(posted.filter((d) => typeof d === 'string' && d.includes('"t":"body"')), [], 'no copy crossed a port');
  assert.equal(JSON.stringify(workers[0].worker.posted), '[{"cloudfilmSocketWorker":"hello"},{"cloudfilmSocketWorker":"settled"}]',
    'nor left the worker');
  assert.equal(doc.sent.length, 0);
});

test('a worker started by a worker: its socket\'s messages go up through both relays', async () => {
  const scripts = {
    'worker.js': `addEventListener('message', (e) => { if (e.data === 'open') { globalThis.child = new Worker('child.js'); child.postMessage('open'); } });`,
    'child.js': WORKER_SCRIPT,
  };
  const { workers, bodies, page } = documentWithWorker({ scripts });
  await wait(20);
  const child = workers.find((w) => w.url === 'child.js');
  child.g.ws.receive(socketImage(260, 7).buffer);
  await wait(80);
  const got = Object.values(bodies());
  assert.equal(got.length, 1);
  assert.deepEqual(got[0], Buffer.from(socketImage(260, 7)));
  assert.match(got[0].first.id, /^w1\.w1\.s\d+$/);
  assert.equal(vm.runInContext('JSON.stringify(fromWorker)', page), '[]');
});

test('a module worker\'s scripts all carry the prefix: the relay installs once, a message is copied once', async () => {
  const scripts = { 'worker.js': `${workerScriptPrefix(installSocketTap)}${WORKER_SCRIPT}` }; // plus the one in front
  const { workers, sent } = documentWithWorker({ scripts });
  await wait(10);
  workers[0].g.ws.receive(socketImage(240).buffer);
  await wait(60);
  assert.equal(sent.filter((m) => m.message.t === 'body').length, 1);
});

test('a worker floods its socket: the same bounds as a page\'s, the rest counted as missed', async () => {
  const { workers, sent, bodies } = documentWithWorker({ options: { socketBytesPerSecond: 20000, socketBurstBytes: 20000 } });
  await wait(10);
  for (let i = 0; i < 100; i += 1) workers[0].g.ws.receive(socketImage(999, i).buffer);
  await wait(100);
  assert.equal(Object.keys(bodies()).length, 20, 'the burst passes, nothing more');
  const missed = sent.filter((m) => m.message.t === 'missed').reduce((n, m) => n + m.message.n, 0);
  assert.equal(missed, 80);
});

test('a worker whose parent has no relay says nothing until its socket has a message', async () => {
  const workers = [];
  const Worker = workerClass({ scripts: { 'worker.js': WORKER_SCRIPT }, workers });
  const received = [];
  const w = new Worker('worker.js');
  w.addEventListener('message', (e) => received.push(e.data));
  w.postMessage('open');
  await wait(20);
  assert.deepEqual(received, [], 'a worker with no socket message is as it was');
  assert.equal(JSON.stringify(workers[0].g.seen), '["open"]');
  // Its copies wait, bounded (maxEarlyBytes), for an answer that does not come.
  workers[0].g.ws.receive(socketImage(200).buffer);
  await wait(20);
  assert.equal(JSON.stringify(received), '[{"cloudfilmSocketWorker":"hello"}]');
});

test('the page\'s own worker messages pass untouched, even ones that look like ours but are not a hello', async () => {
  const scripts = { 'worker.js': `addEventListener('message', () => { postMessage({ cloudfilmSocketWorker: 'port' }); postMessage(null); postMessage('x'); });` };
  const { page } = documentWithWorker({ scripts });
  await wait(30);
  assert.equal(vm.runInContext('JSON.stringify(fromWorker)', page), '[{"cloudfilmSocketWorker":"port"},null,"x"]');
  assert.equal(vm.runInContext('w instanceof Worker', page), true);
});

test('the prefix keeps a strict script strict, and is itself strict-safe and declares nothing', () => {
  const script = `'use strict';\nglobalThis.strictHere = (function () { return this === undefined; })();`;
  for (const strict of [true, false]) {
    const g = vm.createContext({ MessageChannel: FakeChannel, DedicatedWorkerGlobalScope: WORKER_SCOPE, postMessage() {}, addEventListener() {} });
    vm.runInContext(FAKE_WEBSOCKET, g);
    const before = Object.keys(g).sort();
    vm.runInContext(`${workerScriptPrefix(installSocketTap, {}, { strict })}${script}`, g);
    assert.equal(g.strictHere, strict, strict ? 'strict with the prefix\'s own directive' : 'without it the directive would be lost');
    assert.deepEqual(Object.keys(g).filter((k) => !before.includes(k)), ['strictHere'], 'the prefix adds no global of its own');
  }
});

test('startsStrict reads a directive prologue as JavaScript does', () => {
  const yes = ["'use strict';x", '"use strict"\nx', "/* c */ // d\n  'use asm'; \"use strict\";", "\uFEFF'use strict'", "'a'\n'use strict'", "'use strict'"];
  const no = ["x = 1; 'use strict'", "'use strict' + 1", "'use strict'.length", "('use strict')", "'use\\x20strict'", '', 'import a from "b"', "'use strict", 'function f() { "use strict" }'];
  for (const text of yes) assert.equal(startsStrict(text), true, text);
  for (const text of no) assert.equal(startsStrict(text), false, text);
});

// ---------------------------------------------------------------- the background: which scripts get the prefix

/** A StreamFilter as Firefox gives it: the test feeds `ondata`/`onstop`, and reads what was written. */
function fakeFilter() {
  const written = [];
  return { written, closed: false, write(data) { written.push(Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data)); },
    close() { this.closed = true; }, output() { return Buffer.concat(written); } };
}
const filters = [];
globalThis.browser = { runtime: { getURL: (p) => `moz-extension://test/${p}` },
  webRequest: { filterResponseData: (requestId) => { const f = fakeFilter(); f.requestId = requestId; filters.push(f); return f; } } };
const { FilterCapture, isWorkerScriptRequest } = await import('../src/background/capture-firefox.js');

const headers = (dest) => [{ name: 'Accept', value: '*/*' }, ...(dest ? [{ name: 'Sec-Fetch-Dest', value: dest }] : [])];
const request = (requestId, { tabId = 1, dest = 'worker', type = 'script' } = {}) => ({ requestId, tabId, type, url: `https://h/${requestId}.js`, requestHeaders: headers(dest) });
const answer = (requestId, statusCode = 200, { tabId = 1 } = {}) => ({ requestId, tabId, type: 'script', url: `https://h/${requestId}.js`, statusCode,
  responseHeaders: [{ name: 'Content-Type', value: 'text/javascript' }] });
const engine = () => new FilterCapture({ isCaptured: (tabId) => tabId === 1, isPaused: () => false, budget: null });

test('a worker\'s script is told by Sec-Fetch-Dest: worker (webRequest calls every script "script")', () => {
  assert.equal(isWorkerScriptRequest(request('a')), true);
  assert.equal(isWorkerScriptRequest({ ...request('a'), requestHeaders: [{ name: 'sec-fetch-dest', value: 'WORKER' }] }), true);
  assert.equal(isWorkerScriptRequest(request('a', { dest: 'script' })), false, 'a page\'s script');
  assert.equal(isWorkerScriptRequest(request('a', { dest: 'sharedworker' })), false);
  assert.equal(isWorkerScriptRequest(request('a', { dest: null })), false, 'no Fetch Metadata (a plain http site)');
  assert.equal(isWorkerScriptRequest(request('a', { type: 'xmlhttprequest' })), false);
  assert.equal(isWorkerScriptRequest({ type: 'script', requestHeaders: [null, { name: 3 }] }), false);
});

test('a captured tab\'s worker script gets the relay in front, the script\'s bytes after it unchanged', () => {
  filters.length = 0;
  const e = engine();
  const script = Buffer.from(`'use strict';\nglobalThis.ran = (function () { return this === undefined; })();\n// ${'padding '.repeat(300)}\n`);
  e.onBeforeSendHeaders(request('w1'));
  e.onHeadersReceived(answer('w1'));
  assert.equal(filters.length, 1);
  const [f] = filters;
  for (let i = 0; i < script.length; i += 500) f.ondata({ data: new Uint8Array(script.subarray(i, i + 500)).buffer });
  f.onstop();
  assert.equal(f.closed, true);
  const out = f.output();
  const prefix = Buffer.from(workerScriptPrefix(installSocketTap, {}, { strict: true }));
  assert.deepEqual(out.subarray(0, prefix.length), prefix, 'the strict prefix: the script began with \'use strict\'');
  assert.deepEqual(out.subarray(prefix.length), script, 'then the script, byte for byte');
  // It runs as a worker's script: the relay installed, the script's own code strict as it was.
  const g = vm.createContext({ MessageChannel: FakeChannel, DedicatedWorkerGlobalScope: WORKER_SCOPE, postMessage() {}, addEventListener() {} });
  vm.runInContext(FAKE_WEBSOCKET, g);
  vm.runInContext(out.toString(), g);
  assert.equal(g.ran, true);
  assert.equal(vm.runInContext('WebSocket.cloudfilmTapped', g), true);

  // A short script ends before 1 KiB: the prefix goes at its end of stream; an empty one gets the prefix alone.
  e.onBeforeSendHeaders(request('w2'));
  e.onHeadersReceived(answer('w2'));
  filters[1].ondata({ data: new TextEncoder().encode('self.x = 1;').buffer });
  filters[1].onstop();
  assert.equal(filters[1].output().toString(), `${workerScriptPrefix(installSocketTap)}self.x = 1;`);
});

test('only a captured tab\'s worker scripts, once their answer is a script: not pages\' scripts, errors or other tabs', () => {
  filters.length = 0;
  const e = engine();
  e.onBeforeSendHeaders(request('page', { dest: 'script' }));
  e.onHeadersReceived(answer('page'));
  e.onBeforeSendHeaders(request('other', { tabId: 2 }));
  e.onHeadersReceived(answer('other', 200, { tabId: 2 }));
  e.onBeforeSendHeaders(request('missing'));
  e.onHeadersReceived(answer('missing', 404));
  assert.equal(filters.length, 0);
  // A redirect: the script is prefixed where it finally comes from.
  e.onBeforeSendHeaders(request('moved'));
  e.onHeadersReceived(answer('moved', 302));
  assert.equal(filters.length, 0);
  e.onHeadersReceived(answer('moved', 200));
  assert.equal(filters.length, 1);
  // Requests that never got an answer are not remembered without bound.
  for (let i = 0; i < 1000; i += 1) e.onBeforeSendHeaders(request(`lost${i}`));
  assert.ok(e.workerScripts.size <= 256);
});
