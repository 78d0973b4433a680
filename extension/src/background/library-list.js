// The library as the helper lists it: `list` asked for again (all its pages) a moment after bodies were filed or the
// helper came back, never twice at once; the study model takes what it says (docs/protocol.md, "list").

import * as Model from '../lib/study-model.js';

const LIST_DELAY_MS = 700;
const LIST_TIMEOUT_MS = 30000;
const MAX_PAGES = 1000;

export class LibraryList {
  /**
   * @param {object} deps
   * @param {{connected: boolean, request: Function}} deps.host  the helper connection (host-port.js)
   * @param {() => object} deps.model  the study model to correct (read at each listing: it may be replaced)
   * @param {() => void} deps.changed  the model changed
   */
  constructor({ host, model, changed }) {
    this.host = host;
    this.model = model;
    this.changed = changed;
    this.timer = null;
    this.listing = false;
    this.again = false;
  }

  /** Lists after `delayMs` (unless a listing is already planned). */
  schedule(delayMs = LIST_DELAY_MS) {
    if (this.timer) return;
    this.timer = setTimeout(() => { this.timer = null; this.refresh(); }, delayMs);
  }

  async refresh() {
    if (!this.host.connected) return;
    if (this.listing) { this.again = true; return; }
    this.listing = true;
    try {
      const pages = [];
      let page = 0;
      let total = 1;
      do {
        const reply = await this.host.request({ type: 'list', page }, { timeoutMs: LIST_TIMEOUT_MS });
        pages.push(reply);
        total = Math.max(1, Math.min(reply.pages ?? 1, MAX_PAGES));
        page += 1;
      } while (page < total);
      Model.applyList(this.model(), Model.mergeListPages(pages));
      this.changed();
    } catch {
      // the model keeps what the body results said; the next list will correct it
    } finally {
      this.listing = false;
      if (this.again) { this.again = false; this.schedule(); }
    }
  }
}
