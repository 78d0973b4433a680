// Checks an output folder of instances the host rebuilt from DICOMweb metadata + frames against what Orthanc holds:
// one valid file per instance, the original's pixels, every metadata attribute, patient/study/series folders.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { outputFiles, sha } from './output.mjs';
import { compareDicomJson, datasetJson, dumpCheck, inPool, isEncapsulated, renderFrame1 } from './dcmtk.mjs';

const EXPLICIT_LITTLE = '1.2.840.10008.1.2.1';

// Orthanc's originals, rendered once per process: instance id -> { syntax, rendered: SHA-256 of the rendering }.
const originals = new Map();

async function renderedOriginal(orthanc, id, scratch) {
  const key = `${orthanc.url}/instances/${id}`;
  if (!originals.has(key)) {
    originals.set(key, (async () => {
      const syntax = await (await fetch(`${orthanc.url}/instances/${id}/metadata/TransferSyntax`)).text();
      const file = path.join(scratch, `original-${id}.dcm`);
      writeFileSync(file, Buffer.from(await (await fetch(`${orthanc.url}/instances/${id}/file`)).arrayBuffer()));
      try {
        return { syntax, rendered: await renderedOrNone(file, `${file}.pgm`, syntax) };
      } finally { rmSync(file, { force: true }); }
    })());
    originals.get(key).catch(() => originals.delete(key));
  }
  return originals.get(key);
}

// An instance without pixel data (pydicom's TINY_ALPHA "CT images" have none) renders as this, original and rebuilt.
const NO_PIXEL_DATA = 'no pixel data';
async function renderedOrNone(file, pgm, syntax) {
  try {
    return sha(await renderFrame1(file, pgm, syntax));
  } catch (error) {
    if (/no pixel data found/.test(String(error?.message))) return NO_PIXEL_DATA;
    throw error;
  }
}

/** Orthanc's series metadata (what a DICOMweb viewer is sent), by SOP Instance UID. */
async function metadataBySop(orthanc, s) {
  const response = await fetch(`${orthanc.url}/dicom-web/studies/${s.studyUid}/series/${s.uid}/metadata`,
    { headers: { Accept: 'application/dicom+json' } });
  assert.equal(response.status, 200, `metadata of ${s.description}`);
  return new Map((await response.json()).map((i) => [i['00080018'].Value[0], i]));
}

/**
 * `series`: allSeries() entries whose every instance was browsed. `originalSyntax`: the frames were asked for with
 * transfer-syntax=* (a compressed original is then rebuilt in its own transfer syntax; otherwise every file is
 * explicit VR little endian, the syntax Orthanc transcoded the frames to). `expectedSyntax(sop, originalSyntax)`,
 * when given, says it per instance instead (the syntax its frames came in).
 */
