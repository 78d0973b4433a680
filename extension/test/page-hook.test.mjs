// The hook Chromium capture puts into pages and workers, run from its serialized source in a fresh V8 context (as
// the browser evaluates it: nothing outside the function may be used) over a fake global: fetch, XMLHttpRequest,
// timers and the debugger binding. (The real browser runs it in tests/e2e.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { pageHookSource } from '../src/background/page-hook.js';

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const dicom = (n) => { const b = new Uint8Array(n); for (let i = 0; i < n; i += 1) b[i] = (i * 7 + 3) & 0xff; return b; };

/** A minimal XMLHttpRequest: the test sets what the server answered, then finishes it. */
class FakeXhr {
  constructor() { this.listeners = []; this.readyState = 0; this.responseType = ''; this.headers = {}; }
  addEventListener(type, f) { if (type === 'readystatechange') this.listeners.push(f); }
  open(method, url) { this.responseURL = url; this.readyState = 1; this.listeners.forEach((f) => f.call(this)); }
  getResponseHeader(name) { return this.headers[name.toLowerCase()] ?? null; }
  getAllResponseHeaders() { return Object.entries(this.headers).map(([k, v]) => `${k}: ${v}\r\n`).join(''); }
  finish({ status = 200, headers = {}, response, responseText }) {
    Object.assign(this, { status, headers, response, responseText, readyState: 4 });
    this.listeners.forEach((f) => f.call(this));
  }
}

/**
 * A global for the hook. `served[url]` = { body: Uint8Array|string, type, status } answers fetch(url).
 * Returns { g, messages (parsed binding calls), bodies() (whole bodies decoded, by url), fire(event) }.
 */
function makeGlobal({ served = {}, worker = false, binding = true, timing } = {}) {
  const messages = [];
  const listeners = {};
  class PageResponse extends Response {}
  const g = vm.createContext({
    Response: PageResponse, Blob, TextDecoder, TextEncoder, setTimeout, clearTimeout, btoa, JSON,
    XMLHttpRequest: FakeXhr,
    addEventListener: (type, f) => { (listeners[type] ??= []).push(f); },
    fetch: async (url) => {
      const s = served[url];
      if (!s) throw new TypeError('Failed to fetch');
      const r = new PageResponse(s.body, { status: s.status ?? 200, headers: { 'content-type': s.type ?? 'application/dicom', ...s.headers } });
      Object.defineProperty(r, 'url', { value: url });
      // A copy that is slower than the page's own reading (it never ends here): what is sent must not depend on it.
      if (s.slowCopy) r.clone = () => new Response(new ReadableStream({ pull() { return new Promise(() => {}); } }));
      return r;
    },
  });
  if (worker) g.close = () => { g.closed = true; };
  if (timing) Object.assign(g, { performance: timing.performance, PerformanceObserver: timing.PerformanceObserver });
  const bind = (payload) => messages.push(JSON.parse(payload));
  if (binding) g.cloudfilmCapture = bind;
  const bodies = () => {
    const out = {};
    const open = {};
    for (const m of messages.filter((x) => x.t === 'body')) {
      if (m.part === 0) open[m.id] = { url: m.url, parts: [] };
      open[m.id].parts.push(Buffer.from(m.data, 'base64'));
      if (m.part === m.parts - 1) out[open[m.id].url] = Buffer.concat(open[m.id].parts);
    }
    return out;
  };
  return { g, messages, bodies, bind, fire: (type) => (listeners[type] ?? []).forEach((f) => f({ type })) };
}

/**
 * Resource timing as a browser keeps it: `performance` (timeOrigin in epoch ms, now() on the document's clock set by
 * the test, the buffer) and PerformanceObserver (buffered entries first, then each one `add`ed as its answer ends).
 */
function fakeTiming({ timeOrigin = 1_000_000 } = {}) {
  const entries = [];
  const observers = [];
  const timing = { clock: 0 };
  timing.performance = { timeOrigin, now: () => timing.clock, getEntriesByType: (type) => (type === 'resource' ? [...entries] : []) };
  timing.PerformanceObserver = class {
    constructor(callback) { this.callback = callback; }
    observe({ buffered }) {
      observers.push(this);
      if (buffered && entries.length) { const list = [...entries]; setTimeout(() => this.callback({ getEntries: () => list })); }
    }
  };
  timing.add = (entry) => {
    const e = { initiatorType: 'fetch', contentType: 'application/dicom', responseStatus: 200, decodedBodySize: 100, ...entry };
    entries.push(e);
    for (const o of observers) setTimeout(() => o.callback({ getEntries: () => [e] }));
  };
  return timing;
}

