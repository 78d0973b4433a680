// A Hinacom-style (海纳医信) image server in front of the test bed's Orthanc, in the shapes the open-source
// downloaders parse (shared/notes/cloud-film-sites.md, docs/vendors.md). Under any base (the site
// mounts it at /hinacom):
//   GET {base}/ImageViewer/GetImageSet?studyId=S&accessionNumber=&examuid=&minThickness=5
//       -> {patientName, patientId, studyDescription, studyDate, storageNode,
//           displaySets: [{description, seriesNumber, modality, images: [{studyId, imageId, frame, nFrames}]}]}
//   GET {base}/ImageViewer/GetImageDicomTags?studyId=S&imageId=I&frame=0&storageNodes=
//       -> [{tag: "0008,0016", name: "SOPClassUID", value: "1.2..."}, ...]: group 0002 (the file's meta header) and
//          every element of the dataset except sequences, binary VRs (OB/OW/OF/OD/OL/OV/UN) and Pixel Data; values
//          as Orthanc's /instances/{id}/tags gives them (the text a DICOM dump shows, UTF-8; several joined by \).
//   GET {base}/imageservice/api/image/{dicom|j2k}/{studyId}/{imageId}/{frame}/{level}?storageNodes=..&ck=..
//       -> application/octet-stream with the header X-ImageFrame (one-line JSON: the FULL image's rows and columns
//          at every level, bits, sign, photometric interpretation, rescale, window, position, cosines, spacing,
//          thickness, slice location, frame of reference, modality). `dicom`: raw little-endian pixels (Orthanc's
//          frame, decoded to explicit VR little endian by Orthanc when stored compressed); `j2k`: a lossless JP2
//          (reversible 5/3, made by Debian's opj_compress, cached in a temporary folder). Level N > 0 is a preview:
//          every 2^N-th pixel of every 2^N-th row, ceil(columns / 2^N) x ceil(rows / 2^N), raw or as a JP2 of that size.
// studyId and imageId are opaque vendor ids (never DICOM UIDs): the first 16 hex digits of Orthanc's study and
// instance ids (hinacomStudyId()). Only single-frame images; J2K only for one sample per pixel.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The vendor study id the test site gives an Orthanc study (what the page asks GetImageSet for). */
export const hinacomStudyId = (orthancStudyId) => orthancStudyId.replace(/-/g, '').slice(0, 16).toUpperCase();
const vendorImageId = (orthancInstanceId) => orthancInstanceId.replace(/-/g, '').slice(0, 16).toUpperCase();

export const STORAGE_NODE = 'HNVNA01';
// X-ImageFrame's compressionFormat: 1 is raw (the downloaders' reading); the code the site uses for JPEG 2000 is
// not known: this test bed says 2.
export const COMPRESSION = { dicom: 1, j2k: 2 };
const BINARY_VRS = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'OV', 'UN', 'SQ']);
const EXPLICIT_LITTLE = '1.2.840.10008.1.2.1';

class HttpError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

