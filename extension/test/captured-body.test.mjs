// The one capture pipeline (src/lib/captured-body.js): a response judged by its headers, whether its body is read,
// a body handed to the sink as the base64 it came in, and the captured-body messages (whole, in parts, 'seen') that
// the page hook and the DevTools panel send. The sink is a stand-in with capture-sink.js's members.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteBudget } from '../src/lib/flow.js';
import { CapturedBodies, checkBodyMessage, forwardBody, judgeResponse, wantsBody, MAX_OPEN_PART_BODIES } from '../src/lib/captured-body.js';
import { part10 } from '../test-support/helpers.mjs';

const b64 = (bytes) => Buffer.from(bytes).toString('base64');

function makeSink({ paused = false, filed = true } = {}) {
  const sink = { budget: new ByteBudget(1 << 30), bodies: [], renderedTabs: [], missedTabs: [] };
  return Object.assign(sink, {
    isPaused: () => paused,
    rendered: (tabId) => sink.renderedTabs.push(tabId),
    missed: (tabId) => sink.missedTabs.push(tabId),
    startBody(tabId, meta) {
      const body = { tabId, meta, chunks: [], ended: false, failed: null };
      sink.bodies.push(body);
      return {
        writeBase64(text, length) { body.chunks.push(Buffer.from(text, 'base64')); sink.budget.release(length); return Promise.resolve(true); },
        end() { body.ended = true; return filed ? Promise.resolve({ objects: [] }) : Promise.reject(new Error('disk-full')); },
        fail(error) { body.failed = error; },
      };
    },
  });
}

const message = (bytes, { id = '1', url = 'http://h/wado?n=1', type = 'application/dicom', parts = 1, size } = {}) => checkBodyMessage(
  { t: 'body', id, part: 0, parts, size: size ?? bytes.length, url, status: 200, headers: [['Content-Type', type]], data: b64(bytes) });

test('judgeResponse: the verdict, the announced size (none when content-encoded), the metadata for the host', () => {
  const headers = [{ name: 'Content-Type', value: 'application/dicom' }, { name: 'Content-Length', value: '1000' }];
  const judged = judgeResponse({ url: 'http://h/a.dcm', status: 200, headers, resourceType: 'XHR', tabId: 4, source: 'filter' });
  assert.equal(judged.verdict.verdict, 'candidate');
  assert.equal(judged.contentLength, 1000);
  assert.deepEqual(judged.meta, { url: 'http://h/a.dcm', status: 200, mimeType: 'application/dicom',
    headers: { 'content-type': 'application/dicom', 'content-length': '1000' }, tabId: 4, source: 'filter' });
  const gzipped = judgeResponse({ url: 'http://h/a.dcm', status: 200, headers: [...headers, { name: 'content-encoding', value: 'gzip' }] });
  assert.equal(gzipped.contentLength, undefined);
  assert.equal(judgeResponse({ url: 'http://h/x', status: 200, headers: [], mimeType: 'text/html' }).verdict.verdict, 'skip');
});

test('wantsBody: pictures noted, page code skipped, with the helper away images counted as missed', () => {
  const sink = makeSink();
  assert.equal(wantsBody(sink, 1, { verdict: 'rendered' }), false);
  assert.equal(wantsBody(sink, 1, { verdict: 'skip' }), false);
  assert.equal(wantsBody(sink, 1, { verdict: 'candidate', kind: 'part10' }), true);
  assert.deepEqual(sink.renderedTabs, [1]);
  const away = makeSink({ paused: true });
  assert.equal(wantsBody(away, 2, { verdict: 'candidate', kind: 'part10' }), false);
  assert.equal(wantsBody(away, 2, { verdict: 'candidate', kind: 'metadata' }), false);
  assert.deepEqual(away.missedTabs, [2], 'metadata is not an image');
});

test('forwardBody: the base64 as it came, counted in the budget; a sniffed body that is not DICOM is dropped', () => {
  const sink = makeSink();
  const meta = { url: 'u', tabId: 1, source: 'debugger' };
  assert.equal(forwardBody(sink, { meta, verdict: { verdict: 'sniff', kind: 'part10' } }, b64(Buffer.alloc(300, 1)), 300), null);
  const writer = forwardBody(sink, { meta, verdict: { verdict: 'sniff', kind: 'part10' } }, b64(part10(10)), 142);
  assert.ok(writer);
  assert.equal(sink.bodies.length, 1);
  assert.deepEqual(sink.bodies[0].meta, { ...meta, totalBytes: 142 });
  assert.deepEqual(sink.bodies[0].chunks[0], Buffer.from(part10(10)));
  assert.equal(sink.budget.peak, 142);
});

