// The one table of vendor hints (src/lib/vendor-hints.js) and how the classifier uses it: Hinacom's pixel answers and
// JSON pieces are sent to the helper whatever they are labelled; eUnity's format is named, never sent.
import test from 'node:test';
import assert from 'node:assert/strict';
import { classifyResponse, isMissedImage } from '../src/lib/candidate.js';
import { isVendorHeader, rebuiltFromVendor, SOCKET_TEXT_RULES, socketTextVerdict, UNSUPPORTED_CONTENT_TYPES, VENDOR_HEADERS,
  VENDOR_HINTS, VENDOR_NAMES, vendorVerdict } from '../src/lib/vendor-hints.js';

const classify = (url, r = {}) => classifyResponse({ url, status: 200, ...r });
const PIXELS = '/imageservice/api/image/dicom/1.2.840.113619.2.5/20260302-00017/0/0';

test('Hinacom pixel URLs, on any host, behind any prefix, with any query: vendor pixels', () => {
  for (const url of [
    `https://cq12320.medicalimagecloud.com${PIXELS}?storageNodes=node1&ck=5f3a`,
    `http://127.0.0.1:8042/hinacom${PIXELS}?storageNodes=&ck=`,
    `https://pacs.hospital.example/a/b/c${PIXELS}`,
    `https://h.example${PIXELS}#view`,
    'https://h.example/imageservice/api/image/j2k/S1/I1/3/2?storageNodes=x',
    'https://h.example/imageservice/api/image/dicom/%E7%8E%8B/I%2F1/0/0', // escaped ids: still one segment each
  ]) {
    const v = classify(url, { contentType: 'application/octet-stream' });
    assert.deepEqual([v.verdict, v.kind, v.vendor], ['candidate', 'vendor-pixels', 'hinacom'], url);
  }
});

test('Hinacom pixels: any letter case in the path', () => {
  for (const path of ['/ImageService/API/Image/DICOM/S/I/0/0', '/IMAGESERVICE/api/image/J2K/S/I/0/1']) {
    assert.equal(classify(`https://h.example${path}`).kind, 'vendor-pixels', path);
  }
});

test('Hinacom pixels whatever the Content-Type; never a rendered picture, never skipped for being small', () => {
  const url = `https://h.example${PIXELS}`;
  for (const contentType of ['application/octet-stream', 'image/jp2', '', undefined, 'image/jpeg', 'image/png',
    'application/json', 'binary/octet-stream; charset=x', 'image/gif']) {
    for (const contentLength of [undefined, 16, 64 * 64 * 2, 50 * 1024 * 1024]) {
      const v = classify(url, { contentType, contentLength, resourceType: 'XHR' });
      assert.equal(v.verdict, 'candidate', `${contentType} ${contentLength}`);
      assert.equal(v.kind, 'vendor-pixels');
    }
  }
  // The same answer to <img> counts: a reduced level of a JPEG-labelled answer is no "pictures only" site.
  assert.equal(classify(url, { contentType: 'image/jpeg', resourceType: 'Image', contentLength: 40000 }).verdict, 'candidate');
});

test('Hinacom pixel URL answered by a page, a script, an error or nothing: not sent', () => {
  const url = `https://h.example${PIXELS}`;
  for (const contentType of ['text/html; charset=utf-8', 'application/javascript', 'text/css', 'application/xhtml+xml']) {
    assert.equal(classify(url, { contentType }).verdict, 'skip', contentType);
  }
  assert.equal(classify(url, { contentType: 'application/octet-stream', status: 404 }).verdict, 'skip');
  assert.equal(classify(url, { contentType: 'application/octet-stream', status: 302 }).verdict, 'skip');
  assert.equal(classify(url, { contentType: 'application/octet-stream', contentLength: 0 }).verdict, 'skip');
  assert.equal(classify(url, { contentType: 'application/octet-stream', resourceType: 'Script' }).verdict, 'skip');
});

