// Chromium capture: chrome.debugger on the tab, Fetch domain paused at the Response stage.
// Non-candidates are continued at once; candidates are read and continued as soon as the body is in hand.

import { api } from './platform.js';
import { base64DecodedLength, base64ToBytes, bytesToBase64, textToBytes } from '../lib/base64.js';
import { classifyResponse, isMissedImage, headerValue, normalizeHeaders, sniffBytes } from '../lib/candidate.js';
import { concatBytes } from '../lib/flow.js';

const PROTOCOL_VERSION = '1.3';
// Above this announced size the body is read as a stream (IO.read), chunk by chunk, so it reaches the
// host while it is still being read. The page then gets the body back through Fetch.fulfillRequest.
export const STREAM_ABOVE_BYTES = 32 * 1024 * 1024;
const UNKNOWN_SIZE_ESTIMATE = 1024 * 1024;
const READ_CHUNK = 4 * 1024 * 1024;
// Enough of a body to tell DICOM from anything else (preamble + DICM, or the first element), as base64.
const SNIFF_BASE64_CHARS = 4 * 64;

function send(tabId, method, params = {}) {
  return api.debugger.sendCommand({ tabId }, method, params);
}

/** Why attaching failed, in our problem names. */
export function classifyAttachError(message) {
  const m = String(message || '').toLowerCase();
  if (/another debugger|already attached/.test(m)) return 'debugger-busy';
  if (/cannot access|cannot attach|chrome:\/\/|chrome-extension|not allowed|restricted|webstore/.test(m)) return 'not-allowed';
  if (/no tab with given id/.test(m)) return 'not-allowed';
  return 'not-allowed';
}

export class DebuggerCapture {
  /**
   * ctx: { isCaptured(tabId), isPaused(), budget, uploader, onRendered(tabId), onMissed(tabId),
   *        onBody(tabId, promiseOfResult, kind), onDetached(tabId, reason) }
   */
  constructor(ctx) {
    this.ctx = ctx;
    // How long candidate requests were held paused (what capture adds to a viewer's load time), for the benchmark.
    this.held = { requests: 0, totalMs: 0, maxMs: 0, budgetMs: 0, readMs: 0 };
  }

  async start(tabId) {
    try {
      await api.debugger.attach({ tabId }, PROTOCOL_VERSION);
    } catch (error) {
      const message = error?.message ?? String(error);
      if (!/already attached/i.test(message) || !(await this.#attachedByUs(tabId))) {
        const e = new Error(message);
        e.problem = classifyAttachError(message);
        throw e;
      }
    }
    await send(tabId, 'Fetch.enable', { patterns: [{ urlPattern: '*', requestStage: 'Response' }] });
  }

  async #attachedByUs(tabId) {
    const targets = await api.debugger.getTargets();
    return targets.some((t) => t.tabId === tabId && t.attached && t.extensionId === api.runtime.id);
  }

  async stop(tabId) {
    try { await send(tabId, 'Fetch.disable'); } catch { /* detached already */ }
    try { await api.debugger.detach({ tabId }); } catch { /* detached already */ }
  }

  /** Re-arms capture after the service worker restarted (the debugger may still be attached). */
  async resume(tabId) {
    if (await this.#attachedByUs(tabId).catch(() => false)) {
      await send(tabId, 'Fetch.enable', { patterns: [{ urlPattern: '*', requestStage: 'Response' }] });
      return;
    }
    await this.start(tabId);
  }

  onDetach(source, reason) {
    if (source.tabId !== undefined) this.ctx.onDetached(source.tabId, reason);
  }

