import test from 'node:test';
import assert from 'node:assert/strict';
import { classifyResponse, sniffBytes, mediaType, multipartType, urlHintsDicom, headerValue, normalizeHeaders }
  from '../src/lib/candidate.js';
import { part10 } from '../test-support/helpers.mjs';

const v = (r) => classifyResponse({ url: 'https://pacs.example/x', status: 200, ...r }).verdict;
const k = (r) => classifyResponse({ url: 'https://pacs.example/x', status: 200, ...r }).kind;

test('DICOM content types are candidates', () => {
  for (const ct of ['application/dicom', 'Application/DICOM; charset=binary', 'application/dicom+json', 'image/jls',
    'image/jp2', 'image/x-dicom', 'image/dicom-rle', 'image/jpx']) {
    assert.equal(v({ contentType: ct }), 'candidate', ct);
  }
  assert.equal(k({ contentType: 'application/dicom' }), 'part10');
  assert.equal(k({ contentType: 'application/dicom+json' }), 'metadata');
  assert.equal(k({ contentType: 'image/jls' }), 'frames');
});

test('multipart/related is a candidate, its kind from the type parameter', () => {
  assert.equal(v({ contentType: 'multipart/related; type="application/dicom"; boundary=x' }), 'candidate');
  assert.equal(k({ contentType: 'multipart/related; type="application/dicom"; boundary=x' }), 'multipart');
  assert.equal(k({ contentType: 'multipart/related; type=application/octet-stream; boundary=x' }), 'frames');
  assert.equal(multipartType('multipart/related; boundary=b; type="application/dicom"'), 'application/dicom');
});

test('pages, scripts, styles, fonts and media are skipped', () => {
  for (const ct of ['text/html; charset=utf-8', 'text/css', 'application/javascript', 'text/javascript', 'font/woff2',
    'application/font-woff', 'video/mp4', 'audio/mpeg', 'image/svg+xml', 'application/wasm']) {
    assert.equal(v({ contentType: ct }), 'skip', ct);
  }
  assert.equal(v({ contentType: 'application/octet-stream', resourceType: 'Script' }), 'skip');
  assert.equal(v({ contentType: 'application/dicom', resourceType: 'Font' }), 'skip');
});

test('error statuses, redirects and empty bodies are skipped', () => {
  assert.equal(v({ contentType: 'application/dicom', status: 404 }), 'skip');
  assert.equal(v({ contentType: 'application/dicom', status: 302 }), 'skip');
  assert.equal(v({ contentType: 'application/dicom', status: 304 }), 'skip');
  assert.equal(v({ contentType: 'application/dicom', status: 204 }), 'skip');
  assert.equal(v({ contentType: 'application/dicom', contentLength: 0 }), 'skip');
  assert.equal(v({ contentType: 'application/dicom', status: 206 }), 'candidate');
});

test('generic binary: candidate with a URL hint, otherwise sniff the first bytes', () => {
  assert.equal(v({ contentType: 'application/octet-stream' }), 'sniff');
  assert.equal(v({ contentType: '' }), 'sniff');
  const wado = 'https://h/wado?requestType=WADO&studyUID=1&seriesUID=2&objectUID=3';
  assert.equal(classifyResponse({ url: wado, contentType: 'application/octet-stream' }).verdict, 'candidate');
  assert.equal(classifyResponse({ url: 'https://h/img/0001.dcm', contentType: 'application/octet-stream' }).verdict, 'candidate');
  assert.equal(classifyResponse({ url: 'https://h/dicom-web/studies/1/series/2/instances/3/frames/1',
    contentType: 'application/octet-stream' }).kind, 'frames');
  assert.equal(classifyResponse({ url: 'https://h/files/a.dcm', contentType: 'text/plain' }).verdict, 'sniff');
});

test('rendered pictures are told apart from JPEG-compressed DICOMweb frames', () => {
  assert.equal(v({ contentType: 'image/jpeg' }), 'rendered');
  assert.equal(v({ contentType: 'image/png', contentLength: 500 }), 'skip'); // an icon
  assert.equal(classifyResponse({ url: 'https://h/rs/studies/1/series/2/instances/3/frames/1', contentType: 'image/jpeg' }).verdict, 'candidate');
  assert.equal(classifyResponse({ url: 'https://h/rs/studies/1/series/2/instances/3/rendered', contentType: 'image/jpeg' }).verdict, 'rendered');
  assert.equal(classifyResponse({ url: 'https://h/rs/studies/1/series/2/instances/3/frames/1/rendered', contentType: 'image/png' }).verdict, 'rendered');
});

