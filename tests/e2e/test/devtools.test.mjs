// The second way in, in real browsers: capture through DevTools only (devtools.network, run by the extension's
// devtools page), never switched on in the popup. DevTools opens by itself (Chromium `--auto-open-devtools-for-tabs`
// for a new tab, Firefox `--devtools` for the first tab); nobody selects the CloudFilm panel. Every series of the
// study set is browsed, plus one generated instance over 1 MiB (2 MiB of pixels, dcmscale of an MR slice), then
// "Save captured series" in the popup, and the output folder is compared with Orthanc's originals byte for byte.
// Firefox's DevTools keeps only the first 1 MiB of a response (Firefox 153 ESR gives the rest as zeros at the full
// length): the large instance is said cut in the popup, in plain words, and not saved; everything else is. With the
// limit lifted (a preference) the same instance is kept whole and nothing is said cut.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBed, allSeries } from '../lib/bed.mjs';
import { sha, outputFiles, servedFiles } from '../lib/output.mjs';
import { withBrowser, waitForPopup } from '../lib/browsers.mjs';

const BIG_DESCRIPTION = 'DEVTOOLS OVER 1 MIB';
let bed;
let series;
let big; // the series holding the large instance
let scratch;

/** One instance over 1 MiB, made with DCMTK from a slice of the test study (new study, series and SOP UIDs). */
function makeLargeInstance(dir) {
  const source = path.join(bed.studyDir, 'mr', 'brain_005.dcm');
  const file = path.join(dir, 'large.dcm');
  execFileSync('dcmscale', ['+Sxf', '4', source, file], { stdio: ['ignore', 'ignore', 'pipe'] });
  execFileSync('dcmodify', ['-q', '-nb', '-gin', '-gst', '-gse', '-m', `(0008,103e)=${BIG_DESCRIPTION}`,
    '-m', '(0020,0011)=900', file]);
  assert.ok(statSync(file).size > 1024 * 1024 + 4096, `the large instance is over 1 MiB (${statSync(file).size} bytes)`);
  return file;
}

before(async () => {
  bed = await startBed();
  scratch = mkdtempSync(path.join(os.tmpdir(), 'cloudfilm-e2e-devtools-'));
  const file = makeLargeInstance(scratch);
  const response = await fetch(`${bed.orthanc.url}/instances`, { method: 'POST', body: readFileSync(file) });
  assert.ok(response.ok, `Orthanc took the large instance: ${response.status}`);
  series = await allSeries(bed.orthanc);
  big = series.find((s) => s.description === BIG_DESCRIPTION);
  assert.ok(big, 'the large instance is in Orthanc');
});
after(async () => {
  await bed?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const totalsText = (i, s, st) => `${i} image${i === 1 ? '' : 's'} · ${s} series · ${st} ${st === 1 ? 'study' : 'studies'}`;

/**
 * Browses every series in `page` (DevTools already open for it), then saves through the popup. Returns the popup as
 * it was after the save, and the output folder's files by hash.
 */
async function browseAndSave(session, setup, { expectImages, expectSeries, expectStudies, cut = new Set() }) {
  // A person looks at a series before opening the next; DevTools forgets a page's requests when the tab goes to
  // another page, so each series must be counted in the popup (kept, or said cut) before the next is opened.
  let kept = 0;
  let cutSoFar = 0;
  for (const s of series) {
    const status = await session.browse(`${bed.site.url}/viewer.html?mode=wado-uri&series=${s.id}`);
    assert.equal(status.completed, s.instances.length, `every request of series ${s.description} completed`);
    if (cut.has(s)) cutSoFar += s.instances.length; else kept += s.instances.length;
    await waitForCount(session, kept, cutSoFar, s.description);
  }
  const page = await session.page();
  await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
  await session.openPopup();
  const counted = await waitForPopup(session, (p) => p['#totals'].text === totalsText(expectImages, expectSeries, expectStudies),
    { timeoutMs: 120000, what: `${expectImages} images in the popup` });
  assert.equal(counted['#capture-toggle'].checked, false, 'capture was never switched on in the popup');
  await session.click('#save');
  const saved = await waitForPopup(session, (p) => !p['#toast'].hidden && /^Saved \d+ images to /.test(p['#toast'].text),
    { timeoutMs: 180000, what: 'the save toast' });
  assert.match(saved['#toast'].text, new RegExp(`^Saved ${expectImages} images to `));
  const byHash = new Map(outputFiles(setup.output).map((f) => [sha(readFileSync(f)), f]));
  return { popup: saved, byHash };
}

/** Waits until the popup counts `images` kept and says `cut` images were cut (opens the popup when it is closed). */
async function waitForCount(session, images, cut, description) {
  const deadline = Date.now() + 60000;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await session.read();
    } catch {
      await session.openPopup();
      continue;
    }
    const counted = Number(/^(\d+) image/.exec(last['#totals'].text)?.[1] ?? 0);
    const said = Number(/cut (\d+|1) image/.exec(last['#problems'].text)?.[1] ?? 0);
    if (counted === images && said === cut) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`after series ${description}: waited for ${images} images kept and ${cut} cut; the popup showed ${JSON.stringify(last)}`);
}

