// A Hinacom-style (海纳医信) cloud film in real browsers (issue 14): the viewer (viewer/public/hinacom.html) never
// downloads a DICOM file, only the study's image set (JSON), each image's pixels with their X-ImageFrame header (raw,
// or a JPEG 2000 file; small previews first) and, when it wants them, each image's tag list (JSON); the site
// (viewer/hinacom.mjs) serves the test bed's MR study (four series, 80 images) and the GB18030 study of 王^小明
// (7 images) from Orthanc in those shapes. With capture on, "Save captured series", then every saved file is checked
// (lib/hinacom.mjs):
//  - raw pixels with the tag lists: one file per image (no preview filed), dcmdump -E clean, explicit VR little
//    endian, every tag of the list present and equal (the hospital's UIDs), pixel data equal to Orthanc's decoded
//    frame, patient/study/series folders named from the study (王小明 included);
//  - JPEG 2000 without tag lists: identifiers derived by CloudFilm (2.25., not the hospital's), the served code stream
//    kept byte for byte as JPEG 2000 lossless and decoding (opj_decompress) to Orthanc's pixels, geometry, rescale
//    and pixel description equal to the original's, names from the image set, said to be derived in the file and in
//    the popup;
//  - `cloudfilm import-har` of a HAR of the raw browse (response headers kept: X-ImageFrame) files the same.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, startBed, allSeries, orthancJson, readSets } from '../lib/bed.mjs';
import { withBrowser, waitForPopup } from '../lib/browsers.mjs';
import { userSetup } from '../lib/install.mjs';
import { outputFiles } from '../lib/output.mjs';
import { checkDerivedOutput, checkTaggedOutput, hinacomHar, servedStudies } from '../lib/hinacom.mjs';

const MESSAGES = JSON.parse(readFileSync(path.join(ROOT, 'extension', '_locales', 'en', 'messages.json'), 'utf8'));

let bed;
let studies; // servedStudies(): the MR study and the GB18030 study as the site serves them
before(async () => {
  bed = await startBed();
  const wanted = new Set(readSets(bed.studyDir).filter((r) => r.set === 'mr' || r.set === 'gb18030').map((r) => r.sop));
  const studyUids = new Set((await allSeries(bed.orthanc)).filter((s) => s.instances.some((i) => wanted.has(i.sop))).map((s) => s.studyUid));
  const orthancStudies = (await orthancJson(bed.orthanc, '/studies?expand')).filter((s) => studyUids.has(s.MainDicomTags.StudyInstanceUID));
  assert.equal(orthancStudies.length, 2, 'the MR study and the GB18030 study');
  studies = await servedStudies(bed.site, bed.orthanc, orthancStudies.map((s) => s.ID));
  assert.equal(studies.reduce((n, s) => n + s.images.length, 0), 87, '80 MR images and 7 of the GB18030 study');
});
after(async () => { await bed?.stop(); });

async function turnCaptureOn(session) {
  await session.openPopup();
  await session.click('#capture-toggle');
  return waitForPopup(session, (p) => p['#capture-toggle'].checked && p['#host-status'].text !== '' &&
    !p.problemNames.includes('connecting'), { what: 'capture on and the host ready' });
}

/** A sentence of the popup (en), or null when the extension has none by that name. */
const message = (key) => MESSAGES[key]?.message ?? null;

/**
 * In a fresh browser with capture on: every study opened in the Hinacom-style viewer (`query`: format, tags,
 * preview), the popup checked by `popupCheck`, "Save captured series", then `check(output)`.
 */
