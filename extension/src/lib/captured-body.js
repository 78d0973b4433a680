// A captured body: one format, whichever way it came in, and one path from there to the helper.
//
// Chromium's page hook (background/page-hook.js, through its debugger binding) and the DevTools panel (through its
// runtime port) both hand bodies over as these messages (docs/protocol.md, "Inside the extension"):
//
//   {t: 'body', id, part: 0, parts, size, url, status, headers: [[name, value], ...], data}   first (or only) part
//   {t: 'body', id, part, parts, data}                                                         each further part
//   {t: 'seen', list: [{url, contentType, size}, ...]}           pictures shown but never read, and bodies in a
//                                                                 format CloudFilm cannot keep: only counted
//   {t: 'missed', n}                          socket messages the sender dropped (over its bounds): counted as missed
//   {t: 'unseen', list: [{url, contentType, status, size}, ...]}  answers the page received before the sender could
//                                                                 copy them (Chromium's hook, in a page the tab went
//                                                                 to while capture was being turned on): those
//                                                                 CloudFilm would have read are counted, never kept
//
// A WebSocket message is a body too: its first part says `via: 'websocket'` and `stream: {socket, message}` (the
// socket's number in its document or worker and the message's number on that socket, both from 1); its url is the
// socket's, its status 0, its headers none (or a JSON text's content-type).
//
// `data` is base64 of the part's bytes (whole 4-character groups, padded only in the last part). It is never
// decoded here: it leaves for the helper as it came (the host's chunk format). Whatever sends these messages is
// treated as hostile input, as any page would be.
//
// Pure: the capture sink (background/capture-sink.js: isPaused, startBody, rendered, unsupported, missed, missedEarly, budget) is
// passed in.
// Firefox's engine, which reads bytes as they stream, uses judgeResponse() and wantsBody() from here too.

import { base64DecodedLength, base64ToBytes } from './base64.js';
import { classifyResponse, headerValue, isMissedImage, normalizeHeaders, sniffBytes, sniffPrefixedBytes } from './candidate.js';
import { isVendorHeader } from './vendor-hints.js';

const MAX_PARTS = 4096;
// The most headers of a body kept (a page may send any number); those a vendor needs are kept ahead of the cut.
const MAX_HEADERS = 200;
const MAX_VENDOR_HEADERS = 8;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// Enough of a body to tell DICOM from anything else (preamble + DICM, or the first element), as base64.
const SNIFF_BASE64_CHARS = 4 * 64;
// Large bodies arriving in parts at once: a hook (or the panel) sends one at a time; more is a page playing games.
export const MAX_OPEN_PART_BODIES = 16;
// Socket messages are a page's stream, not its requests: one that floods a socket could fill the extension faster
// than the helper files. Beyond this many times the byte budget already held, a socket message is dropped and
// counted as missed (other bodies keep the budget's own rule: counted, never refused).
export const SOCKET_BUDGET_FACTOR = 2;
// The most a single 'missed' message may add (a page can send anything).
const MAX_MISSED_PER_MESSAGE = 100000;

/**
 * Checks a 'body' message (any other `t` is passed through for the caller to judge); null when malformed. The first
 * part's headers become [{name, value}], strings only, bounded (the ones vendor-hints.js names are never the ones cut).
 */
export function checkBodyMessage(m) {
  if (!m || typeof m !== 'object' || typeof m.t !== 'string') return null;
  if (m.t !== 'body') return m;
  const ok = typeof m.id === 'string' && m.id.length < 40 && Number.isInteger(m.part) && Number.isInteger(m.parts)
    && m.parts >= 1 && m.parts <= MAX_PARTS && m.part >= 0 && m.part < m.parts && typeof m.data === 'string'
    && m.data.length % 4 === 0 && BASE64.test(m.data);
  if (!ok) return null;
  if (m.part === 0) {
    if (typeof m.url !== 'string' || m.url.length > 64 * 1024 || !Number.isInteger(m.status) || !Array.isArray(m.headers)) return null;
    m.headers = boundedHeaders(m.headers);
    if (m.via === 'websocket') {
      const s = m.stream;
      if (!s || !Number.isSafeInteger(s.socket) || !Number.isSafeInteger(s.message) || s.socket < 1 || s.message < 1) return null;
      m.stream = { socket: s.socket, message: s.message };
    } else {
      delete m.stream;
    }
  }
  return m;
}

/** A page's [[name, value], ...] as [{name, value}]: strings only, at most MAX_HEADERS, in the order they came. */
function boundedHeaders(list) {
  const valid = list.filter((h) => Array.isArray(h) && typeof h[0] === 'string' && typeof h[1] === 'string');
  // A header a vendor's body is useless without survives a page that sends hundreds of others first.
  const needed = new Set(valid.filter((h) => isVendorHeader(h[0])).slice(0, MAX_VENDOR_HEADERS));
  let others = MAX_HEADERS - needed.size;
  return valid.filter((h) => needed.has(h) || (!isVendorHeader(h[0]) && others-- > 0))
    .map(([name, value]) => ({ name: name.slice(0, 256), value: value.slice(0, 8192) }));
}

