// Launches Debian's Chromium or Firefox ESR headless with the extension, and drives its toolbar popup.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { extensionDir, userSetup } from './install.mjs';
import { ROOT } from './bed.mjs';

const IDS = JSON.parse(readFileSync(path.join(ROOT, 'extension', 'ids.json'), 'utf8'));
export const BROWSERS = { chromium: '/usr/bin/chromium', firefox: '/usr/bin/firefox-esr' };
const FIREFOX_UUID = '3b5c1f0e-7d1a-4c59-9a7e-c10df11e0001';

export function requireBrowser(name) {
  // No silent skipping: a missing browser is a failed run (installer/deps.sh --tests installs both).
  if (!existsSync(BROWSERS[name])) throw new Error(`${BROWSERS[name]} is missing: run installer/deps.sh --tests`);
  return BROWSERS[name];
}

/** Reads what a person sees in the popup (same shape in both browsers). */
export const POPUP_FIELDS = ['#capture-toggle', '#capture-sub', '#totals', '#problems', '#studies', '#toast',
  '#save', '#host-status', '#extra', '#empty', '#debugger-notice', '#debugger-bar-note'];

/**
 * Runs `fn(session, setup)` in a fresh browser set up the way a person would (`userSetup(name, options.setup)`, then
 * `launch(name, setup, options.launch)`). On failure prints what the popup showed (and the kept folder with
 * CLOUDFILM_E2E_KEEP); always closes the browser and removes the temporary HOME.
 */
export async function withBrowser(name, fn, { setup: setupOptions, launch: launchOptions } = {}) {
  const setup = userSetup(name, setupOptions);
  const session = await launch(name, setup, launchOptions);
  try {
    return await fn(session, setup);
  } catch (error) {
    try { console.error(`${name} popup at failure:`, JSON.stringify(await session.read())); } catch { /* closed */ }
    if (process.env.CLOUDFILM_E2E_KEEP) console.error(`kept: ${setup.base}`);
    throw error;
  } finally {
    await session.close();
    setup.cleanup();
  }
}

/**
 * Starts a browser with the extension. `networkEnabled: false` keeps puppeteer's own Network domain off (Chromium):
 * the benchmark's browsers, which must cost what a person's browser costs. `extraArgs` go to either browser's command
 * line (e.g. `--auto-open-devtools-for-tabs`, Firefox's `--devtools`); `firefoxPrefs` are added to the Firefox profile.
 * `webgl`: WebGL in software, for a viewer that needs it (OHIF: cornerstone3D): Chromium with SwiftShader instead of
 * `--disable-gpu` (which would leave it without), Firefox through Mesa's llvmpipe.
 */
export async function launch(name, setup, { lang = 'en', extraArgs = [], networkEnabled = true, firefoxPrefs = {},
  webgl = false } = {}) {
  const executablePath = requireBrowser(name);
  const ext = extensionDir(name);
  if (name === 'chromium') {
    const gpu = webgl ? ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'] : ['--disable-gpu'];
    const browser = await puppeteer.launch({
      executablePath, headless: true, pipe: true, userDataDir: setup.profile, env: setup.env,
      ignoreDefaultArgs: ['--disable-extensions'], protocolTimeout: 240000, networkEnabled,
      args: ['--no-sandbox', ...gpu, '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--silent-debugger-extension-api', `--lang=${lang}`,
        `--disable-extensions-except=${ext}`, `--load-extension=${ext}`, '--window-size=1200,900', ...extraArgs],
    });
    return new ChromiumSession(browser, lang);
  }
  // Headless Firefox has no WebGL unless it makes its GL context itself, through Mesa's EGL without a display
  // (llvmpipe): seen working with Firefox ESR 153 and Debian 12's Mesa 22.
  const webglEnv = webgl ? { LIBGL_ALWAYS_SOFTWARE: '1', MOZ_WEBGL_FORCE_EGL: '1', EGL_PLATFORM: 'surfaceless' } : {};
  const webglPrefs = webgl ? { 'webgl.force-enabled': true, 'webgl.out-of-process': false, 'webgl.prefer-native-gl': false } : {};
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath, headless: true, env: { ...setup.env, ...webglEnv }, protocolTimeout: 240000,
    args: extraArgs,
    extraPrefsFirefox: {
      ...webglPrefs,
      ...firefoxPrefs,
      'extensions.openPopupWithoutUserGesture.enabled': true,
      'extensions.webextensions.uuids': JSON.stringify({ [IDS.geckoId]: FIREFOX_UUID }),
      'intl.accept_languages': lang === 'zh-CN' ? 'zh-CN, zh' : 'en-US, en',
      'intl.locale.requested': lang === 'zh-CN' ? 'zh-CN' : 'en-US',
      'browser.shell.checkDefaultBrowser': false,
      'datareporting.policy.dataSubmissionEnabled': false,
    },
  });
  await browser.installExtension(ext);
  return new FirefoxSession(browser, lang);
}

