// Chromium capture: chrome.debugger on the tab. The debugger is used to put a small hook (page-hook.js) into the
// page, each of its frames and each dedicated worker before their own code runs, and to give that hook a binding
// (Runtime.addBinding) through which it hands over each body the page received by fetch() or XMLHttpRequest, and
// each binary message its WebSockets received (source "websocket", with its place in the socket's stream).
//
// Why not the Network domain, which watched before: it sends the extension about eight events per request (headers,
// extra info, each chunk of data), and Chromium's dispatch of those to the service worker, not our handling of them,
// made a 200-slice load 20-30% slower on two cores (a listener that did nothing cost as much; bench/README.md).
// Why not the Fetch domain, before that: it pauses every response until the extension lets it go (1.5-1.8x).
// The hook sends one event per body, and a page's bodies only once the page has been quiet for a moment.
//
// What each kind of context does:
// - a page (and each frame, same-site or not): the hook keeps copies until the page is quiet, too much waits, or the
//   page is left; it then sends them. Opening the popup or saving asks every hook to send at once (flush()).
// - a dedicated worker: the hook sends each body before the worker's own code gets it, so a worker that ends at
//   once loses nothing (the worker.html?close=1 e2e test).
// The binding is added again on each new document (without the Runtime domain on, Chromium installs it only in the
// contexts that exist when it is added; the Runtime domain would send an event per console message).
// A tab may go to another page while capture is being turned on (a person opens the film right after the click):
// that document can run its first scripts before the hook is in. The hook then tells which answers it could not see
// (`since`: when capture was asked for; page-hook.js 'unseen'), and they are counted, never lost silently (issue 14).
// What the hooks send is parsed, judged and handed to the capture sink by lib/captured-body.js, the path the
// DevTools panel's bodies take too; this engine keeps only the debugger's side (attach, arm, flush, forget).

import { api } from './platform.js';
import { CapturedBodies, checkBodyMessage, emptyReads } from '../lib/captured-body.js';
import { pageHookSource } from './page-hook.js';
import { SOCKET_TEXT_RULES, UNSUPPORTED_CONTENT_TYPES } from '../lib/vendor-hints.js';

const PROTOCOL_VERSION = '1.3';
const BINDING = 'cloudfilmCapture';
const CONTROL = 'cloudfilmCaptureControl';
// A binding's message is a page's input: bounded before it is parsed.
const MAX_MESSAGE_CHARS = 12 * 1024 * 1024;
// How long turning capture off waits for a page to hand over what it holds before the debugger lets go anyway.
const STOP_SETTLE_MS = 3000;
// Bodies in a vendor format CloudFilm can name but not keep are told, never copied (page-hook.js announceTypes).
// A socket's text messages are copied only as the vendor table's socket text rules say (GE ZFP's).
const HOOK_OPTIONS = { binding: BINDING, control: CONTROL, announceTypes: UNSUPPORTED_CONTENT_TYPES, socketText: SOCKET_TEXT_RULES };
/** The debugger events this engine acts on (everything else is ignored at once). */
export const DEBUGGER_EVENTS = new Set(['Target.attachedToTarget', 'Target.detachedFromTarget', 'Runtime.bindingCalled',
  'Page.frameNavigated', 'Page.frameStartedNavigating', 'Page.frameRequestedNavigation']);

/** Why attaching failed, in our problem names. */
export function classifyAttachError(message) {
  const m = String(message || '').toLowerCase();
  if (/another debugger|already attached/.test(m)) return 'debugger-busy';
  return 'not-allowed';
}

/**
 * Parses a hook's message (lib/captured-body.js for 'body', 'seen', 'unseen' and 'missed'; 'held' and 'flushed' say whether a document
 * holds bodies); null for anything malformed (a page can call the binding with anything).
 */
export function parseHookMessage(payload) {
  if (typeof payload !== 'string' || payload.length > MAX_MESSAGE_CHARS) return null;
  let m;
  try { m = JSON.parse(payload); } catch { return null; }
  return checkBodyMessage(m);
}

