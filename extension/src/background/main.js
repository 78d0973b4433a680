// Background entry: a Chromium MV3 service worker and Firefox MV3 background scripts alike. The composition root
// (helper connection, uploader, capture sink, this browser's engine), turning capture on and off, and what the UI
// talks to: the one message switch (popup, options page), the popup's and the DevTools panel's ports.
// Listeners are registered at top level (a service worker is woken by them); state lives in storage.session so a
// restarted worker picks up where the last one stopped. Message formats: docs/protocol.md, "Inside the extension".

import { api, isFirefox, action, isRestrictedUrl, siteOf, capturePermissions } from './platform.js';
import { HostConnection } from './host-port.js';
import { DebuggerCapture, DEBUGGER_EVENTS } from './capture-chromium.js';
import { FilterCapture } from './capture-firefox.js';
import { CaptureSink } from './capture-sink.js';
import { LibraryList } from './library-list.js';
import { TEST_BUILD, testCommands } from './build-flags.js';
import { BodyUploader } from '../lib/body-stream.js';
import { CapturedBodies, checkBodyMessage } from '../lib/captured-body.js';
import { ByteBudget } from '../lib/flow.js';
import * as Model from '../lib/study-model.js';

// The most body bytes the extension holds at once, whatever the study size (a single larger body is
// let through alone: the page needs it whole anyway).
const MAX_HELD_BYTES = 48 * 1024 * 1024;
const PERSIST_DELAY_MS = 300;
const BROADCAST_DELAY_MS = 150;

const state = {
  captured: {}, // tabId -> {since, site, auto}
  missed: {}, // tabId -> candidate responses that passed while the host was away
  missedEarly: {}, // tabId -> answers that passed before capture was ready in the page (capture-sink.js)
  starting: {}, // tabId -> true while capture is being turned on (the popup shows it starting, not on)
  devtoolsCut: {}, // tabId -> bodies DevTools gave cut short (devtools/capture.js), said in the popup, not kept
  autoSites: [], // hosts where capture starts by itself
  model: Model.emptyModel(),
  problem: null, // a problem that is not the host connection's: {name, message}
};

const budget = new ByteBudget(MAX_HELD_BYTES);
const host = new HostConnection({
  onStatus: onHostStatus,
  onUnsolicited: () => {},
  onBodyError: (bodyId, error) => uploader.open.get(bodyId)?.fail(error),
});
const uploader = new BodyUploader({
  transport: { request: (msg) => host.request(msg), post: (msg) => host.post(msg) },
  budget,
  idPrefix: `${isFirefox ? 'f' : 'c'}${Date.now().toString(36)}`,
});

const library = new LibraryList({ host, model: () => state.model, changed });
const sink = new CaptureSink({ state, host, uploader, budget, changed, filed: () => library.schedule() });
const engine = isFirefox ? new FilterCapture(sink) : new DebuggerCapture(sink);
globalThis.cloudfilmEngine = engine; // read by bench/capture_overhead.mjs (engine.reads); pages cannot reach it

// ---------------------------------------------------------------- top-level listeners

if (!isFirefox && api.debugger) {
  api.debugger.onEvent.addListener((source, method, params) => {
    if (!DEBUGGER_EVENTS.has(method)) return;
    if (ready.done) engine.onEvent(source, method, params);
    else ready.then(() => engine.onEvent(source, method, params));
  });
  api.debugger.onDetach.addListener((source, reason) => ready.then(() => engine.onDetach(source, reason)));
}

if (isFirefox && api.webRequest?.onBeforeSendHeaders) {
  // Only to learn which scripts are dedicated workers' (their request headers say so): nothing is changed here.
  api.webRequest.onBeforeSendHeaders.addListener((details) => {
    if (!ready.done) return ready.then(() => { engine.onBeforeSendHeaders(details); return {}; });
    engine.onBeforeSendHeaders(details);
    return undefined;
  }, { urls: ['<all_urls>'], types: ['script'] }, ['blocking', 'requestHeaders']);
}

