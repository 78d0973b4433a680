import { api, t, localize, send, el, problemBanner, formatBytes } from '../ui/common.js';

const $ = (id) => document.getElementById(id);

async function load() {
  localize();
  $('folder-form').addEventListener('submit', onSubmit);
  const r = await send({ type: 'get-settings' });
  if (r?.ok) $('folder').value = r.reply.outputFolder ?? '';
  else showProblem(r);
  const state = await send({ type: 'get-state' });
  if (state?.ok) renderState(state.state);
  const port = api.runtime.connect({ name: 'ui' });
  port.onMessage.addListener((msg) => { if (msg?.type === 'state') renderState(msg.state); });
  port.postMessage({ type: 'watch' });
}

function showProblem(r) {
  $('problems').replaceChildren();
  if (r && !r.ok) $('problems').append(problemBanner(r.problem, { detail: r.message }));
}

async function onSubmit(event) {
  event.preventDefault();
  const folder = $('folder').value.trim();
  $('folder-status').textContent = '';
  const r = await send({ type: 'set-settings', outputFolder: folder });
  if (r?.ok) {
    $('folder').value = r.reply.outputFolder ?? folder;
    $('folder-status').textContent = t('outputFolderSaved');
    showProblem(null);
  } else {
    showProblem(r);
  }
}

function renderState(s) {
  const sites = $('sites');
  sites.replaceChildren(...s.autoSites.map((site) => el('li', {},
    el('span', {}, site),
    el('button', { class: 'button small', type: 'button', onclick: () => send({ type: 'set-auto', site, on: false }) }, t('remove')))));
  $('no-sites').hidden = s.autoSites.length > 0;
  const h = s.host;
  $('helper').textContent = h.status === 'connected'
    ? t('helperConnected', h.hostVersion ?? '?', formatBytes(h.freeBytes ?? NaN) || '?')
    : (h.problem ? t(h.problem.name === 'not-installed' ? 'errHostNotInstalled' : 'hostOffline') : t('hostConnectingShort'));
  if (h.status !== 'connected' && h.problem && ['not-installed', 'forbidden', 'host-too-old'].includes(h.problem.name)) {
    $('problems').replaceChildren(problemBanner(h.problem.name));
  }
}

load();
