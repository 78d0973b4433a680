#!/usr/bin/env node
// Builds the extension for each browser from the one source tree. Node only, no dependencies.
//
//   node build.mjs            dist/chromium/, dist/firefox/, dist/cloudfilm-<browser>-<version>.zip/.xpi
//   node build.mjs --test     dist/chromium-test/, dist/firefox-test/ with the end-to-end test bridge
//                             (a content script that lets a page call the background, and the background's
//                             test-only commands, test-bridge/commands.js). Never packaged.
//
// ids.json (extension ids, native host name) is the one place those names are written: it is copied into each
// build, and src/lib/protocol.js imports the host name from it.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { makeIcon } from './tools/icon.mjs';
import { installSocketTap } from './src/background/page-hook.js';
import { pageRelaySource } from './src/content/socket-relay.js';

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, 'dist');
const args = new Set(process.argv.slice(2));
const testBuild = args.has('--test');
const browsers = ['chromium', 'firefox'].filter((b) => !args.has(`--only-${b === 'chromium' ? 'firefox' : 'chromium'}`));
const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;

function readJson(file) {
  return JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
}

/** Base manifest + a browser's override (objects merged one level deep, anything else replaced). */
export function manifestFor(browser, { test = false } = {}) {
  const base = readJson('manifest.base.json');
  const over = readJson(`manifest.${browser}.json`);
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && base[k] && typeof base[k] === 'object' && !Array.isArray(base[k])
      ? { ...base[k], ...v } : v;
  }
  out.version = version;
  if (test) {
    out.content_scripts = [...(out.content_scripts ?? []),
      { matches: ['<all_urls>'], js: ['test-bridge/bridge.js'], run_at: 'document_start' }];
    out.name = `${out.short_name} (TEST BUILD)`;
  }
  return out;
}

function copyDir(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyDir(src, dst);
    else fs.copyFileSync(src, dst);
  }
}

function listFiles(dir, base = dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(p, base) : [path.relative(base, p).split(path.sep).join('/')];
  }).sort();
}

/** What a test build's src/background/build-flags.js says instead of the source's (which a normal build keeps). */
export function testBuildFlags() {
  return '// Written by build.mjs --test: end-to-end test build.\nexport const TEST_BUILD = true;\n'
    + "export { testCommands } from '../../test-bridge/commands.js';\n";
}

/** Builds one browser's extension into `into` (dist/<browser>[-test] by default). */
export function buildOne(browser, { test = testBuild, into = path.join(dist, test ? `${browser}-test` : browser) } = {}) {
  const out = into;
  fs.rmSync(out, { recursive: true, force: true });
  copyDir(path.join(root, 'src'), path.join(out, 'src'));
  copyDir(path.join(root, '_locales'), path.join(out, '_locales'));
  fs.copyFileSync(path.join(root, 'ids.json'), path.join(out, 'ids.json'));
  fs.mkdirSync(path.join(out, 'icons'), { recursive: true });
  for (const size of [16, 32, 48, 128]) fs.writeFileSync(path.join(out, 'icons', `icon-${size}.png`), makeIcon(size));
  if (browser === 'firefox') {
    // Firefox's page-world socket script: the page hook's socket code, serialized (src/content/socket-relay.js).
    fs.writeFileSync(path.join(out, 'src/content/socket-page.js'),
      `// Written by build.mjs from src/content/socket-relay.js and src/background/page-hook.js.\n${pageRelaySource(installSocketTap)}`);
  }
  if (test) {
    copyDir(path.join(root, 'test-bridge'), path.join(out, 'test-bridge'));
    fs.writeFileSync(path.join(out, 'src/background/build-flags.js'), testBuildFlags());
  }
  const manifest = manifestFor(browser, { test });
  fs.writeFileSync(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { out, manifest };
}

// ------------------------------------------------------------------ zip (stored/deflated, deterministic)

const CRC_TABLE = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32(buf) {
  let c = -1;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** Writes a zip of `files` ({name, data}) with a fixed date, so the same sources give the same bytes. */
export function zipFiles(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  const DOS_TIME = 0, DOS_DATE = (2026 - 1980) << 9 | 1 << 5 | 1;
  for (const { name, data } of files) {
    const nameBuf = Buffer.from(name, 'utf8');
    const deflated = zlib.deflateRawSync(data, { level: 9 });
    const useDeflate = deflated.length < data.length;
    const body = useDeflate ? deflated : data;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(useDeflate ? 8 : 0, 8); local.writeUInt16LE(DOS_TIME, 10); local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14); local.writeUInt32LE(body.length, 18); local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26); local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(0x0314, 4); central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8); central.writeUInt16LE(useDeflate ? 8 : 0, 10); central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14); central.writeUInt32LE(crc, 16); central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24); central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, body);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + body.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(files.length, 8); end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

function packageDir(dir, target, transformManifest = (m) => m) {
  const files = listFiles(dir).map((name) => {
    let data = fs.readFileSync(path.join(dir, name));
    if (name === 'manifest.json') data = Buffer.from(`${JSON.stringify(transformManifest(JSON.parse(data)), null, 2)}\n`);
    return { name, data };
  });
  // manifest.json first: some tools look for it there.
  files.sort((a, b) => (a.name === 'manifest.json' ? -1 : b.name === 'manifest.json' ? 1 : a.name.localeCompare(b.name)));
  fs.writeFileSync(target, zipFiles(files));
  return target;
}

function main() {
  fs.mkdirSync(dist, { recursive: true });
  for (const browser of browsers) {
    const { out } = buildOne(browser);
    console.log(`built ${path.relative(root, out)}`);
    if (testBuild) continue;
    const target = path.join(dist, `cloudfilm-${browser}-${version}.${browser === 'firefox' ? 'xpi' : 'zip'}`);
    // The Chrome Web Store refuses a "key" in an uploaded manifest: the store keeps its own.
    packageDir(out, target, browser === 'chromium' ? ({ key, ...rest }) => rest : (m) => m);
    console.log(`packed ${path.relative(root, target)}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
