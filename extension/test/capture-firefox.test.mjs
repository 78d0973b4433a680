// Firefox's engine (src/background/capture-firefox.js) with vendor viewers (issue 14): what webRequest gives it (every
// response header) reaches the helper's body-begin, X-ImageFrame included; eUnity's format is named, never filtered.
import test from 'node:test';
import assert from 'node:assert/strict';
import { ByteBudget } from '../src/lib/flow.js';

const filters = [];
globalThis.browser = { runtime: { getURL: (p) => `moz-extension://test/${p}` },
  webRequest: { filterResponseData: (requestId) => {
    const f = { requestId, written: [], closed: false, write(data) { this.written.push(data); }, close() { this.closed = true; },
      disconnect() { this.disconnected = true; } };
    filters.push(f);
    return f;
  } } };
const { FilterCapture } = await import('../src/background/capture-firefox.js');

function makeSink() {
  const sink = { budget: new ByteBudget(1 << 30), bodies: [], unsupportedSeen: [], renderedTabs: [], missedTabs: [] };
  return Object.assign(sink, {
    isCaptured: (tabId) => tabId === 1,
    isPaused: () => false,
    rendered: (tabId) => sink.renderedTabs.push(tabId),
    unsupported: (tabId, vendor) => sink.unsupportedSeen.push([tabId, vendor]),
    missed: (tabId) => sink.missedTabs.push(tabId),
    startBody(tabId, meta) {
      const body = { tabId, meta, bytes: [], ended: false };
      sink.bodies.push(body);
      return { write(bytes) { body.bytes.push(Buffer.from(bytes)); sink.budget.release(bytes.length); }, end() { body.ended = true; }, fail() {} };
    },
  });
}

const IMAGE_FRAME = '{"compressionFormat":1,"rows":4,"columns":4,"bitsAllocated":16,"imagePosition":[0,0,1]}';

test('a Hinacom pixel answer is read whatever its label, with its X-ImageFrame header for the helper', () => {
  filters.length = 0;
  const sink = makeSink();
  const engine = new FilterCapture(sink);
  const pixels = new Uint8Array(4 * 4 * 2).fill(3);
  engine.onHeadersReceived({ requestId: 'r1', tabId: 1, type: 'xmlhttprequest', statusCode: 200,
    url: 'https://h.example/hinacom/imageservice/api/image/dicom/S/I/0/0?storageNodes=&ck=1',
    responseHeaders: [{ name: 'Content-Type', value: 'application/octet-stream' }, { name: 'Content-Length', value: '32' },
      { name: 'X-ImageFrame', value: IMAGE_FRAME }] });
  assert.equal(filters.length, 1);
  filters[0].ondata({ data: pixels.buffer });
  filters[0].onstop();
  assert.equal(sink.bodies.length, 1);
  const [body] = sink.bodies;
  assert.equal(body.meta.headers['x-imageframe'], IMAGE_FRAME);
  assert.equal(body.meta.totalBytes, 32);
  assert.deepEqual(Buffer.concat(body.bytes), Buffer.from(pixels), 'not sniffed away: no DICM in raw pixels');
  assert.equal(body.ended, true);
  assert.equal(filters[0].written.length, 1, 'the page gets its bytes');
});

test('an image set is read; an eUnity answer is never filtered, its vendor noted; other tabs are left alone', () => {
  filters.length = 0;
  const sink = makeSink();
  const engine = new FilterCapture(sink);
  engine.onHeadersReceived({ requestId: 'j', tabId: 1, type: 'xmlhttprequest', statusCode: 200,
    url: 'https://h.example/ImageViewer/GetImageSet?studyId=S', responseHeaders: [{ name: 'content-type', value: 'application/json; charset=utf-8' }] });
  engine.onHeadersReceived({ requestId: 'e', tabId: 1, type: 'xmlhttprequest', statusCode: 200,
    url: 'https://h.example/e/CustomImageServlet', responseHeaders: [{ name: 'Content-Type', value: 'application/clowrapper' }] });
  engine.onHeadersReceived({ requestId: 'o', tabId: 2, type: 'xmlhttprequest', statusCode: 200,
    url: 'https://h.example/e/CustomImageServlet', responseHeaders: [{ name: 'Content-Type', value: 'application/clopixel' }] });
  assert.deepEqual(filters.map((f) => f.requestId), ['j']);
  assert.deepEqual(sink.bodies.map((b) => b.meta.url), ['https://h.example/ImageViewer/GetImageSet?studyId=S']);
  assert.deepEqual(sink.unsupportedSeen, [[1, 'eunity']]);
});
