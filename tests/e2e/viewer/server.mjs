// A hospital-like "cloud film" site for the end-to-end tests, on 127.0.0.1: a dwv 0.36 viewer page, a cornerstone
// wadors: viewer page (DICOMweb metadata + frames, like OHIF) and a reverse proxy /orthanc/* -> Orthanc, from one
// origin; a Socket.IO-style WebSocket at /socket.io/ (socket.html) and one-image ZIPs at /zip/instance/ID (zip.html);
// a Hinacom-style image server at /hinacom/ (hinacom.mjs; its viewer page is hinacom.html); a GE-ZFP-style image
// socket at /zfp/socket (zfp.mjs; its viewer page is zfp.html, which learns a study's UID from /zfp/launch.js).
// startOhif() serves the published OHIF viewer (npm @ohif/app, its built dist/) the same way: its own origin, the
// same /orthanc/* proxy, and a configuration (ohif-config.js) pointing at it.
// Run alone: node viewer/server.mjs ORTHANC_URL [PORT] [ohif]
import http from 'node:http';
import http2 from 'node:http2';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { hinacomServer } from './hinacom.mjs';
import { zfpServer } from './zfp.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = path.join(here, '..', 'node_modules');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css', '.map': 'application/json',
  '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.woff2': 'font/woff2' };

// URL path -> file. Only these roots are served; nothing outside them.
const ROOTS = [
  ['/assets/', path.join(modules, 'dwv', 'dist', 'assets')],
  ['/lib/dwv/', path.join(modules, 'dwv', 'dist')],
  ['/lib/konva/', path.join(modules, 'konva')],
  ['/lib/jszip/', path.join(modules, 'jszip', 'dist')],
  ['/lib/magic-wand-tool/', path.join(modules, 'magic-wand-tool', 'dist')],
  ['/lib/cornerstone/', path.join(modules, 'cornerstone-core', 'dist')],
  ['/lib/cornerstone-wado-image-loader/', path.join(modules, 'cornerstone-wado-image-loader', 'dist')],
  ['/lib/dicom-parser/', path.join(modules, 'dicom-parser', 'dist')],
  ['/', path.join(here, 'public')],
];
// The published OHIF viewer: its dist/ as npm ships it, but our configuration instead of its app-config.js.
export const OHIF_DIST = path.join(modules, '@ohif', 'app', 'dist');
const OHIF_ROOTS = [['/app-config.js', path.join(here, 'ohif-config.js')], ['/', OHIF_DIST]];

function serveFile(req, res, pathname, roots = ROOTS, fallback = null) {
  if (pathname === '/') pathname = '/index.html';
  for (const [prefix, folder] of roots) {
    if (!pathname.startsWith(prefix)) continue;
    const exact = !prefix.endsWith('/');  // one file served under another name
    if (exact && pathname !== prefix) continue;
    const file = exact ? folder : path.join(folder, decodeURIComponent(pathname.slice(prefix.length)));
    if (!exact && !file.startsWith(folder + path.sep)) break;
    let stat;
    try { stat = statSync(file); } catch { continue; }
    if (!stat.isFile()) continue;
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Content-Length': stat.size, 'Cache-Control': 'no-store' });
    createReadStream(file).pipe(res);
    return;
  }
  // A single-page application's own routes (/viewer?StudyInstanceUIDs=...) are its index page.
  if (fallback && !path.extname(pathname)) return serveFile(req, res, fallback, roots);
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('not found');
}

/**
 * A simulated link between the hospital and the patient (benchmarks only): every answer starts `latencyMs` late and
 * all answers share `bitsPerSecond`, sent in slices at the pace the link allows.
 */
function makeLink({ latencyMs = 0, bitsPerSecond = 0 } = {}) {
  let nextFree = 0;
  const SLICE = 64 * 1024;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  return {
    latencyMs,
    /** Resolves when an answer of `bytes` would have arrived over the link (its latency unless `pipelined`, then its share). */
    async wait(bytes, { pipelined = false } = {}) {
      if (latencyMs && !pipelined) await sleep(latencyMs);
      if (!bitsPerSecond) return;
      const now = performance.now();
      const at = Math.max(now, nextFree);
      nextFree = at + (bytes * 8 * 1000) / bitsPerSecond;
      await sleep(nextFree - now);
    },
    async send(answer, res) {
      if (!bitsPerSecond) { answer.pipe(res); return; }
      try {
        for await (const chunk of answer) {
          for (let offset = 0; offset < chunk.length; offset += SLICE) {
            const slice = chunk.subarray(offset, offset + SLICE);
            const now = performance.now();
            const at = Math.max(now, nextFree);
            nextFree = at + (slice.length * 8 * 1000) / bitsPerSecond;
            if (at > now) await sleep(at - now);
            res.write(slice);
          }
        }
        await sleep(Math.max(0, nextFree - performance.now()));
        res.end();
      } catch {
        res.destroy();
      }
    },
  };
}