/** How many socket messages a 'missed' message says were dropped (bounded); 0 when malformed. */
export function missedCount(m) {
  return Number.isSafeInteger(m?.n) && m.n > 0 ? Math.min(m.n, MAX_MISSED_PER_MESSAGE) : 0;
}

/** Whether a body given as base64 starts like DICOM (decodes only its first bytes). */
export function base64LooksDicom(text) {
  return sniffBytes(base64ToBytes(text.slice(0, SNIFF_BASE64_CHARS)));
}

/**
 * A response judged by its headers ([{name, value}]): the verdict, its announced size (none when content-encoded:
 * the length is then of the encoded bytes) and the body's metadata for the host (`source`: which way it came in).
 */
export function judgeResponse({ url, status, headers, mimeType, resourceType, tabId, source, transport, stream }) {
  const contentType = headerValue(headers, 'content-type') || mimeType;
  const lengthText = headerValue(headers, 'content-length');
  const encoded = !!headerValue(headers, 'content-encoding');
  const contentLength = lengthText && !encoded ? Number(lengthText) : undefined;
  const verdict = classifyResponse({ url, status, contentType, resourceType, contentLength, transport });
  const meta = { url, status, mimeType: contentType, headers: normalizeHeaders(headers), tabId, source };
  if (stream) meta.stream = stream; // a socket message's place in its socket's stream: body-begin's `stream`
  return { verdict, contentLength, meta };
}

/**
 * Whether the body must be read: a rendered picture is noted, so is a vendor format CloudFilm cannot keep, other
 * pages' files are skipped, and with the helper away an image is counted as missed instead.
 */
export function wantsBody(sink, tabId, verdict) {
  if (verdict.verdict === 'rendered') { sink.rendered(tabId); return false; }
  if (verdict.verdict === 'unsupported') { sink.unsupported(tabId, verdict.vendor); return false; }
  if (verdict.verdict === 'skip') return false;
  if (sink.isPaused()) { if (isMissedImage(verdict)) sink.missed(tabId); return false; }
  return true;
}

/**
 * Starts a body given as base64 (a whole body, or the first of its parts) on the sink and writes that base64;
 * returns the writer, or null when the body is dropped: a sniffed body that is not DICOM, or the helper away (an
 * image is then counted as missed). `judged`: from judgeResponse(); `totalBytes`: the whole body's decoded size.
 */
export function forwardBody(sink, { meta, verdict }, base64, totalBytes) {
  const { tabId } = meta;
  if (verdict.verdict === 'sniff' && !base64LooksDicom(base64)) return null;
  if (sink.isPaused()) { if (isMissedImage(verdict)) sink.missed(tabId); return null; }
  const writer = sink.startBody(tabId, totalBytes === undefined ? meta : { ...meta, totalBytes });
  writeBase64(sink, writer, base64);
  return writer;
}

/** Writes base64 the sender already holds: counted in the budget, never waited for. Resolves once posted. */
function writeBase64(sink, writer, base64) {
  const length = base64DecodedLength(base64);
  sink.budget.force(length);
  return Promise.resolve(writer.writeBase64(base64, length));
}

/** What a stream of captured-body messages did (the capture benchmark reads these through the engine). */
export function emptyReads() {
  return { bodies: 0, parts: 0, bytes: 0, rejected: 0 };
}

/**
 * Takes 'body' and 'seen' messages (already checked) from senders (a hook's document or worker, a DevTools panel)
 * and hands them to the sink: bodies in parts are streamed as the parts come, in order, at most
 * MAX_OPEN_PART_BODIES at once.
 */
export class CapturedBodies {
  /** `source`: the hosts's name for the way in ('debugger', 'devtools'); `reads`: counters to add to. */
  constructor(sink, { source, reads = emptyReads() }) {
    this.sink = sink;
    this.source = source;
    this.reads = reads;
    this.inParts = new Map(); // `${from}|${id}` -> { writer, next, parts }: a body arriving in parts
  }