class Session {
  constructor(browser, lang) { this.browser = browser; this.lang = lang; }
  async page() {
    if (!this._page) {
      const pages = await this.browser.pages();
      this._page = pages[0] ?? await this.browser.newPage();
    }
    return this._page;
  }
  /** Opens a viewer URL and waits until every DICOM request it makes has completed. */
  async browse(url, { timeoutMs = 120000 } = {}) {
    const page = await this.page();
    await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
    await page.waitForFunction(() => window.viewerStatus?.state === 'done', { timeout: timeoutMs, polling: 100 });
    return page.evaluate(() => window.viewerStatus);
  }
  async close() { await this.browser.close().catch(() => {}); }
}

class ChromiumSession extends Session {
  name = 'chromium';
  async extensionWorker() {
    const target = await this.browser.waitForTarget((t) => t.type() === 'service_worker' &&
      t.url().startsWith(`chrome-extension://${IDS.chromiumId}/`), { timeout: 30000 });
    return target.worker();
  }
  /** Clicks the toolbar button: chrome.action.openPopup() with the web page in front, then the popup page. */
  async openPopup() {
    const page = await this.page();
    await page.bringToFront();
    if (this.popup && !this.popup.isClosed()) await this.popup.close().catch(() => {});
    const popupTarget = this.browser.waitForTarget((t) => t.url().startsWith(`chrome-extension://${IDS.chromiumId}/`) &&
      t.url().includes('popup.html'), { timeout: 30000 });
    popupTarget.catch(() => {}); // awaited below; never an unhandled rejection if opening fails first
    // Right after the browser starts, the worker target can be there before its extension APIs are
    // ("chrome is not defined"): ask again, as a person would click again.
    for (let attempt = 1; ; attempt += 1) {
      try {
        const worker = await this.extensionWorker();
        await worker.evaluate(() => chrome.action.openPopup());
        break;
      } catch (error) {
        if (attempt >= 10 || !/chrome is not defined|Target closed|Execution context|detached/i.test(String(error?.message))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    }
    const target = await popupTarget;
    this.popup = await target.asPage();
    await this.popup.waitForSelector('#capture-toggle');
    await this.popup.waitForFunction(() => document.getElementById('host-status')?.dataset.state !== undefined);
    return this.popup;
  }
  async click(selector) {
    if (selector === '#capture-toggle') selector = 'label.switch-row .slider';
    // The popup redraws itself as state arrives: a node found a moment ago may be replaced before the click lands.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.popup.click(selector);
        return;
      } catch (error) {
        if (attempt >= 5 || !/detached|not clickable|No node found/i.test(String(error?.message))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
  async read() {
    return this.popup.evaluate((fields) => {
      const out = {};
      for (const f of fields) {
        const n = document.querySelector(f);
        out[f] = n ? { text: n.textContent, hidden: n.hidden, checked: n.checked, disabled: n.disabled } : null;
      }
      out.problemNames = [...document.querySelectorAll('#problems [data-problem]')].map((n) => n.dataset.problem);
      return out;
    }, POPUP_FIELDS);
  }
  /** Each captured series as the popup shows it: its text, whether a hint is under it, attributes not sent. */
  async readSeries() {
    return this.popup.evaluate(() => [...document.querySelectorAll('#studies li[data-series]')].map((n) => ({
      uid: n.dataset.series, text: n.textContent, awaiting: n.classList.contains('awaiting'),
      warn: n.querySelector('.series-warn')?.textContent ?? null,
      rebuilt: Number(/\d+/.exec(n.querySelector('.rebuilt')?.textContent ?? '')?.[0] ?? 0),
      notSent: n.querySelector('.series-note') ? Number(n.querySelector('.series-note').dataset.notSent) : 0 })));
  }
  /**
   * Tabs the extension's own debugger client holds. getTargets() cannot say (puppeteer's attachment counts as
   * attached too); a command from the extension goes through only where its client is attached.
   */
  async debuggerTabs() {
    const worker = await this.extensionWorker();
    return worker.evaluate(async () => {
      const held = [];
      for (const tab of await chrome.tabs.query({})) {
        try {
          await chrome.debugger.sendCommand({ tabId: tab.id }, 'Runtime.evaluate', { expression: '0' });
          held.push(tab.id);
        } catch { /* not attached by us */ }
      }
      return held;
    });
  }
  /** CDP screenshot of the popup (page.screenshot() can hang on these pages). */
  async screenshotPopup() {
    const session = await this.popup.createCDPSession();
    const { data } = await session.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
    await session.detach();
    return Buffer.from(data, 'base64');
  }
}

class FirefoxSession extends Session {
  name = 'firefox';
  /** The test build's bridge: the page posts a message that its content script relays to the background. */
  async bridge(message) {
    const page = await this.page();
    await page.waitForFunction(() => document.documentElement.dataset.cloudfilmTestBridge, { timeout: 30000 });
    return page.evaluate((msg) => new Promise((resolve) => {
      const id = Math.random().toString(36).slice(2);
      const listener = (event) => {
        if (event.source !== window || event.data?.cloudfilmTestReply !== id) return;
        window.removeEventListener('message', listener);
        resolve(event.data.reply);
      };
      window.addEventListener('message', listener);
      window.postMessage({ cloudfilmTest: id, message: msg }, '*');
    }), message);
  }
  async openPopup() {
    // Firefox keeps the popup open across the page's navigations here; a second openPopup() is refused.
    const already = await this.bridge({ type: 'popup-do', read: ['#capture-toggle'] });
    if (already?.open) return true;
    const reply = await this.bridge({ type: 'open-popup' });
    if (!reply?.ok) throw new Error(`open-popup failed: ${JSON.stringify(reply)}`);
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      const r = await this.bridge({ type: 'popup-do', read: ['#capture-toggle', '#host-status'] });
      if (r?.open && r.read['#capture-toggle']) {
        await new Promise((resolve) => setTimeout(resolve, 300)); // let it draw the state it was sent
        return true;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the Firefox popup did not open');
  }
  async click(selector) {
    const r = await this.bridge({ type: 'popup-do', click: selector });
    if (!r?.ok || !r.open) throw new Error(`popup click ${selector}: ${JSON.stringify(r)}`);
  }
  async read() {
    const r = await this.bridge({ type: 'popup-do', read: POPUP_FIELDS });
    if (!r?.open) throw new Error('the popup is closed');
    return r.read;
  }
}

/** Polls the popup until `predicate(fields)` holds; returns the fields. */
export async function waitForPopup(session, predicate, { timeoutMs = 60000, what = 'the popup state' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await session.read();
    if (predicate(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}; popup showed ${JSON.stringify(last, null, 1)}`);
}
