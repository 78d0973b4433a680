// What a build holds: a normal build carries no test-only code (the bridge, its commands); a --test build carries both,
// wired through src/background/build-flags.js. Built into a temporary folder, never into dist/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildOne } from '../build.mjs';
import { readJson } from '../test-support/helpers.mjs';

const TEST_ONLY = ['popup-do', 'open-popup', 'getViews', 'cloudfilmTest'];

function filesOf(dir) {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

function withBuild(browser, options, fn) {
  const into = fs.mkdtempSync(path.join(os.tmpdir(), `cloudfilm-bundle-${browser}-`));
  try {
    buildOne(browser, { ...options, into });
    return fn(into);
  } finally {
    fs.rmSync(into, { recursive: true, force: true });
  }
}

for (const browser of ['chromium', 'firefox']) {
  test(`${browser}: a normal build has no test commands, no bridge and no way for a page to message the background`, () => {
    withBuild(browser, { test: false }, (dir) => {
      for (const file of filesOf(dir).filter((f) => /\.(js|json|html)$/.test(f))) {
        const text = fs.readFileSync(file, 'utf8');
        for (const word of TEST_ONLY) assert.ok(!text.includes(word), `${path.relative(dir, file)} mentions ${word}`);
      }
      assert.ok(!fs.existsSync(path.join(dir, 'test-bridge')));
      // Firefox's only content scripts copy WebSocket messages; the background takes nothing but those from them.
      const scripts = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')).content_scripts;
      if (browser === 'chromium') assert.equal(scripts, undefined);
      else assert.deepEqual(scripts.flatMap((c) => c.js), ['src/content/socket-isolated.js', 'src/content/socket-page.js']);
      assert.match(fs.readFileSync(path.join(dir, 'src/background/build-flags.js'), 'utf8'), /TEST_BUILD = false/);
    });
  });

  test(`${browser}: a --test build answers the test commands through the bridge`, () => {
    withBuild(browser, { test: true }, (dir) => {
      assert.ok(fs.existsSync(path.join(dir, 'test-bridge/bridge.js')));
      assert.match(fs.readFileSync(path.join(dir, 'test-bridge/commands.js'), 'utf8'), /'popup-do'/);
      const flags = fs.readFileSync(path.join(dir, 'src/background/build-flags.js'), 'utf8');
      assert.match(flags, /TEST_BUILD = true/);
      assert.match(flags, /from '\.\.\/\.\.\/test-bridge\/commands\.js'/);
      assert.ok(fs.existsSync(path.resolve(dir, 'src/background', '../../test-bridge/commands.js')));
    });
  });

  test(`${browser}: the build carries ids.json, where the native host's name is read from`, () => {
    withBuild(browser, { test: false }, (dir) => {
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'ids.json'), 'utf8')), readJson('ids.json'));
      assert.match(fs.readFileSync(path.join(dir, 'src/lib/protocol.js'), 'utf8'), /from '\.\.\/\.\.\/ids\.json'/);
    });
  });
}

test('the host name is written only in ids.json among the extension sources', () => {
  const ids = readJson('ids.json');
  const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../src');
  for (const file of filesOf(root)) {
    assert.ok(!fs.readFileSync(file, 'utf8').includes(ids.nativeHost), `${path.relative(root, file)} holds a copy`);
  }
});
