// Chromium capture: chrome.debugger on the tab, Network domain. Capture watches: the page's requests are not paused,
// so a viewer loads nearly as fast as without it (Fetch interception at the Response stage, used before for every
// request, made the page wait for every body twice over and a 200-slice load 1.5-1.8x as long: bench/README.md).
//
// A candidate's body is read from the renderer's inspector buffer once its request has finished
// (Network.getResponseBody), or streamed as it arrives (Network.streamResourceContent) when it may be too large for
// that buffer. Reads of the page's own bodies wait until the page is quiet (lib/quiet-queue.js, at most 10 s): read
// during the load they took the CPU the viewer needed. A tab closed in that window loses what still waited, and the
// popup counts it as missed; opening the popup, or saving, reads everything at once.
// Cross-site frames are seen on their own sessions, which auto-attach (flat sessions) and get the same Network set-up
// before they run. A dedicated worker's requests are paused and read with the Fetch domain instead
// (capture-chromium-workers.js): a worker can end, with its session, before its bodies are read.

import { api } from './platform.js';
import { base64ToBytes } from '../lib/base64.js';
import { isMissedImage } from '../lib/candidate.js';
import { judgeResponse, forwardWholeBody, wantsBody } from './chromium-bodies.js';
import { QuietQueue } from '../lib/quiet-queue.js';
import { WorkerRequests } from './capture-chromium-workers.js';

const PROTOCOL_VERSION = '1.3';
// What the inspector keeps of finished bodies until they are read. A body larger than one resource's share, or whose
// size is not announced, is streamed instead; the total bounds what a slow helper can leave waiting in the renderer.
const NETWORK_BUFFERS = { maxTotalBufferSize: 384 * 1024 * 1024, maxResourceBufferSize: 64 * 1024 * 1024 };
export const STREAM_ABOVE_BYTES = 16 * 1024 * 1024;
/** The debugger events this engine acts on (everything else the Network domain sends is ignored at once). */
export const DEBUGGER_EVENTS = new Set(['Fetch.requestPaused', 'Target.attachedToTarget', 'Target.detachedFromTarget',
  'Network.requestWillBeSent', 'Network.responseReceived', 'Network.dataReceived', 'Network.loadingFinished', 'Network.loadingFailed']);

/** Why attaching failed, in our problem names. */
export function classifyAttachError(message) {
  const m = String(message || '').toLowerCase();
  if (/another debugger|already attached/.test(m)) return 'debugger-busy';
  return 'not-allowed';
}

/** Whether a response should be streamed rather than read whole once finished. */
export function shouldStream(contentLength) {
  return contentLength === undefined || contentLength > STREAM_ABOVE_BYTES;
}

export class DebuggerCapture {
  /**
   * ctx: { isCaptured(tabId), isPaused(), budget, uploader, onRendered(tabId), onMissed(tabId),
   *        onBody(tabId, promiseOfResult, kind), onDetached(tabId, reason) }
   */
  /** `quiet`: options of the QuietQueue that holds the page's reads back (tests shorten its times). */
  constructor(ctx, { quiet = {} } = {}) {
    this.ctx = ctx;
    this.pending = new Map(); // `${tabId}|${sessionId}|${requestId}` -> response being followed
    this.reading = new Set(); // reads under way
    this.watched = false; // a popup or panel is open: counts must be live, so nothing waits
    this.loaders = new Map(); // `${tabId}|${sessionId}|${frameId}` -> the loader of the frame's latest document
    // What reading bodies cost, for the benchmark: the page never waits for it.
    this.reads = { bodies: 0, streamed: 0, readMs: 0, budgetMs: 0, lost: 0, deferredMs: 0, intercepted: 0, heldBodies: 0 };
    this.workers = new WorkerRequests(ctx, this.reads);
    this.waiting = new QuietQueue({ ...quiet, run: (r) => this.#readWhole(r) });
  }

  /** No body is waiting to be read, being read or being streamed (the benchmark waits for this). */
  get idle() {
    if (this.waiting.size > 0 || this.reading.size > 0) return false;
    for (const r of this.pending.values()) if (r.streaming || r.finished) return false;
    return true;
  }

  /** A person is looking (popup or DevTools panel open): read at once, and read now what waits. */
  setWatched(watched) {
    this.watched = watched;
    if (watched) this.waiting.flush();
  }

  /** Reads everything that waits and resolves once every read is done (before a save). */
  async settle() {
    this.waiting.flush();
    await Promise.allSettled([...this.reading]);
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
    await this.#arm({ tabId });
  }

  /** Network events with bodies kept for reading, and every worker or cross-site frame attached before it runs. */
  async #arm(target) {
    await api.debugger.sendCommand(target, 'Network.enable', NETWORK_BUFFERS);
    await api.debugger.sendCommand(target, 'Target.setAutoAttach',
      { autoAttach: true, waitForDebuggerOnStart: true, flatten: true });
  }

  async #attachedByUs(tabId) {
    const targets = await api.debugger.getTargets();
    return targets.some((t) => t.tabId === tabId && t.attached && t.extensionId === api.runtime.id);
  }