export class DebuggerCapture {
  /** sink: capture-sink.js (isCaptured, isPaused, startBody, rendered, missed, detached, budget). */
  constructor(sink) {
    this.sink = sink;
    this.scripts = new Map(); // `${tabId}|${sessionId}` -> identifier of the hook's new-document script
    this.since = new Map(); // tabId -> when capture was asked for (epoch ms): the hooks count what passed after it
    this.holding = new Map(); // `${tabId}|${sessionId}|${contextId}` -> { tabId, sessionId, contextId }: holds bodies
    this.watchTimer = null;
    // Tabs whose capture is being turned on: their hooks can send before main.js marks the tab captured (the hook
    // runs in the current document, and in a document the tab navigated to meanwhile, as soon as it is armed).
    this.starting = new Set();
    // What capture did, for the benchmark.
    this.reads = { ...emptyReads(), flushes: 0, workers: 0 };
    // Bodies from the hooks, keyed by `${tabId}|${sessionId}|${contextId}`.
    this.bodies = new CapturedBodies(sink, { source: 'debugger', reads: this.reads });
  }

  /** Bodies arriving in parts: `${tabId}|${sessionId}|${contextId}|${id}` -> { writer, next, parts }. */
  get parts() {
    return this.bodies.inParts;
  }

  /**
   * Whether every body the pages received is with the uploader (the benchmark waits for this): asks the hooks that
   * hold bodies to send them (which also forgets documents that are gone), then looks at what is still on its way.
   */
  async isIdle() {
    const reading = await this.#flushAll();
    return reading === 0 && this.holding.size === 0 && this.parts.size === 0;
  }

  /** A person is looking (popup or DevTools panel open): the counts must be live, so the hooks send every second. */
  setWatched(watched) {
    if (watched && !this.watchTimer) {
      this.#flushAll();
      this.watchTimer = setInterval(() => this.#flushAll(), 1000);
    } else if (!watched && this.watchTimer) {
      clearInterval(this.watchTimer);
      this.watchTimer = null;
    }
  }

  /** Asks every hook to send what it holds, and resolves once they have (or after `timeoutMs`), before a save. */
  async settle({ timeoutMs = 10000 } = {}) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const stillReading = await this.#flushAll();
      if (stillReading === 0 || Date.now() > until) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async start(tabId) {
    this.starting.add(tabId);
    this.since.set(tabId, Date.now());
    try {
      await this.#start(tabId);
    } finally {
      // The caller marks the tab captured as soon as this resolves (no event can come in between).
      this.starting.delete(tabId);
    }
  }

  async #start(tabId) {
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
    try {
      await this.#arm({ tabId });
    } catch (error) {
      // Capture did not start: the browser's "started debugging" bar must not stay up for nothing.
      this.#forget(tabId);
      await api.debugger.detach({ tabId }).catch(() => {});
      throw Object.assign(new Error(error?.message ?? String(error)), { problem: 'not-allowed' });
    }
  }