if (isFirefox && api.webRequest?.onHeadersReceived) {
  api.webRequest.onHeadersReceived.addListener((details) => {
    if (!ready.done) return ready.then(() => { autoStartFromRequest(details); engine.onHeadersReceived(details); return {}; });
    autoStartFromRequest(details);
    engine.onHeadersReceived(details);
    return undefined;
  }, { urls: ['<all_urls>'] }, ['blocking', 'responseHeaders']);
}

api.tabs.onRemoved.addListener((tabId) => ready.then(() => {
  if (state.captured[tabId]) { delete state.captured[tabId]; changed({ persist: true }); }
  delete state.missed[tabId];
  delete state.missedEarly[tabId];
  delete state.devtoolsCut[tabId];
}));

api.tabs.onUpdated.addListener((tabId, info, tab) => ready.then(() => {
  // A reload (what the popup asks for) fetches again what passed while the helper was away: start counting anew.
  if (info.status === 'loading' && state.captured[tabId] && host.connected && state.missed[tabId]) {
    delete state.missed[tabId];
    changed();
  }
  // The page that missed answers before capture was ready in it is left (or reloaded, as the popup asks).
  if (info.status === 'loading' && state.captured[tabId] && state.missedEarly[tabId]) {
    delete state.missedEarly[tabId];
    changed();
  }
  const url = info.url ?? (info.status === 'loading' ? tab?.url : undefined);
  if (!url || state.captured[tabId]) return;
  const site = siteOf(url);
  if (site && state.autoSites.includes(site) && !isRestrictedUrl(url)) startCapture(tabId, { url, auto: true }).catch(() => {});
}));

api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (!trustedSender(sender)) return false;
  handle(msg, sender).then(sendResponse, (error) => sendResponse({ ok: false, problem: 'internal', message: String(error?.message ?? error) }));
  return true; // answer asynchronously
});

api.runtime.onConnect.addListener((port) => {
  // Firefox's socket relay is a content script: a page's, not one of ours (its messages are the page's input).
  if (port.name === 'socket' && isFirefox && port.sender?.id === api.runtime.id && Number.isInteger(port.sender.tab?.id)) {
    connectSocketRelay(port);
    return;
  }
  if (!trustedSender(port.sender)) { port.disconnect(); return; }
  if (port.name === 'ui') connectUi(port);
  else if (port.name === 'devtools') connectDevtools(port);
  else port.disconnect();
});

api.runtime.onStartup?.addListener(() => {});
api.runtime.onInstalled?.addListener(() => { updateBadge(); });

// ---------------------------------------------------------------- state

const ready = (async () => {
  const [session, local] = await Promise.all([
    api.storage.session.get(['captured', 'model', 'missed', 'missedEarly']).catch(() => ({})),
    api.storage.local.get(['autoSites']).catch(() => ({})),
  ]);
  state.captured = session.captured ?? {};
  state.missed = session.missed ?? {};
  state.missedEarly = session.missedEarly ?? {};
  if (session.model) state.model = { ...Model.emptyModel(), ...session.model };
  state.autoSites = Array.isArray(local.autoSites) ? local.autoSites : [];
  ready.done = true;
  // A restarted worker: capture was on, so reconnect and re-arm the engines.
  const tabs = Object.keys(state.captured).map(Number);
  if (tabs.length) {
    host.want(true);
    for (const tabId of tabs) {
      engine.resume(tabId).catch(() => {
        delete state.captured[tabId];
        changed({ persist: true });
        engine.detachStray?.((id) => id !== tabId);  // this tab only: another may be starting meanwhile
      });
    }
  }
  // A tab our debugger still holds whose capture is off (its state was lost): let go, so its bar goes.
  engine.detachStray?.((id) => !!state.captured[id]);
  updateBadge();
})();
ready.done = false;

let persistTimer = null;
let broadcastTimer = null;

function changed({ persist = true } = {}) {
  tellSocketRelays();
  if (persist && !persistTimer) {
    persistTimer = setTimeout(() => {
      persistTimer = null;
      api.storage.session.set({ captured: state.captured, model: state.model, missed: state.missed, missedEarly: state.missedEarly })
        .catch(() => {});
    }, PERSIST_DELAY_MS);
  }
  if (!broadcastTimer) {
    broadcastTimer = setTimeout(() => {
      broadcastTimer = null;
      broadcast();
      updateBadge();
    }, BROADCAST_DELAY_MS);
  }
}