test('CapturedBodies: a whole body resolves once filed; parts stream in order; a gone sender fails its body', async () => {
  const sink = makeSink();
  const reads = { bodies: 0, parts: 0, bytes: 0, rejected: 0 };
  const bodies = new CapturedBodies(sink, { source: 'devtools', reads });
  assert.equal(await bodies.receive('panel', 5, message(part10(20))), true);
  assert.equal(sink.bodies[0].meta.source, 'devtools');
  assert.equal(sink.bodies[0].tabId, 5);
  assert.equal(sink.bodies[0].ended, true);

  const whole = part10(10);
  assert.equal(await bodies.receive('panel', 5, message(whole.slice(0, 60), { id: '2', parts: 3, size: whole.length })), true);
  assert.equal(await bodies.receive('panel', 5, checkBodyMessage({ t: 'body', id: '2', part: 1, parts: 3, data: b64(whole.slice(60, 120)) })), true);
  assert.equal(bodies.inParts.size, 1);
  assert.equal(await bodies.receive('panel', 5, checkBodyMessage({ t: 'body', id: '2', part: 2, parts: 3, data: b64(whole.slice(120)) })), true);
  assert.deepEqual(Buffer.concat(sink.bodies[1].chunks), Buffer.from(whole));
  assert.equal(sink.bodies[1].meta.totalBytes, whole.length);
  assert.equal(bodies.inParts.size, 0);
  assert.deepEqual(reads, { bodies: 2, parts: 1, bytes: 142 + 152, rejected: 0 });

  bodies.receive('panel', 5, message(whole.slice(0, 60), { id: '3', parts: 3, size: whole.length }));
  bodies.forget();
  assert.ok(sink.bodies[2].failed, 'the panel closed before the body was whole');
  assert.equal(bodies.inParts.size, 0);
});

test('CapturedBodies: at most MAX_OPEN_PART_BODIES bodies in parts; a body the helper refused resolves false', async () => {
  const sink = makeSink({ filed: false });
  const reads = { bodies: 0, parts: 0, bytes: 0, rejected: 0 };
  const bodies = new CapturedBodies(sink, { source: 'debugger', reads });
  for (let i = 0; i < MAX_OPEN_PART_BODIES + 3; i += 1) bodies.receive('ctx', 1, message(part10(4), { id: String(i), parts: 2, size: 1000 }));
  assert.equal(sink.bodies.length, MAX_OPEN_PART_BODIES);
  assert.equal(reads.rejected, 3);
  assert.equal(await bodies.receive('ctx', 1, message(part10(4), { id: 'w' })), false, 'no room needed for a whole body');
  assert.equal(sink.bodies.length, MAX_OPEN_PART_BODIES + 1);
});

test('CapturedBodies: "seen" pictures are counted as rendered; small ones and non-pictures are not', () => {
  const sink = makeSink();
  const bodies = new CapturedBodies(sink, { source: 'devtools' });
  bodies.receive('panel', 3, { t: 'seen', list: [{ url: 'http://h/a.jpg', contentType: 'image/jpeg', size: 50000 },
    { url: 'http://h/icon.png', contentType: 'image/png', size: 100 }, { url: 'http://h/x', contentType: 'text/html' }, null, { url: 1 }] });
  assert.deepEqual(sink.renderedTabs, [3]);
});

// Issue 14: vendor viewers. A Hinacom pixel answer keeps its X-ImageFrame header all the way to the helper's
// body-begin; eUnity's format is named on the tab, never sent.
const IMAGE_FRAME = JSON.stringify({ compressionFormat: 1, rows: 256, columns: 256, bitsAllocated: 16, bitsStored: 12,
  signed: false, samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2', intercept: 0, slope: 1,
  imagePosition: [-120.5, -130.25, 44], rowCosines: [1, 0, 0], columnCosines: [0, 1, 0], rowPixelSpacing: 0.9375,
  columnPixelSpacing: 0.9375, sliceThickness: 5, frameOfReferenceUID: `1.2.840.${'9'.repeat(50)}`, modality: 'MR' });
const HINACOM_PIXELS = 'https://h.example/hinacom/imageservice/api/image/dicom/S1/I1/0/2?storageNodes=n&ck=1';

