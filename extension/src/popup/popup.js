// The toolbar popup. Also works opened in a tab as popup.html?tab=ID (the tests do that).

import { api, t, isFirefox, localize, send, el, problemBanner, renderStudies, viewNotices } from '../ui/common.js';
import { totalsText, countText } from '../lib/i18n.js';

const $ = (id) => document.getElementById(id);
const selected = new Set();
let tabId;
let tabUrl;
let site = null;
let current = null; // last state from the background
let actionProblem = null; // {name, message} from the last thing the person clicked
let hasCapturePermission = true;
let justStarted = false;
// Capture asked for and not on yet: the switch shows it starting (neither off nor on) until the background says on.
// It must never look on before it is: a page opened meanwhile could run before CloudFilm is in it.
let starting = false;
// Chromium shows "CloudFilm started debugging this browser" while capture is on: said before the first capture.
let debuggerNoticeSeen = true;
const DEBUGGER_NOTICE_KEY = 'debuggerNoticeSeen';

function siteOf(url) {
  try {
    const u = new URL(url);
    return /^https?:$/.test(u.protocol) ? u.host : null;
  } catch { return null; }
}

async function init() {
  localize();
  const param = new URLSearchParams(location.search).get('tab');
  if (param !== null && /^\d+$/.test(param)) {
    tabId = Number(param);
  } else {
    const [tab] = await api.tabs.query({ active: true, currentWindow: true });
    tabId = tab?.id;
  }
  try { tabUrl = (await api.tabs.get(tabId))?.url; } catch { tabUrl = undefined; }
  site = tabUrl ? siteOf(tabUrl) : null;
  if (isFirefox) hasCapturePermission = await api.permissions.contains({ origins: ['<all_urls>'] });
  else debuggerNoticeSeen = !!(await api.storage.local.get(DEBUGGER_NOTICE_KEY).catch(() => ({})))[DEBUGGER_NOTICE_KEY];

  $('capture-toggle').addEventListener('change', onCaptureToggle);
  $('auto-toggle').addEventListener('change', onAutoToggle);
  $('reload').addEventListener('click', () => { api.tabs.reload(tabId); justStarted = false; render(); });
  $('save').addEventListener('click', onSave);
  $('open-folder').addEventListener('click', () => act({ type: 'open-folder' }, () => null));
  $('forget').addEventListener('click', onForget);
  $('open-options').addEventListener('click', (e) => { e.preventDefault(); api.runtime.openOptionsPage(); });

  const port = api.runtime.connect({ name: 'ui' });
  port.onMessage.addListener((msg) => {
    if (msg?.type === 'state') { current = msg.state; render(); }
  });
  port.postMessage({ type: 'watch', tabId });
  // Learn at once whether the helper program is there, so a missing install is said before capture.
  send({ type: 'reconnect', tabId }).then((r) => { if (r?.state) { current = r.state; render(); } }).catch(() => {});
}

function onCaptureToggle(event) {
  const on = event.target.checked;
  if (!on) {
    act({ type: 'capture-stop', tabId }, () => null);
    return;
  }
  // Firefox asks for host permission here, inside the click (a permission request needs it).
  const permission = isFirefox && !hasCapturePermission
    ? api.permissions.request({ origins: ['<all_urls>'] })
    : Promise.resolve(true);
  starting = true;
  event.target.checked = false; // not on yet: the switch shows it starting (render() does once a state is here)
  event.target.indeterminate = true;
  render();
  permission.then((granted) => {
    if (!granted) {
      starting = false;
      actionProblem = { name: 'permission-denied' };
      render();
      return;
    }
    hasCapturePermission = true;
    act({ type: 'capture-start', tabId, url: tabUrl }, () => {
      justStarted = true;
      if (!debuggerNoticeSeen) {  // read once, before the bar first appeared: from now on a one-line reminder
        debuggerNoticeSeen = true;
        api.storage.local.set({ [DEBUGGER_NOTICE_KEY]: true }).catch(() => {});
      }
      return null;
    }, () => { starting = false; });
  }, () => { starting = false; render(); });
}

