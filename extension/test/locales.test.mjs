import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { extRoot, readJson } from '../test-support/helpers.mjs';
import { PROBLEM_NAMES, problemKey } from '../src/lib/i18n.js';

const en = readJson('_locales/en/messages.json');
const zh = readJson('_locales/zh_CN/messages.json');
const placeholders = (s) => [...s.matchAll(/\$(\d)/g)].map((m) => m[1]).sort().join(',');

function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.(js|html)$/.test(e.name) ? [p] : [];
  });
}

test('every string exists in both English and Chinese, with the same placeholders', () => {
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  for (const key of Object.keys(en)) {
    assert.ok(en[key].message.trim(), `en ${key} empty`);
    assert.ok(zh[key].message.trim(), `zh_CN ${key} empty`);
    assert.equal(placeholders(zh[key].message), placeholders(en[key].message), `placeholders of ${key}`);
    assert.match(key, /^[A-Za-z0-9_]+$/);
  }
});

test('Chinese strings are translated (not copies of the English), except names and commands', () => {
  const same = Object.keys(en).filter((k) => en[k].message === zh[k].message);
  assert.deepEqual(same.sort(), ['installCommand', 'outputFolderPlaceholder'].sort());
});

test('the install command is exactly installer/install.sh in every language', () => {
  assert.equal(en.installCommand.message, 'installer/install.sh');
  assert.equal(zh.installCommand.message, 'installer/install.sh');
});