function install(g, opts = {}) {
  vm.runInContext(pageHookSource({ binding: 'cloudfilmCapture', control: 'cloudfilmCaptureControl', quietMs: 30, ...opts }), g);
}

test('a page keeps fetched bodies until it has been quiet, then sends each one as served', async () => {
  const body = dicom(5000);
  const { g, messages, bodies } = makeGlobal({ served: { 'http://h/wado?a': { body } } });
  install(g);
  const r = await vm.runInContext('fetch("http://h/wado?a")', g);
  const seenByPage = new Uint8Array(await r.arrayBuffer());
  assert.deepEqual(seenByPage, body, 'the page gets its body untouched');
  await wait(5);
  assert.equal(messages.filter((m) => m.t === 'body').length, 0, 'nothing sent while the page may still be busy');
  assert.equal(messages[0]?.t, 'held', 'the extension is told this document holds bodies');
  await wait(60);
  assert.deepEqual(bodies()['http://h/wado?a'], Buffer.from(body));
  const first = messages.find((m) => m.t === 'body');
  assert.equal(first.status, 200);
  assert.deepEqual(first.headers, [['content-type', 'application/dicom']]);
  assert.equal(messages.at(-1).t, 'flushed');
});

test('page code, pages, failures and non-2xx answers are not copied', async () => {
  const { g, messages } = makeGlobal({ served: {
    'http://h/app.js': { body: 'x()', type: 'text/javascript' },
    'http://h/index.html': { body: '<p>', type: 'text/html; charset=utf-8' },
    'http://h/missing': { body: 'no', type: 'application/dicom', status: 404 },
  } });
  install(g);
  for (const url of ['http://h/app.js', 'http://h/index.html', 'http://h/missing']) {
    await (await vm.runInContext(`fetch(${JSON.stringify(url)})`, g)).text();
  }
  await assert.rejects(vm.runInContext('fetch("http://h/nowhere")', g));
  await wait(60);
  assert.deepEqual(messages, []);
});

test('a page being left sends what it holds at once (beforeunload), before its quiet moment', async () => {
  const { g, bodies, fire } = makeGlobal({ served: { 'http://h/wado?b': { body: dicom(100) } } });
  install(g);
  await (await vm.runInContext('fetch("http://h/wado?b")', g)).arrayBuffer();
  await wait(1);
  fire('beforeunload');
  assert.equal(bodies()['http://h/wado?b'].length, 100);
});

test('a worker sends each body before its own code has it, and an ending worker waits for the copies', async () => {
  const body = dicom(3000);
  const { g, messages, bodies } = makeGlobal({ worker: true, served: { 'http://h/f1': { body, slowCopy: true }, 'http://h/f2': { body: '{"a":1}', type: 'application/dicom+json', slowCopy: true } } });
  install(g, { worker: true });
  const got = await vm.runInContext('fetch("http://h/f1").then((r) => r.arrayBuffer())', g);
  assert.deepEqual(bodies()['http://h/f1'], Buffer.from(body), 'sent before arrayBuffer() resolved');
  new Uint8Array(got).fill(0); // the worker may do anything with its buffer now
  assert.deepEqual(bodies()['http://h/f1'], Buffer.from(body));
  const json = await vm.runInContext('fetch("http://h/f2").then((r) => r.json())', g);
  assert.deepEqual({ ...json }, { a: 1 }, 'json() still answers the worker');
  assert.equal(bodies()['http://h/f2'].toString(), '{"a":1}');
  assert.equal(messages.filter((m) => m.t === 'held').length, 0, 'a worker holds nothing back');

  // A body the worker reads as a stream: the copy is read alongside; close() waits for it.
  const { g: g2, bodies: bodies2 } = makeGlobal({ worker: true, served: { 'http://h/s': { body } } });
  install(g2, { worker: true });
  await vm.runInContext('fetch("http://h/s").then(async (r) => { const rd = r.body.getReader(); while (!(await rd.read()).done); close(); })', g2);
  await wait(20);
  assert.equal(g2.closed, true, 'the worker ended once the copy was sent');
  assert.deepEqual(bodies2()['http://h/s'], Buffer.from(body));
});

