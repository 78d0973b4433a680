#!/usr/bin/env node
// How much capture slows a viewer down: one run, Chromium, a series of >= 200 slices loaded in the dwv test viewer
// with capture off and with capture on (the real installer, the shipping extension, capture switched on in its popup),
// alternating, median of each, and the ratio against the target (capture adds at most 15%).
//
//   node bench/capture_overhead.mjs [--slices 200] [--runs 3] [--mode wado-uri|wado-rs|worker|websocket] [--build-dir DIR]
//                                   [--network loopback,broadband,broadband-h2] [--series-dir DIR (keep the generated series
//                                   there, reuse it next time)] [--only-build]
//
// Networks, simulated by the viewer site's proxy (viewer/server.mjs): `loopback` is the test bed as it is, Orthanc on
// this machine: the worst case for capture, whose cost is per byte and per request while the download costs nothing.
// `broadband` is a patient at home opening a hospital's cloud film: every answer 20 ms late, 100 Mbit/s shared.
// `broadband-h2` is the same link to an HTTPS site speaking HTTP/2, as most hospital sites are served (one
// connection, many streams).
// (Chromium's own throttling is not used: the viewer site shapes the link itself, as a real one's would be.)
// `--mode websocket`: the series streamed over the test site's Socket.IO-style socket (socket.html: one text request
// per image, four ahead; each answer a placeholder text and a binary 0x04 + Part-10 message), then shown in dwv.
//
// Needs tests/e2e's node_modules (puppeteer-core, dwv), Debian's chromium, orthanc(-dicomweb) and dcmtk.
// Not part of the test suite: it times things, and timings belong to the machine that made them.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const E2E = path.join(ROOT, 'tests', 'e2e');
const { values: opts } = parseArgs({ options: {
  slices: { type: 'string', default: '200' }, runs: { type: 'string', default: '3' },
  mode: { type: 'string', default: 'wado-uri' }, network: { type: 'string', default: 'loopback,broadband,broadband-h2' }, 'build-dir': { type: 'string' }, 'series-dir': { type: 'string' }, 'only-build': { type: 'boolean' },
} });
const SLICES = Number(opts.slices);
const RUNS = Number(opts.runs);
const TARGET = 1.15;
const SETTLE_MS = 2000;
const NETWORKS = {
  loopback: null,
  broadband: { latencyMs: 20, bitsPerSecond: 100e6 },
  'broadband-h2': { latencyMs: 20, bitsPerSecond: 100e6, tls: true },
};
const networks = opts.network.split(',').map((n) => n.trim()).filter(Boolean);
for (const n of networks) if (!(n in NETWORKS)) throw new Error(`unknown network ${n}: ${Object.keys(NETWORKS).join(', ')}`);
if (opts['build-dir']) process.env.CLOUDFILM_BUILD_DIR = path.resolve(opts['build-dir']);

const load = (rel) => import(pathToFileURL(path.join(E2E, rel)).href);
const { studySet } = await load('lib/bed.mjs');
const { userSetup } = await load('lib/install.mjs');
const { launch, waitForPopup } = await load('lib/browsers.mjs');
const { startOrthanc, uploadFolder } = await import(pathToFileURL(path.join(ROOT, 'tests', 'testbed', 'orthanc.mjs')).href);
const { startViewer } = await load('viewer/server.mjs');

