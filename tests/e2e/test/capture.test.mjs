// The whole path in real browsers: installer-written host manifest, the built extension, capture switched on in the
// popup, every series browsed in a dwv page served next to Orthanc, "Save captured series", then the output folder
// is checked file by file against what Orthanc served.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startBed, allSeries, ROOT } from '../lib/bed.mjs';
import { sha, outputFiles } from '../lib/output.mjs';
import { withBrowser, waitForPopup } from '../lib/browsers.mjs';

let bed;
let series;
before(async () => {
  bed = await startBed();
  series = await allSeries(bed.orthanc);
});
after(async () => { await bed?.stop(); });

/** What Orthanc stored, by SHA-256: { hash -> {instance, series} }. */
async function servedFiles(mode, list) {
  const out = new Map();
  for (const s of list) {
    for (const i of s.instances) {
      const bytes = Buffer.from(await (await fetch(`${bed.orthanc.url}/instances/${i.id}/file`)).arrayBuffer());
      out.set(sha(bytes), { series: s, instance: i, size: bytes.length });
    }
  }
  return out;
}

async function turnCaptureOn(session) {
  await session.openPopup();
  await session.click('#capture-toggle');
  return waitForPopup(session, (p) => p['#capture-toggle'].checked && p['#host-status'].text !== '' &&
    !p.problemNames.includes('connecting'), { what: 'capture on and the host ready' });
}

const TEXT = {
  en: { totals: (i, s, st) => `${i} image${i === 1 ? '' : 's'} · ${s} series · ${st} ${st === 1 ? 'study' : 'studies'}`, saved: (i) => new RegExp(`^Saved ${i} images to `) },
  'zh-CN': { totals: (i, s, st) => `${i} 幅影像 · ${s} 个序列 · ${st} 项检查`, saved: (i) => new RegExp(`^已将 ${i} 幅影像保存到 `) },
};

async function captureStudy(browserName, mode, { lang = 'en', screenshot } = {}) {
  return withBrowser(browserName, async (session, setup) => {
    const text = TEXT[lang];
    const page = await session.page();
    await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
    const on = await turnCaptureOn(session);
    assert.equal(on.problemNames.length, 0, `no problem shown after capture on: ${JSON.stringify(on)}`);

    // dwv cannot decode JPEG-LS and fails to show WADO-RS multipart series: the requests still all complete,
    // which is all the capture needs.
    const browsed = [];
    for (const s of series) {
      const status = await session.browse(mode === 'worker' ? `${bed.site.url}/worker.html?series=${s.id}&close=1`
        : `${bed.site.url}/viewer.html?mode=${mode}&series=${s.id}`);
      assert.equal(status.completed, s.instances.length, `every request of series ${s.description} completed`);
      browsed.push(s);
    }
    const total = browsed.reduce((n, s) => n + s.instances.length, 0);
    const studies = new Set(browsed.map((s) => s.studyUid)).size;

    await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
    await session.openPopup();
    const counted = await waitForPopup(session, (p) => p['#totals'].text === text.totals(total, browsed.length, studies),
      { timeoutMs: 120000, what: `${total} images in the popup` });
    assert.equal(counted['#totals'].text, text.totals(total, browsed.length, studies));
    assert.match(counted['#studies'].text, /王\^?小明/, 'the Chinese patient name is shown decoded');

    await session.click('#save');
    const saved = await waitForPopup(session, (p) => !p['#toast'].hidden && text.saved('\\d+').test(p['#toast'].text),
      { timeoutMs: 180000, what: 'the save toast' });
    assert.match(saved['#toast'].text, text.saved(total));
    // CLOUDFILM_SCREENSHOTS=1 refreshes the README's pictures in docs/ (kept out of ordinary runs).
    if (screenshot && process.env.CLOUDFILM_SCREENSHOTS === '1') writeFileSync(screenshot, await session.screenshotPopup());
    else if (screenshot) assert.ok((await session.screenshotPopup()).length > 1000, 'the popup can be photographed');

    // Every instance is in the output folder, byte for byte.
    const expected = await servedFiles(mode, browsed);
    const files = outputFiles(setup.output);
    const byHash = new Map(files.map((f) => [sha(readFileSync(f)), f]));
    const missing = [...expected.entries()].filter(([hash]) => !byHash.has(hash))
      .map(([, v]) => `${v.series.description}/${v.instance.sop}`);
    assert.deepEqual(missing, [], 'every served instance is saved byte-identical');
    assert.equal(files.filter((f) => f.endsWith('.dcm')).length, total, 'one file per instance');

    // Folders: patient / study / series, names decoded.
    const patients = readdirSync(setup.output).filter((n) => statSync(path.join(setup.output, n)).isDirectory());
    assert.ok(patients.some((n) => n.startsWith('王小明')), `a folder starting with 王小明 among ${patients}`);
    const chinese = path.join(setup.output, patients.find((n) => n.startsWith('王小明')));
    const studyFolders = readdirSync(chinese);
    assert.equal(studyFolders.length, 1);
    assert.match(studyFolders[0], /^2026-03-02 .*胸部平扫/);
    const seriesFolders = readdirSync(path.join(chinese, studyFolders[0])).sort();
    assert.equal(seriesFolders.length, 2, `two series folders: ${seriesFolders}`);
    assert.match(seriesFolders.join('|'), /平扫 5mm/);
    const firstSeries = readdirSync(path.join(chinese, studyFolders[0], seriesFolders[0])).sort();
    assert.deepEqual(firstSeries.filter((f) => f.endsWith('.dcm')).length, 6);
    return { setup, session, total };
  }, { launch: { lang } });
}