test('URLs that only look like Hinacom pixels are judged as anything else', () => {
  const not = [
    // the shape in the query, the fragment or the host, not the path
    `https://h.example/viewer?next=${PIXELS}`,
    `https://h.example/viewer?next=${encodeURIComponent(PIXELS)}`,
    `https://h.example/viewer#${PIXELS}`,
    'https://imageservice.example/api/image/dicom/S/I/0/0',
    // "imageservice" elsewhere in the path
    'https://h.example/myimageservice/api/image/dicom/S/I/0/0',
    'https://h.example/imageservice-old/api/image/dicom/S/I/0/0',
    'https://h.example/imageservice/api/image/dicom/S/I/0/0.js',
    'https://h.example/imageservice/api/images/dicom/S/I/0/0',
    'https://h.example/imageservice/api/image/png/S/I/0/0',
    'https://h.example/imageservice/api/image/dicom/S/I/0',
    'https://h.example/imageservice/api/image/dicom/S/I/0/0/extra',
    'https://h.example/imageservice/api/image/dicom/S/I/0/0/',
    'https://h.example/imageservice/api/image/dicom/S//0/0',
    'https://h.example/imageservice/api/image/dicom/S/I/x/0',
    'https://h.example/imageservice/api/image/dicom/S/I/0/-1',
    'https://h.example/imageservice/api/image/dicom/S/I/0/1234567890',
    'https://h.example/imageservice/status',
    // not a URL a page's answer has
    PIXELS,
    'imageservice/api/image/dicom/S/I/0/0',
    '',
  ];
  for (const url of not) {
    assert.equal(vendorVerdict({ url, contentType: 'application/octet-stream' }), null, url);
    assert.notEqual(classify(url, { contentType: 'application/octet-stream' }).kind, 'vendor-pixels', url);
  }
  // Hostile input: never a throw, never a match.
  for (const url of [undefined, null, 42, {}, [], `https://h.example${PIXELS}${'?a'.repeat(40000)}`]) {
    assert.equal(vendorVerdict({ url, contentType: 'application/octet-stream' }), null, String(url).slice(0, 40));
  }
  assert.equal(classify(`data:application/octet-stream,${PIXELS}`).verdict, 'skip');
  // Dot segments are resolved as the browser resolved them before fetching.
  assert.equal(classify('https://h.example/x/../imageservice/api/image/dicom/S/I/0/0').kind, 'vendor-pixels');
  assert.equal(classify('https://h.example/imageservice/api/image/dicom/S/I/0/0/..').kind, 'part10');
});

test('Hinacom GetImageSet and GetImageDicomTags answered with JSON: vendor JSON, behind any prefix, any case', () => {
  for (const url of [
    'https://h.example/ImageViewer/GetImageSet?studyId=S&accessionNumber=&examuid=&minThickness=5',
    'http://127.0.0.1:8042/hinacom/ImageViewer/GetImageDicomTags?studyId=S&imageId=I&frame=0&storageNodes=n',
    'https://h.example/a/b/imageviewer/getimageset',
    'https://h.example/IMAGEVIEWER/GETIMAGEDICOMTAGS?x=1',
  ]) {
    for (const contentType of ['application/json', 'application/json; charset=utf-8', 'text/json', 'text/plain', '']) {
      const v = classify(url, { contentType, contentLength: 2 });
      assert.deepEqual([v.verdict, v.kind, v.vendor], ['candidate', 'vendor-json', 'hinacom'], `${url} ${contentType}`);
    }
  }
  // Anything but JSON there (a login page), and other pages of the viewer: the generic rules.
  assert.equal(classify('https://h.example/ImageViewer/GetImageSet', { contentType: 'text/html' }).verdict, 'skip');
  for (const url of ['https://h.example/ImageViewer/GetImageSets', 'https://h.example/GetImageSet',
    'https://h.example/ImageViewer/GetImageSet/1', 'https://h.example/ImageViewer/GetStudyList',
    'https://h.example/x?u=/ImageViewer/GetImageSet']) {
    assert.equal(classify(url, { contentType: 'application/json' }).verdict, 'skip', url);
  }
});

test('eUnity CLO answers: unsupported, named, whatever the URL', () => {
  for (const contentType of ['application/clowrapper', 'application/clopixel', 'Application/CLOPixel; charset=binary']) {
    for (const url of ['https://gjwlyy.example/e/CustomImageServlet', 'https://h.example/anything?x=1']) {
      const v = classify(url, { contentType, contentLength: 10 });
      assert.deepEqual([v.verdict, v.vendor], ['unsupported', 'eunity'], contentType);
    }
  }
  assert.deepEqual(UNSUPPORTED_CONTENT_TYPES, ['application/clowrapper', 'application/clopixel']);
  assert.equal(classify('https://h.example/e/CustomImageServlet', { contentType: 'application/clowrapper', status: 500 }).verdict, 'skip');
});

