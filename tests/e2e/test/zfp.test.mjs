// A GE-ZFP-style cloud film in real browsers (issue 14): the viewer (viewer/public/zfp.html) never downloads a file;
// over one WebSocket (viewer/zfp.mjs) it gets the study's description (gzip JSON, binary), then per image the line
// `CMDGETOBJ <uid>#0`, a JSON header and the raw pixels, here padded with 7 zero bytes, small previews first. With
// capture on, "Save captured series", then every saved file is checked (lib/zfp.mjs): one per image with the
// hospital's own UIDs and SOP class from the study description, pixel data equal to Orthanc's decoded frame (the
// padding trimmed), geometry and rescale equal, `dcmdump -E` clean, folders named from the study (王小明 included), no
// preview filed, and the popup saying the files carry the hospital's identifiers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, startBed, allSeries, orthancJson, readSets } from '../lib/bed.mjs';
import { withBrowser, waitForPopup } from '../lib/browsers.mjs';
import { checkZfpOutput, zfpStudies } from '../lib/zfp.mjs';

const MESSAGES = JSON.parse(readFileSync(path.join(ROOT, 'extension', '_locales', 'en', 'messages.json'), 'utf8'));

let bed;
let studies;
before(async () => {
  bed = await startBed();
  const wanted = new Set(readSets(bed.studyDir).filter((r) => r.set === 'mr' || r.set === 'gb18030').map((r) => r.sop));
  const studyUids = new Set((await allSeries(bed.orthanc)).filter((s) => s.instances.some((i) => wanted.has(i.sop))).map((s) => s.studyUid));
  const orthancStudies = (await orthancJson(bed.orthanc, '/studies?expand')).filter((s) => studyUids.has(s.MainDicomTags.StudyInstanceUID));
  assert.equal(orthancStudies.length, 2, 'the MR study and the GB18030 study');
  studies = await zfpStudies(bed.site, bed.orthanc, orthancStudies.map((s) => s.ID));
  assert.equal(studies.reduce((n, s) => n + s.images.length, 0), 87, '80 MR images and 7 of the GB18030 study');
});
after(async () => { await bed?.stop(); });

for (const browserName of ['chromium', 'firefox']) {
  const name = browserName === 'chromium' ? 'Chromium' : 'Firefox';
  test(`${name}, GE-ZFP-style viewer over a WebSocket, previews first, padded pixels: every image rebuilt with the study's UIDs`,
    async (t) => {
      await withBrowser(browserName, async (session, setup) => {
        const page = await session.page();
        await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
        await session.openPopup();
        await session.click('#capture-toggle');
        const on = await waitForPopup(session, (p) => p['#capture-toggle'].checked && p['#host-status'].text !== '' &&
          !p.problemNames.includes('connecting'), { what: 'capture on and the host ready' });
        assert.equal(on.problemNames.length, 0, `no problem shown after capture on: ${JSON.stringify(on)}`);
        for (const s of studies) {
          const status = await session.browse(`${bed.site.url}/zfp.html?study=${s.orthancId}&preview=1&pad=7`);
          assert.deepEqual(status.errors, [], `${s.studyUid}: the viewer had no errors`);
          assert.equal(status.images, s.images.length, `${s.studyUid}: every image at full resolution`);
        }
        const total = studies.reduce((n, s) => n + s.images.length, 0);
        await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
        await session.openPopup();
        const counted = await waitForPopup(session, (p) => p['#totals'].text.startsWith(`${total} images`),
          { timeoutMs: 120000, what: `${total} images in the popup` });
        assert.match(counted['#studies'].text, /王\^?小明/, 'the Chinese patient name is shown decoded');
        const sentence = MESSAGES.rebuiltFromSiteTags.message;
        assert.ok(counted['#studies'].text.includes(sentence), `the popup says: ${sentence}\n${counted['#studies'].text}`);
        assert.ok(!counted['#studies'].text.includes(MESSAGES.rebuiltFromPixels.message), 'no identifier was derived');
        await session.click('#save');
        const saved = await waitForPopup(session, (p) => !p['#toast'].hidden && /^Saved \d+ images to /.test(p['#toast'].text),
          { timeoutMs: 180000, what: 'the save toast' });
        assert.match(saved['#toast'].text, new RegExp(`^Saved ${total} images to `));
        await checkZfpOutput({ output: setup.output, studies, diagnostic: (text) => t.diagnostic(text) });
      });
    });
}
