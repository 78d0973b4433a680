// Decides which responses may hold DICOM (or DICOMweb parts needed to rebuild it).
// Pure: no browser API. Used by every capture engine and by the DevTools panel.
//
// classifyResponse() answers from what is known before the body is read:
//   'candidate' - read the body and send it to the host
//   'sniff'     - generic binary: read the first bytes, then decide with sniffBytes()
//   'rendered'  - a rendered picture (JPEG/PNG ...): not captured, but counted, to tell the person
//                 when a site sends only pictures and no DICOM
//   'unsupported' - a vendor's own image format CloudFilm cannot keep yet (vendor-hints.js): not captured, but the
//                 tab remembers the vendor (`vendor`), to tell the person why nothing is kept
//   'skip'      - cannot be DICOM (HTML, scripts, styles, fonts, media ...)
// A vendor viewer's pieces (vendor-hints.js) are candidates of kind 'vendor-pixels' or 'vendor-json', with `vendor`.

import { socketTextVerdict, vendorVerdict } from './vendor-hints.js';

export const SNIFF_BYTES = 132;
// Pictures smaller than this are icons and buttons, not medical images.
export const RENDERED_MIN_BYTES = 16 * 1024;

const DICOM_TYPES = new Set([
  'application/dicom',
  'application/dicom+json',
  'application/dicom+xml',
  'application/x-dicom',
  'image/dicom',
  'image/x-dicom',
  'image/dicom-rle',
  'image/x-dicom-rle',
  'image/jls',
  'image/x-jls',
  'image/jp2',
  'image/jpx',
  'image/jph',
  'image/jphc',
  'image/jxl',
  'image/j2c',
  'image/x-jpeg-ls',
]);

const GENERIC_BINARY_TYPES = new Set([
  '',
  'application/octet-stream',
  'binary/octet-stream',
  'application/binary',
  'application/x-binary',
  'application/download',
  'application/x-download',
  'application/force-download',
  'application/unknown',
  'application/zip', // some viewers zip a series: the host says not-dicom if it cannot use it
  'application/gzip',
  'application/x-gzip',
]);

const RENDERED_TYPES = new Set(['image/jpeg', 'image/jpg', 'image/pjpeg', 'image/png', 'image/webp', 'image/bmp', 'image/gif']);

const SKIP_RESOURCE_TYPES = new Set(['stylesheet', 'script', 'font', 'manifest', 'texttrack', 'csp_violation_report',
  'cspviolationreport', 'ping', 'beacon', 'websocket', 'eventsource', 'signedexchange', 'preflight']);

const DICOMWEB_PATH = /\/(studies|series|instances)(\/|$|\?)/i;
const URL_HINTS = [
  /[?&]requesttype=wado\b/i,
  /\/wado(uri|rs)?(\/|\?|$)/i,
  /dicom-?web/i,
  /\.dcm(\?|#|$)/i,
  /\.dicom(\?|#|$)/i,
  /\/frames\//i,
  /\/instances\//i,
  /[?&]contenttype=application(%2f|\/)dicom/i,
];

/** Lower-case media type without parameters: "Multipart/Related; type=..." -> "multipart/related". */
export function mediaType(contentType) {
  if (!contentType) return '';
  return String(contentType).split(';')[0].trim().toLowerCase();
}

/** The `type=` parameter of a multipart/related content type, lower case, or ''. */
export function multipartType(contentType) {
  const m = /;\s*type\s*=\s*"?([^";]+)"?/i.exec(String(contentType || ''));
  return m ? m[1].trim().toLowerCase() : '';
}

export function urlHintsDicom(url) {
  if (!url) return false;
  const u = String(url);
  return URL_HINTS.some((re) => re.test(u));
}

export function urlLooksDicomWeb(url) {
  if (!url) return false;
  let path = String(url);
  try { path = new URL(path).pathname; } catch { /* keep the raw text */ }
  return DICOMWEB_PATH.test(path) || /\/(metadata|frames|rendered|thumbnail)(\/|$)/i.test(path);
}

function isRenderedPath(url) {
  try {
    return /\/(rendered|thumbnail)(\/|$)/i.test(new URL(url).pathname);
  } catch {
    return /\/(rendered|thumbnail)(\/|$|\?)/i.test(String(url || ''));
  }
}