  async stop(tabId) {
    // What the page already has is read before the debugger lets go of the tab.
    await Promise.allSettled(this.waiting.drop((r) => r.tabId === tabId).map((r) => this.#readWhole(r)));
    this.#forget(tabId);
    try { await api.debugger.sendCommand({ tabId }, 'Fetch.disable'); } catch { /* detached already */ }
    try { await api.debugger.sendCommand({ tabId }, 'Network.disable'); } catch { /* detached already */ }
    try { await api.debugger.detach({ tabId }); } catch { /* detached already */ }
  }

  /** Re-arms capture after the service worker restarted (the debugger may still be attached). */
  async resume(tabId) {
    if (await this.#attachedByUs(tabId).catch(() => false)) return this.#arm({ tabId });
    return this.start(tabId);
  }

  onDetach(source, reason) {
    if (source.tabId === undefined) return;
    // The tab closed (or the user cancelled the debugger) before these were read: the page had them, we do not.
    for (const r of this.waiting.drop((w) => w.tabId === source.tabId)) this.#lost(r);
    this.#forget(source.tabId);
    this.ctx.onDetached(source.tabId, reason);
  }

  /** Drops what was followed on a tab (or one of its sessions); bodies being streamed fail, as the page's did. */
  #forget(tabId, sessionId) {
    if (sessionId === undefined) this.workers.forget(tabId);
    const prefix = sessionId === undefined ? `${tabId}|` : `${tabId}|${sessionId}|`;
    for (const key of this.loaders.keys()) if (key.startsWith(prefix)) this.loaders.delete(key);
    for (const [key, r] of this.pending) {
      if (r.tabId !== tabId || (sessionId !== undefined && r.sessionId !== sessionId)) continue;
      this.pending.delete(key);
      r.writer?.fail(new Error('capture stopped before the body ended'));
    }
  }

  onEvent(source, method, params) {
    const { tabId } = source;
    if (tabId === undefined) return;
    const target = source.sessionId ? { tabId, sessionId: source.sessionId } : { tabId };
    const key = `${tabId}|${source.sessionId ?? ''}|${params.requestId}`;
    switch (method) {
      case 'Fetch.requestPaused': return source.sessionId ? undefined : this.workers.onRequestPaused(tabId, params);
      case 'Target.attachedToTarget': return this.#onAttached(tabId, params);
      case 'Target.detachedFromTarget': return this.#forget(tabId, params.sessionId);
      case 'Network.requestWillBeSent': return this.#onRequest(target, params);
      case 'Network.responseReceived': return this.#onResponse(target, key, params);
      case 'Network.dataReceived': return this.#onData(key, params);
      case 'Network.loadingFinished':
        this.workers.pageRequestEnded(tabId, params.requestId);
        return this.#onFinished(key);
      case 'Network.loadingFailed':
        this.workers.pageRequestEnded(tabId, params.requestId);
        return this.#onFailed(key);
      default: return undefined;
    }
  }

  #onAttached(tabId, p) {
    const target = { tabId, sessionId: p.sessionId };
    const run = () => api.debugger.sendCommand(target, 'Runtime.runIfWaitingForDebugger').catch(() => {});
    // A worker or frame waits for us: it must run even if arming it fails.
    if (p.targetInfo?.type === 'worker') {
      // Its requests are paused on the tab's session before it runs; its own session only finds nested workers.
      this.workers.enable(tabId)
        .then(() => api.debugger.sendCommand(target, 'Target.setAutoAttach',
          { autoAttach: true, waitForDebuggerOnStart: true, flatten: true }))
        .then(run, run);
      return;
    }
    this.#arm(target).then(run, run);
  }

  #onRequest(target, p) {
    // Only the page's and its frames' sessions have the Network domain on: this request is not a worker's.
    this.workers.notePageRequest(target.tabId, p.requestId);
    if (!this.ctx.isCaptured(target.tabId)) return;
    if (p.type !== 'Document') { this.waiting.activity(); return; }
    // A new document in the tab: read what waits before the old one (and the inspector's buffer with it) goes.
    this.waiting.flush();
    this.loaders.set(`${target.tabId}|${target.sessionId ?? ''}|${p.frameId}`, p.loaderId);
    // The old document's unfinished requests are abandoned with it, and some never say so (no loadingFailed).
    for (const [key, r] of this.pending) {
      if (r.tabId === target.tabId && r.sessionId === target.sessionId && r.frameId === p.frameId && !r.streaming) {
        this.pending.delete(key);
      }
    }
  }