test('missed while the helper is away: vendor pixels are images, vendor JSON and unsupported formats are not', () => {
  assert.equal(isMissedImage(classify(`https://h.example${PIXELS}`, { contentType: 'application/octet-stream' })), true);
  assert.equal(isMissedImage(classify('https://h.example/ImageViewer/GetImageSet', { contentType: 'application/json' })), false);
  assert.equal(isMissedImage(classify('https://h.example/e', { contentType: 'application/clopixel' })), false);
});

test('the headers vendors need are named, any case; every hint is well formed', () => {
  assert.deepEqual(VENDOR_HEADERS, ['x-imageframe']);
  assert.equal(isVendorHeader('X-ImageFrame'), true);
  assert.equal(isVendorHeader('x-imageframe'), true);
  assert.equal(isVendorHeader('x-imageframes'), false);
  assert.equal(isVendorHeader(undefined), false);
  for (const hint of VENDOR_HINTS) {
    assert.ok(VENDOR_NAMES[hint.vendor], hint.vendor);
    assert.ok(['candidate', 'unsupported'].includes(hint.verdict));
    assert.ok(hint.path || hint.contentTypes || hint.socketText, 'a hint says how it is known');
    assert.ok(!hint.socketText || (!hint.path && !hint.contentTypes), 'socket text hints are for socket text only');
    for (const rule of hint.socketText ?? []) {
      assert.match(rule.contentType, /^[a-z]+\/[a-z0-9.+-]+$/);
      assert.ok((typeof rule.startsWith === 'string' && rule.startsWith) || rule.json === true, 'a rule says what text it takes');
      assert.ok(Number.isInteger(rule.maxBytes) && rule.maxBytes > 0 && rule.maxBytes <= 1024 * 1024);
    }
    for (const type of hint.contentTypes ?? []) assert.equal(type, type.toLowerCase());
    for (const header of hint.headers ?? []) assert.equal(header, header.toLowerCase());
  }
});

test('GE ZFP socket text rules: only for socket messages, never a response; one flat list for the hooks', () => {
  // A socket text hint has no URL or content type of its own: no HTTP response may match it.
  for (const contentType of ['text/plain', 'application/json', 'application/octet-stream', '']) {
    assert.equal(vendorVerdict({ url: 'https://h.example/zfp/socket', contentType }), null, contentType);
  }
  assert.equal(classify('https://h.example/api/study', { contentType: 'application/json' }).vendor, undefined);
  assert.deepEqual(SOCKET_TEXT_RULES.map((r) => [r.vendor, r.startsWith ?? 'json', r.contentType]),
    [['ge-zfp', 'CMDGETOBJ ', 'text/plain'], ['ge-zfp', 'json', 'application/json']]);
  assert.ok(SOCKET_TEXT_RULES.every(Object.isFrozen));
  assert.deepEqual(socketTextVerdict('application/json'), { verdict: 'candidate', kind: 'vendor-socket-text', vendor: 'ge-zfp',
    reason: 'GE ZFP socket text (application/json)' });
  assert.equal(socketTextVerdict('text/html'), null);
  assert.equal(VENDOR_NAMES['ge-zfp'], 'GE ZFP');
});

test("the helper's rebuiltFrom: which vendor, and whether CloudFilm derived the identifiers", () => {
  assert.deepEqual(rebuiltFromVendor('hinacom-pixels'), { vendor: 'hinacom', derived: true });
  assert.deepEqual(rebuiltFromVendor('hinacom-tags'), { vendor: 'hinacom', derived: false });
  assert.deepEqual(rebuiltFromVendor('ge-zfp-study'), { vendor: 'ge-zfp', derived: false });
  for (const odd of ['dicomweb', '', undefined, 42, '-pixels', 'Hinacom-pixels', 'a--b-pixels', 'hinacom-pixels\n', `${'x'.repeat(40)}-tags`,
    'ge-zfp-', 'hinacom-other']) {
    assert.deepEqual(rebuiltFromVendor(odd), { vendor: '', derived: false }, String(odd));
  }
});
