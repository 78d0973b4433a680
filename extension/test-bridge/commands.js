// TEST BUILDS ONLY (node build.mjs --test makes src/background/build-flags.js export these). Never shipped.
// What the end-to-end tests ask of the background through the bridge (bridge.js), beyond the normal message switch:
// in Firefox puppeteer cannot reach the popup document, so the tests open the popup and click in it through here.

import { api, action } from '../src/background/platform.js';

/** Reads what a person sees of the popup's `selectors`. */
function readPopup(view, selectors) {
  const read = {};
  for (const selector of Array.isArray(selectors) ? selectors : []) {
    const node = view.document.querySelector(String(selector));
    read[selector] = node ? { text: node.textContent, hidden: node.hidden, checked: node.checked,
      disabled: node.disabled } : null;
  }
  read.problemNames = [...view.document.querySelectorAll('#problems [data-problem]')].map((n) => n.dataset.problem);
  return read;
}

export const testCommands = new Map([
  /** The toolbar button's popup, opened as a click would. */
  ['open-popup', async () => {
    await action.openPopup();
    return { ok: true };
  }],
  /** {click?: selector, read?: [selector]}: clicks in the open popup, then reads it. */
  ['popup-do', async (msg) => {
    if (!api.extension?.getViews) return { ok: false, problem: 'internal' };
    const view = api.extension.getViews({ type: 'popup' })[0];
    if (!view) return { ok: true, open: false };
    if (msg.click) {
      const target = view.document.querySelector(String(msg.click));
      if (!target) return { ok: false, problem: 'internal', message: `no ${msg.click} in the popup` };
      target.click();
    }
    return { ok: true, open: true, read: readPopup(view, msg.read), lang: view.document.documentElement.lang };
  }],
]);
