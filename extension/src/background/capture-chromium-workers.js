// Chromium capture of requests made by dedicated workers: the Fetch domain, paused at the Response stage.
//
// The Network domain sees a worker's requests only on the worker's own session, and the worker can end (taking its
// session and every unread body with it) the moment its last body is in: in the e2e test of a viewer whose download
// worker closes itself, 32 of 168 images went missing that way. So once a tab has a worker, every request of the tab is paused briefly at the
// Request stage: one the page's (or a frame's) Network session announced goes on untouched, to be read from the
// inspector's buffer; any other (a worker's, or a page request announced late) has its response paused too, and goes
// on only once its body is in hand, as all requests did before (the cost measured in bench/README.md, now paid only
// for these).

import { api } from './platform.js';
import { judgeResponse, forwardWholeBody, wantsBody } from './chromium-bodies.js';

const UNKNOWN_SIZE_ESTIMATE = 1024 * 1024;

function send(tabId, method, params = {}) {
  return api.debugger.sendCommand({ tabId }, method, params);
}

export class WorkerRequests {
  /** ctx: the capture context (see DebuggerCapture); stats: counters shared with the benchmark. */
  constructor(ctx, stats) {
    this.ctx = ctx;
    this.stats = stats;
    this.enabled = new Map(); // tabId -> Fetch.enable under way or done: its requests are paused at the Request stage
    this.announced = new Map(); // tabId -> Set of request ids the page's Network sessions announced
  }

  /** Starts pausing the tab's requests (before its first worker runs). */
  enable(tabId) {
    // A second worker waits for the same enable as the first: neither may run before requests are paused.
    if (!this.enabled.has(tabId)) {
      this.enabled.set(tabId, send(tabId, 'Fetch.enable', { patterns: [{ urlPattern: '*', requestStage: 'Request' }] }));
    }
    return this.enabled.get(tabId);
  }

  forget(tabId) {
    this.enabled.delete(tabId);
    this.announced.delete(tabId);
  }

  /** A request the page's (or a frame's) own Network session announced: its body is read from there. */
  notePageRequest(tabId, requestId) {
    let ids = this.announced.get(tabId);
    if (!ids) this.announced.set(tabId, ids = new Set());
    ids.add(requestId);
  }

  pageRequestEnded(tabId, requestId) {
    this.announced.get(tabId)?.delete(requestId);
  }

  onRequestPaused(tabId, p) {
    this.#onRequestPaused(tabId, p).catch(() => {
      // Never leave a request of the page paused.
      send(tabId, 'Fetch.continueRequest', { requestId: p.requestId }).catch(() => {});
    });
  }

  async #onRequestPaused(tabId, p) {
    const atRequestStage = p.responseStatusCode === undefined && !p.responseErrorReason;
    if (atRequestStage) {
      // (After a service worker restart nothing is known: every request is then treated as a worker's, safely.)
      const announced = this.announced.get(tabId)?.has(p.networkId);
      if (!announced) this.stats.intercepted += 1;
      return send(tabId, 'Fetch.continueRequest', { requestId: p.requestId, interceptResponse: !announced });
    }
    const cont = () => send(tabId, 'Fetch.continueRequest', { requestId: p.requestId }).catch(() => {});
    if (p.responseErrorReason || !this.ctx.isCaptured(tabId)) return cont();
    const { verdict, contentLength, meta } = judgeResponse({ url: p.request.url, status: p.responseStatusCode,
      headers: p.responseHeaders ?? [], resourceType: p.resourceType, tabId });
    if (!wantsBody(this.ctx, tabId, verdict)) return cont();

    const { budget } = this.ctx;
    const estimate = contentLength ?? UNKNOWN_SIZE_ESTIMATE;
    await budget.acquire(estimate); // waits while the extension holds too much: the request stays paused
    let response;
    try {
      response = await send(tabId, 'Fetch.getResponseBody', { requestId: p.requestId });
    } catch {
      budget.release(estimate);
      return cont();
    }
    cont(); // the worker gets its body at once; nothing below delays it
    this.stats.heldBodies += 1;
    forwardWholeBody(this.ctx, { tabId, meta, verdict, estimate }, response);
    return undefined;
  }
}