  /**
   * The hook in every document of a page target (the current ones too), its binding, and its children attached.
   * In this order, whenever the tab goes to another page meanwhile: with Page events on, a document that comes after
   * gets the binding at Page.frameNavigated; the hook is in every document from the script on (one that came before
   * it runs it at once, late: it then tells what it missed); the binding is added after the script, so that a
   * document that came before Page.enable (no frameNavigated for it) gets it too: added before the script, it could
   * miss that document (bindings reach only the contexts there when added), whose hook would then hold every body
   * and give them up, silently, after 30 s. The script itself comes as early as it can: only pages that commit
   * before it run their first scripts without the hook.
   */
  async #arm(target) {
    await api.debugger.sendCommand(target, 'Page.enable');
    const since = this.since.get(target.tabId) ?? Date.now();
    const { identifier } = await api.debugger.sendCommand(target, 'Page.addScriptToEvaluateOnNewDocument',
      { source: pageHookSource({ ...HOOK_OPTIONS, worker: false, since }), runImmediately: true });
    this.scripts.set(`${target.tabId}|${target.sessionId ?? ''}`, identifier);
    await api.debugger.sendCommand(target, 'Runtime.addBinding', { name: BINDING });
    await api.debugger.sendCommand(target, 'Target.setAutoAttach',
      { autoAttach: true, waitForDebuggerOnStart: true, flatten: true });
  }

  /** A dedicated worker, before it runs: the hook in sending-at-once mode. */
  async #armWorker(target) {
    await api.debugger.sendCommand(target, 'Runtime.addBinding', { name: BINDING });
    await api.debugger.sendCommand(target, 'Runtime.evaluate',
      { expression: pageHookSource({ ...HOOK_OPTIONS, worker: true, since: this.since.get(target.tabId) ?? Date.now() }) });
    await api.debugger.sendCommand(target, 'Target.setAutoAttach',
      { autoAttach: true, waitForDebuggerOnStart: true, flatten: true });
    this.reads.workers += 1;
  }

  /**
   * Whether this extension's own debugger client holds the tab (a restarted service worker finds its attachment
   * still there). getTargets() cannot say: it gives `extensionId` for extension pages only, never for tabs, and a
   * tab's `attached` counts any client. A command goes through only where this extension's client is attached.
   */
  async #attachedByUs(tabId) {
    try {
      await api.debugger.sendCommand({ tabId }, 'Runtime.evaluate', { expression: '0', returnByValue: true });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Capture off for a tab: the debugger lets go of it, so the browser's "started debugging this browser" bar goes.
   * What the page holds is sent first (the hooks then stop keeping copies), but a page that does not answer (busy,
   * frozen in the background) cannot keep the debugger attached: after `settleMs` it is detached all the same.
   */
  async stop(tabId, { settleMs = STOP_SETTLE_MS } = {}) {
    const within = (promise) => Promise.race([promise.catch(() => {}), new Promise((resolve) => setTimeout(resolve, settleMs))]);
    try {
      await within(this.#flushAll(tabId, 'stop'));
      await within((async () => {
        for (const [key, identifier] of this.scripts) {
          if (!key.startsWith(`${tabId}|`)) continue;
          const sessionId = key.slice(key.indexOf('|') + 1);
          const target = sessionId ? { tabId, sessionId } : { tabId };
          try { await api.debugger.sendCommand(target, 'Page.removeScriptToEvaluateOnNewDocument', { identifier }); } catch { /* gone */ }
        }
        try { await api.debugger.sendCommand({ tabId }, 'Runtime.removeBinding', { name: BINDING }); } catch { /* detached already */ }
      })());
    } finally {
      this.#forget(tabId);
      try { await api.debugger.detach({ tabId }); } catch { /* detached already */ }
    }
  }

  /**
   * Lets go of every tab this extension's debugger holds that is not captured (a service worker that restarted
   * without its state, a start that failed half-way): no bar stays up for a tab whose capture is off.
   * getTargets() says a tab is attached, not by whom (DevTools counts too), but detach() only ever detaches this
   * extension's own client: for any other it fails, and nothing happens.
   */
  async detachStray(isCaptured) {
    let targets = [];
    try { targets = await api.debugger.getTargets(); } catch { return 0; }
    let detached = 0;
    for (const t of targets) {
      if (!t.attached || t.tabId === undefined || isCaptured(t.tabId)) continue;
      try {
        await api.debugger.detach({ tabId: t.tabId });
        this.#forget(t.tabId);
        detached += 1;
      } catch { /* not ours (DevTools, another extension), or gone meanwhile */ }
    }
    return detached;
  }

  /** Re-arms capture after the service worker restarted (the debugger may still be attached). */
  async resume(tabId) {
    this.since.set(tabId, Date.now());
    if (await this.#attachedByUs(tabId).catch(() => false)) return this.#arm({ tabId });
    return this.start(tabId);
  }

  onDetach(source, reason) {
    if (source.tabId === undefined) return;
    this.#forget(source.tabId);
    this.sink.detached(source.tabId, reason);
  }

  /** Drops what was followed on a tab (or one of its sessions); bodies arriving in parts fail. */
  #forget(tabId, sessionId) {
    const prefix = sessionId === undefined ? `${tabId}|` : `${tabId}|${sessionId}|`;
    if (sessionId === undefined) this.since.delete(tabId);
    for (const key of [...this.scripts.keys()]) if (`${key}|`.startsWith(prefix)) this.scripts.delete(key);
    for (const key of [...this.holding.keys()]) if (key.startsWith(prefix)) this.holding.delete(key);
    this.bodies.forget(prefix);
  }

  onEvent(source, method, params) {
    const { tabId } = source;
    if (tabId === undefined) return undefined;
    const target = source.sessionId ? { tabId, sessionId: source.sessionId } : { tabId };
    switch (method) {
      case 'Target.attachedToTarget': return this.#onAttached(tabId, params);
      case 'Target.detachedFromTarget': return this.#forget(tabId, params.sessionId);
      case 'Page.frameNavigated':
        // A new document: the binding goes into its context too (the hook waits for it).
        return api.debugger.sendCommand(target, 'Runtime.addBinding', { name: BINDING }).catch(() => {});
      case 'Page.frameStartedNavigating':
      case 'Page.frameRequestedNavigation':
        // A document is about to be replaced: what it holds is sent now, while it can still send (by the time it
        // hears `pagehide`, its debugger connection may already belong to the next document).
        if (params.navigationType === 'sameDocument' || params.navigationType === 'historySameDocument') return undefined;
        return this.#flushAll(tabId, 'flush', target.sessionId ?? '');
      case 'Runtime.bindingCalled':
        if (params.name !== BINDING) return undefined;
        return this.#onMessage(target, params.executionContextId, params.payload);
      default: return undefined;
    }
  }

  #onAttached(tabId, p) {
    const target = { tabId, sessionId: p.sessionId };
    const run = () => api.debugger.sendCommand(target, 'Runtime.runIfWaitingForDebugger').catch(() => {});
    // A worker or frame waits for us: it must run even if arming it fails.
    const arming = p.targetInfo?.type === 'worker' ? this.#armWorker(target) : this.#arm(target);
    arming.then(run, run);
  }

  /** Asks the hooks (of one tab, or all) that said they hold bodies to send them; resolves to copies still being read. */
  async #flushAll(tabId, command = 'flush', sessionId = undefined) {
    this.reads.flushes += 1;
    const asks = [];
    const contexts = [...this.holding.values()].filter((c) => (tabId === undefined || c.tabId === tabId)
      && (sessionId === undefined || (c.sessionId ?? '') === sessionId));
    // The top document of each captured tab (or session) too: a hook that could not yet say so may hold bodies.
    if (sessionId) contexts.push({ tabId, sessionId });
    else for (const t of tabId === undefined ? [...new Set([...this.scripts.keys()].map((k) => Number(k.split('|')[0])))] : [tabId]) contexts.push({ tabId: t });
    for (const c of contexts) {
      const target = c.sessionId ? { tabId: c.tabId, sessionId: c.sessionId } : { tabId: c.tabId };
      const params = { expression: `globalThis.${CONTROL} ? globalThis.${CONTROL}(${JSON.stringify(command)}) : 0`, returnByValue: true };
      if (c.contextId !== undefined) params.contextId = c.contextId;
      asks.push(api.debugger.sendCommand(target, 'Runtime.evaluate', params)
        .then((reply) => Number(reply?.result?.value) || 0, () => {
          // The context is gone (its page was left, and sent what it held then).
          if (c.contextId !== undefined) this.holding.delete(`${c.tabId}|${c.sessionId ?? ''}|${c.contextId}`);
          return 0;
        }));
    }
    const reading = await Promise.all(asks);
    return reading.reduce((a, b) => a + b, 0);
  }

  #onMessage(target, contextId, payload) {
    const { tabId } = target;
    const m = parseHookMessage(payload);
    if (!m) { this.reads.rejected += 1; return; }
    const where = `${tabId}|${target.sessionId ?? ''}|${contextId}`;
    switch (m.t) {
      case 'held': this.holding.set(where, { tabId, sessionId: target.sessionId, contextId }); return;
      case 'flushed': this.holding.delete(where); return;
      case 'seen':
      case 'unseen':
      case 'missed':
      case 'body':
        // A tab being started counts as captured: a page the person opened right after turning capture on sends
        // its first bodies while the engine is still arming it (issue 14: the first pixel answers were lost).
        if (this.sink.isCaptured(tabId) || this.starting.has(tabId)) this.bodies.receive(where, tabId, m);
        return;
      default: this.reads.rejected += 1;
    }
  }
}