async function missing(byHash, list) {
  const expected = await servedFiles(bed.orthanc, list);
  return [...expected.entries()].filter(([hash]) => !byHash.has(hash)).map(([, v]) => `${v.series.description}/${v.instance.sop}`);
}

const studiesOf = (list) => new Set(list.map((s) => s.studyUid)).size;
const imagesOf = (list) => list.reduce((n, s) => n + s.instances.length, 0);

test('Chromium, DevTools open, capture off: every instance (one over 1 MiB) saved byte-identical through the panel', async () => {
  await withBrowser('chromium', async (session, setup) => {
    // DevTools opens for tabs opened from now on: the viewer gets a new tab of its own.
    session._page = await session.browser.newPage();
    await session.browser.waitForTarget((t) => t.url().endsWith('/src/devtools/devtools.html'), { timeout: 30000 });
    const { popup, byHash } = await browseAndSave(session, setup,
      { expectImages: imagesOf(series), expectSeries: series.length, expectStudies: studiesOf(series) });
    assert.deepEqual(popup.problemNames, [], 'nothing reported cut or wrong');
    assert.deepEqual(await missing(byHash, series), [], 'every served instance is saved byte-identical');
    assert.equal([...byHash.values()].filter((f) => f.endsWith('.dcm')).length, imagesOf(series), 'one file per instance');
    assert.deepEqual(await missing(byHash, [big]), [], 'the instance over 1 MiB is kept whole');
  }, { launch: { extraArgs: ['--auto-open-devtools-for-tabs'] } });
});

test('Firefox, DevTools open (--devtools), capture off: the image Firefox cut at 1 MiB said in plain words, not saved; every other instance byte-identical', async () => {
  await withBrowser('firefox', async (session, setup) => {
    const kept = series.filter((s) => s !== big);
    const { popup, byHash } = await browseAndSave(session, setup,
      { expectImages: imagesOf(kept), expectSeries: kept.length, expectStudies: studiesOf(kept), cut: new Set([big]) });
    assert.deepEqual(popup.problemNames, ['devtools-cut']);
    assert.match(popup['#problems'].text, /^Firefox's developer tools cut 1 image short \(they keep only the first 1 MiB of a response\), so it was not kept: switch capture on with the CloudFilm button instead, then reload the page\.$/);
    assert.deepEqual(await missing(byHash, kept), [], 'every other instance is saved byte-identical');
    assert.equal([...byHash.values()].filter((f) => f.endsWith('.dcm')).length, imagesOf(kept), 'one file per kept instance');
    const bigSop = Buffer.from(big.instances[0].sop);
    assert.ok(!outputFiles(setup.output).some((f) => readFileSync(f).includes(bigSop)), 'no file, broken or not, holds the cut instance');
  }, { launch: { extraArgs: ['--devtools'] } });
});

// Firefox with its DevTools limit lifted (0: no limit) gives the large body whole: it must not be called cut.
test('Firefox, DevTools limit lifted: the instance over 1 MiB is kept byte-identical, nothing said cut', async () => {
  await withBrowser('firefox', async (session, setup) => {
    const { popup, byHash } = await browseAndSave(session, setup,
      { expectImages: imagesOf(series), expectSeries: series.length, expectStudies: studiesOf(series) });
    assert.deepEqual(popup.problemNames, [], 'nothing reported cut or wrong');
    assert.deepEqual(await missing(byHash, series), [], 'every served instance is saved byte-identical');
  }, { launch: { extraArgs: ['--devtools'], firefoxPrefs: { 'devtools.netmonitor.responseBodyLimit': 0 } } });
});
