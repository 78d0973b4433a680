// Where capture goes: the one interface between the capture engines (capture-chromium.js, capture-firefox.js), the
// DevTools panel's bodies (lib/captured-body.js) and the rest of the extension. main.js makes one and hands it to
// the engine; an engine calls nothing else of the background (unit tests pass a stand-in with the same members).

import * as Model from '../lib/study-model.js';

/**
 * @typedef {object} CaptureState  the background's state (main.js), of which the sink reads and changes:
 * @property {Object<number, {since: number, site: ?string, auto: boolean}>} captured  tabs with capture on
 * @property {Object<number, number>} missed  per tab: images that passed while the helper was away
 * @property {Object<number, number>} missedEarly  per tab: answers that passed before capture was ready in the page
 * @property {object} model  lib/study-model.js
 * @property {?{name: string}} problem  a problem that is not the helper connection's
 */

export class CaptureSink {
  /**
   * @param {object} deps
   * @param {CaptureState} deps.state
   * @param {{connected: boolean}} deps.host  the helper connection (host-port.js)
   * @param {import('../lib/body-stream.js').BodyUploader} deps.uploader
   * @param {import('../lib/flow.js').ByteBudget} deps.budget  every body byte the extension holds, counted
   * @param {(options?: {persist?: boolean}) => void} deps.changed  the state changed: store it, redraw the popups
   * @param {() => void} deps.filed  a body reached the helper: ask it for the library again soon
   */
  constructor({ state, host, uploader, budget, changed, filed }) {
    this.state = state;
    this.host = host;
    this.uploader = uploader;
    this.budget = budget;
    this.changed = changed;
    this.filed = filed;
  }

  /** Whether capture is on for the tab (the engines ignore every other tab). */
  isCaptured(tabId) {
    return !!this.state.captured[tabId];
  }

  /** The helper is away: bodies are not read, images are counted as missed instead. */
  isPaused() {
    return !this.host.connected;
  }

  /**
   * A body to send to the helper: returns its writer (lib/body-stream.js BodyWriter: write(bytes),
   * writeBase64(text, length), end(), fail(error)); the bytes written must already be counted in `budget`.
   * Its outcome is added to the study model. `meta` = {url, status, mimeType, headers, totalBytes?, tabId, source}.
   */
  startBody(tabId, meta) {
    const writer = this.uploader.start(meta);
    this.#track(tabId, writer.result);
    return writer;
  }

  /** A rendered picture (JPEG, PNG ...) was shown: counted, to tell a pictures-only site. */
  rendered(tabId) {
    Model.noteRendered(this.state.model, tabId);
    this.changed();
  }

  /** A body in a vendor's format CloudFilm cannot keep yet (vendor-hints.js): the tab remembers the vendor. */
  unsupported(tabId, vendor) {
    Model.noteUnsupported(this.state.model, tabId, vendor);
    this.changed();
  }

  /** An image passed while the helper was away, or `n` socket messages were dropped over the bounds. */
  missed(tabId, n = 1) {
    this.state.missed[tabId] = (this.state.missed[tabId] ?? 0) + n;
    this.changed();
  }

  /**
   * `n` answers CloudFilm would have read reached the tab's page before capture was ready in it (a page the tab went
   * to while capture was being turned on): never kept, said in the popup, which asks to reload the page.
   */
  missedEarly(tabId, n = 1) {
    this.state.missedEarly[tabId] = (this.state.missedEarly[tabId] ?? 0) + n;
    this.changed();
  }

  /** The engine lost the tab (closed, or the person cancelled the debugger): capture is off there. */
  detached(tabId, reason) {
    if (!this.state.captured[tabId]) return;
    delete this.state.captured[tabId];
    if (reason === 'canceled_by_user') this.state.problem = { name: 'debugger-canceled', tabId };
    this.changed({ persist: true });
  }

  #track(tabId, result) {
    const { state } = this;
    result.then((reply) => {
      Model.addBodyResult(state.model, reply, tabId);
      if (state.problem?.name === 'disk-full') state.problem = null;
      this.filed();
      this.changed();
    }, (error) => {
      if (error?.codeName === 'disk-full') state.problem = { name: 'disk-full', message: error.message };
      if (error?.hostGone) state.missed[tabId] = (state.missed[tabId] ?? 0) + 1;
      else Model.noteFailedBody(state.model, tabId);
      this.changed();
    });
  }
}
