// The DevTools panel: the second way in, on devtools.network. getHAR() for what loaded before the panel
// opened, onRequestFinished after. Bodies go to the background one at a time, piece by piece, each
// piece acknowledged, so the panel never holds more than the body it is reading.

import { api, t, isFirefox, localize, el, problemBanner, renderStudies } from '../ui/common.js';
import { classifyResponse, headerValue, normalizeHeaders, sniffBytes } from '../lib/candidate.js';
import { base64ToBytes, bytesToBase64, textToBytes } from '../lib/base64.js';

const PIECE_BYTES = 3 * 1024 * 1024;
const FIREFOX_DEVTOOLS_LIMIT = 1024 * 1024;
const $ = (id) => document.getElementById(id);
const tabId = api.devtools.inspectedWindow.tabId;
const counts = { seen: 0, sent: 0, cut: 0, empty: 0 };
const done = new Set();
const queue = [];
let working = false;
let port;
let msgCounter = 0;
const waiting = new Map();

function connect() {
  port = api.runtime.connect({ name: 'devtools' });
  port.onMessage.addListener((msg) => {
    if (msg?.type === 'state') render(msg.state);
    if (msg?.type === 'dt-ack') {
      const w = waiting.get(msg.n);
      if (w) { waiting.delete(msg.n); w(msg); }
    }
  });
  port.onDisconnect.addListener(() => {
    for (const w of waiting.values()) w({ ok: false });
    waiting.clear();
    setTimeout(connect, 1000); // the service worker restarted
  });
  port.postMessage({ type: 'dt-hello', tabId });
}

function call(msg) {
  const n = ++msgCounter;
  return new Promise((resolve) => {
    waiting.set(n, resolve);
    try { port.postMessage({ ...msg, n }); } catch { waiting.delete(n); resolve({ ok: false }); }
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
  const headers = entry.response?.headers ?? [];
  const contentType = headerValue(headers, 'content-type') || entry.response?.content?.mimeType || '';
  const encoded = !!headerValue(headers, 'content-encoding');
  const lengthText = headerValue(headers, 'content-length');
  const verdict = classifyResponse({ url: entry.request?.url, status: entry.response?.status, contentType,
    resourceType: entry._resourceType, contentLength: lengthText && !encoded ? Number(lengthText) : undefined });
  if (verdict.verdict === 'rendered') { port.postMessage({ type: 'dt-rendered' }); return; }
  if (verdict.verdict === 'skip') return;
  counts.seen++;
  queue.push({ entry, contentType, verdict, expected: entry.response?.content?.size > 0 ? entry.response.content.size
    : (lengthText && !encoded ? Number(lengthText) : undefined) });
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

async function sendOne({ entry, contentType, verdict, expected }) {
  const bytes = decodeContent(await getContent(entry), entry, contentType);
  if (!bytes || bytes.length === 0) { counts.empty++; renderCounts(); return; }
  const cut = (expected !== undefined && bytes.length < expected) || (isFirefox && expected === undefined && bytes.length === FIREFOX_DEVTOOLS_LIMIT);
  if (cut) { counts.cut++; renderCounts(); return; } // a cut body is not a usable image: say so instead
  if (verdict.verdict === 'sniff' && !sniffBytes(bytes)) return;
  const key = `dt${Date.now().toString(36)}${msgCounter}`;
  const meta = { url: entry.request.url, status: entry.response.status, mimeType: contentType,
    headers: normalizeHeaders(entry.response.headers), totalBytes: bytes.length };
  const begun = await call({ type: 'dt-body-begin', key, meta });
  if (!begun.ok) return;
  for (let i = 0; i < bytes.length; i += PIECE_BYTES) {
    const ack = await call({ type: 'dt-body-chunk', key, data: bytesToBase64(bytes.subarray(i, i + PIECE_BYTES)) });
    if (!ack.ok) return;
  }
  const end = await call({ type: 'dt-body-end', key });
  if (end.ok) counts.sent++;
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