function onAutoToggle(event) {
  const on = event.target.checked;
  if (!site) return;
  // Chromium must be able to read this site's tab URLs to start capture by itself.
  const pattern = `${new URL(tabUrl).protocol}//${new URL(tabUrl).hostname}/*`;
  const permission = on && !isFirefox ? api.permissions.request({ origins: [pattern] }) : Promise.resolve(true);
  permission.then((granted) => {
    if (!granted) { event.target.checked = false; actionProblem = { name: 'permission-denied' }; render(); return; }
    send({ type: 'set-auto', site, on });
  }, () => { event.target.checked = false; });
}

async function onSave() {
  const series = [...selected];
  await act(series.length ? { type: 'save', series } : { type: 'save' }, (reply) => countText(t, 'savedInto', reply.written ?? 0, reply.outputFolder ?? ''));
}

async function onForget() {
  const series = [...selected];
  const ok = await act(series.length ? { type: 'forget', series } : { type: 'forget' }, (reply) => countText(t, 'forgotten', reply.forgotten ?? 0));
  if (ok) selected.clear();
}

/**
 * Sends an action, shows its outcome; `done(reply)` returns the toast text or null; `settled()` runs once it is
 * answered (or failed), before the popup is drawn again (with the state the answer carries, when it has one).
 */
async function act(msg, done, settled = () => {}) {
  setBusy(true);
  try {
    const r = await send(msg);
    if (r?.state) current = r.state;
    if (r?.ok) {
      actionProblem = null;
      const text = done(r.reply ?? {});
      if (text) toast(text);
      return true;
    }
    actionProblem = { name: r?.problem ?? 'internal', message: r?.message };
    return false;
  } catch (error) {
    actionProblem = { name: 'internal', message: String(error?.message ?? error) };
    return false;
  } finally {
    settled();
    setBusy(false);
    render();
  }
}

let busy = false;
function setBusy(value) {
  busy = value;
  for (const id of ['save', 'open-folder', 'forget']) $(id).disabled = value;
}

let toastTimer;
function toast(text, isError = false) {
  const node = $('toast');
  node.textContent = text;
  node.classList.toggle('error', isError);
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { node.hidden = true; }, 6000);
}

function hostProblems(s) {
  const out = [];
  const hostState = s.host.status;
  if ((hostState === 'disconnected' || hostState === 'host-too-old') && s.host.problem) {
    out.push({ name: s.host.problem.name, message: s.host.problem.message,
      retry: s.host.problem.name !== 'host-too-old' });
  } else if (hostState === 'connecting' && s.tab.capturing) {
    out.push({ name: 'connecting' });
  }
  return out;
}