export async function checkRebuiltOutput({ orthanc, output, series, originalSyntax, expectedSyntax,
  diagnostic = () => {} }) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'cloudfilm-rebuilt-check-'));
  try {
    const expected = new Map(); // sop -> { series, instance, metadata }
    for (const s of series) {
      const metadata = await metadataBySop(orthanc, s);
      for (const i of s.instances) expected.set(i.sop, { series: s, instance: i, metadata: metadata.get(i.sop) });
    }
    const files = outputFiles(output).filter((f) => f.endsWith('.dcm'));
    const checked = await inPool(files, 3, async (file, n) => {
      const validity = await dumpCheck(file);
      const syntax = validity.transferSyntax;
      const json = await datasetJson(file, { scratchDir: scratch, syntax, characterSet: validity.characterSet });
      const sop = json['00080018']?.Value?.[0];
      const want = expected.get(sop);
      const result = { file, sop, validity, json, want, syntax };
      if (!want) return result;
      const original = await renderedOriginal(orthanc, want.instance.id, scratch);
      result.originalSyntax = original.syntax;
      result.originalRendered = original.rendered;
      result.rendered = await renderedOrNone(file, path.join(scratch, `rebuilt-${n}.pgm`), syntax);
      return result;
    });
    const name = (c) => `${c.want?.series.description ?? path.relative(output, c.file)}/${c.sop}`;

    // Exactly one .dcm per browsed instance, with the right SOP Instance UIDs.
    assert.deepEqual(checked.map((c) => c.sop).sort(), [...expected.keys()].sort(),
      'one saved file per browsed instance, each with its SOP Instance UID');

    const invalid = checked.filter((c) => !c.validity.ok)
      .map((c) => `${path.relative(output, c.file)}: exit ${c.validity.code} ${c.validity.stderr}`);
    assert.deepEqual(invalid, [], 'every file passes dcmdump -E without a word on stderr');

    // In the transfer syntax the frames came in.
    // (`expectedSyntax(sop, originalSyntax)`: a viewer that asked for some series one way and some the other.)
    const wanted = (c) => (expectedSyntax ? expectedSyntax(c.sop, c.originalSyntax)
      : originalSyntax && isEncapsulated(c.originalSyntax) ? c.originalSyntax : EXPLICIT_LITTLE);
    const syntaxes = checked.filter((c) => c.syntax !== wanted(c))
      .map((c) => `${name(c)}: ${c.syntax} (original ${c.originalSyntax}, frames ${wanted(c)})`);
    assert.deepEqual(syntaxes, [], originalSyntax ? 'compressed originals rebuilt in their own transfer syntax'
      : 'rebuilt in explicit VR little endian, as the frames were sent');
    const seen = {};
    for (const c of checked) seen[`${c.originalSyntax} -> ${c.syntax}`] = (seen[`${c.originalSyntax} -> ${c.syntax}`] ?? 0) + 1;
    diagnostic(`transfer syntaxes (original -> rebuilt): ${JSON.stringify(seen)}`);

    const pixels = checked.filter((c) => c.rendered !== c.originalRendered).map(name);
    assert.deepEqual(pixels, [], 'frame 1 of every file renders (16 bit, no windowing) exactly like the original');

    const attributes = [];
    const leftOut = new Set();
    for (const c of checked) {
      const { differences, skipped } = compareDicomJson(c.want.metadata, c.json);
      for (const d of differences) attributes.push(`${name(c)} ${d}`);
      for (const s of skipped) leftOut.add(s);
    }
    assert.deepEqual(attributes, [], 'every attribute of the DICOMweb metadata is in the rebuilt file, same value');
    diagnostic(`not compared (bulk data or pixel data): ${[...leftOut].sort().join(' ')}`);

    // Files in patient / study / series folders, names decoded.
    const folderOf = new Map();
    for (const c of checked) {
      const parts = path.relative(output, c.file).split(path.sep);
      assert.equal(parts.length, 4, `patient/study/series/file: ${parts.join('/')}`);
      const folder = parts.slice(0, 3).join('/');
      const previous = folderOf.get(c.want.series.uid);
      assert.ok(!previous || previous === folder, `one folder per series: ${previous} and ${folder}`);
      folderOf.set(c.want.series.uid, folder);
    }
    assert.equal(new Set(folderOf.values()).size, series.length, 'a folder of its own for each series');
    const patients = readdirSync(output).filter((n) => statSync(path.join(output, n)).isDirectory());
    const chinese = patients.find((n) => n.startsWith('王小明'));
    if (series.some((s) => /王/.test(s.patientName))) {
      assert.ok(chinese, `a folder starting with 王小明 among ${patients}`);
      const studyFolders = readdirSync(path.join(output, chinese));
      assert.equal(studyFolders.length, 1);
      assert.match(studyFolders[0], /^2026-03-02 .*胸部平扫/);
      const seriesFolders = readdirSync(path.join(output, chinese, studyFolders[0]));
      assert.equal(seriesFolders.length, 2, `two series folders: ${seriesFolders}`);
      assert.match(seriesFolders.join('|'), /平扫 5mm/);
    }
    return checked;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