async function browseAndSave(t, browserName, query, { popupCheck, check }) {
  const started = Date.now();
  const times = [];
  const lap = (what) => times.push(`${what} ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await withBrowser(browserName, async (session, setup) => {
    const page = await session.page();
    await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
    const on = await turnCaptureOn(session);
    assert.equal(on.problemNames.length, 0, `no problem shown after capture on: ${JSON.stringify(on)}`);
    for (const s of studies) {
      const status = await session.browse(`${bed.site.url}/hinacom.html?study=${s.orthancId}&${query}`);
      assert.deepEqual(status.errors, [], `${s.studyId}: the viewer had no errors`);
      assert.equal(status.images, s.images.length, `${s.studyId}: every image at full resolution`);
      assert.equal(status.completed, status.expected, `${s.studyId}: every request finished`);
    }
    lap('browsed');
    const total = studies.reduce((n, s) => n + s.images.length, 0);
    const seriesCount = studies.reduce((n, s) => n + s.imageSet.displaySets.length, 0);

    await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
    await session.openPopup();
    const totals = `${total} images · ${seriesCount} series · ${studies.length} studies`;
    const counted = await waitForPopup(session, (p) => p['#totals'].text === totals,
      { timeoutMs: 120000, what: `${totals} in the popup` });
    assert.match(counted['#studies'].text, /王\^?小明/, 'the Chinese patient name is shown decoded');
    const rebuilt = [...counted['#studies'].text.matchAll(/(\d+) rebuilt/g)].reduce((n, m) => n + Number(m[1]), 0);
    assert.equal(rebuilt, total, `the popup says all ${total} images were rebuilt: ${counted['#studies'].text}`);
    assert.doesNotMatch(counted['#studies'].text, /Seen but not loaded yet|scroll through/, 'nothing left to scroll through');
    popupCheck(counted);
    lap('counted');

    await session.click('#save');
    const saved = await waitForPopup(session, (p) => !p['#toast'].hidden && /^Saved \d+ images to /.test(p['#toast'].text),
      { timeoutMs: 180000, what: 'the save toast' });
    assert.match(saved['#toast'].text, new RegExp(`^Saved ${total} images to `));
    lap('saved');

    await check(setup.output);
    lap('checked');
    t.diagnostic(`time: ${times.join(', ')}`);
  });
}

const fromSiteTags = (popup) => {
  const sentence = message('rebuiltFromSiteTags');
  assert.ok(sentence, 'the extension says when files were rebuilt from the site\'s own tags (messages.json rebuiltFromSiteTags)');
  assert.ok(popup['#studies'].text.includes(sentence), `the popup says: ${sentence}\n${popup['#studies'].text}`);
  assert.ok(!popup['#studies'].text.includes(message('rebuiltFromPixels')), 'no identifier was derived');
};
const fromPixels = (popup) => {
  const sentence = message('rebuiltFromPixels');
  assert.ok(sentence, 'the extension says when identifiers were made by CloudFilm (messages.json rebuiltFromPixels)');
  assert.ok(popup['#studies'].text.includes(sentence), `the popup says: ${sentence}\n${popup['#studies'].text}`);
};

for (const browserName of ['chromium', 'firefox']) {
  const name = browserName === 'chromium' ? 'Chromium' : 'Firefox';
  test(`${name}, Hinacom-style viewer, raw pixels, tag lists, previews first: every image rebuilt with the site's tags, no preview filed`,
    async (t) => {
      await browseAndSave(t, browserName, 'format=raw&tags=1&preview=1', { popupCheck: fromSiteTags,
        check: (output) => checkTaggedOutput({ output, studies, diagnostic: (text) => t.diagnostic(text) }) });
    });

  test(`${name}, Hinacom-style viewer, JPEG 2000, no tag list, previews first: every image rebuilt with derived identifiers`,
    async (t) => {
      await browseAndSave(t, browserName, 'format=j2k&tags=0&preview=1', { popupCheck: fromPixels,
        check: (output) => checkDerivedOutput({ output, studies, diagnostic: (text) => t.diagnostic(text) }) });
    });
}

// A person who only looked at the thumbnails: the viewer fetched every image of the GB18030 study at level 2 only.
test('Chromium, Hinacom-style viewer, previews only: nothing filed, the popup asks for the series at full resolution',
  async () => {
    await withBrowser('chromium', async (session, setup) => {
      const study = studies.find((s) => /王/.test(s.imageSet.patientName));
      const page = await session.page();
      await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
      await turnCaptureOn(session);
      const status = await session.browse(`${bed.site.url}/hinacom.html?study=${study.orthancId}&format=raw&tags=0&preview=only`);
      assert.deepEqual(status.errors, []);
      assert.equal(status.previews, study.images.length, 'every image fetched as a preview');
      assert.equal(status.images, 0, 'no image at full resolution');
      await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
      await session.openPopup();
      const sentence = message('previewOnly');
      assert.ok(sentence, 'the extension says when only previews came (messages.json previewOnly)');
      const shown = await waitForPopup(session, (p) => Object.values(p).some((f) => f?.text?.includes(sentence)),
        { what: `"${sentence}" in the popup` });
      assert.doesNotMatch(shown['#totals'].text, /[1-9]\d* images?/, `no image counted: ${shown['#totals'].text}`);
      if (!shown['#save'].disabled) {
        await session.click('#save');
        await new Promise((resolve) => setTimeout(resolve, 3000));
      }
      assert.deepEqual(outputFiles(setup.output).filter((f) => f.endsWith('.dcm')), [], 'no preview filed');
    });
  });