test('XMLHttpRequest: the body is copied when it is complete, before the page can give its buffer away', async () => {
  const body = dicom(1000);
  const { g, bodies, fire } = makeGlobal();
  install(g);
  const xhr = vm.runInContext('new XMLHttpRequest()', g);
  xhr.responseType = 'arraybuffer';
  xhr.open('GET', 'http://h/wado?x');
  const buffer = body.slice().buffer;
  xhr.finish({ headers: { 'content-type': 'application/dicom', 'content-length': '1000' }, response: buffer });
  new Uint8Array(buffer).fill(9); // the page transfers or overwrites it
  fire('beforeunload');
  assert.deepEqual(bodies()['http://h/wado?x'], Buffer.from(body));
});

test('XMLHttpRequest read as text with charset=x-user-defined gives back the exact bytes', async () => {
  const body = dicom(600);
  const { g, bodies, fire } = makeGlobal();
  install(g);
  const xhr = vm.runInContext('new XMLHttpRequest()', g);
  xhr.open('GET', 'http://h/raw.dcm');
  // What the browser makes of binary under x-user-defined: bytes >= 0x80 become U+F780..U+F7FF.
  const text = String.fromCharCode(...[...body].map((b) => (b < 0x80 ? b : 0xf700 + b)));
  xhr.finish({ headers: { 'content-type': 'text/plain; charset=x-user-defined' }, responseText: text });
  fire('beforeunload');
  assert.deepEqual(bodies()['http://h/raw.dcm'], Buffer.from(body));
});

test('a large body goes in parts that join to the whole', async () => {
  const body = dicom(20);
  const { g, messages, bodies, fire } = makeGlobal({ served: { 'http://h/big': { body } } });
  install(g, { partBytes: 6 });
  await (await vm.runInContext('fetch("http://h/big")', g)).arrayBuffer();
  await wait(1);
  fire('beforeunload');
  const parts = messages.filter((m) => m.t === 'body');
  assert.equal(parts.length, 4);
  assert.deepEqual(parts.map((m) => m.part), [0, 1, 2, 3]);
  assert.equal(parts[0].size, 20);
  assert.ok(parts.slice(0, -1).every((m) => !m.data.includes('=')), 'only the last part is padded');
  assert.deepEqual(bodies()['http://h/big'], Buffer.from(body));
});

test('a new document waits for its binding; once capture stops (binding gone) the hook keeps nothing', async () => {
  const { g, bodies, bind } = makeGlobal({ binding: false, served: { 'http://h/w1': { body: dicom(10) }, 'http://h/w2': { body: dicom(10) } } });
  install(g);
  await (await vm.runInContext('fetch("http://h/w1")', g)).arrayBuffer();
  await wait(60);
  assert.deepEqual(bodies(), {});
  g.cloudfilmCapture = bind; // the extension adds it after the document commits
  await wait(150);
  assert.equal(bodies()['http://h/w1'].length, 10);
  delete g.cloudfilmCapture; // capture stopped
  await (await vm.runInContext('fetch("http://h/w2")', g)).arrayBuffer();
  await wait(60);
  g.cloudfilmCapture = bind;
  await wait(150);
  assert.equal(bodies()['http://h/w2'], undefined, 'after the binding went, nothing was kept');
});

test('the extension can ask a page to send now, and to stop; the hook installs once per document', async () => {
  const { g, bodies } = makeGlobal({ served: { 'http://h/c1': { body: dicom(8) }, 'http://h/c2': { body: dicom(8) } } });
  install(g);
  install(g); // runImmediately and a new document can both run it
  await (await vm.runInContext('fetch("http://h/c1")', g)).arrayBuffer();
  await wait(1);
  assert.equal(vm.runInContext('cloudfilmCaptureControl("flush")', g), 0);
  assert.equal(bodies()['http://h/c1'].length, 8);
  const sent = Object.keys(bodies()).length;
  vm.runInContext('cloudfilmCaptureControl("stop")', g);
  await (await vm.runInContext('fetch("http://h/c2")', g)).arrayBuffer();
  await wait(60);
  assert.equal(Object.keys(bodies()).length, sent, 'nothing more after stop');
  assert.equal(Object.keys(bodies()).filter((u) => u === 'http://h/c1').length, 1);
});

