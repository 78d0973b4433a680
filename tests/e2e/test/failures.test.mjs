// Failure paths in real browsers: the helper program not installed, and a site that only sends pictures.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBed, allSeries } from '../lib/bed.mjs';
import { withBrowser, waitForPopup } from '../lib/browsers.mjs';

let bed;
let series;
before(async () => { bed = await startBed(); series = await allSeries(bed.orthanc); });
after(async () => { await bed?.stop(); });

for (const browserName of ['chromium', 'firefox']) {
  test(`${browserName}: host not installed -> the popup says how to install it`, async () => {
    await withBrowser(browserName, async (session, setup) => {
      await (await session.page()).goto(`${bed.site.url}/`, { waitUntil: 'load' });
      await session.openPopup();
      await session.click('#capture-toggle');
      // The banner may already be up from the popup's first connection attempt, before the click's answer comes back:
      // wait for the answer (the switch turned back off), then check that it stays off.
      const shown = await waitForPopup(session,
        (p) => p.problemNames.includes('not-installed') && !p['#capture-toggle'].checked,
        { what: 'the not-installed banner, and capture back off' });
      assert.match(shown['#problems'].text, /install/i);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal((await session.read())['#capture-toggle'].checked, false, 'capture stays off');
    }, { setup: { installHost: false } });
  });

  test(`${browserName}: a site that only sends pictures -> the popup says so`, async () => {
    await withBrowser(browserName, async (session, setup) => {
      await (await session.page()).goto(`${bed.site.url}/`, { waitUntil: 'load' });
      await session.openPopup();
      await session.click('#capture-toggle');
      await waitForPopup(session, (p) => p['#capture-toggle'].checked && p['#host-status'].text !== '',
        { what: 'capture on' });
      const mr = series.find((s) => s.description === '平扫 5mm');
      await session.browse(`${bed.site.url}/pictures.html?series=${mr.id}`);
      await (await session.page()).goto(`${bed.site.url}/`, { waitUntil: 'load' });
      await session.openPopup();
      const shown = await waitForPopup(session, (p) => p.problemNames.includes('rendered-only'),
        { what: 'the rendered-only banner' });
      assert.equal(shown['#totals'].text, '', 'nothing counted as captured');
    });
  });
}