function run(tool, args) {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${tool} ${args.join(' ')}: ${error.message} ${stderr}`));
      else resolve(stdout);
    });
  });
}

const numbers = (text) => (text === undefined || text === null || text === '' ? null
  : String(text).split('\\').map((v) => Number(v.trim())));
const first = (text) => numbers(text)?.[0] ?? null;

/** The first part of a multipart/related answer (Orthanc's DICOMweb frames). */
function firstPart(body, contentType) {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const start = body.indexOf('\r\n\r\n', body.indexOf(`--${boundary}`));
  const end = body.indexOf(`\r\n--${boundary}`, start + 4);
  if (start < 0 || end < 0) throw new Error('malformed multipart answer');
  return body.subarray(start + 4, end);
}

/**
 * Every 2^level-th sample of every 2^level-th row: `raw` holds rows x columns pixels of `samples` samples of `bytes`
 * bytes each (interleaved). Returns { pixels, rows, columns }.
 */
export function downsample(raw, { rows, columns, samples, bytes }, level) {
  if (level === 0) return { pixels: raw, rows, columns };
  const step = 2 ** level;
  const outRows = Math.ceil(rows / step);
  const outColumns = Math.ceil(columns / step);
  const pixel = samples * bytes;
  const out = Buffer.alloc(outRows * outColumns * pixel);
  for (let y = 0; y < outRows; y += 1) {
    for (let x = 0; x < outColumns; x += 1) {
      const from = ((y * step) * columns + x * step) * pixel;
      raw.copy(out, (y * outColumns + x) * pixel, from, from + pixel);
    }
  }
  return { pixels: out, rows: outRows, columns: outColumns };
}

/** Smallest and largest stored value of little-endian monochrome pixels. */
function range(pixels, bytes, signed) {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i + bytes <= pixels.length; i += bytes) {
    const v = bytes === 1 ? (signed ? pixels.readInt8(i) : pixels[i]) : (signed ? pixels.readInt16LE(i) : pixels.readUInt16LE(i));
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/**
 * The Hinacom-style server over `orthancUrl`. `handle(req, res, url, rest)` answers one request whose path below the
 * base is `rest` (false when the path is not one of its own); `image(studyId, imageId)` is what the test reads to
 * know the served images; `stop()` removes the JPEG 2000 cache.
 */
export function hinacomServer(orthancUrl, { link } = {}) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'cloudfilm-hinacom-'));
  const memo = new Map();
  const once = (key, make) => {
    if (!memo.has(key)) {
      const promise = make();
      memo.set(key, promise);
      promise.catch(() => memo.delete(key));
    }
    return memo.get(key);
  };
  const orthanc = async (pathname, { json = true } = {}) => {
    const response = await fetch(`${orthancUrl}${pathname}`);
    if (!response.ok) throw new HttpError(502, `Orthanc ${pathname}: HTTP ${response.status}`);
    return json ? response.json() : { body: Buffer.from(await response.arrayBuffer()), type: response.headers.get('content-type') ?? '' };
  };

  /** The Orthanc study a vendor study id names, with its series and instances in display order. */
  const study = (studyId) => once(`study:${studyId}`, async () => {
    if (!/^[0-9A-F]{16}$/.test(studyId)) throw new HttpError(404, `no study ${studyId}`);
    const id = (await orthanc('/studies')).find((s) => hinacomStudyId(s) === studyId);
    if (!id) throw new HttpError(404, `no study ${studyId}`);
    const info = await orthanc(`/studies/${id}`);
    const series = [];
    for (const s of await orthanc(`/studies/${id}/series?expand`)) {
      const instances = await orthanc(`/series/${s.ID}/instances?expand`);
      instances.sort((a, b) => Number(a.MainDicomTags.InstanceNumber ?? 0) - Number(b.MainDicomTags.InstanceNumber ?? 0));
      series.push({ id: s.ID, tags: s.MainDicomTags, instances: instances.map((i) => ({ id: i.ID, imageId: vendorImageId(i.ID) })) });
    }
    series.sort((a, b) => Number(a.tags.SeriesNumber ?? 0) - Number(b.tags.SeriesNumber ?? 0));
    return { id, studyId, info, series };
  });

  /** One image: its Orthanc instance, tags (strings), VRs, meta header and decoded level-0 pixels. */
  const image = (studyId, imageId) => once(`image:${studyId}/${imageId}`, async () => {
    const s = await study(studyId);
    const instanceId = s.series.flatMap((x) => x.instances).find((i) => i.imageId === imageId)?.id;
    if (!instanceId) throw new HttpError(404, `no image ${imageId} in study ${studyId}`);
    const simple = await orthanc(`/instances/${instanceId}/simplified-tags`);
    return { studyId, imageId, instanceId, simple };
  });

  const tagList = (studyId, imageId) => once(`tags:${studyId}/${imageId}`, async () => {
    const img = await image(studyId, imageId);
    const { StudyInstanceUID: st, SeriesInstanceUID: se, SOPInstanceUID: sop } = img.simple;
    const [tags, header, metadata] = await Promise.all([orthanc(`/instances/${img.instanceId}/tags`),
      orthanc(`/instances/${img.instanceId}/header`),
      orthanc(`/dicom-web/studies/${st}/series/${se}/instances/${sop}/metadata`)]);
    const vrs = new Map(Object.entries(metadata[0] ?? {}).map(([tag, e]) => [tag.toUpperCase(), e.vr]));
    const list = [];
    const add = (tag, element) => {
      if (element.Type !== 'String') return; // Sequence, Null (binary), TooLong
      const key = tag.replace(',', '').toUpperCase();
      if (key === '7FE00010' || key === '00020001' || BINARY_VRS.has(vrs.get(key))) return;
      list.push({ tag: tag.toUpperCase(), name: element.Name, value: element.Value });
    };
    for (const [tag, element] of Object.entries(header)) add(tag, element);
    for (const [tag, element] of Object.entries(tags)) if (!tag.startsWith('0002,')) add(tag, element);
    return list;
  });

  /** Level-0 pixels, little endian, as Orthanc decodes them (DICOMweb frame 1 in explicit VR little endian). */
  const pixels = (studyId, imageId) => once(`pixels:${studyId}/${imageId}`, async () => {
    const img = await image(studyId, imageId);
    const t = img.simple;
    if (Number(t.NumberOfFrames ?? 1) !== 1) throw new HttpError(501, 'multi-frame images are not served');
    if (!t.Rows || !t.Columns) throw new HttpError(404, 'no pixel data');
    const { body, type } = await orthanc(`/dicom-web/studies/${t.StudyInstanceUID}/series/${t.SeriesInstanceUID}` +
      `/instances/${t.SOPInstanceUID}/frames/1`, { json: false });
    if (!type.includes(`transfer-syntax=${EXPLICIT_LITTLE}`)) throw new HttpError(502, `frame in ${type}`);
    const geometry = { rows: Number(t.Rows), columns: Number(t.Columns), samples: Number(t.SamplesPerPixel ?? 1),
      bytes: Number(t.BitsAllocated) / 8, signed: t.PixelRepresentation === '1' };
    const raw = firstPart(body, type);
    const length = geometry.rows * geometry.columns * geometry.samples * geometry.bytes;
    if (raw.length < length) throw new HttpError(502, `frame of ${raw.length} bytes, ${length} expected`);
    return { raw: raw.subarray(0, length), geometry };
  });

  const frameHeader = async (studyId, imageId, format) => {
    const { simple: t } = await image(studyId, imageId);
    const { raw, geometry } = await pixels(studyId, imageId);
    const orientation = numbers(t.ImageOrientationPatient);
    const spacing = numbers(t.PixelSpacing);
    const slope = first(t.RescaleSlope) ?? 1;
    const intercept = first(t.RescaleIntercept) ?? 0;
    let windowCenter = first(t.WindowCenter);
    let windowWidth = first(t.WindowWidth);
    if (!(windowWidth > 1) && geometry.samples === 1) { // a viewer needs one: the stored range, rescaled
      const { min, max } = range(raw, geometry.bytes, geometry.signed);
      windowCenter = ((min + max) / 2) * slope + intercept;
      windowWidth = Math.max(1, (max - min) * slope);
    }
    return {
      compressionFormat: COMPRESSION[format], rows: geometry.rows, columns: geometry.columns,
      bitsAllocated: Number(t.BitsAllocated), bitsStored: Number(t.BitsStored), highBit: Number(t.HighBit),
      signed: geometry.signed, samplesPerPixel: geometry.samples,
      photometricInterpretation: t.PhotometricInterpretation, intercept, slope, windowCenter, windowWidth,
      imagePosition: numbers(t.ImagePositionPatient), rowCosines: orientation?.slice(0, 3) ?? null,
      columnCosines: orientation?.slice(3, 6) ?? null, rowPixelSpacing: spacing?.[0] ?? null,
      columnPixelSpacing: spacing?.[1] ?? null, sliceThickness: first(t.SliceThickness),
      sliceLocation: first(t.SliceLocation), frameOfReferenceUID: t.FrameOfReferenceUID ?? '', modality: t.Modality ?? '',
    };
  };

  /** The body of a pixel answer: raw (level N: downsampled) or a lossless JP2 of the same pixels. */
  const pixelBody = (studyId, imageId, format, level) => once(`body:${format}/${studyId}/${imageId}/${level}`, async () => {
    const { raw, geometry } = await pixels(studyId, imageId);
    const reduced = downsample(raw, geometry, level);
    if (format === 'dicom') return reduced.pixels;
    if (geometry.samples !== 1) throw new HttpError(501, 'JPEG 2000 only for one sample per pixel here');
    const { simple: t } = await image(studyId, imageId);
    // The precision is Bits Stored unless a stored value does not fit in it.
    let bits = Number(t.BitsStored);
    const { min, max } = range(raw, geometry.bytes, geometry.signed);
    const fits = geometry.signed ? min >= -(2 ** (bits - 1)) && max < 2 ** (bits - 1) : min >= 0 && max < 2 ** bits;
    if (!fits) bits = geometry.bytes * 8;
    const base = path.join(scratch, `${studyId}-${imageId}-${level}`);
    await writeFile(`${base}.rawl`, reduced.pixels);
    await run('opj_compress', ['-i', `${base}.rawl`, '-o', `${base}.jp2`,
      '-F', `${reduced.columns},${reduced.rows},1,${bits},${geometry.signed ? 's' : 'u'}@1x1`]);
    rmSync(`${base}.rawl`, { force: true });
    return readFile(`${base}.jp2`);
  });

  const send = async (res, status, type, body, headers = {}) => {
    await link?.wait(body.length);
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': 'no-store', ...headers });
    res.end(body);
  };
  const json = (res, value) => send(res, 200, 'application/json; charset=utf-8', Buffer.from(JSON.stringify(value)));

  async function handle(req, res, url, rest) {
    const q = url.searchParams;
    try {
      if (rest === '/ImageViewer/GetImageSet') {
        const s = await study(q.get('studyId') ?? '');
        const p = s.info.PatientMainDicomTags;
        const m = s.info.MainDicomTags;
        await json(res, {
          patientName: p.PatientName ?? '', patientId: p.PatientID ?? '', studyDescription: m.StudyDescription ?? '',
          studyDate: m.StudyDate ?? '', storageNode: STORAGE_NODE,
          displaySets: s.series.map((x) => ({ description: x.tags.SeriesDescription ?? '',
            seriesNumber: Number(x.tags.SeriesNumber ?? 0), modality: x.tags.Modality ?? '',
            images: x.instances.map((i) => ({ studyId: s.studyId, imageId: i.imageId, frame: 0, nFrames: 1 })) })),
        });
        return true;
      }
      if (rest === '/ImageViewer/GetImageDicomTags') {
        if ((q.get('frame') ?? '0') !== '0') throw new HttpError(404, 'only frame 0');
        await json(res, await tagList(q.get('studyId') ?? '', q.get('imageId') ?? ''));
        return true;
      }
      const match = /^\/imageservice\/api\/image\/(dicom|j2k)\/([^/]+)\/([^/]+)\/(\d+)\/(\d)$/.exec(rest);
      if (match) {
        const [, format, studyId, imageId, frame, level] = match;
        if (frame !== '0') throw new HttpError(404, 'only frame 0');
        const header = await frameHeader(studyId, imageId, format);
        const body = await pixelBody(studyId, imageId, format, Number(level));
        await send(res, 200, 'application/octet-stream', body, { 'X-ImageFrame': JSON.stringify(header) });
        return true;
      }
      return false;
    } catch (error) {
      if (!res.headersSent) res.writeHead(error.status ?? 500, { 'Content-Type': 'text/plain' });
      res.end(String(error.message));
      return true;
    }
  }

  return {
    handle,
    imageSet: (studyId) => study(studyId),
    tagList,
    frameHeader,
    pixelBody,
    stop: () => rmSync(scratch, { recursive: true, force: true }),
  };
}
