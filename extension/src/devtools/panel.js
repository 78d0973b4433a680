// The DevTools panel: the second way in, on devtools.network. getHAR() for what loaded before the panel
// opened, onRequestFinished after. Each response is judged as the capture engines judge theirs
// (lib/captured-body.js); the bodies worth reading go to the background as captured-body messages, the format the
// page hook uses, one at a time, part by part, each part acknowledged, so the panel never holds more than the body
// it is reading. The background hands them to the same sink as the engines.

import { api, t, isFirefox, localize, problemBanner, renderStudies } from '../ui/common.js';
import { headerValue, sniffBytes } from '../lib/candidate.js';
import { judgeResponse } from '../lib/captured-body.js';
import { base64ToBytes, bytesToBase64, textToBytes } from '../lib/base64.js';

// A multiple of 3: every part but the last is whole base64 groups, without padding.
const PART_BYTES = 3 * 1024 * 1024;
const FIREFOX_DEVTOOLS_LIMIT = 1024 * 1024;
const $ = (id) => document.getElementById(id);
const tabId = api.devtools.inspectedWindow.tabId;
const counts = { seen: 0, sent: 0, cut: 0, empty: 0 };
const done = new Set();
const queue = [];
let working = false;
let port;
let msgCounter = 0;
let bodyCounter = 0;
const waiting = new Map();

function connect() {
  port = api.runtime.connect({ name: 'devtools' });
  port.onMessage.addListener((msg) => {
    if (msg?.type === 'state') render(msg.state);
    if (msg?.type === 'captured') {
      const w = waiting.get(msg.n);
      if (w) { waiting.delete(msg.n); w(msg); }
    }
  });
  port.onDisconnect.addListener(() => {
    for (const w of waiting.values()) w({ ok: false });
    waiting.clear();
    setTimeout(connect, 1000); // the service worker restarted
  });
  port.postMessage({ type: 'watch', tabId });
}

/** Hands a captured-body message to the background; resolves to its acknowledgement ({ok}). */
function hand(message) {
  const n = ++msgCounter;
  return new Promise((resolve) => {
    waiting.set(n, resolve);
    try { port.postMessage({ type: 'captured', n, message }); } catch { waiting.delete(n); resolve({ ok: false }); }
  });
}

function getHar() {
  return new Promise((resolve) => {
    const r = api.devtools.network.getHAR((har) => resolve(har));
    if (r && typeof r.then === 'function') r.then(resolve, () => resolve({ entries: [] }));
  });
}

function getContent(entry) {
  return new Promise((resolve) => {
    try {
      const fromResult = (res, encoding) => {
        if (Array.isArray(res)) return { content: res[0], mimeType: res[1] }; // Firefox: [content, mimeType]
        if (res && typeof res === 'object') return { content: res.content, encoding: res.encoding }; // newer Chromium
        return { content: res, encoding };
      };
      const r = entry.getContent((content, encoding) => resolve(fromResult(content, encoding)));
      if (r && typeof r.then === 'function') r.then((res) => resolve(fromResult(res)), () => resolve({ content: null }));
    } catch {
      resolve({ content: null });
    }
  });
}

function decodeContent({ content, encoding }, entry, mimeType) {
  if (content === null || content === undefined) return null;
  const declared = encoding || entry.response?.content?.encoding;
  const texty = /json|xml|^text\//i.test(mimeType);
  if (declared === 'base64' || (isFirefox && !texty && /^[A-Za-z0-9+/=\s]*$/.test(content.slice(0, 4096)))) {
    try { return base64ToBytes(content); } catch { return textToBytes(content); }
  }
  return textToBytes(content);
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
  if (verdict.verdict === 'rendered') {
    // Counted as the page hook's pictures are: a picture shown, never read.
    port.postMessage({ type: 'captured', message: { t: 'seen', list: [{ url, contentType, size: contentLength ?? 0 }] } });
    return;
  }
  if (verdict.verdict === 'skip') return;
  counts.seen++;
  queue.push({ entry, headers, contentType, verdict,
    expected: entry.response?.content?.size > 0 ? entry.response.content.size : contentLength });
  renderCounts();
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

async function sendOne({ entry, headers, contentType, verdict, expected }) {
  const bytes = decodeContent(await getContent(entry), entry, contentType);
  if (!bytes || bytes.length === 0) { counts.empty++; renderCounts(); return; }
  const cut = (expected !== undefined && bytes.length < expected) || (isFirefox && expected === undefined && bytes.length === FIREFOX_DEVTOOLS_LIMIT);
  if (cut) { counts.cut++; renderCounts(); return; } // a cut body is not a usable image: say so instead
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
  renderCounts();
}

function renderCounts() {
  $('n-seen').textContent = counts.seen;
  $('n-sent').textContent = counts.sent;
  $('n-cut').textContent = counts.cut;
  $('n-empty').textContent = counts.empty;
  const note = $('cut-note');
  note.hidden = counts.cut === 0;
  note.textContent = isFirefox ? t('panelCutFirefox', counts.cut) : t('panelCutChromium', counts.cut);
}

function render(s) {
  const pill = $('host-status');
  pill.dataset.state = s.host.status;
  pill.textContent = s.host.status === 'connected' ? t('hostReady') : (s.host.status === 'connecting' ? t('hostConnectingShort') : t('hostOffline'));
  const problems = $('problems');
  problems.replaceChildren();
  if (s.host.status !== 'connected' && s.host.problem) problems.append(problemBanner(s.host.problem.name, { detail: s.host.problem.message }));
  if (s.problem) problems.append(problemBanner(s.problem.name));
  if (s.view.renderedOnly) problems.append(problemBanner('rendered-only'));
  $('empty').hidden = s.view.totals.series > 0;
  $('studies').replaceChildren(renderStudies(s.view, { selectable: false }));
}

async function start() {
  localize();
  connect();
  renderCounts();
  api.devtools.network.onRequestFinished.addListener((entry) => enqueue(entry));
  const har = await getHar();
  for (const entry of har?.entries ?? []) enqueue(entry);
}

start();