test('DICOMweb metadata as plain JSON is a candidate; other JSON is not', () => {
  assert.equal(classifyResponse({ url: 'https://h/dicom-web/studies/1.2/metadata', contentType: 'application/json' }).verdict, 'candidate');
  assert.equal(classifyResponse({ url: 'https://h/dicom-web/studies/1.2/series', contentType: 'application/json' }).kind, 'metadata');
  assert.equal(classifyResponse({ url: 'https://h/api/user', contentType: 'application/json' }).verdict, 'skip');
});

test('extension and data URLs are never captured', () => {
  assert.equal(classifyResponse({ url: 'data:application/dicom;base64,AAAA', contentType: 'application/dicom' }).verdict, 'skip');
  assert.equal(classifyResponse({ url: 'chrome-extension://abc/x.dcm', contentType: 'application/dicom' }).verdict, 'skip');
});

test('URL hints', () => {
  assert.ok(urlHintsDicom('https://h/WADO?requestType=WADO'));
  assert.ok(urlHintsDicom('https://h/dicomweb/studies'));
  assert.ok(urlHintsDicom('https://h/x/IM0001.DCM?token=1'));
  assert.ok(urlHintsDicom('https://h/studies/1/series/2/instances/3'));
  assert.ok(!urlHintsDicom('https://h/index.html'));
  assert.ok(!urlHintsDicom(''));
});

test('sniffing: DICM at 128, or a bare dataset; not HTML, PNG or JPEG', () => {
  assert.ok(sniffBytes(part10()));
  assert.ok(sniffBytes(Uint8Array.from([0x08, 0x00, 0x05, 0x00, 0x43, 0x53, 0x0a, 0x00]))); // (0008,0005) CS
  assert.ok(sniffBytes(Uint8Array.from([0x08, 0x00, 0x05, 0x00, 0x0a, 0x00, 0x00, 0x00]))); // implicit VR
  assert.ok(sniffBytes(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0])), 'a ZIP: the helper opens it');
  assert.ok(!sniffBytes(new TextEncoder().encode('<!doctype html><html>')));
  assert.ok(!sniffBytes(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])));
  assert.ok(!sniffBytes(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46])));
  assert.ok(!sniffBytes(new Uint8Array(3)));
  assert.ok(!sniffBytes(null));
});

test('header helpers accept maps and name/value lists', () => {
  assert.equal(mediaType(' Application/Dicom ; x=1'), 'application/dicom');
  assert.equal(headerValue([{ name: 'Content-Type', value: 'a/b' }], 'content-type'), 'a/b');
  assert.equal(headerValue({ 'Content-Length': '12' }, 'content-length'), '12');
  assert.equal(headerValue(undefined, 'x'), '');
  assert.deepEqual(normalizeHeaders([{ name: 'Set-Cookie', value: 'a' }, { name: 'set-cookie', value: 'b' }]), { 'set-cookie': 'a, b' });
});

test('a response that passed while the helper was away counts as a missed image only if surely an image', async () => {
  const { classifyResponse, isMissedImage } = await import('../src/lib/candidate.js');
  const missed = (r) => isMissedImage(classifyResponse(r));
  assert.equal(missed({ url: 'https://h/wado?requestType=WADO&contentType=application/dicom', contentType: 'application/dicom' }), true);
  assert.equal(missed({ url: 'https://h/dicom-web/studies/1/series/2/instances/3/frames/1', contentType: 'multipart/related; type="application/octet-stream"' }), true);
  assert.equal(missed({ url: 'https://h/orthanc/series/abc/instances', contentType: 'application/json' }), false, 'JSON listing');
  assert.equal(missed({ url: 'https://h/dicom-web/studies/1/metadata', contentType: 'application/dicom+json' }), false, 'metadata');
  assert.equal(missed({ url: 'https://h/blob', contentType: 'application/octet-stream' }), false, 'would need sniffing');
  assert.equal(missed({ url: 'https://h/render.jpg', contentType: 'image/jpeg', contentLength: 90000 }), false, 'rendered picture');
});