test('a page that is never quiet still hands its bodies over within maxDelayMs', async () => {
  const { g, bodies } = makeGlobal({ served: { 'http://h/p1': { body: dicom(10) }, 'http://h/poll': { body: '{}', type: 'application/json' } } });
  install(g, { quietMs: 50, maxDelayMs: 120 });
  await (await vm.runInContext('fetch("http://h/p1")', g)).arrayBuffer();
  const until = Date.now() + 400;
  while (Date.now() < until && !bodies()['http://h/p1']) {
    await (await vm.runInContext('fetch("http://h/poll")', g)).text(); // every 10 ms: never 50 ms of quiet
    await wait(10);
  }
  assert.equal(bodies()['http://h/p1']?.length, 10);
});

// Issue 14: a vendor viewer's pixel answer is useless without its X-ImageFrame header (the geometry); eUnity's format,
// which CloudFilm cannot keep, is told and never copied.
const IMAGE_FRAME = '{"compressionFormat":1,"rows":256,"columns":256,"bitsAllocated":16,"imagePosition":[1.5,-2,3]}';

test('a fetched or XHR answer keeps its X-ImageFrame header, as the page could read it', async () => {
  const url = 'http://h/hinacom/imageservice/api/image/dicom/S/I/0/0?ck=1';
  const { g, messages } = makeGlobal({ served: { [url]: { body: dicom(512), type: 'application/octet-stream',
    headers: { 'X-ImageFrame': IMAGE_FRAME } } } });
  g.xhrs = [];
  g.XMLHttpRequest = class extends FakeXhr { constructor() { super(); g.xhrs.push(this); } };
  install(g);
  await (await vm.runInContext(`fetch(${JSON.stringify(url)})`, g)).arrayBuffer();
  vm.runInContext(`const x = new XMLHttpRequest(); x.responseType = 'arraybuffer'; x.open('GET', ${JSON.stringify(`${url}&xhr`)});`, g);
  g.xhrs[0].finish({ headers: { 'content-type': 'application/octet-stream', 'x-imageframe': IMAGE_FRAME },
    response: dicom(512).buffer });
  await wait(60);
  const firsts = messages.filter((m) => m.t === 'body' && m.part === 0);
  assert.deepEqual(firsts.map((m) => m.via).sort(), ['fetch', 'xhr']);
  for (const m of firsts) {
    assert.deepEqual(m.headers.find(([name]) => name.toLowerCase() === 'x-imageframe'), ['x-imageframe', IMAGE_FRAME], m.via);
  }
});

test('announceTypes: a body in a format CloudFilm cannot keep is told as seen, never copied; others are copied', async () => {
  const { g, messages, bodies } = makeGlobal({ served: {
    'http://h/e/CustomImageServlet?1': { body: 'CLOHEADERZ01 and more', type: 'application/clowrapper; v=1' },
    'http://h/e/CustomImageServlet?2': { body: 'CLOCLHAAR### and more', type: 'application/clopixel' },
    'http://h/wado?c': { body: dicom(300) },
  } });
  install(g, { announceTypes: ['application/clowrapper', 'application/clopixel'] });
  for (const url of ['http://h/e/CustomImageServlet?1', 'http://h/e/CustomImageServlet?2', 'http://h/wado?c']) {
    const text = await (await vm.runInContext(`fetch(${JSON.stringify(url)})`, g)).text();
    assert.ok(text.length > 0, 'the page still reads its answer');
  }
  await wait(60);
  assert.deepEqual(Object.keys(bodies()), ['http://h/wado?c']);
  const seen = messages.filter((m) => m.t === 'seen').flatMap((m) => m.list);
  assert.deepEqual(seen, [
    { url: 'http://h/e/CustomImageServlet?1', contentType: 'application/clowrapper', size: 0 },
    { url: 'http://h/e/CustomImageServlet?2', contentType: 'application/clopixel', size: 0 }]);
});

