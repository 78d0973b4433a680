// Checks of an output folder of files CloudFilm rebuilt from a GE-ZFP-style viewer's socket messages
// (viewer/zfp.mjs): the study JSON, then per image the `CMDGETOBJ` line, its JSON header and its raw pixels. The
// files must be the hospital's images with their real identifiers (the study JSON names every UID), the pixels
// Orthanc's decoded frame without the padding, geometry and rescale from the header. The shared pieces (reading files
// with pydicom and dcmdump -E, folders, numbers compared as numbers) are lib/hinacom.mjs's.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { outputFiles, sha } from './output.mjs';
import { checkChineseFolders, checkFolders, describe, orthancPixels, others, rebuiltFrom, sameNumbers } from './hinacom.mjs';

const EXPLICIT_LITTLE = '1.2.840.10008.1.2.1';

/**
 * What the test site serves over its ZFP socket for some Orthanc studies: per study its Study Instance UID, the study
 * JSON as sent (gzip inside), and per image (in the JSON's order) its Sop and series entries, the Orthanc instance,
 * the header sent with its level-0 pixels, Orthanc's own tags (simplified) and decoded pixels. `imageSet.patientName`
 * as lib/hinacom.mjs's folder check reads it.
 */
export async function zfpStudies(site, orthanc, orthancStudyIds) {
  const studies = [];
  for (const orthancId of orthancStudyIds) {
    const studyUid = await site.zfp.studyUid(orthancId);
    const served = await site.zfp.studyOf(studyUid);
    const json = served.json;
    const images = [];
    let n = 0;
    for (const series of json.Series) {
      for (const sop of series.Sops) {
        const internal = served.images[n];
        n += 1;
        assert.equal(internal.tags.SOPInstanceUID, sop.SopInstanceUid, 'the served study lists its images in order');
        images.push({ sop, series, instanceId: internal.id });
      }
    }
    for (const image of images) {
      image.header = await site.zfp.header(image.sop.SopInstanceUid);
      image.original = await (await fetch(`${orthanc.url}/instances/${image.instanceId}/simplified-tags`)).json();
      image.pixels = await orthancPixels(orthanc, image.original);
    }
    studies.push({ orthancId, studyUid, json, imageSet: { patientName: json.PatientName }, images });
  }
  return studies;
}

/**
 * Files rebuilt from the ZFP socket: one per image (no preview filed), each `dcmdump -E` clean, explicit VR little
 * endian, pixel data equal to Orthanc's decoded frame (the padding trimmed); the study's real UIDs (study, series,
 * SOP instance, SOP class, and the meta header's); geometry, rescale and pixel description equal to the original's,
 * the window the header said; patient, study and series names and numbers from the study JSON; the CLOUDFILM REBUILD
 * note saying `rebuiltFrom` (the host's 'ge-zfp-study' by default; null: not checked); patient/study/series folders (王小明 included).
 */
