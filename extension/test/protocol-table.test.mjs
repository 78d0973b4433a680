import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../test-support/helpers.mjs';
import { ERROR_CODES, ERROR, NATIVE_HOST_NAME, PROTOCOL_VERSION, errorName } from '../src/lib/protocol.js';

/** Rows of the "| code | name | meaning |" table under "## Errors" in docs/protocol.md. */
function docErrorTable() {
  const doc = fs.readFileSync(path.join(repoRoot, 'docs/protocol.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Errors'));
  const rows = {};
  for (const m of section.matchAll(/^\|\s*(\d+)\s*\|\s*`([a-z0-9-]+)`\s*\|/gm)) rows[Number(m[1])] = m[2];
  return rows;
}

test("the extension's error table matches docs/protocol.md exactly", () => {
  const doc = docErrorTable();
  assert.ok(Object.keys(doc).length >= 16, 'table found');
  assert.deepEqual({ ...ERROR_CODES }, doc);
});

test('codes are unique, names are unique, lookups agree', () => {
  const names = Object.values(ERROR_CODES);
  assert.equal(new Set(names).size, names.length);
  for (const [code, name] of Object.entries(ERROR_CODES)) {
    assert.equal(ERROR[name], Number(code));
    assert.equal(errorName(Number(code)), name);
  }
  assert.equal(errorName(999), 'unknown');
});

test('protocol version and host name match the document', () => {
  const doc = fs.readFileSync(path.join(repoRoot, 'docs/protocol.md'), 'utf8');
  assert.match(doc, new RegExp(`protocol \\(version ${PROTOCOL_VERSION}\\)`));
  assert.equal(NATIVE_HOST_NAME, 'app.cloudfilm.host');
});