function anyCapture() {
  return Object.keys(state.captured).length > 0;
}

function onHostStatus(snapshot) {
  if (snapshot.status === 'connected') {
    uploader.configure(host.info ?? {});
    library.schedule(0);
  } else if (snapshot.status === 'disconnected' || snapshot.status === 'host-too-old') {
    uploader.failAll(Object.assign(new Error('host disconnected'), { hostGone: true }));
  }
  changed({ persist: false });
}

// ---------------------------------------------------------------- capture on/off

async function startCapture(tabId, { url, auto = false, remember } = {}) {
  if (state.captured[tabId]) return { ok: true };
  if (url && isRestrictedUrl(url)) return { ok: false, problem: 'not-allowed' };
  const perms = capturePermissions();
  if (perms && !(await api.permissions.contains(perms))) return { ok: false, problem: 'permission-denied' };
  host.want(true);
  try {
    await host.connect();
  } catch {
    if (!anyCapture()) host.want(false);
    changed({ persist: false });
    return { ok: false, problem: host.problem?.name ?? 'host-exited', message: host.problem?.message };
  }
  // Counted anew from here: what the engine counts while it starts (page-hook.js 'unseen') must stay.
  delete state.missed[tabId];
  delete state.missedEarly[tabId];
  state.starting[tabId] = true;
  changed({ persist: false });
  try {
    await engine.start(tabId);
  } catch (error) {
    if (!anyCapture()) host.want(false);
    changed({ persist: false });
    return { ok: false, problem: error.problem ?? 'not-allowed', message: error.message };
  } finally {
    delete state.starting[tabId];
  }
  const site = url ? siteOf(url) : null;
  state.captured[tabId] = { since: Date.now(), site, auto };
  if (state.problem?.tabId === tabId) state.problem = null;
  if (remember && site) await setAutoSite(site, true);
  changed();
  return { ok: true };
}

async function stopCapture(tabId) {
  if (!state.captured[tabId]) return { ok: true };
  delete state.captured[tabId];
  await engine.stop(tabId).catch(() => {});
  if (!anyCapture()) host.want(false);
  changed();
  return { ok: true };
}

async function setAutoSite(site, on) {
  const sites = new Set(state.autoSites);
  if (on) sites.add(site); else sites.delete(site);
  state.autoSites = [...sites].sort();
  await api.storage.local.set({ autoSites: state.autoSites });
  changed({ persist: false });
}

function autoStartFromRequest(d) {
  // Firefox: a remembered site's page starts loading: capture from its very first response.
  if (d.type !== 'main_frame' || d.tabId < 0 || state.captured[d.tabId]) return;
  const site = siteOf(d.url);
  if (!site || !state.autoSites.includes(site)) return;
  state.captured[d.tabId] = { since: Date.now(), site, auto: true };
  host.want(true);
  host.connect().catch(() => {});
  changed();
}

// ---------------------------------------------------------------- UI

function trustedSender(sender) {
  if (!sender || sender.id !== api.runtime.id) return false;
  const base = api.runtime.getURL('');
  if (sender.url?.startsWith(base)) return true;
  if (!sender.url && !sender.tab) return true; // DevTools pages in some browsers
  return TEST_BUILD; // the test bridge's content script, in test builds only (build-flags.js)
}

function snapshot(tabId) {
  const captured = tabId !== undefined ? state.captured[tabId] : undefined;
  const view = Model.viewOf(state.model, tabId);
  return {
    browser: isFirefox ? 'firefox' : 'chromium',
    host: host.snapshot(),
    problem: state.problem,
    tab: {
      id: tabId ?? null,
      capturing: !!captured,
      starting: !captured && !!state.starting[tabId],
      auto: !!captured?.auto,
      paused: !!captured && !host.connected,
      missed: state.missed[tabId] ?? 0,
      missedEarly: state.missedEarly[tabId] ?? 0,
      devtoolsCut: state.devtoolsCut[tabId] ?? 0,
      inFlight: uploader.openBodies,
    },
    autoSites: state.autoSites,
    view,
    budget: { used: budget.used, limit: budget.limit, peak: budget.peak },
  };
}

const uiPorts = new Map(); // port -> tabId