function withUnsupported(sink) {
  sink.unsupportedSeen = [];
  sink.unsupported = (tabId, vendor) => sink.unsupportedSeen.push([tabId, vendor]);
  return sink;
}

test('a vendor header survives a page that sends hundreds of headers before it, and reaches the host metadata', () => {
  const junk = Array.from({ length: 300 }, (_, i) => [`x-junk-${i}`, 'v']);
  const m = checkBodyMessage({ t: 'body', id: '1', part: 0, parts: 1, size: 3, url: HINACOM_PIXELS, status: 200,
    headers: [['Content-Type', 'application/octet-stream'], ...junk, ['X-ImageFrame', IMAGE_FRAME]], data: b64([1, 2, 3]) });
  assert.equal(m.headers.length, 200, 'still bounded');
  assert.deepEqual(m.headers.at(-1), { name: 'X-ImageFrame', value: IMAGE_FRAME });
  const { verdict, meta } = judgeResponse({ url: m.url, status: 200, headers: m.headers, tabId: 1, source: 'debugger' });
  assert.equal(verdict.kind, 'vendor-pixels');
  assert.equal(meta.headers['x-imageframe'], IMAGE_FRAME, 'body-begin headers carry it, name in lower case');
  // A page repeating the vendor header without end does not get past the bound either.
  const flood = checkBodyMessage({ t: 'body', id: '2', part: 0, parts: 1, size: 3, url: HINACOM_PIXELS, status: 200,
    headers: Array.from({ length: 1000 }, () => ['x-imageframe', '{}']), data: b64([1, 2, 3]) });
  assert.ok(flood.headers.length <= 200);
});

test('a small Hinacom preview answer is sent as it is (not sniffed away), with its header; counted missed when away', async () => {
  const sink = withUnsupported(makeSink());
  const bodies = new CapturedBodies(sink, { source: 'debugger' });
  const preview = new Uint8Array(64 * 64 * 2).fill(7); // level 2 of a 256 x 256 image: no DICM anywhere
  const m = checkBodyMessage({ t: 'body', id: '1', part: 0, parts: 1, size: preview.length, url: HINACOM_PIXELS, status: 200,
    headers: [['content-type', 'application/octet-stream'], ['x-imageframe', IMAGE_FRAME]], data: b64(preview) });
  assert.equal(await bodies.receive('ctx', 3, m), true);
  assert.equal(sink.bodies.length, 1);
  assert.equal(sink.bodies[0].meta.headers['x-imageframe'], IMAGE_FRAME);
  assert.deepEqual(Buffer.concat(sink.bodies[0].chunks), Buffer.from(preview));

  const away = withUnsupported(makeSink({ paused: true }));
  assert.equal(wantsBody(away, 4, { verdict: 'candidate', kind: 'vendor-pixels', vendor: 'hinacom' }), false);
  assert.equal(wantsBody(away, 4, { verdict: 'candidate', kind: 'vendor-json', vendor: 'hinacom' }), false);
  assert.deepEqual(away.missedTabs, [4], 'pixels are an image, an image set is not');
});

test('eUnity: a body in its format is never sent; the tab notes the vendor, helper there or not', async () => {
  for (const paused of [false, true]) {
    const sink = withUnsupported(makeSink({ paused }));
    assert.equal(wantsBody(sink, 5, { verdict: 'unsupported', kind: 'unsupported', vendor: 'eunity' }), false);
    const bodies = new CapturedBodies(sink, { source: 'debugger' });
    const m = checkBodyMessage({ t: 'body', id: '1', part: 0, parts: 1, size: 16, url: 'https://h/e/CustomImageServlet',
      status: 200, headers: [['content-type', 'application/clowrapper']], data: b64(Buffer.from('CLOHEADERZ01....')) });
    assert.equal(await bodies.receive('ctx', 5, m), undefined);
    // Announced instead of copied (the page hook, the DevTools page): the same note.
    bodies.receive('ctx', 5, { t: 'seen', list: [{ url: 'https://h/e/CustomImageServlet', contentType: 'application/clopixel', size: 0 }] });
    assert.equal(sink.bodies.length, 0);
    assert.deepEqual(sink.unsupportedSeen, [[5, 'eunity'], [5, 'eunity'], [5, 'eunity']]);
    assert.deepEqual(sink.missedTabs, [], 'nothing CloudFilm could keep was missed');
  }
});