/** SLICES clones of the test bed's 20-slice MR series in one new series: new SOP UIDs, numbered, stacked in z. */
function makeSeries(dir) {
  const source = path.join(studySet(), 'mr');
  const slices = readdirSync(source).filter((f) => f.endsWith('.dcm')).sort();
  const uid = (n) => `2.25.${BigInt('0x' + Buffer.from(os.hostname() + Date.now() + n).toString('hex').slice(0, 30))}`;
  const seriesUid = uid('series');
  mkdirSync(dir, { recursive: true });
  const files = [];
  for (let n = 0; n < SLICES; n += 1) {
    const file = path.join(dir, `slice_${String(n + 1).padStart(4, '0')}.dcm`);
    copyFileSync(path.join(source, slices[n % slices.length]), file);
    files.push(file);
  }
  // dcmodify takes many files at once; per-slice values go one call per slice (still a few seconds for 200).
  execFileSync('dcmodify', ['-nb', '-gin', '-m', `(0020,000e)=${seriesUid}`, '-m', '(0008,103e)=capture bench',
    '-m', '(0020,0011)=900', '-m', '(0020,0037)=1\\0\\0\\0\\1\\0', ...files], { stdio: 'ignore' });
  files.forEach((file, n) => {
    execFileSync('dcmodify', ['-nb', '-m', `(0020,0013)=${n + 1}`, '-m', `(0020,0032)=0\\0\\${n}`,
      '-m', `(0020,1041)=${n}`, file], { stdio: 'ignore' });
  });
  return dir;
}

/**
 * CPU seconds used so far by each kind of process under one browser (Linux /proc): the browser process, page
 * renderers, the extension's process, the network service, the helper and the rest. Says where capture's cost lands.
 */
function cpuByKind(browserPid) {
  const procs = new Map();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(pid), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]),
        cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ') });
    } catch { /* gone meanwhile */ }
  }
  const under = (pid) => { for (let p = pid, n = 0; p && n < 20; p = procs.get(p)?.ppid, n += 1) if (p === browserPid) return true; return false; };
  const kindOf = (cmd) => {
    if (cmd.includes('cloudfilm-host')) return 'helper';
    if (cmd.includes('--extension-process')) return 'extension';
    if (cmd.includes('--utility-sub-type=network.mojom.NetworkService')) return 'network';
    const type = cmd.match(/--type=(\S+)/)?.[1];
    return !type ? 'browser' : type === 'renderer' ? 'page' : 'other';
  };
  const out = {};
  for (const [pid, p] of procs) if (under(pid)) out[kindOf(p.cmd)] = (out[kindOf(p.cmd)] ?? 0) + p.ticks / 100;
  return out;
}
const CPU_KINDS = ['browser', 'page', 'extension', 'network', 'helper', 'other'];
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

async function timeLoad(session, url) {
  const page = await session.page();
  await page.goto(new URL('/', url).href, { waitUntil: 'load' }); // same site: the tab stays captured
  const t0 = performance.now();
  await page.goto(url, { waitUntil: 'load', timeout: 600000 });
  await page.waitForFunction(() => window.viewerStatus?.state === 'done' && window.viewerStatus.dwv !== 'loading',
    { timeout: 600000, polling: 20 });
  const ms = performance.now() - t0;
  const status = await page.evaluate(() => window.viewerStatus);
  if (status.completed !== status.expected) throw new Error(`only ${status.completed}/${status.expected} requests completed`);
  return { ms, dwv: status.dwv };
}

