// DCMTK's command-line tools on saved files: validity (dcmdump), a strict rendering of a frame (dcmj2pnm) and the
// dataset as DICOM JSON (dcm2json), plus a comparison of DICOM JSON attributes.
import { execFile } from 'node:child_process';
import { copyFile, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

/** Runs a tool; resolves to { code, stdout, stderr } whatever its exit code. */
export function run(tool, args, { encoding = 'utf8', maxBuffer = 256 << 20 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { encoding, maxBuffer }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') { reject(error); return; }
      resolve({ code: error ? error.code : 0, stdout, stderr });
    });
  });
}

/**
 * `dcmdump -E FILE` (stop on any error): ok when it exits 0 and prints nothing on stderr. Also reads from the dump
 * the Transfer Syntax UID and the Specific Character Set the file declares.
 */
export async function dumpCheck(file) {
  const r = await run('dcmdump', ['-E', '-Un', file], { encoding: 'latin1' });
  const top = (tag) => new RegExp(`^\\(${tag}\\) [A-Z]{2} \\[([^\\]]*)\\]`, 'm').exec(r.stdout)?.[1];
  return { ok: r.code === 0 && r.stderr === '', code: r.code, stderr: r.stderr.trim(),
    transferSyntax: top('0002,0010') ?? '', characterSet: top('0008,0005') };
}

const JPEG_LS = new Set(['1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81']);
export const isEncapsulated = (uid) => uid.startsWith('1.2.840.10008.1.2.4.') || uid === '1.2.840.10008.1.2.5';

/**
 * Frame 1 rendered by dcmj2pnm (dcml2pnm for JPEG-LS, which dcmj2pnm cannot decode) without any VOI windowing as a
 * 16-bit PGM/PPM: every stored value maps to its own output value, so two files render alike only if their pixels
 * are the same. Resolves to the rendered bytes.
 */
export async function renderFrame1(file, out, syntax) {
  const tool = JPEG_LS.has(syntax) ? 'dcml2pnm' : 'dcmj2pnm';
  const r = await run(tool, ['+F', '1', '-W', '+opw', file, out]);
  if (r.code !== 0) throw new Error(`${tool} ${file}: exit ${r.code}: ${r.stderr.trim()}`);
  try { return await readFile(out); } finally { await rm(out, { force: true }); }
}

/**
 * The dataset of a Part-10 file as DICOM JSON (dcm2json, which writes text as UTF-8 and then says ISO_IR 192 in
 * (0008,0005) whatever the file declares: pass the file's own `characterSet` to put it back). Compressed pixel
 * data, which dcm2json cannot write inline, is dropped from a copy first.
 */
export async function datasetJson(file, { scratchDir, syntax, characterSet }) {
  let input = file;
  if (isEncapsulated(syntax)) {
    input = path.join(scratchDir, `${path.basename(file)}-${process.hrtime.bigint()}.dcm`);
    await copyFile(file, input);
    const stripped = await run('dcmodify', ['-nb', '-q', '-e', '(7fe0,0010)', input]);
    if (stripped.code !== 0) throw new Error(`dcmodify -e PixelData ${file}: exit ${stripped.code}: ${stripped.stderr}`);
  }
  try {
    const r = await run('dcm2json', ['-fc', input]);
    if (r.code !== 0) throw new Error(`dcm2json ${file}: exit ${r.code}: ${r.stderr.trim()}`);
    const json = JSON.parse(r.stdout);
    if (characterSet !== undefined && json['00080005']) json['00080005'].Value = characterSet.split('\\');
    return json;
  } finally {
    if (input !== file) await rm(input, { force: true });
  }
}

const FLOAT_VRS = new Set(['FL', 'FD', 'OF', 'OD']);

function sameValue(vr, a, b) {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    if (typeof a === 'number' && typeof b === 'number' && FLOAT_VRS.has(vr)) {
      return a === b || Math.abs(a - b) <= 1e-6 * Math.max(Math.abs(a), Math.abs(b));
    }
    return a === b;
  }
  // PN: { Alphabetic, Ideographic, Phonetic }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => (a[k] ?? '') === (b[k] ?? ''));
}

/**
 * Every attribute of `expected` (DICOM JSON, e.g. a DICOMweb metadata instance) present in `actual` with the same
 * VR and value, sequences compared item by item. Attributes given by BulkDataURI or InlineBinary (whose bytes the
 * metadata does not hold) and Pixel Data are left out. Returns the differences as text ([] when none), and the
 * tags skipped.
 */
export function compareDicomJson(expected, actual, where = '') {
  const differences = [];
  const skipped = [];
  for (const [tag, element] of Object.entries(expected)) {
    const name = `${where}${tag}`;
    if (tag === '7FE00010' || element.BulkDataURI !== undefined || element.InlineBinary !== undefined) {
      skipped.push(name);
      continue;
    }
    const other = actual?.[tag];
    if (!other) { differences.push(`${name}: missing (expected ${JSON.stringify(element).slice(0, 120)})`); continue; }
    if (other.vr !== element.vr) differences.push(`${name}: VR ${other.vr}, expected ${element.vr}`);
    const want = element.Value ?? [];
    const have = other.Value ?? [];
    if (want.length !== have.length) {
      differences.push(`${name}: ${have.length} values ${JSON.stringify(have).slice(0, 160)}, expected ${want.length} ` +
        JSON.stringify(want).slice(0, 160));
      continue;
    }
    if (element.vr === 'SQ') {
      want.forEach((item, i) => {
        const sub = compareDicomJson(item ?? {}, have[i] ?? {}, `${name}[${i}].`);
        differences.push(...sub.differences);
        skipped.push(...sub.skipped);
      });
      continue;
    }
    want.forEach((value, i) => {
      if (!sameValue(element.vr, value, have[i])) {
        differences.push(`${name}[${i}]: ${JSON.stringify(have[i])}, expected ${JSON.stringify(value)}`);
      }
    });
  }
  return { differences, skipped };
}

/** Runs `fn` over `items`, `n` at a time; resolves to the results in order. */
export async function inPool(items, n, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return results;
}
