// Firefox capture: webRequest.filterResponseData on the captured tabs' requests.
// The data is always written through unchanged and the filter always closed; one exception, a dedicated worker's
// script, which gets the socket relay put in front of it (src/content/socket-relay.js says why): Firefox's content
// scripts never run in workers, and a worker's WebSocket messages reach no other API of ours.

import { api } from './platform.js';
import { sniffBytes, SNIFF_BYTES } from '../lib/candidate.js';
import { judgeResponse, wantsBody } from '../lib/captured-body.js';
import { concatBytes } from '../lib/flow.js';
import { installSocketTap } from './page-hook.js';
import { startsStrict, workerScriptPrefix } from '../content/socket-relay.js';

/** Requests of a worker's script not yet answered, remembered at most (a request that fails leaves its id). */
const MAX_WORKER_SCRIPTS = 256;
/** Bytes of a worker's script read before deciding whether it starts with 'use strict'. */
const STRICT_SNIFF_BYTES = 1024;

/**
 * Whether a request is the script of a dedicated worker: Firefox's webRequest calls it type "script", like any
 * script; only the Fetch Metadata header tells (Sec-Fetch-Dest: worker, for the worker's script and, for a module
 * worker, each module it imports). Firefox sends it only to secure origins (https, localhost): on a plain http site a
 * worker's sockets stay out of reach.
 */
export function isWorkerScriptRequest(details) {
  if (details?.type !== 'script' || !Array.isArray(details.requestHeaders)) return false;
  return details.requestHeaders.some((h) => typeof h?.name === 'string' && h.name.toLowerCase() === 'sec-fetch-dest'
    && String(h.value).toLowerCase() === 'worker');
}

export class FilterCapture {
  /** sink: capture-sink.js, as for DebuggerCapture. */
  constructor(sink) {
    this.sink = sink;
    this.workerScripts = new Set(); // requestIds of workers' scripts on captured tabs, until their headers come
    this.workerPrefixes = { strict: null, sloppy: null };
  }

  async start() { /* nothing to attach: onHeadersReceived looks at captured tabs */ }
  async stop() {}
  async resume() {}

  /** webRequest.onBeforeSendHeaders (types script, request headers): notes the scripts of captured tabs' workers. */
  onBeforeSendHeaders(d) {
    if (d.tabId < 0 || !this.sink.isCaptured(d.tabId) || !isWorkerScriptRequest(d)) return;
    if (this.workerScripts.size >= MAX_WORKER_SCRIPTS) this.workerScripts.delete(this.workerScripts.values().next().value);
    this.workerScripts.add(d.requestId);
  }

  /** webRequest.onHeadersReceived, blocking (filterResponseData must be set up before data flows). */
  onHeadersReceived(d) {
    if (this.workerScripts.delete(d.requestId)) {
      // Only once the answer is a script (a redirect comes back here with the same id and is followed).
      if (d.statusCode >= 300 && d.statusCode < 400) { this.workerScripts.add(d.requestId); return; }
      if (d.statusCode >= 200 && d.statusCode < 300 && this.sink.isCaptured(d.tabId)) this.#prefixWorkerScript(d.requestId);
      return;
    }
    if (d.tabId < 0 || !this.sink.isCaptured(d.tabId)) return;
    const { verdict, contentLength, meta } = judgeResponse({ url: d.url, status: d.statusCode, headers: d.responseHeaders,
      resourceType: d.type, tabId: d.tabId, source: 'filter' });
    if (!wantsBody(this.sink, d.tabId, verdict)) return;
    if (contentLength !== undefined) meta.totalBytes = contentLength;
    this.#filter(d.requestId, meta, verdict);
  }

  /**
   * Writes the socket relay in front of a worker's script, then the script as it came. What the worker runs is the
   * site's code unchanged, one statement later (its line numbers move by the prefix's lines).
   */
  #prefixWorkerScript(requestId) {
    let filter;
    try {
      filter = api.webRequest.filterResponseData(requestId);
    } catch {
      return;
    }
    let head = [];
    let headBytes = 0;
    const writeHead = () => {
      const bytes = concatBytes(head, headBytes);
      head = null;
      const strict = startsStrict(new TextDecoder().decode(bytes.subarray(0, STRICT_SNIFF_BYTES)));
      const key = strict ? 'strict' : 'sloppy';
      this.workerPrefixes[key] ??= new TextEncoder().encode(workerScriptPrefix(installSocketTap, {}, { strict }));
      filter.write(this.workerPrefixes[key]);
      if (bytes.length) filter.write(bytes);
    };
    filter.ondata = (event) => {
      if (!head) { filter.write(event.data); return; }
      head.push(new Uint8Array(event.data.slice(0)));
      headBytes += event.data.byteLength;
      if (headBytes >= STRICT_SNIFF_BYTES) writeHead();
    };
    filter.onstop = () => {
      if (head) writeHead();
      try { filter.close(); } catch { /* already closed */ }
    };
    filter.onerror = () => {
      try { filter.close(); } catch { /* already closed */ }
    };
  }

  #filter(requestId, meta, verdict) {
    const { budget } = this.sink;
    let filter;
    try {
      filter = api.webRequest.filterResponseData(requestId);
    } catch {
      return;
    }
    let writer = null;
    let undecided = verdict.verdict === 'sniff' ? [] : null;
    let undecidedBytes = 0;
    let suspended = false;

    const startWriter = () => {
      writer = this.sink.startBody(meta.tabId, meta);
    };
    if (!undecided) startWriter();

    const forward = (bytes) => {
      budget.force(bytes.length);
      writer.write(bytes);
      if (budget.over && !suspended) {
        suspended = true;
        try { filter.suspend(); } catch { suspended = false; return; }
        budget.whenBelowLimit().then(() => {
          suspended = false;
          try { filter.resume(); } catch { /* the filter ended meanwhile */ }
        });
      }
    };

    filter.ondata = (event) => {
      const bytes = new Uint8Array(event.data.slice(0));
      filter.write(event.data);
      if (undecided) {
        undecided.push(bytes);
        undecidedBytes += bytes.length;
        if (undecidedBytes < SNIFF_BYTES) return;
        const head = concatBytes(undecided, undecidedBytes);
        undecided = null;
        if (!sniffBytes(head)) {
          try { filter.disconnect(); } catch { /* already done */ }
          return;
        }
        startWriter();
        forward(head);
        return;
      }
      if (writer) forward(bytes);
    };
    filter.onstop = () => {
      try { filter.close(); } catch { /* already closed */ }
      if (undecided && undecidedBytes > 0) {
        const head = concatBytes(undecided, undecidedBytes);
        undecided = null;
        if (sniffBytes(head)) { startWriter(); forward(head); }
      }
      writer?.end();
    };
    filter.onerror = () => {
      writer?.fail(new Error(filter.error || 'stream error'));
      try { filter.close(); } catch { /* already closed */ }
    };
  }
}