function render() {
  const s = current;
  if (!s) return;
  // Host status pill.
  const pill = $('host-status');
  pill.dataset.state = s.host.status;
  pill.textContent = {
    connected: t('hostReady'), connecting: t('hostConnectingShort'), disconnected: t('hostOffline'),
    'host-too-old': t('hostOffline'), idle: '',
  }[s.host.status] ?? '';
  pill.hidden = !pill.textContent;

  // Problems, in plain words.
  const problems = $('problems');
  problems.replaceChildren();
  const shown = new Set();
  const add = (p, opts = {}) => {
    if (!p || shown.has(p.name)) return;
    shown.add(p.name);
    problems.append(problemBanner(p.name, { detail: p.message, ...opts }));
  };
  for (const p of hostProblems(s)) {
    if (p.name === 'host-exited' && !s.tab.capturing) continue;
    add(p, p.retry ? { onRetry: () => send({ type: 'reconnect', tabId }) } : {});
  }
  if (s.problem) add(s.problem, { onDismiss: () => send({ type: 'dismiss-problem' }) });
  if (actionProblem && !shown.has(actionProblem.name)) add(actionProblem, { onDismiss: () => { actionProblem = null; render(); } });
  if (s.view.renderedOnly) add({ name: 'rendered-only' });
  problems.append(...viewNotices(s.view));
  // Said while the helper is still away too: the person should know those images are not kept.
  if (s.tab.capturing && s.tab.missed > 0) {
    problems.append(el('div', { class: 'banner warn' }, el('p', {}, countText(t, 'missedWhilePaused', s.tab.missed))));
  }
  // Answers this page received before capture was ready in it (it was opened while capture was being turned on).
  if (s.tab.capturing && s.tab.missedEarly > 0) {
    problems.append(el('div', { class: 'banner warn', dataset: { problem: 'missed-early' } },
      el('p', {}, countText(t, 'missedBeforeReady', s.tab.missedEarly))));
  }

  // Bodies the DevTools panel's capture got cut short (Firefox keeps at most 1 MiB of a response): not kept.
  if (s.tab.devtoolsCut > 0) {
    problems.append(el('div', { class: 'banner warn', role: 'alert', dataset: { problem: 'devtools-cut' } },
      el('p', { class: 'banner-text' }, s.browser === 'firefox' ? countText(t, 'devtoolsCutFirefox', s.tab.devtoolsCut)
        : countText(t, 'devtoolsCutChromium', s.tab.devtoolsCut))));
  }

  // Capture switch.
  const restricted = tabUrl !== undefined && !/^(https?|file):/i.test(tabUrl);
  const startingNow = !s.tab.capturing && (starting || s.tab.starting);
  $('capture-toggle').checked = s.tab.capturing;
  $('capture-toggle').indeterminate = startingNow;
  $('capture-toggle').disabled = restricted || tabId === undefined || startingNow;
  $('capture-sub').textContent = restricted ? t('errCaptureNotAllowed')
    : startingNow ? t('captureStarting')
      : s.tab.capturing ? (s.tab.paused ? t('capturePaused') : t('captureOnFor', site ?? t('thisTab')))
        : t('captureOffFor', site ?? t('thisTab'));
  $('auto-row').hidden = !site || restricted;
  $('auto-label').textContent = t('autoOnSite', site ?? '');
  $('auto-toggle').checked = !!site && s.autoSites.includes(site);
  $('reload-offer').hidden = !(s.tab.capturing && (justStarted || s.tab.missed > 0 || s.tab.missedEarly > 0));
  $('debugger-notice').hidden = s.browser !== 'chromium' || s.tab.capturing || debuggerNoticeSeen || restricted;
  $('debugger-bar-note').hidden = s.browser !== 'chromium' || !s.tab.capturing;

  // Captured studies.
  const v = s.view;
  for (const uid of [...selected]) {
    if (!v.patients.some((p) => p.studies.some((st) => st.series.some((x) => x.seriesInstanceUid === uid)))) selected.delete(uid);
  }
  $('empty').hidden = v.totals.series > 0 || v.awaiting.length > 0;
  $('totals').textContent = v.totals.series > 0 ? totalsText(t, v.totals) : '';
  $('studies').replaceChildren(renderStudies(v, { selected, onToggle: (uid, on) => {
    if (on) selected.add(uid); else selected.delete(uid);
    renderButtons(v);
  } }));
  const extra = [];
  if (v.totals.reconstruction > 0) extra.push(countText(t, 'reconstructionCount', v.totals.reconstruction));
  if (v.totals.rejected > 0) extra.push(countText(t, 'rejectedCount', v.totals.rejected));
  if (s.tab.inFlight > 0) extra.push(t('inFlight', s.tab.inFlight));
  $('extra').textContent = extra.join(' · ');
  $('output-folder').textContent = s.host.outputFolder ?? '';
  $('output-folder').title = s.host.outputFolder ?? '';
  renderButtons(v);
}

function renderButtons(v) {
  const hasData = v.totals.series > 0 || v.totals.reconstruction > 0;
  $('save').textContent = selected.size ? t('saveSelected', selected.size) : t('saveAll');
  $('forget').textContent = selected.size ? t('forgetSelected', selected.size) : t('forget');
  $('save').disabled = busy || !hasData;
  $('forget').disabled = busy || !hasData;
  $('open-folder').disabled = busy;
}

init();