  #onResponse(target, key, p) {
    const { tabId } = target;
    if (!this.ctx.isCaptured(tabId)) return;
    this.waiting.activity();
    // An answer to a document that is being replaced: its page is going, and it may never say it ended.
    const loader = this.loaders.get(`${target.tabId}|${target.sessionId ?? ''}|${p.frameId}`);
    if (loader !== undefined && p.loaderId && p.loaderId !== loader) return;
    const { response } = p;
    const headers = Object.entries(response.headers ?? {}).map(([name, value]) => ({ name, value: String(value) }));
    const { verdict, contentLength, meta } = judgeResponse({ url: response.url, status: response.status, headers,
      mimeType: response.mimeType, resourceType: p.type, tabId });
    if (!wantsBody(this.ctx, tabId, verdict)) return;

    const r = { ...target, requestId: p.requestId, frameId: p.frameId, verdict, received: 0, contentLength,
      finished: false, meta };
    this.pending.set(key, r);
    // Sniffed bodies are small guesses: read whole, so the first bytes decide before anything is sent.
    if (verdict.verdict === 'candidate' && shouldStream(contentLength)) this.#startStream(key, r);
  }

  async #startStream(key, r) {
    r.streaming = 'asking';
    let reply;
    try {
      reply = await api.debugger.sendCommand({ tabId: r.tabId, sessionId: r.sessionId }, 'Network.streamResourceContent',
        { requestId: r.requestId });
    } catch {
      // Finished already (or too old a browser): read it whole from the inspector's buffer.
      r.streaming = false;
      if (r.finished) this.#readWhenQuiet(key, r);
      return;
    }
    if (this.pending.get(key) !== r) return; // failed or forgotten meanwhile
    r.streaming = true;
    r.writer = this.ctx.uploader.start(r.meta);
    this.ctx.onBody(r.tabId, r.writer.result, r.verdict.kind);
    this.reads.streamed += 1;
    this.#write(r, reply.bufferedData);
    for (const data of r.early ?? []) this.#write(r, data);
    r.early = null;
    if (r.finished) this.#end(key, r);
  }

  #write(r, base64) {
    if (!base64) return;
    const bytes = base64ToBytes(base64);
    if (bytes.length === 0) return;
    this.ctx.budget.force(bytes.length); // the page is not held: count what the stream holds, never wait
    r.writer.write(bytes);
  }

  #onData(key, p) {
    this.waiting.activity();
    const r = this.pending.get(key);
    if (!r) return;
    r.received += p.dataLength ?? 0;
    if (!p.data) return;
    if (r.streaming === true) this.#write(r, p.data);
    else if (r.streaming === 'asking') (r.early ??= []).push(p.data);
  }

  #onFinished(key) {
    const r = this.pending.get(key);
    if (!r) return;
    r.finished = true;
    if (r.streaming === true) this.#end(key, r);
    else if (!r.streaming) this.#readWhenQuiet(key, r);
    // 'asking': the stream's answer decides.
  }

  #onFailed(key) {
    const r = this.pending.get(key);
    if (!r) return;
    this.pending.delete(key);
    r.writer?.fail(new Error('the page\'s request failed before its body ended'));
  }

  #end(key, r) {
    this.pending.delete(key);
    r.writer.end().catch(() => {});
  }

  /**
   * The page's own bodies wait for a quiet moment; a cross-site frame's are read at once, as the frame (and its
   * session, with the body) can go at any time; and so is everything while a person watches the counts.
   */
  #readWhenQuiet(key, r) {
    this.pending.delete(key);
    r.finishedAt = performance.now();
    if (r.sessionId || this.watched) this.#readWhole(r);
    else this.waiting.add(r, Math.max(r.received, r.contentLength ?? 0));
  }

  #lost(r) {
    this.reads.lost += 1;
    if (isMissedImage(r.verdict)) this.ctx.onMissed(r.tabId);
  }

  /** A finished body, read from the inspector's buffer and forwarded as the base64 the browser gave. */
  #readWhole(r) {
    const reading = this.#read(r).catch(() => {}).finally(() => this.reading.delete(reading));
    this.reading.add(reading);
    return reading;
  }

  async #read(r) {
    this.reads.deferredMs += performance.now() - r.finishedAt;
    const { budget } = this.ctx;
    const estimate = Math.max(r.received, r.contentLength ?? 0, 1);
    const waitFrom = performance.now();
    await budget.acquire(estimate); // a slow helper: the body waits in the renderer, the page does not
    const readFrom = performance.now();
    this.reads.budgetMs += readFrom - waitFrom;
    let body;
    try {
      body = await api.debugger.sendCommand({ tabId: r.tabId, sessionId: r.sessionId }, 'Network.getResponseBody',
        { requestId: r.requestId });
    } catch {
      // Evicted from the inspector's buffer, or its frame or worker is gone: the page had it, we did not.
      budget.release(estimate);
      this.#lost(r);
      return;
    }
    this.reads.bodies += 1;
    this.reads.readMs += performance.now() - readFrom;
    forwardWholeBody(this.ctx, { ...r, estimate }, body);
  }
}
