// Failure path in real browsers: the helper program (cloudfilm-host) is killed during capture. The extension
// reconnects by itself; nothing the host acknowledged before the kill is lost, and after "Save captured series" every
// instance of both series browsed is in the output folder byte for byte as Orthanc stored it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { renameSync } from 'node:fs';
import path from 'node:path';
import { startBed, allSeries } from '../lib/bed.mjs';
import { withBrowser, waitForPopup } from '../lib/browsers.mjs';
import { missingFromOutput } from '../lib/output.mjs';

let bed;
let series;
before(async () => { bed = await startBed(); series = await allSeries(bed.orthanc); });
after(async () => { await bed?.stop(); });

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** cloudfilm-host processes started from this test's own prefix (never another test's or a user's). */
function hostPids(setup) {
  try {
    return execFileSync('pgrep', ['-f', `${setup.prefix}/bin/cloudfilm-host`], { encoding: 'utf8' })
      .trim().split('\n').filter(Boolean).map(Number);
  } catch { return []; } // pgrep exits 1 when nothing matches
}

const imagesCounted = (n) => (p) => new RegExp(`^${n} images`).test(p['#totals'].text);
const hostReady = (p) => p['#capture-toggle'].checked && p['#host-status'].text !== '' &&
  !p.problemNames.some((n) => n === 'connecting' || n === 'host-exited');

for (const browserName of ['chromium', 'firefox']) {
  test(`${browserName}: host killed during capture -> reconnects by itself, nothing acknowledged is lost`, async (t) => {
    await withBrowser(browserName, async (session, setup) => {
      const first = series.find((s) => s.number === '2' && s.instances.length === 20); // MR, explicit VR
      const second = series.find((s) => s.number === '102'); // MR, JPEG lossless
      assert.ok(first && second, 'the two MR series of the study set');
      const url = (s) => `${bed.site.url}/viewer.html?mode=wado-uri&series=${s.id}`;
      const page = await session.page();
      await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
      await session.openPopup();
      await session.click('#capture-toggle');
      const on = await waitForPopup(session, hostReady, { what: 'capture on and the host ready' });
      const readyText = on['#host-status'].text;

      // First series: captured and acknowledged by the host (the popup counts what the host said it kept).
      await session.browse(url(first));
      await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
      await session.openPopup();
      await waitForPopup(session, imagesCounted(first.instances.length),
        { timeoutMs: 60000, what: `${first.instances.length} images acknowledged` });

      // Kill the host the hard way.
      const before = hostPids(setup);
      assert.ok(before.length >= 1, `a cloudfilm-host runs from ${setup.prefix}`);
      for (const pid of before) process.kill(pid, 'SIGKILL');

      // The popup, still open, says the helper is away or reconnecting (no click: it comes back by itself).
      let sawAway = false;
      const deadline = Date.now() + 30000;
      let back = [];
      while (Date.now() < deadline) {
        const p = await session.read();
        if (p['#host-status'].text !== readyText || p.problemNames.includes('host-exited') ||
          p.problemNames.includes('connecting')) sawAway = true;
        back = hostPids(setup).filter((pid) => !before.includes(pid));
        if (back.length && hostReady(p) && p['#host-status'].text === readyText) break;
        await sleep(50);
      }
      assert.ok(back.length >= 1, 'a new cloudfilm-host was started by the extension itself');
      assert.ok(sawAway, 'the popup showed the helper away or reconnecting');

      // Second series, then what was acknowledged before the kill is still there and the second series counts too.
      // A person whose pages arrived while the helper was away is told to reload: do the same if the popup says so.
      const total = first.instances.length + second.instances.length;
      await session.browse(url(second));
      await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
      await session.openPopup();
      try {
        await waitForPopup(session, imagesCounted(total), { timeoutMs: 30000, what: `${total} images` });
      } catch {
        t.diagnostic('the second series arrived (partly) while the helper was away: reloaded it');
        await session.browse(url(second));
        await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
        await session.openPopup();
        await waitForPopup(session, imagesCounted(total), { timeoutMs: 60000, what: `${total} images after a reload` });
      }

      await session.click('#save');
      const saved = await waitForPopup(session, (p) => !p['#toast'].hidden && /^Saved \d+ images to /.test(p['#toast'].text),
        { timeoutMs: 180000, what: 'the save toast' });
      assert.match(saved['#toast'].text, new RegExp(`^Saved ${total} images to `));
      assert.deepEqual(await missingFromOutput(bed.orthanc, [first, second], setup.output), [],
        'every instance of both series saved byte-identical');
    });
  });
}

// The helper is away (killed, and cannot be started again) while a series loads: those images cannot be kept, and
// the popup must say so rather than stay silent. Once the helper can start again, "Retry" brings it back, and
// reloading the series as the popup asks captures it whole.
for (const browserName of ['chromium', 'firefox']) {
  test(`${browserName}: images that pass while the helper is away are reported, and caught after a retry and a reload`, async () => {
    await withBrowser(browserName, async (session, setup) => {
      const target = series.find((s) => s.number === '2' && s.instances.length === 20); // MR, explicit VR
      assert.ok(target, 'the MR series of the study set');
      const url = `${bed.site.url}/viewer.html?mode=wado-uri&series=${target.id}`;
      const hostBinary = path.join(setup.prefix, 'bin', 'cloudfilm-host');
      const page = await session.page();
      await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
      await session.openPopup();
      await session.click('#capture-toggle');
      await waitForPopup(session, hostReady, { what: 'capture on and the host ready' });

      // The helper dies and cannot be started again (as if it had been removed).
      renameSync(hostBinary, `${hostBinary}.away`);
      for (const pid of hostPids(setup)) process.kill(pid, 'SIGKILL');
      await waitForPopup(session, (p) => p.problemNames.length > 0 && !hostReady(p), { what: 'the helper away' });

      const status = await session.browse(url);
      assert.equal(status.completed, target.instances.length, 'the viewer still loads every image');
      await session.openPopup(); // on the viewer page itself: leaving it would be a new page load
      const away = await waitForPopup(session, (p) => /passed while capture was paused/.test(p['#problems'].text),
        { what: 'the popup saying images passed while the helper was away' });
      const passed = Number(/(\d+) images passed/.exec(away['#problems'].text)?.[1]);
      assert.equal(passed, target.instances.length, `every image that passed is counted: ${away['#problems'].text}`);
      assert.equal(away['#totals'].text, '', 'nothing is claimed to be captured');
      assert.equal(hostPids(setup).length, 0, 'no helper runs');

      // The helper can start again; the person clicks Retry, then reloads the series as the popup asks.
      renameSync(`${hostBinary}.away`, hostBinary);
      await session.click('#problems [data-problem] .banner-actions .link-button');
      await waitForPopup(session, hostReady, { what: 'the helper back after Retry' });
      await session.browse(url);
      await page.goto(`${bed.site.url}/`, { waitUntil: 'load' });
      await session.openPopup();
      await waitForPopup(session, imagesCounted(target.instances.length), { what: `${target.instances.length} images` });
      await session.click('#save');
      await waitForPopup(session, (p) => !p['#toast'].hidden && /^Saved \d+ images to /.test(p['#toast'].text),
        { timeoutMs: 120000, what: 'the save toast' });
      assert.deepEqual(await missingFromOutput(bed.orthanc, [target], setup.output), [],
        'every instance saved byte-identical');
    });
  });
}