/** Chromium's page hooks send what they hold once the page is quiet; every second while someone watches the counts. */
function uiPortsChanged() {
  engine.setWatched?.(uiPorts.size > 0);
}

function connectUi(port) {
  uiPorts.set(port, undefined);
  uiPortsChanged();
  port.onMessage.addListener((msg) => {
    if (msg?.type === 'watch') {
      uiPorts.set(port, Number.isInteger(msg.tabId) ? msg.tabId : undefined);
      ready.then(() => port.postMessage({ type: 'state', state: snapshot(uiPorts.get(port)) }));
    }
  });
  port.onDisconnect.addListener(() => { uiPorts.delete(port); uiPortsChanged(); });
}

function broadcast() {
  for (const [port, tabId] of uiPorts) {
    try { port.postMessage({ type: 'state', state: snapshot(tabId) }); } catch { uiPorts.delete(port); }
  }
}

function updateBadge() {
  if (!action) return;
  const instances = Model.viewOf(state.model).totals.instances;
  action.setBadgeText({ text: Model.badgeText(instances) }).catch?.(() => {});
  const color = !anyCapture() ? '#6b7280' : (host.connected ? '#0f766e' : '#b45309');
  action.setBadgeBackgroundColor({ color }).catch?.(() => {});
}

/** Before a save: what the pages already have is read and with the helper (bounded: a stuck body cannot block it). */
async function settleCapture(timeoutMs = 30000) {
  const until = Date.now() + timeoutMs;
  await Promise.race([engine.settle?.(), new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
  while (uploader.openBodies > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
}

async function hostRequest(msg, timeoutMs = 60000) {
  try {
    if (!host.connected) { host.want(true); await host.connect(); }
    return { ok: true, reply: await host.request(msg, { timeoutMs }) };
  } catch (error) {
    if (!anyCapture() && !host.connected) host.want(false);
    if (error?.codeName === 'disk-full') state.problem = { name: 'disk-full', message: error.message };
    return { ok: false, problem: error?.codeName ?? error?.problem ?? host.problem?.name ?? 'internal', message: error?.message };
  }
}

/** The one message switch: popup and options page (and the test bridge in test builds). */
async function handle(msg, sender) {
  await ready;
  const tabId = Number.isInteger(msg?.tabId) ? msg.tabId : sender.tab?.id;
  switch (msg?.type) {
    case 'get-state':
      return { ok: true, state: snapshot(tabId) };
    case 'capture-start':
      // With the state as it is once started: the popup shows capture on only when it is.
      return { ...(await startCapture(tabId, { url: msg.url, remember: !!msg.remember })), state: snapshot(tabId) };
    case 'capture-stop':
      return stopCapture(tabId);
    case 'set-auto':
      if (!msg.site) return { ok: false, problem: 'internal' };
      await setAutoSite(msg.site, !!msg.on);
      return { ok: true };
    case 'reconnect':
      host.want(true);
      try { await host.connect(); } catch { /* the status says why */ }
      if (!anyCapture() && !host.connected) host.want(false);
      return { ok: host.connected, state: snapshot(tabId) };
    case 'save': {
      await settleCapture();
      const r = await hostRequest(Array.isArray(msg.series) && msg.series.length ? { type: 'save', series: msg.series } : { type: 'save' }, 600000);
      library.schedule(0);
      return r;
    }
    case 'open-folder':
      return hostRequest(msg.path ? { type: 'open-folder', path: msg.path } : { type: 'open-folder' });
    case 'forget': {
      const series = Array.isArray(msg.series) && msg.series.length ? msg.series : undefined;
      const r = await hostRequest(series ? { type: 'forget', series } : { type: 'forget' });
      if (r.ok) {
        state.model = Model.forgetSeries(state.model, series);
        if (!series) state.missed = {};
        library.schedule(0);
        changed();
      }
      return r;
    }
    case 'get-settings':
      return hostRequest({ type: 'get-settings' });
    case 'set-settings': {
      const r = await hostRequest({ type: 'set-settings', outputFolder: String(msg.outputFolder ?? '') });
      if (r.ok && host.info) host.info.outputFolder = r.reply.outputFolder;
      changed({ persist: false });
      return r;
    }
    case 'dismiss-problem':
      state.problem = null;
      changed({ persist: false });
      return { ok: true };
    default:
      // A test build's own commands (test-bridge/commands.js); none in a normal build.
      if (testCommands?.has(msg?.type)) return testCommands.get(msg.type)(msg);
      return { ok: false, problem: 'internal', message: `unknown message ${msg?.type}` };
  }
}

// ---------------------------------------------------------------- DevTools panel

/**
 * The panel's port: it watches its tab's state as the popup does (and wants the helper connected), and hands over
 * the bodies it read with devtools.network as captured-body messages (lib/captured-body.js), each acknowledged once
 * the helper has its data, so that the panel never holds more than the body it is reading.
 */
function connectDevtools(port) {
  let panelTabId;
  const bodies = new CapturedBodies(sink, { source: 'devtools' });
  port.onMessage.addListener(async (msg) => {
    await ready;
    if (msg?.type === 'watch') {
      panelTabId = Number.isInteger(msg.tabId) ? msg.tabId : undefined;
      uiPorts.set(port, panelTabId);
      uiPortsChanged();
      host.want(true);
      host.connect().catch(() => {});
      port.postMessage({ type: 'state', state: snapshot(panelTabId) });
      return;
    }
    if (msg?.type === 'cut') { // a body DevTools cut short: not sent, but the person must be told
      if (panelTabId !== undefined) state.devtoolsCut[panelTabId] = (state.devtoolsCut[panelTabId] ?? 0) + 1;
      changed({ persist: false });
      return;
    }
    if (msg?.type !== 'captured') return;
    const ack = (ok) => {
      if (msg.n === undefined) return; // a 'seen' message waits for nothing
      try { port.postMessage({ type: 'captured', n: msg.n, ok }); } catch { /* panel closed */ }
    };
    const message = checkBodyMessage(msg.message);
    if (!message) { ack(false); return; }
    if (message.t === 'body' && message.part === 0 && !host.connected) {
      try { await host.connect(); } catch { ack(false); return; }
    }
    ack(!!(await bodies.receive('panel', panelTabId ?? -1, message)));
  });
  port.onDisconnect.addListener(() => {
    uiPorts.delete(port);
    uiPortsChanged();
    bodies.forget();
  });
}

// ---------------------------------------------------------------- Firefox: WebSocket messages from content scripts

const socketRelays = new Map(); // port -> { tabId, on (what it was last told) }

/** Tells each relay whose tab's capture was turned on or off (the page-world script copies only while on). */
function tellSocketRelays() {
  for (const [port, relay] of socketRelays) {
    const on = !!state.captured[relay.tabId];
    if (on === relay.on) continue;
    relay.on = on;
    try { port.postMessage({ type: 'state', on }); } catch { socketRelays.delete(port); }
  }
}

/**
 * A frame's socket relay (src/content/socket-isolated.js, Firefox): WebSocket messages as captured-body messages
 * (lib/captured-body.js), each answered {type: 'captured', n, ok} once the helper has it, as the DevTools panel's.
 * Only socket messages are taken, and only while capture is on for the tab.
 */
function connectSocketRelay(port) {
  const tabId = port.sender.tab.id;
  const from = `${tabId}|${port.sender.frameId ?? 0}`;
  const bodies = new CapturedBodies(sink, { source: 'websocket' });
  const relay = { tabId, on: undefined };
  ready.then(() => { socketRelays.set(port, relay); tellSocketRelays(); });
  port.onMessage.addListener(async (msg) => {
    await ready;
    if (msg?.type !== 'captured') return;
    const ack = (ok) => {
      if (msg.n === undefined) return;
      try { port.postMessage({ type: 'captured', n: msg.n, ok }); } catch { /* the frame went */ }
    };
    const message = checkBodyMessage(msg.message);
    const socketMessage = message && (message.t === 'missed' || (message.t === 'body' && (message.part > 0 || message.via === 'websocket')));
    if (!socketMessage || !state.captured[tabId]) { ack(false); return; }
    ack(!!(await bodies.receive(from, tabId, message)));
  });
  port.onDisconnect.addListener(() => {
    socketRelays.delete(port);
    bodies.forget();
  });
}
