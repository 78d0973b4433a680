// The DevTools panel: what the devtools page (devtools.js, capture.js) captures from this tab, shown as the popup
// shows it (the background's state over the port `ui`), with the devtools page's own counts (a BroadcastChannel).

import { api, t, isFirefox, localize, problemBanner, renderStudies, el, viewNotices } from '../ui/common.js';
import { countText } from '../lib/i18n.js';

const $ = (id) => document.getElementById(id);
const tabId = api.devtools.inspectedWindow.tabId;

function renderCounts(counts) {
  $('n-seen').textContent = counts.seen;
  $('n-sent').textContent = counts.sent;
  $('n-cut').textContent = counts.cut;
  $('n-empty').textContent = counts.empty;
}

function render(s) {
  const pill = $('host-status');
  pill.dataset.state = s.host.status;
  pill.textContent = s.host.status === 'connected' ? t('hostReady') : (s.host.status === 'connecting' ? t('hostConnectingShort') : t('hostOffline'));
  const problems = $('problems');
  problems.replaceChildren();
  if (s.host.status !== 'connected' && s.host.problem) problems.append(problemBanner(s.host.problem.name, { detail: s.host.problem.message }));
  if (s.problem) problems.append(problemBanner(s.problem.name));
  if (s.view.renderedOnly) problems.append(problemBanner('rendered-only'));
  problems.append(...viewNotices(s.view));
  if (s.tab.devtoolsCut > 0) {
    problems.append(el('div', { class: 'banner warn', role: 'alert', dataset: { problem: 'devtools-cut' } },
      el('p', { class: 'banner-text' }, isFirefox ? countText(t, 'devtoolsCutFirefox', s.tab.devtoolsCut)
        : countText(t, 'devtoolsCutChromium', s.tab.devtoolsCut))));
  }
  $('empty').hidden = s.view.totals.series > 0;
  $('studies').replaceChildren(renderStudies(s.view, { selectable: false }));
}

function connect() {
  const port = api.runtime.connect({ name: 'ui' });
  port.onMessage.addListener((msg) => { if (msg?.type === 'state') render(msg.state); });
  port.onDisconnect.addListener(() => setTimeout(connect, 1000)); // the service worker restarted
  port.postMessage({ type: 'watch', tabId });
}

localize();
renderCounts({ seen: 0, sent: 0, cut: 0, empty: 0 });
const channel = new BroadcastChannel('cloudfilm-devtools');
channel.onmessage = (event) => { if (event.data?.tabId === tabId && event.data.counts) renderCounts(event.data.counts); };
channel.postMessage({ ask: tabId });
connect();