  onEvent(source, method, params) {
    if (method !== 'Fetch.requestPaused' || source.tabId === undefined) return;
    this.#onRequestPaused(source.tabId, params).catch(() => {
      // Never leave a request of the page paused.
      send(source.tabId, 'Fetch.continueRequest', { requestId: params.requestId }).catch(() => {});
    });
  }

  #noteHeld(since) {
    const ms = performance.now() - since;
    this.held.requests += 1;
    this.held.totalMs += ms;
    this.held.maxMs = Math.max(this.held.maxMs, ms);
  }

  async #onRequestPaused(tabId, p) {
    const pausedAt = performance.now();
    const cont = () => send(tabId, 'Fetch.continueRequest', { requestId: p.requestId }).catch(() => {});
    if (p.responseStatusCode === undefined || p.responseErrorReason || !this.ctx.isCaptured(tabId)) return cont();
    const headers = p.responseHeaders ?? [];
    const contentType = headerValue(headers, 'content-type');
    const lengthText = headerValue(headers, 'content-length');
    const encoded = !!headerValue(headers, 'content-encoding');
    const contentLength = lengthText && !encoded ? Number(lengthText) : undefined;
    const verdict = classifyResponse({ url: p.request.url, status: p.responseStatusCode, contentType,
      resourceType: p.resourceType, contentLength });
    if (verdict.verdict === 'rendered') { this.ctx.onRendered(tabId); return cont(); }
    if (verdict.verdict === 'skip') return cont();
    if (this.ctx.isPaused()) { if (isMissedImage(verdict)) this.ctx.onMissed(tabId); return cont(); }

    const meta = { url: p.request.url, status: p.responseStatusCode, mimeType: contentType,
      headers: normalizeHeaders(headers), tabId, source: 'debugger' };
    const { budget } = this.ctx;
    const estimate = contentLength ?? UNKNOWN_SIZE_ESTIMATE;

    if (verdict.verdict === 'candidate' && estimate > STREAM_ABOVE_BYTES) {
      const streamed = await this.#streamBody(tabId, p, meta, verdict.kind);
      if (streamed) return undefined;
    }

    await budget.acquire(estimate); // waits while the extension holds too much: the page's request stays paused
    const readAt = performance.now();
    this.held.budgetMs += readAt - pausedAt;
    let r;
    try {
      r = await send(tabId, 'Fetch.getResponseBody', { requestId: p.requestId });
      this.held.readMs += performance.now() - readAt;
    } catch {
      budget.release(estimate);
      return cont();
    }
    // The page's request goes on at once: every millisecond before this is added to the viewer's load time.
    cont();
    this.#noteHeld(pausedAt);
    // Binary bodies arrive as base64 and leave as base64 (the host's chunk format): never decoded here.
    const length = r.base64Encoded ? base64DecodedLength(r.body) : null;
    const bytes = r.base64Encoded ? null : textToBytes(r.body);
    const size = length ?? bytes.length;
    if (size > estimate) budget.force(size - estimate);
    else budget.release(estimate - size);
    const head = bytes ?? base64ToBytes(r.body.slice(0, SNIFF_BASE64_CHARS));
    if (verdict.verdict === 'sniff' && !sniffBytes(head)) { budget.release(size); return undefined; }
    if (this.ctx.isPaused()) { budget.release(size); this.ctx.onMissed(tabId); return undefined; }
    const { uploader } = this.ctx;
    this.ctx.onBody(tabId, bytes ? uploader.sendWhole(meta, bytes) : uploader.sendWholeBase64(meta, r.body, length),
      verdict.kind);
    return undefined;
  }

  /** Large body: IO.read it chunk by chunk, forwarding each chunk, then hand the whole body back to the page. */
  async #streamBody(tabId, p, meta, kind) {
    let stream;
    try {
      ({ stream } = await send(tabId, 'Fetch.takeResponseBodyAsStream', { requestId: p.requestId }));
    } catch {
      return false; // fall back to getResponseBody
    }
    const { budget, uploader } = this.ctx;
    const writer = uploader.start(meta);
    this.ctx.onBody(tabId, writer.result, kind);
    const parts = [];
    let total = 0;
    try {
      for (;;) {
        await budget.acquire(READ_CHUNK);
        const r = await send(tabId, 'IO.read', { handle: stream, size: READ_CHUNK });
        const bytes = r.base64Encoded ? base64ToBytes(r.data) : textToBytes(r.data);
        budget.release(READ_CHUNK);
        if (bytes.length > 0) {
          parts.push(bytes);
          total += bytes.length;
          budget.force(bytes.length);
          writer.write(bytes);
        }
        if (r.eof) break;
      }
      await send(tabId, 'IO.close', { handle: stream }).catch(() => {});
      const responseHeaders = (p.responseHeaders ?? []).filter((h) => !/^(content-encoding|content-length|transfer-encoding)$/i.test(h.name));
      await send(tabId, 'Fetch.fulfillRequest', { requestId: p.requestId, responseCode: p.responseStatusCode,
        responsePhrase: p.responseStatusText || undefined, responseHeaders, body: bytesToBase64(concatBytes(parts, total)) });
      writer.end();
    } catch (error) {
      writer.fail(error);
      // The body was taken from the browser: the request cannot be continued as it was.
      await send(tabId, 'Fetch.failRequest', { requestId: p.requestId, errorReason: 'Failed' }).catch(() => {});
    }
    return true;
  }
}