const ORTHANC_ID = /^[0-9a-f]{8}(-[0-9a-f]{8}){4}$/;

/**
 * A Socket.IO-style image socket, as szjudianyun's viewer has it (shared/notes/cloud-film-sites.md): the page sends
 * `42["sendMessage",{"instance":ID,"n":N}]` per image; the server answers a placeholder text `451-[...]`, then one
 * binary message, the byte 0x04 followed by the instance's Part-10 file (Orthanc's original, GET /instances/ID/file).
 * Answers go out in the order asked, at the pace of the simulated link.
 */
function serveImageSocket(socket, orthancUrl, link) {
  let queue = Promise.resolve();
  socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    const match = /^42(\[.*\])$/s.exec(String(data));
    let request;
    try { request = match && JSON.parse(match[1]); } catch { /* not ours */ }
    if (!Array.isArray(request) || request[0] !== 'sendMessage' || !ORTHANC_ID.test(request[1]?.instance ?? '')) return;
    const { instance, n } = request[1];
    // The request's latency runs alongside the others' (a socket is one connection, its answers pipelined).
    const answer = new Promise((resolve) => setTimeout(resolve, link.latencyMs)).then(() => fetch(`${orthancUrl}/instances/${instance}/file`)).then(async (r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return Buffer.from(await r.arrayBuffer());
    });
    answer.catch(() => {});
    queue = queue.then(async () => {
      let file;
      try { file = await answer; } catch (error) { socket.send(`42["error",${JSON.stringify({ n, error: String(error) })}]`); return; }
      await link.wait(file.length + 1, { pipelined: true });
      socket.send(`451-["image",{"_placeholder":true,"num":0},${JSON.stringify({ n })}]`);
      socket.send(Buffer.concat([Buffer.from([0x04]), file]), { binary: true });
    });
  });
}

/** One instance as a one-entry ZIP, made by Orthanc (POST /tools/create-archive), served as application/zip. */
async function serveInstanceZip(res, orthancUrl, id, link) {
  try {
    if (!ORTHANC_ID.test(id)) throw Object.assign(new Error('bad id'), { status: 404 });
    const r = await fetch(`${orthancUrl}/tools/create-archive`, { method: 'POST', body: JSON.stringify({ Resources: [id] }) });
    if (!r.ok) throw Object.assign(new Error(`Orthanc: HTTP ${r.status}`), { status: 502 });
    const zip = Buffer.from(await r.arrayBuffer());
    await link.wait(zip.length);
    res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Length': zip.length, 'Cache-Control': 'no-store' });
    res.end(zip);
  } catch (error) {
    res.writeHead(error.status ?? 500, { 'Content-Type': 'text/plain' });
    res.end(String(error.message));
  }
}

function proxy(req, res, orthancUrl, target, link, observe) {
  const upstream = new URL(target, orthancUrl);
  const headers = { ...req.headers, host: upstream.host };
  delete headers['accept-encoding']; // bodies as Orthanc sends them (it does not compress here anyway)
  for (const name of Object.keys(headers)) if (name.startsWith(':')) delete headers[name]; // HTTP/2 pseudo-headers
  const forward = http.request(upstream, { method: req.method, headers }, (answer) => {
    observe?.({ url: target, status: answer.statusCode, contentType: answer.headers['content-type'] ?? '' });
    const out = { ...answer.headers, 'cache-control': 'no-store' };
    // Connection-specific headers are not allowed in HTTP/2 answers.
    for (const name of ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']) delete out[name];
    setTimeout(() => {
      res.writeHead(answer.statusCode, out);
      link.send(answer, res);
    }, link.latencyMs);
  });
  forward.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
    res.end(`proxy error: ${error.message}`);
  });
  req.pipe(forward);
}