// The viewer first without tag lists (files with derived identifiers saved), then with them: each full file takes
// the place of the derived one, which is removed.
test('Chromium, Hinacom-style viewer, tag lists after the derived files were saved: the full files replace them',
  async (t) => {
    await withBrowser('chromium', async (session, setup) => {
      const study = studies.find((s) => /王/.test(s.imageSet.patientName));
      const page = await session.page();
      await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
      await turnCaptureOn(session);
      const save = async (what) => {
        await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
        await session.openPopup();
        const deadline = Date.now() + 30000; // a few seconds when it works
        let popup = await session.read();
        while (!(await what(popup))) {
          assert.ok(Date.now() < deadline, `the popup after browsing: ${JSON.stringify(popup['#studies'])}`);
          await new Promise((resolve) => setTimeout(resolve, 250));
          popup = await session.read();
        }
        await session.click('#save');
        return waitForPopup(session, (p) => !p['#toast'].hidden && /^Saved \d+ images to /.test(p['#toast'].text),
          { timeoutMs: 120000, what: 'the save toast' });
      };
      for (const query of ['format=raw&tags=0&preview=0', 'format=raw&tags=1&preview=0']) {
        const status = await session.browse(`${bed.site.url}/hinacom.html?study=${study.orthancId}&${query}`);
        assert.deepEqual(status.errors, [], query);
        let saved;
        if (query.includes('tags=1')) {
          // Every image of the hospital's own series (their UIDs, from the tag lists) rebuilt before saving.
          const want = new Map();
          for (const image of study.images) want.set(image.original.SeriesInstanceUID, (want.get(image.original.SeriesInstanceUID) ?? 0) + 1);
          saved = await save(async () => {
            const rows = await session.readSeries();
            return [...want].every(([uid, n]) => rows.some((r) => r.uid === uid && r.rebuilt === n));
          });
        } else {
          saved = await save((p) => p['#totals'].text.startsWith('7 images') && p['#studies'].text.includes(message('rebuiltFromPixels')));
        }
        t.diagnostic(`${query}: ${saved['#toast'].text}`);
        if (!query.includes('tags=1')) {
          const derived = outputFiles(setup.output).filter((f) => f.endsWith('.dcm'));
          assert.equal(derived.length, 7, `7 files with derived identifiers first: ${derived}`);
        }
      }
      await checkTaggedOutput({ output: setup.output, studies: [study], diagnostic: (text) => t.diagnostic(text) });
    });
  });

test('cloudfilm import-har of a HAR of the raw browse (X-ImageFrame in the response headers): the same files', async (t) => {
  const setup = userSetup('har');
  try {
    const har = path.join(setup.base, 'hinacom.har');
    const entries = await hinacomHar(bed.site.url, studies, har);
    const cli = path.join(setup.prefix, 'bin', 'cloudfilm');
    const report = JSON.parse(execFileSync(cli, ['import-har', har, '--out', setup.output, '--json'],
      { env: setup.env, encoding: 'utf8', maxBuffer: 64 << 20 }));
    t.diagnostic(`${entries} HAR entries; import counts: ${JSON.stringify(report.counts)}`);
    assert.equal(report.counts.stored, 87, 'every image filed');
    assert.equal(report.rebuilt.length, 87, 'every image rebuilt');
    assert.deepEqual(report.incomplete, [], 'nothing left waiting');
    await checkTaggedOutput({ output: setup.output, studies, diagnostic: (text) => t.diagnostic(text) });
  } finally {
    setup.cleanup();
  }
});