/** Header lookup that works for an object map or a [{name, value}] list (HAR, webRequest). */
export function headerValue(headers, name) {
  if (!headers) return '';
  const lower = name.toLowerCase();
  if (Array.isArray(headers)) {
    const h = headers.find((x) => String(x.name).toLowerCase() === lower);
    return h ? String(h.value ?? '') : '';
  }
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === lower) return String(headers[key]);
  }
  return '';
}

/** Headers as a plain object with lower-case names (several values joined with ", "). */
export function normalizeHeaders(headers) {
  const out = {};
  if (!headers) return out;
  const list = Array.isArray(headers) ? headers : Object.entries(headers).map(([name, value]) => ({ name, value }));
  for (const { name, value } of list) {
    const key = String(name).toLowerCase();
    const v = String(value ?? '');
    out[key] = key in out ? `${out[key]}, ${v}` : v;
  }
  return out;
}

// A WebSocket binary message shorter than this cannot hold an image (a Part-10 file's preamble and DICM alone are
// 132 bytes): control messages of a socket protocol are not sent to the helper.
export const SOCKET_MIN_BYTES = 132;

/**
 * @param {{url: string, status?: number, contentType?: string, resourceType?: string, contentLength?: number,
 *   transport?: 'websocket'}} r  `transport` 'websocket': one message received on a socket (its url is the socket's)
 * @returns {{verdict: 'candidate'|'sniff'|'rendered'|'unsupported'|'skip', kind: string, reason: string, vendor?: string}}
 */
