// The devtools page: loaded as soon as DevTools opens for a tab (the panel's document only once its tab is
// selected). It adds the "CloudFilm" panel and runs the capture itself (capture.js), so that opening DevTools is
// enough. The panel shows the counts it is sent over a BroadcastChannel (both are pages of this extension, in the
// same DevTools window).
import { startDevtoolsCapture } from './capture.js';

const api = globalThis.browser ?? globalThis.chrome;
const tabId = api.devtools.inspectedWindow.tabId;
const channel = new BroadcastChannel('cloudfilm-devtools');
const { counts } = startDevtoolsCapture({ api, onCounts: (c) => channel.postMessage({ tabId, counts: c }) });
channel.onmessage = (event) => {
  if (event.data?.ask === tabId) channel.postMessage({ tabId, counts });
};
api.devtools.panels.create('CloudFilm', '/icons/icon-32.png', '/src/devtools/panel.html');