/**
 * What a ZFP viewer link carries, as a script the page loads (never fetched: a capture sees no body of it):
 * `window.zfpLaunch = {StudyInstanceUid}` for the Orthanc study `study`, or `{error}`.
 */
async function serveZfpLaunch(res, zfp, orthancStudyId) {
  let launch;
  try { launch = { StudyInstanceUid: await zfp.studyUid(orthancStudyId) }; } catch (error) { launch = { error: String(error.message) }; }
  const body = Buffer.from(`window.zfpLaunch = ${JSON.stringify(launch)};\n`);
  res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store' });
  res.end(body);
}

/**
 * Starts the site; resolves to { url, port, hinacom, zfp, stop() } (`hinacom`: the Hinacom-style server, whose
 * imageSet/tagList/frameHeader/pixelBody say what it serves; `zfp`: the GE-ZFP-style one, whose study/header/
 * pixelBody do). `network` ({latencyMs, bitsPerSecond}) simulates a link.
 * `observe({url, status, contentType})` hears of each answer the /orthanc/ proxy passes on (what the viewer fetched,
 * workers' requests included, which a browser's page events do not all show).
 * `tls` ({key, cert}, PEM) serves HTTPS with HTTP/2 (HTTP/1.1 still offered), as most hospital sites are served.
 */
export function startViewer({ orthancUrl, port = 0, network, tls, app, observe }) {
  const link = makeLink(network);
  const hinacom = hinacomServer(orthancUrl, { link });
  const zfp = zfpServer(orthancUrl, { link });
  const handler = (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname.startsWith('/hinacom/') && req.method === 'GET') {
      hinacom.handle(req, res, url, url.pathname.slice('/hinacom'.length)).then((answered) => {
        if (!answered) { res.writeHead(404, { 'Content-Type': 'text/plain' }); res.end('not found'); }
      });
    } else if (url.pathname === '/zfp/launch.js' && req.method === 'GET') {
      serveZfpLaunch(res, zfp, url.searchParams.get('study') ?? '');
    } else if (url.pathname.startsWith('/orthanc/')) {
      proxy(req, res, orthancUrl, req.url.slice('/orthanc'.length), link, observe);
    } else if (url.pathname.startsWith('/zip/instance/') && req.method === 'GET') {
      serveInstanceZip(res, orthancUrl, url.pathname.slice('/zip/instance/'.length), link);
    } else if (app === 'ohif' && (req.method === 'GET' || req.method === 'HEAD')) {
      serveFile(req, res, url.pathname, OHIF_ROOTS, '/index.html');
    } else if (req.method === 'GET' || req.method === 'HEAD') {
      serveFile(req, res, url.pathname);
    } else {
      res.writeHead(405); res.end();
    }
  };
  const server = tls ? http2.createSecureServer({ ...tls, allowHTTP1: true }, handler) : http.createServer(handler);
  server.keepAliveTimeout = 60000;
  const sessions = new Set();
  server.on('session', (session) => { sessions.add(session); session.on('close', () => sessions.delete(session)); });
  // WebSocket upgrades (HTTP/1.1; with TLS too, through allowHTTP1).
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const pathname = new URL(req.url, 'http://localhost').pathname;
    if (pathname === '/socket.io/') sockets.handleUpgrade(req, socket, head, (ws) => serveImageSocket(ws, orthancUrl, link));
    else if (pathname === '/zfp/socket') sockets.handleUpgrade(req, socket, head, (ws) => zfp.serveSocket(ws, req));
    else socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error) => { hinacom.stop(); reject(error); });
    server.listen(port, '127.0.0.1', () => {
      const actual = server.address().port;
      resolve({ url: `${tls ? 'https' : 'http'}://127.0.0.1:${actual}`, port: actual, hinacom, zfp,
        stop: () => new Promise((done) => {
          for (const client of sockets.clients) client.terminate();
          for (const session of sessions) session.destroy();
          server.closeAllConnections?.();
          server.close(() => { hinacom.stop(); done(); });
        }) });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [orthancUrl, port, app] = process.argv.slice(2);
  if (!orthancUrl) { console.error('usage: server.mjs ORTHANC_URL [PORT] [ohif]'); process.exit(2); }
  startViewer({ orthancUrl, port: Number(port ?? 0), app }).then((site) => console.log(`viewer on ${site.url}`));
}