export function classifyResponse(r) {
  if (r.transport === 'websocket') return classifySocketMessage(r);
  const url = r.url || '';
  const status = r.status ?? 200;
  const type = mediaType(r.contentType);
  const resourceType = String(r.resourceType || '').toLowerCase().replace(/[^a-z_]/g, '');

  if (/^(data|blob|chrome|chrome-extension|moz-extension|about|devtools|view-source):/i.test(url)) {
    return { verdict: 'skip', kind: 'other', reason: 'scheme' };
  }
  if (status === 204 || status >= 300) {
    return { verdict: 'skip', kind: 'other', reason: `status ${status}` };
  }
  if (r.contentLength === 0) return { verdict: 'skip', kind: 'other', reason: 'empty' };
  if (SKIP_RESOURCE_TYPES.has(resourceType)) return { verdict: 'skip', kind: 'other', reason: resourceType };

  // Before the generic rules: a vendor's pieces are labelled like anything else and may be small (a preview).
  const vendor = vendorVerdict({ url, contentType: type });
  if (vendor) return vendor;

  const hinted = urlHintsDicom(url);
  const dicomWeb = urlLooksDicomWeb(url);

  if (type === 'multipart/related') {
    const inner = multipartType(r.contentType);
    const kind = inner === 'application/dicom' ? 'multipart' : (inner === 'application/dicom+json' ? 'metadata' : 'frames');
    return { verdict: 'candidate', kind, reason: type };
  }
  if (type === 'application/dicom' || type === 'application/x-dicom' || type === 'image/dicom' || type === 'image/x-dicom') {
    return { verdict: 'candidate', kind: 'part10', reason: type };
  }
  if (type === 'application/dicom+json' || type === 'application/dicom+xml') {
    return { verdict: 'candidate', kind: 'metadata', reason: type };
  }
  if (DICOM_TYPES.has(type)) return { verdict: 'candidate', kind: 'frames', reason: type };

  if (RENDERED_TYPES.has(type)) {
    // A DICOMweb frame may be JPEG-compressed pixel data (the original, not a rendering).
    if (/\/frames\//i.test(url) && !isRenderedPath(url)) return { verdict: 'candidate', kind: 'frames', reason: `${type} frame` };
    if (type === 'image/gif' || (r.contentLength !== undefined && r.contentLength < RENDERED_MIN_BYTES)) {
      return { verdict: 'skip', kind: 'other', reason: 'small picture' };
    }
    return { verdict: 'rendered', kind: 'rendered', reason: type };
  }

  if (type === 'application/json' || type === 'text/json') {
    if (dicomWeb && /\/(metadata|studies|series|instances)/i.test(url)) {
      return { verdict: 'candidate', kind: 'metadata', reason: 'DICOMweb JSON' };
    }
    return { verdict: 'skip', kind: 'other', reason: type };
  }

  if (GENERIC_BINARY_TYPES.has(type)) {
    if (hinted || dicomWeb) return { verdict: 'candidate', kind: /\/frames\//i.test(url) ? 'frames' : 'part10', reason: `${type || 'no type'} + URL` };
    return { verdict: 'sniff', kind: 'part10', reason: type || 'no type' };
  }

  // Anything else (text/html, text/css, javascript, fonts, video, audio, svg ...) cannot be DICOM,
  // unless the URL says so and the server labels everything wrongly (seen with text/plain .dcm files).
  if (hinted && /^(text\/plain|application\/x-www-form-urlencoded)$/.test(type)) {
    return { verdict: 'sniff', kind: 'part10', reason: `${type} + URL` };
  }
  return { verdict: 'skip', kind: 'other', reason: type };
}

/**
 * A message received on a WebSocket: a binary one is a candidate whatever it holds (a Part-10 file behind a few
 * bytes of framing, such as Socket.IO's 0x04, a ZIP, a vendor's format: the helper recognises them, and bytes the
 * extension would sniff here could be cut by a prefix it cannot know). Text is for a recognizer that asks for it: a
 * vendor's socket text rules (GE ZFP's command lines and JSON headers), by the content type the hook gave it.
 */
function classifySocketMessage(r) {
  // Text is sent by the hook only as a vendor's rules say (vendor-hints.js socketText), labelled by the rule: even a
  // short one (a command line) is one of the vendor's pieces.
  const type = mediaType(r.contentType);
  if (/^(text\/|application\/json)/i.test(type)) return socketTextVerdict(type) ?? { verdict: 'skip', kind: 'other', reason: 'socket text' };
  if (r.contentLength !== undefined && r.contentLength < SOCKET_MIN_BYTES) return { verdict: 'skip', kind: 'other', reason: 'small socket message' };
  return { verdict: 'candidate', kind: 'socket', reason: 'socket binary' };
}

const NOT_IMAGE_KINDS = new Set(['metadata', 'socket', 'vendor-json', 'vendor-socket-text']);

/**
 * Whether a response that passed uncaptured (helper away) is counted as a missed image for the person: surely
 * DICOM images only, not metadata (JSON) nor bodies that would have needed sniffing.
 */
export function isMissedImage(verdict) {
  // A socket message is counted only once its bytes say it is DICOM (lib/captured-body.js): a socket carries more
  // than images. A vendor's JSON (an image set, a tag list) is metadata too; its pixels are an image.
  return verdict?.verdict === 'candidate' && !NOT_IMAGE_KINDS.has(verdict.kind);
}

/**
 * Looks at the first bytes of a body whose type said nothing.
 * True for a Part-10 file ("DICM" at offset 128), for a bare little-endian dataset
 * starting with a group 0002 or 0008 element (files written without the preamble), and for a ZIP.
 */
export function sniffBytes(bytes) {
  if (!bytes || bytes.length < 8) return false;
  // A ZIP (local file header): the helper opens it and files each DICOM entry (one image per ZIP, or a study).
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return true;
  if (bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d) {
    return true;
  }
  const group = bytes[0] | (bytes[1] << 8);
  const element = bytes[2] | (bytes[3] << 8);
  if (group !== 0x0002 && group !== 0x0008) return false;
  if (element > 0x0020 && group === 0x0002) return false;
  // Explicit VR: two upper-case letters; implicit VR: a small 32-bit length.
  const vr = String.fromCharCode(bytes[4], bytes[5]);
  if (/^[A-Z]{2}$/.test(vr)) return true;
  const len = (bytes[4] | (bytes[5] << 8) | (bytes[6] << 16)) + bytes[7] * 0x1000000;
  return len < 1024;
}

/** The most bytes of transport framing before a Part-10 file's preamble the helper looks behind (docs/protocol.md). */
export const MAX_TRANSPORT_PREFIX = 16;

/** Whether bytes look like DICOM, behind at most MAX_TRANSPORT_PREFIX bytes of framing (a socket message). */
export function sniffPrefixedBytes(bytes) {
  if (sniffBytes(bytes)) return true;
  for (let k = 1; k <= MAX_TRANSPORT_PREFIX && bytes && bytes.length >= 132 + k; k += 1) {
    if (bytes[128 + k] === 0x44 && bytes[129 + k] === 0x49 && bytes[130 + k] === 0x43 && bytes[131 + k] === 0x4d) return true;
  }
  return false;
}

/** Whether a body looks like a DICOM Part-10 file: used to tell DICOM from "rendered pictures only". */
export function hasDicmPreamble(bytes) {
  return !!bytes && bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}
