// DICOM that arrives over a WebSocket or inside ZIP files (issue 13), in real browsers: capture switched on in the
// popup, every series of the test study browsed on the test site's Socket.IO-style page (binary messages as
// ArrayBuffer, as Blob, and from a socket in a dedicated worker, module or classic), its one-ZIP-per-image page
// (fetch and XHR), and its "download the study" button (the study's ZIP fetched by the page); "Save captured
// series"; then every saved file is compared with Orthanc's original, byte for byte. The helper drops Socket.IO's
// 0x04 prefix and opens the ZIPs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBed, allSeries, orthancJson } from '../lib/bed.mjs';
import { missingFromOutput } from '../lib/output.mjs';
import { withBrowser, waitForPopup } from '../lib/browsers.mjs';

let bed;
let series;
let studies;
before(async () => {
  bed = await startBed();
  series = await allSeries(bed.orthanc);
  studies = await orthancJson(bed.orthanc, '/studies');
});
after(async () => { await bed?.stop(); });

async function turnCaptureOn(session) {
  await session.openPopup();
  await session.click('#capture-toggle');
  return waitForPopup(session, (p) => p['#capture-toggle'].checked && p['#host-status'].text !== '' &&
    !p.problemNames.includes('connecting'), { what: 'capture on and the host ready' });
}

/** Clicks the study page's download button and waits until the page has the ZIP. */
async function downloadStudy(session, url) {
  const page = await session.page();
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.viewerStatus?.state === 'ready', { timeout: 30000 });
  await page.click('#download');
  await page.waitForFunction(() => window.viewerStatus?.state === 'done', { timeout: 120000, polling: 100 });
  return page.evaluate(() => window.viewerStatus);
}

/**
 * In a fresh browser with capture on: opens each of `pages` ({url, expected, click}), saves, and checks that every
 * instance of the study is in the output folder byte-identical to Orthanc's original.
 */
async function keepsEveryInstance(browserName, pages) {
  await withBrowser(browserName, async (session, setup) => {
    const page = await session.page();
    await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
    const on = await turnCaptureOn(session);
    assert.equal(on.problemNames.length, 0, `no problem shown after capture on: ${JSON.stringify(on)}`);
    for (const p of pages) {
      const status = p.click ? await downloadStudy(session, p.url) : await session.browse(p.url);
      assert.deepEqual(status.errors, [], `${p.url}: the page had no errors`);
      assert.equal(status.completed, p.expected, `${p.url}: everything arrived`);
    }
    const total = series.reduce((n, s) => n + s.instances.length, 0);
    await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
    await session.openPopup();
    await waitForPopup(session, (p) => p['#totals'].text.startsWith(`${total} images`),
      { timeoutMs: 120000, what: `${total} images in the popup` });
    await session.click('#save');
    const saved = await waitForPopup(session, (p) => !p['#toast'].hidden && /^Saved \d+ images to /.test(p['#toast'].text),
      { timeoutMs: 180000, what: 'the save toast' });
    assert.match(saved['#toast'].text, new RegExp(`^Saved ${total} images to `));
    assert.deepEqual(await missingFromOutput(bed.orthanc, series, setup.output), [],
      'every instance is saved byte-identical to Orthanc\'s original');
  });
}

const socketPages = (query) => series.map((s) => ({ url: `${bed.site.url}/socket.html?series=${s.id}&${query}`, expected: s.instances.length }));
// Each series alternately by fetch and by XMLHttpRequest.
const zipPages = () => series.map((s, n) => ({ url: `${bed.site.url}/zip.html?series=${s.id}&via=${n % 2 ? 'xhr' : 'fetch'}`,
  expected: s.instances.length }));
const studyZipPages = () => studies.map((id) => ({ url: `${bed.site.url}/study-zip.html?study=${id}`, expected: 1, click: true }));

for (const browserName of ['chromium', 'firefox']) {
  const name = browserName === 'chromium' ? 'Chromium' : 'Firefox';
  test(`${name}, WebSocket (Socket.IO-style, binary messages as ArrayBuffer): every instance saved byte-identical`, async () => {
    await keepsEveryInstance(browserName, socketPages('binary=arraybuffer'));
  });

  test(`${name}, WebSocket (binary messages as Blob): every instance saved byte-identical`, async () => {
    await keepsEveryInstance(browserName, socketPages('binary=blob'));
  });

  test(`${name}, one ZIP per image (fetch and XHR): every instance saved byte-identical`, async () => {
    await keepsEveryInstance(browserName, zipPages());
  });

  test(`${name}, the study downloaded as a ZIP by the page's button: every instance saved byte-identical`, async () => {
    await keepsEveryInstance(browserName, studyZipPages());
  });
}

// The socket in a dedicated worker (the page forbids blob: workers): Chromium's hook goes in through the debugger,
// Firefox's relay in front of the worker's script. Every series twice, in a module worker (ArrayBuffer) and in a
// classic 'use strict' worker that imports its client relatively (Blob): the pages fail on any message of ours.
for (const browserName of ['chromium', 'firefox']) {
  const name = browserName === 'chromium' ? 'Chromium' : 'Firefox';
  test(`${name}, WebSocket in a dedicated worker (module and classic, ArrayBuffer and Blob): every instance saved byte-identical`, async () => {
    await keepsEveryInstance(browserName, [...socketPages('binary=arraybuffer&worker=module'), ...socketPages('binary=blob&worker=classic')]);
  });
}