test('Chromium, WADO-URI: every instance saved byte-identical, in named folders', async () => {
  await captureStudy('chromium', 'wado-uri', { screenshot: path.join(ROOT, 'docs', 'popup-en.png') });
});

test('Chromium in Chinese, WADO-RS (multipart, transfer-syntax=*): every instance saved as served', async () => {
  await captureStudy('chromium', 'wado-rs', { lang: 'zh-CN', screenshot: path.join(ROOT, 'docs', 'popup-zh-CN.png') });
});

// Some viewers download in a dedicated worker; this one ends itself as soon as its last file is in, so a body must
// be caught before the worker (and, in Chromium, its debugger session) is gone.
test('Chromium, files fetched by a worker that ends at once: every instance saved byte-identical', async () => {
  await captureStudy('chromium', 'worker');
});

test('Firefox, files fetched by a worker that ends at once: every instance saved byte-identical', async () => {
  await captureStudy('firefox', 'worker');
});

test('Firefox, WADO-URI: every instance saved byte-identical, in named folders', async () => {
  await captureStudy('firefox', 'wado-uri');
});

test('Firefox, WADO-RS (multipart, transfer-syntax=*): every instance saved as served', async () => {
  await captureStudy('firefox', 'wado-rs');
});

// Chromium's capture keeps a page's copies in the page until it has been quiet for a moment; a tab closed before then
// must hand them over on its way out (the person who closes the viewer as soon as the last image shows).
test('Chromium, a tab closed the moment its viewer finished: every instance still saved byte-identical', async () => {
  await withBrowser('chromium', async (session, setup) => {
    const page = await session.page();
    await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
    await turnCaptureOn(session);
    const s = series.reduce((a, b) => (b.instances.length > a.instances.length ? b : a));
    const status = await session.browse(`${bed.site.url}/viewer.html?mode=wado-uri&series=${s.id}`);
    assert.equal(status.completed, s.instances.length);
    await page.close({ runBeforeUnload: true }); // as a person closes a tab, not as a crash
    session._page = await session.browser.newPage();
    await session._page.goto(`${bed.site.url}/`, { waitUntil: 'load' });

    await session.openPopup();
    const total = s.instances.length;
    await waitForPopup(session, (p) => p['#totals'].text.startsWith(TEXT.en.totals(total, 1, 1).split(' · ')[0]),
      { timeoutMs: 60000, what: `${total} images in the popup` });
    await session.click('#save');
    await waitForPopup(session, (p) => !p['#toast'].hidden && TEXT.en.saved('\\d+').test(p['#toast'].text),
      { timeoutMs: 120000, what: 'the save toast' });
    const expected = await servedFiles('wado-uri', [s]);
    const saved = new Set(outputFiles(setup.output).map((f) => sha(readFileSync(f))));
    const missing = [...expected.entries()].filter(([hash]) => !saved.has(hash)).map(([, v]) => v.instance.sop);
    assert.deepEqual(missing, [], 'every instance of the series is saved byte-identical');
  });
});