/** Milliseconds until the extension has nothing left to read or to send to the helper. */
async function untilCaptureIdle(worker) {
  const t0 = performance.now();
  for (;;) {
    const idle = await worker.evaluate(async () => {
      const e = globalThis.cloudfilmEngine;
      return !!e && (await e.isIdle()) && e.sink.uploader.openBodies === 0;
    });
    if (idle) return performance.now() - t0;
    if (performance.now() - t0 > 120000) {
      const state = await worker.evaluate(() => {
        const e = globalThis.cloudfilmEngine;
        return JSON.stringify({ contextsHolding: e.holding.size, bodiesInParts: e.parts.size, sending: e.sink.uploader.openBodies });
      });
      throw new Error(`capture did not catch up within 2 minutes: ${state}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function session(withCapture, siteUrl) {
  const setup = userSetup('chromium', { installHost: withCapture });
  const s = await launch('chromium', setup, { extraArgs: ['--ignore-certificate-errors'], networkEnabled: false });
  const page = await s.page();
  // Puppeteer's console tracking slows a page that logs heavily: timing runs go without it.
  page.removeAllListeners('console');
  // The viewer page counts finished requests by resource timing entries, whose buffer holds 250 by default:
  // a 200-slice series plus the page's own files overflows it and the page would never say done.
  await page.evaluateOnNewDocument(() => performance.setResourceTimingBufferSize(100000));
  if (withCapture) {
    await page.goto(`${siteUrl}/`, { waitUntil: 'load' });
    await s.openPopup();
    await s.click('#capture-toggle');
    await waitForPopup(s, (p) => p['#capture-toggle'].checked && p['#host-status'].text !== '' &&
      !p.problemNames.includes('connecting'), { what: 'capture on and the host ready' });
    await s.popup.close();
  }
  return { s, setup, pid: s.browser.process()?.pid, close: async () => { await s.close(); setup.cleanup(); } };
}

const work = mkdtempSync(path.join(os.tmpdir(), 'cloudfilm-capture-bench-'));
let orthanc; let site;
try {
  process.stderr.write(`building a ${SLICES}-slice series ... `);
  const kept = opts['series-dir'] && path.resolve(opts['series-dir']);
  const dir = kept && existsSync(kept) && readdirSync(kept).length === SLICES ? kept : makeSeries(kept || path.join(work, 'series'));
  if (opts['only-build']) { process.stderr.write(`${dir}\n`); process.exit(0); }
  orthanc = await startOrthanc();
  await uploadFolder(orthanc.url, dir);
  const list = await (await fetch(`${orthanc.url}/series?expand`)).json();
  const series = list.find((s) => s.MainDicomTags.SeriesDescription === 'capture bench');
  if (!series || series.Instances.length !== SLICES) throw new Error(`Orthanc holds ${series?.Instances.length} slices, wanted ${SLICES}`);
  const sites = {};
  // A throw-away self-signed certificate for the HTTPS site (the browsers are told to accept it).
  let tls;
  if (networks.some((n) => NETWORKS[n]?.tls)) {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-keyout', path.join(work, 'key.pem'), '-out', path.join(work, 'cert.pem')], { stdio: 'ignore' });
    tls = { key: readFileSync(path.join(work, 'key.pem')), cert: readFileSync(path.join(work, 'cert.pem')) };
  }
  for (const network of networks) {
    const link = NETWORKS[network];
    sites[network] = await startViewer({ orthancUrl: orthanc.url, network: link ?? undefined, tls: link?.tls ? tls : undefined });
  }
  site = { url: sites[networks[0]].url, stop: async () => { for (const x of Object.values(sites)) await x.stop(); } };
  // `worker`: not dwv but the e2e page whose dedicated worker downloads every original (4 at a time) and then ends.
  // `websocket`: every original over one socket, then all of them shown in dwv.
  const urlOn = (network) => {
    if (opts.mode === 'worker') return `${sites[network].url}/worker.html?series=${series.ID}&close=1`;
    if (opts.mode === 'websocket') return `${sites[network].url}/socket.html?series=${series.ID}&view=dwv`;
    return `${sites[network].url}/viewer.html?mode=${opts.mode}&series=${series.ID}`;
  };
  process.stderr.write('done\n');

  // One browser for each setting, both warmed by one untimed load, then the timed loads alternate.
  const off = await session(false, site.url);
  const on = await session(true, site.url);
  const results = [];
  let counted = 'nothing counted';
  try {
    for (const network of networks) {
      const url = urlOn(network);
      // Both warmed by one untimed load, then the timed loads alternate.
      await timeLoad(off.s, url);
      await timeLoad(on.s, url);
      const worker = await on.s.extensionWorker();
      // The warm-up's captured bodies go to the helper before the first timed load, not during it.
      await untilCaptureIdle(worker);
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const readsBefore = await worker.evaluate(() => ({ ...(globalThis.cloudfilmEngine?.reads ?? {}) }));
      const times = { off: [], on: [] };
      const catchUp = [];
      const cpu = { off: {}, on: {} };
      for (let run = 0; run < RUNS; run += 1) {
        for (const [name, sess] of run % 2 ? [['on', on], ['off', off]] : [['off', off], ['on', on]]) {
          const cpu0 = cpuByKind(sess.pid);
          const { ms, dwv } = await timeLoad(sess.s, url);
          const cpu1 = cpuByKind(sess.pid);
          for (const k of CPU_KINDS) cpu[name][k] = (cpu[name][k] ?? 0) + (cpu1[k] ?? 0) - (cpu0[k] ?? 0);
          times[name].push(ms);
          // Capture reads bodies once the page is quiet: wait until all is with the helper, so that no capture work
          // spills into the next timed load (which would slow a capture-off load and flatter the ratio).
          if (name === 'on') catchUp.push(await untilCaptureIdle(worker));
          // What follows a captured load (the helper's listing, the popup model saved) takes about a second more:
          // every load, either setting, is followed by the same pause so that none of it lands in the next load.
          await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
          process.stderr.write(`${network} run ${run + 1} capture ${name.padEnd(3)} ${(ms / 1000).toFixed(2)} s${dwv ? ` (dwv ${dwv})` : ''}` +
            `${name === 'on' ? `, all with the helper ${(catchUp.at(-1) / 1000).toFixed(2)} s later` : ''}\n`);
        }
      }
      const readsAfter = await worker.evaluate(() => ({ ...(globalThis.cloudfilmEngine?.reads ?? {}) }));
      const reads = Object.fromEntries(Object.keys(readsAfter).map((k) => [k, readsAfter[k] - (readsBefore[k] ?? 0)]));
      results.push({ network, times, reads, catchUp, cpu });
    }
    // Capture really was on: the popup counts the series' images.
    await on.s.openPopup();
    counted = await waitForPopup(on.s, (p) => /^\d+ images/.test(p['#totals'].text), { what: 'images counted' })
      .then((p) => p['#totals'].text, () => 'nothing counted');
  } finally {
    await off.close();
    await on.close();
  }
  console.log(`series: ${SLICES} slices, ${opts.mode}, Chromium, ${RUNS} timed runs each (alternating), popup with capture on: ${counted}`);
  for (const { network, times, reads: r, catchUp, cpu } of results) {
    const mOff = median(times.off); const mOn = median(times.on);
    const ratio = mOn / mOff;
    console.log(`${network.padEnd(9)} capture off median ${(mOff / 1000).toFixed(2)} s [${times.off.map((t) => (t / 1000).toFixed(2)).join(', ')}]` +
      `  on median ${(mOn / 1000).toFixed(2)} s [${times.on.map((t) => (t / 1000).toFixed(2)).join(', ')}]` +
      `  ratio ${ratio.toFixed(3)} (target <= ${TARGET.toFixed(2)}: ${ratio <= TARGET ? 'met' : 'NOT met'})`);
    if (r?.bodies !== undefined) {
      console.log(`${''.padEnd(9)} bodies handed over by the page hooks in the timed runs: ${r.bodies} (${(r.bytes / 1e6).toFixed(1)} MB, ` +
        `${r.parts} in parts), ${r.rejected} messages rejected; everything was with the helper a median ` +
        `${(median(catchUp) / 1000).toFixed(2)} s after the viewer finished`);
    }
    const perLoad = (name, k) => (cpu[name][k] ?? 0) / times[name].length;
    console.log(`${''.padEnd(9)} CPU s per load during the load, off -> on: ` + CPU_KINDS
      .filter((k) => perLoad('off', k) + perLoad('on', k) >= 0.01)
      .map((k) => `${k} ${perLoad('off', k).toFixed(2)} -> ${perLoad('on', k).toFixed(2)}`).join(', '));
  }
} finally {
  await site?.stop();
  await orthanc?.stop();
  rmSync(work, { recursive: true, force: true });
}