test('a page the tab went to while capture was being turned on: what it began to receive before the hook was in is told as unseen (issue 14)', async () => {
  // The document runs its first scripts before the hook (Page.addScriptToEvaluateOnNewDocument came after it
  // committed, and runImmediately runs the hook late): the Hinacom viewer's fetch() of its image set went by the
  // page's own fetch, and the answer was lost without a word.
  const timing = fakeTiming();
  const { g, messages, bodies } = makeGlobal({ timing, served: { 'http://h/wado?after': { body: dicom(40) } } });
  timing.add({ name: 'http://h/before-capture', startTime: 10 }); // before capture was asked for: not said
  timing.add({ name: 'http://h/ImageViewer/GetImageSet', startTime: 60, contentType: 'application/json', decodedBodySize: 900 });
  timing.add({ name: 'http://h/shown.png', initiatorType: 'img', startTime: 61, contentType: 'image/png', decodedBodySize: 5000 });
  timing.clock = 100; // the hook comes in now
  install(g, { since: 1_000_050 });
  timing.add({ name: 'http://h/wado?in-flight', initiatorType: 'xmlhttprequest', startTime: 90, contentType: '', responseStatus: 0 });
  timing.clock = 120;
  await (await vm.runInContext('fetch("http://h/wado?after")', g)).arrayBuffer();
  timing.add({ name: 'http://h/wado?after', startTime: 120 }); // the hook saw it: copied, not told
  await wait(80);
  assert.deepEqual(messages.filter((m) => m.t === 'unseen').flatMap((m) => m.list), [
    { url: 'http://h/ImageViewer/GetImageSet', contentType: 'application/json', status: 200, size: 900 },
    { url: 'http://h/wado?in-flight', contentType: '', status: 0, size: 100 }]);
  assert.deepEqual(Object.keys(bodies()), ['http://h/wado?after']);
  assert.deepEqual(messages.filter((m) => m.t === 'seen').flatMap((m) => m.list).map((e) => e.url), ['http://h/shown.png']);
});

test('a hook in its document from the start, or without \'since\', tells nothing unseen; a worker tells at once', async () => {
  const timing = fakeTiming();
  const { g, messages } = makeGlobal({ timing });
  install(g, { since: 1_000_000 });
  timing.clock = 50;
  timing.add({ name: 'http://h/wado?1', startTime: 20 });
  const old = makeGlobal({ timing: fakeTiming() });
  old.g.performance.timeOrigin = 5;
  install(old.g);
  await wait(80);
  assert.deepEqual(messages.filter((m) => m.t === 'unseen'), []);
  assert.deepEqual(old.messages.filter((m) => m.t === 'unseen'), []);

  const late = fakeTiming();
  const w = makeGlobal({ timing: late, worker: true });
  late.clock = 100;
  install(w.g, { worker: true, since: 1_000_000 });
  late.add({ name: 'http://h/wado?w', startTime: 30 });
  await wait(5);
  assert.deepEqual(w.messages.filter((m) => m.t === 'unseen').flatMap((m) => m.list).map((e) => e.url), ['http://h/wado?w']);
});

test('capture off, then on again in the same document: the hook copies again, and tells what passed in between', async () => {
  // runImmediately finds the hook of the first capture there, stopped: it used to stay stopped, and the document's
  // answers were lost without a word until the person left the page.
  const timing = fakeTiming();
  const { g, messages, bodies } = makeGlobal({ timing, served: { 'http://h/a': { body: dicom(8) }, 'http://h/b': { body: dicom(9) } } });
  install(g, { since: 1_000_000 });
  vm.runInContext('cloudfilmCaptureControl("stop")', g);
  timing.clock = 200;
  timing.add({ name: 'http://h/while-off', startTime: 150 }); // capture was off: not said
  timing.add({ name: 'http://h/after-asked', startTime: 260 });
  timing.clock = 300;
  install(g, { since: 1_000_250 });
  await (await vm.runInContext('fetch("http://h/b")', g)).arrayBuffer();
  await wait(80);
  assert.deepEqual(Object.keys(bodies()), ['http://h/b']);
  assert.deepEqual(messages.filter((m) => m.t === 'unseen').flatMap((m) => m.list).map((e) => e.url), ['http://h/after-asked']);
});