test('every key the code, pages and manifests use exists', () => {
  const used = new Set();
  for (const file of sourceFiles(path.join(extRoot, 'src'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bt\(\s*'([A-Za-z0-9_]+)'/g)) used.add(m[1]);
    for (const m of text.matchAll(/\bcountText\(\s*t\s*,\s*'([A-Za-z0-9_]+)'/g)) used.add(m[1]).add(`${m[1]}One`);
    for (const m of text.matchAll(/data-i18n(?:-[a-z-]+)?="([A-Za-z0-9_]+)"/g)) used.add(m[1]);
  }
  for (const f of ['manifest.base.json', 'manifest.chromium.json', 'manifest.firefox.json']) {
    for (const m of fs.readFileSync(path.join(extRoot, f), 'utf8').matchAll(/__MSG_([A-Za-z0-9_]+)__/g)) used.add(m[1]);
  }
  for (const name of [...PROBLEM_NAMES, 'anything-else']) used.add(problemKey(name));
  assert.ok(used.size > 40, `found ${used.size} keys`);
  const missing = [...used].filter((k) => !(k in en));
  assert.deepEqual(missing, []);
});

test('no key is left unused', () => {
  let text = '';
  for (const file of sourceFiles(path.join(extRoot, 'src'))) text += fs.readFileSync(file, 'utf8');
  for (const f of ['manifest.base.json']) text += fs.readFileSync(path.join(extRoot, f), 'utf8');
  for (const name of PROBLEM_NAMES) text += ` '${problemKey(name)}' `;
  for (const m of text.matchAll(/\bcountText\(\s*t\s*,\s*'([A-Za-z0-9_]+)'/g)) text += ` '${m[1]}One' `;
  const unused = Object.keys(en).filter((k) => !text.includes(`'${k}'`) && !text.includes(`"${k}"`) && !text.includes(`__MSG_${k}__`));
  assert.deepEqual(unused, []);
});

test('counts read right in English, singular included, and the same in Chinese', async () => {
  const { makeTranslator, totalsText, countText } = await import('../src/lib/i18n.js');
  const translator = (messages) => makeTranslator((key, subs) =>
    messages[key]?.message.replace(/\$(\d)/g, (_, i) => subs[Number(i) - 1] ?? ''));
  const tEn = translator(en), tZh = translator(zh);
  assert.equal(totalsText(tEn, { instances: 1, series: 1, studies: 1 }), '1 image · 1 series · 1 study');
  assert.equal(totalsText(tEn, { instances: 87, series: 5, studies: 2 }), '87 images · 5 series · 2 studies');
  assert.equal(totalsText(tZh, { instances: 1, series: 1, studies: 1 }), '1 幅影像 · 1 个序列 · 1 项检查');
  assert.equal(countText(tEn, 'sliceCount', 1), '1 slice');
  assert.equal(countText(tEn, 'sliceCount', 0), '0 slices');
});

test('every English message that counts something ($1 followed by a plural noun) has a singular form, and is shown through countText', () => {
  // "1 slices", "1 pieces kept", "Saved 1 images" (issue 18). "series" is the same in both numbers.
  const counted = Object.keys(en).filter((k) => !k.endsWith('One') &&
    /\$1 (?:DICOMweb |captured )?(?!series\b)[a-z]+s\b/.test(en[k].message));
  assert.ok(counted.includes('sliceCount') && counted.includes('savedInto'), counted.join(' '));
  const withoutSingular = counted.filter((k) => !(`${k}One` in en));
  assert.deepEqual(withoutSingular, []);
  let text = '';
  for (const file of sourceFiles(path.join(extRoot, 'src'))) text += fs.readFileSync(file, 'utf8');
  const shownRaw = counted.filter((k) => new RegExp(`\\bt\\(\\s*'${k}'`).test(text));
  assert.deepEqual(shownRaw, [], 'counted messages go through countText, which picks the singular');
});

test('issue 14: the vendor viewer messages are in both languages, in plain words, the vendor named by $1', async () => {
  const { makeTranslator } = await import('../src/lib/i18n.js');
  const { VENDOR_NAMES } = await import('../src/lib/vendor-hints.js');
  const translator = (messages) => makeTranslator((key, subs) =>
    messages[key]?.message.replace(/\$(\d)/g, (_, i) => subs[Number(i) - 1] ?? ''));
  for (const key of ['rebuiltFromPixels', 'rebuiltFromSiteTags', 'previewOnly', 'unsupportedFormat']) {
    assert.ok(en[key] && zh[key], key);
    assert.doesNotMatch(en[key].message, /\b(DICOM|UID|tag|pixel|codec|wavelet)s?\b/i, `${key}: no jargon`);
  }
  assert.equal(translator(en)('unsupportedFormat', VENDOR_NAMES.eunity),
    "This site uses eUnity's own image format, which CloudFilm cannot keep yet.");
  assert.match(translator(zh)('unsupportedFormat', VENDOR_NAMES.eunity), /eUnity/);
  assert.match(en.previewOnly.message, /^Preview only: .*open each series at full resolution/i);
  assert.match(en.rebuiltFromPixels.message, /made by CloudFilm/);
});

test('issue 14: the count of pieces waiting to be rebuilt names no source (DICOMweb and vendor pieces are counted together)', async () => {
  const { makeTranslator, countText } = await import('../src/lib/i18n.js');
  const translator = (messages) => makeTranslator((key, subs) =>
    messages[key]?.message.replace(/\$(\d)/g, (_, i) => subs[Number(i) - 1] ?? ''));
  const tEn = translator(en), tZh = translator(zh);
  // The host's list reply counts every piece kept aside (`reconstruction`): DICOMweb metadata and frames, Hinacom
  // pixel answers, tag lists and image sets alike; it does not say which, so neither may the popup.
  for (const key of ['reconstructionCount', 'reconstructionCountOne']) {
    for (const messages of [en, zh]) {
      assert.doesNotMatch(messages[key].message, /DICOM|Hinacom|JSON|metadata|frame|pixel|tag/i, `${key}: ${messages[key].message}`);
    }
  }
  assert.equal(countText(tEn, 'reconstructionCount', 1), '1 piece kept until its image can be rebuilt');
  assert.equal(countText(tEn, 'reconstructionCount', 12), '12 pieces kept until their images can be rebuilt');
  assert.match(countText(tZh, 'reconstructionCount', 12), /12 个影像片段/);
});