export async function checkZfpOutput({ output, studies, rebuiltFrom: how = 'ge-zfp-study', diagnostic = () => {} }) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'cloudfilm-zfp-check-'));
  try {
    const images = studies.flatMap((s) => s.images.map((image) => ({ ...image, study: s })));
    const bySop = new Map(images.map((i) => [i.sop.SopInstanceUid, i]));
    const all = outputFiles(output);
    const files = all.filter((f) => f.endsWith('.dcm'));
    assert.deepEqual(others(output, all), [], 'only .dcm files besides the library\'s own index');
    const checked = await describe(files, scratch);
    const errors = checked.filter((c) => c.error).map((c) => `${path.relative(output, c.file)}: ${c.error}`);
    assert.deepEqual(errors, [], 'pydicom reads every file');
    const name = (c) => `${path.relative(output, c.file)} (${c.tag('0008,0018')})`;

    assert.deepEqual(checked.map((c) => c.tag('0008,0018')).sort(), [...bySop.keys()].sort(),
      'one saved file per image, with the SOP Instance UID the study JSON gives it (no preview filed)');
    const invalid = checked.filter((c) => !c.validity.ok).map((c) => `${name(c)}: exit ${c.validity.code} ${c.validity.stderr}`);
    assert.deepEqual(invalid, [], 'every file passes dcmdump -E without a word on stderr');
    const syntaxes = checked.filter((c) => c.tag('0002,0010') !== EXPLICIT_LITTLE).map((c) => `${name(c)}: ${c.tag('0002,0010')}`);
    assert.deepEqual(syntaxes, [], 'raw pixels filed in explicit VR little endian');
    for (const c of checked) c.image = bySop.get(c.tag('0008,0018'));

    const pixels = checked.filter((c) => c.pixels?.encapsulated !== false || c.pixels.sha256 !== sha(c.image.pixels))
      .map((c) => `${name(c)}: ${JSON.stringify(c.pixels)}, expected ${c.image.pixels.length} bytes ${sha(c.image.pixels)}`);
    assert.deepEqual(pixels, [], 'the pixel data of every file is Orthanc\'s decoded frame, byte for byte, without padding');

    const uids = [];
    for (const c of checked) {
      const o = c.image.original;
      for (const [tag, want] of [['0020,000D', o.StudyInstanceUID], ['0020,000E', o.SeriesInstanceUID],
        ['0008,0016', o.SOPClassUID], ['0002,0003', o.SOPInstanceUID], ['0002,0002', o.SOPClassUID],
        ['0020,000D', c.image.study.json.StudyInstanceUid], ['0020,000E', c.image.series.SeriesInstanceUid],
        ['0008,0016', c.image.sop.SopClassUid]]) {
        if (c.tag(tag) !== want) uids.push(`${name(c)} ${tag}: ${c.tag(tag)}, expected ${want}`);
      }
    }
    assert.deepEqual(uids, [], 'the study\'s real UIDs and SOP class, in the dataset and its meta header');

    const geometry = [];
    for (const c of checked) {
      const o = c.image.original;
      const h = c.image.header;
      for (const [tag, keyword, fallback] of [['0020,0032', 'ImagePositionPatient'], ['0020,0037', 'ImageOrientationPatient'],
        ['0028,0030', 'PixelSpacing'], ['0018,0050', 'SliceThickness'], ['0028,1052', 'RescaleIntercept', '0'],
        ['0028,1053', 'RescaleSlope', '1'], ['0028,0010', 'Rows'], ['0028,0011', 'Columns'], ['0028,0100', 'BitsAllocated'],
        ['0028,0101', 'BitsStored'], ['0028,0102', 'HighBit'], ['0028,0103', 'PixelRepresentation'],
        ['0028,0002', 'SamplesPerPixel'], ['0020,0013', 'InstanceNumber']]) {
        const want = o[keyword] ?? fallback;
        if (!sameNumbers(c.tag(tag), want)) geometry.push(`${name(c)} ${keyword}: ${c.tag(tag)}, original ${want}`);
      }
      for (const [tag, keyword] of [['0028,0004', 'PhotometricInterpretation'], ['0008,0060', 'Modality'], ['0020,0052', 'FrameOfReferenceUID']]) {
        if (c.tag(tag) !== o[keyword]) geometry.push(`${name(c)} ${keyword}: ${c.tag(tag)}, original ${o[keyword]}`);
      }
      for (const [tag, field] of [['0028,1050', 'WindowCenter'], ['0028,1051', 'WindowWidth']]) {
        if (!sameNumbers(c.tag(tag), String(h[field]))) geometry.push(`${name(c)} ${field}: ${c.tag(tag)}, header ${h[field]}`);
      }
    }
    assert.deepEqual(geometry, [], 'geometry, rescale and pixel description equal to the original\'s, the window the header\'s');

    const names = [];
    for (const c of checked) {
      const s = c.image.study.json;
      const series = c.image.series;
      for (const [tag, want] of [['0010,0010', s.PatientName], ['0010,0020', s.PatientId], ['0008,0020', s.StudyDate],
        ['0008,1030', s.StudyDescription], ['0008,0050', s.AccessionNumber], ['0008,103E', series.SeriesDescription]]) {
        if ((c.tag(tag) ?? '') !== want) names.push(`${name(c)} ${tag}: ${JSON.stringify(c.tag(tag))}, study JSON ${JSON.stringify(want)}`);
      }
      if (!sameNumbers(c.tag('0020,0011'), String(series.SeriesNumber))) names.push(`${name(c)} SeriesNumber ${c.tag('0020,0011')}, study JSON ${series.SeriesNumber}`);
    }
    assert.deepEqual(names, [], 'patient, study and series names and numbers from the study JSON');

    if (how !== null) {
      const said = checked.filter((c) => rebuiltFrom(c) !== how).map((c) => `${name(c)}: ${JSON.stringify(rebuiltFrom(c))}`);
      assert.deepEqual(said, [], `every file says it was rebuilt from ${how} (CLOUDFILM REBUILD, 0011,xx12)`);
    }
    diagnostic(`${checked.length} ZFP files checked against Orthanc's originals`);

    checkFolders(output, checked, (c) => c.tag('0020,000E'));
    checkChineseFolders(output, studies);
    return checked;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