  /**
   * A message from `from` (a key naming its sender) about tab `tabId`. Resolves to whether this message's data
   * reached the helper (for a body's last part: whether the helper filed the body); undefined when nothing was taken.
   */
  receive(from, tabId, m) {
    if (m.t === 'seen') { this.#seen(tabId, m.list); return undefined; }
    if (m.t === 'unseen') { this.#unseen(tabId, m.list); return undefined; }
    if (m.t === 'missed') { const n = missedCount(m); if (n) this.sink.missed(tabId, n); return undefined; }
    if (m.t !== 'body') return undefined;
    return m.part === 0 ? this.#first(from, tabId, m) : this.#next(from, m);
  }

  /** Drops what senders whose key starts with `prefix` were sending: their bodies in parts fail. */
  forget(prefix = '') {
    for (const [key, body] of this.inParts) {
      if (!key.startsWith(prefix)) continue;
      this.inParts.delete(key);
      body.writer.fail(new Error('the sender went before its body was whole'));
    }
  }

  /**
   * Pictures shown without being read (<img>), and bodies announced instead of sent (a format CloudFilm cannot keep):
   * only counted, to tell the person why a site gave nothing to keep.
   */
  #seen(tabId, list) {
    if (!Array.isArray(list)) return;
    for (const e of list.slice(0, 1000)) {
      if (!e || typeof e.url !== 'string' || typeof e.contentType !== 'string') continue;
      const headers = [{ name: 'content-type', value: e.contentType }];
      if (Number.isFinite(e.size) && e.size > 0) headers.push({ name: 'content-length', value: String(e.size) });
      const { verdict } = judgeResponse({ url: e.url, status: 200, headers, mimeType: e.contentType, resourceType: 'Image',
        tabId, source: this.source });
      if (verdict.verdict === 'rendered') this.sink.rendered(tabId);
      else if (verdict.verdict === 'unsupported') this.sink.unsupported(tabId, verdict.vendor);
    }
  }

  /**
   * Answers that passed before the sender could copy them: each that would have been read (a candidate, or a body
   * whose bytes would have been looked at) is counted for the person (the popup asks to reload the page).
   */
  #unseen(tabId, list) {
    if (!Array.isArray(list)) return;
    let n = 0;
    for (const e of list.slice(0, 1000)) {
      if (!e || typeof e.url !== 'string' || typeof e.contentType !== 'string') continue;
      // Resource timing gives no status for some cross-origin answers (0): judged as if they had succeeded.
      const status = Number.isInteger(e.status) && e.status > 0 ? e.status : 200;
      const headers = e.contentType ? [{ name: 'content-type', value: e.contentType.slice(0, 256) }] : [];
      const { verdict } = judgeResponse({ url: e.url.slice(0, 64 * 1024), status, headers, mimeType: undefined,
        resourceType: 'XHR', tabId, source: this.source });
      if (verdict.verdict === 'candidate' || verdict.verdict === 'sniff') n += 1;
    }
    if (n) this.sink.missedEarly(tabId, n);
  }

  #first(from, tabId, m) {
    const headers = m.headers;
    const socket = m.via === 'websocket';
    if (m.parts > 1 || socket) headers.push({ name: 'content-length', value: String(m.size) });
    const judged = judgeResponse({ url: m.url, status: m.status, headers, mimeType: undefined, resourceType: 'XHR', tabId,
      source: socket ? 'websocket' : this.source, transport: socket ? 'websocket' : undefined, stream: m.stream });
    if (socket && judged.verdict.verdict === 'candidate' && !this.#socketMessageFits(tabId, m)) return undefined;
    if (!wantsBody(this.sink, tabId, judged.verdict)) return undefined;
    this.reads.bytes += base64DecodedLength(m.data);
    if (m.parts === 1) {
      this.reads.bodies += 1;
      const writer = forwardBody(this.sink, judged, m.data, base64DecodedLength(m.data));
      return writer ? ended(writer) : undefined;
    }
    // A large body, in parts: streamed to the helper as they come.
    if (this.inParts.size >= MAX_OPEN_PART_BODIES) { this.reads.rejected += 1; return undefined; }
    const writer = forwardBody(this.sink, judged, m.data, Number.isInteger(m.size) ? m.size : undefined);
    if (!writer) return undefined;
    this.inParts.set(`${from}|${m.id}`, { writer, next: 1, parts: m.parts });
    this.reads.parts += 1;
    return Promise.resolve(true);
  }

  /**
   * A socket message is refused (and counted as missed when it looks like DICOM, or when it is dropped for room)
   * while the helper is away, or when the extension already holds SOCKET_BUDGET_FACTOR times its byte budget.
   */
  #socketMessageFits(tabId, m) {
    const { budget } = this.sink;
    if (this.sink.isPaused()) {
      if (sniffPrefixedBytes(base64ToBytes(m.data.slice(0, SNIFF_BASE64_CHARS)))) this.sink.missed(tabId);
      return false;
    }
    if (budget && budget.used > SOCKET_BUDGET_FACTOR * budget.limit) {
      this.reads.rejected += 1;
      this.sink.missed(tabId);
      return false;
    }
    return true;
  }

  #next(from, m) {
    const key = `${from}|${m.id}`;
    const body = this.inParts.get(key);
    if (!body) return undefined;
    if (m.part !== body.next) {
      this.inParts.delete(key);
      body.writer.fail(new Error('a body\'s parts came out of order'));
      return Promise.resolve(false);
    }
    body.next += 1;
    this.reads.bytes += base64DecodedLength(m.data);
    const written = m.data.length ? writeBase64(this.sink, body.writer, m.data) : Promise.resolve(true);
    if (body.next < body.parts) return written;
    this.inParts.delete(key);
    this.reads.bodies += 1;
    return ended(body.writer);
  }
}

/** Ends a body: resolves to whether the helper filed it (the failure itself reaches the sink's result tracking). */
function ended(writer) {
  return writer.end().then(() => true, () => false);
}
