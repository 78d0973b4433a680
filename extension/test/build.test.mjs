import test from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { manifestFor, zipFiles } from '../build.mjs';
import { classifyDisconnect } from '../src/background/host-port.js';
import { isRestrictedUrl, siteOf, sitePattern } from '../src/background/platform.js';

test('Chromium manifest: MV3 service worker, pinned key, debugger, no Firefox keys', () => {
  const m = manifestFor('chromium');
  assert.equal(m.manifest_version, 3);
  assert.equal(m.background.service_worker, 'src/background/main.js');
  assert.equal(m.background.type, 'module');
  assert.equal(m.background.scripts, undefined);
  assert.ok(m.key);
  assert.deepEqual([...m.permissions].sort(), ['activeTab', 'debugger', 'nativeMessaging', 'storage']);
  assert.equal(m.host_permissions, undefined, 'the debugger needs no host permission');
  assert.equal(m.browser_specific_settings, undefined);
  assert.equal(m.content_scripts, undefined, 'no content script in a normal build');
});

test('Firefox manifest: background scripts, gecko id, filterResponseData permissions', () => {
  const m = manifestFor('firefox');
  assert.deepEqual(m.background.scripts, ['src/background/main.js']);
  assert.equal(m.background.service_worker, undefined);
  assert.equal(m.browser_specific_settings.gecko.id, 'cloudfilm@cloudfilm.app');
  assert.equal(m.key, undefined);
  for (const p of ['webRequest', 'webRequestBlocking', 'webRequestFilterResponse', 'nativeMessaging', 'storage']) {
    assert.ok(m.permissions.includes(p), p);
  }
  assert.ok(!m.permissions.includes('debugger'));
  // WebSocket capture (src/content/socket-relay.js): the page-world copier and its isolated-world relay, every frame.
  assert.deepEqual(m.content_scripts.map((c) => [c.js, c.world ?? 'ISOLATED', c.run_at, c.all_frames]), [
    [['src/content/socket-isolated.js'], 'ISOLATED', 'document_start', true],
    [['src/content/socket-page.js'], 'MAIN', 'document_start', true]]);
});

test('only a --test build carries the test bridge', () => {
  for (const b of ['chromium', 'firefox']) {
    const m = manifestFor(b, { test: true });
    assert.deepEqual(m.content_scripts.at(-1).js, ['test-bridge/bridge.js']);
    assert.match(m.name, /TEST BUILD/);
  }
});

test('zip writer: a valid archive that inflates back to the files', () => {
  const files = [{ name: 'manifest.json', data: Buffer.from('{"a":1}') }, { name: 'src/x.js', data: Buffer.alloc(5000, 65) }];
  const zip = zipFiles(files);
  assert.equal(zip.readUInt32LE(0), 0x04034b50);
  assert.equal(zip.readUInt32LE(zip.length - 22), 0x06054b50);
  assert.equal(zip.readUInt16LE(zip.length - 12), 2);
  let offset = 0;
  for (const f of files) {
    const method = zip.readUInt16LE(offset + 8);
    const size = zip.readUInt32LE(offset + 18);
    const nameLen = zip.readUInt16LE(offset + 26);
    assert.equal(zip.toString('utf8', offset + 30, offset + 30 + nameLen), f.name);
    const body = zip.subarray(offset + 30 + nameLen, offset + 30 + nameLen + size);
    assert.deepEqual(method === 8 ? zlib.inflateRawSync(body) : body, f.data);
    offset += 30 + nameLen + size;
  }
  assert.deepEqual(zipFiles(files), zip, 'deterministic');
});

test('native host disconnect messages become plain problems', () => {
  assert.equal(classifyDisconnect('Specified native messaging host not found.'), 'not-installed');
  assert.equal(classifyDisconnect('No such native application app.cloudfilm.host'), 'not-installed');
  assert.equal(classifyDisconnect('Access to the specified native messaging host is forbidden.'), 'forbidden');
  assert.equal(classifyDisconnect('Native host has exited.'), 'host-exited');
  assert.equal(classifyDisconnect(''), 'host-exited');
});

test('restricted pages and site names', () => {
  assert.ok(isRestrictedUrl('chrome://settings'));
  assert.ok(isRestrictedUrl('about:addons'));
  assert.ok(isRestrictedUrl('https://chromewebstore.google.com/detail/x'));
  assert.ok(isRestrictedUrl('https://addons.mozilla.org/en-US/firefox/'));
  assert.ok(!isRestrictedUrl('https://film.hospital.example/view?id=1'));
  assert.equal(siteOf('https://film.hospital.example:8443/v'), 'film.hospital.example:8443');
  assert.equal(siteOf('file:///tmp/x'), null);
  assert.equal(sitePattern('http://a.example:81/x'), 'http://a.example/*');
});
