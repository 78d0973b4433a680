// Firefox capture: webRequest.filterResponseData on the captured tabs' requests.
// The data is always written through unchanged and the filter always closed.

import { api } from './platform.js';
import { sniffBytes, SNIFF_BYTES } from '../lib/candidate.js';
import { judgeResponse, wantsBody } from '../lib/captured-body.js';
import { concatBytes } from '../lib/flow.js';

export class FilterCapture {
  /** sink: capture-sink.js, as for DebuggerCapture. */
  constructor(sink) {
    this.sink = sink;
  }

  async start() { /* nothing to attach: onHeadersReceived looks at captured tabs */ }
  async stop() {}
  async resume() {}

  /** webRequest.onHeadersReceived, blocking (filterResponseData must be set up before data flows). */
  onHeadersReceived(d) {
    if (d.tabId < 0 || !this.sink.isCaptured(d.tabId)) return;
    const { verdict, contentLength, meta } = judgeResponse({ url: d.url, status: d.statusCode, headers: d.responseHeaders,
      resourceType: d.type, tabId: d.tabId, source: 'filter' });
    if (!wantsBody(this.sink, d.tabId, verdict)) return;
    if (contentLength !== undefined) meta.totalBytes = contentLength;
    this.#filter(d.requestId, meta, verdict);
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
