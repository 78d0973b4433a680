// A GE-ZFP-style image socket in front of the test bed's Orthanc (issue 14), in the shapes the open-source
// downloaders parse (shared/notes/cloud-film-sites.md, "GE ZFP"; the wire exactly as docs/vendors.md
// sets it). One WebSocket per viewer page (the site mounts it at /zfp/socket).
// Page -> server, text JSON:
//   {"CommandName":"CMDGETOPTIMIZEDSTUDY","Token":"<StudyInstanceUID>","Options":{}}
//   {"CommandName":"CMDGETOBJ","Token":"<SOPInstanceUID>#<frame, 0-based>","Options":{"Raw":true,"Level":N}}
// Server -> page, answers in the order asked:
//   - the study: ONE binary message, gzip of UTF-8 JSON {StudyInstanceUid, PatientName, PatientId, StudyDate,
//     StudyTime, StudyDescription, AccessionNumber, Series: [{SeriesInstanceUid, SeriesNumber, SeriesDescription,
//     Modality, Sops: [{SopInstanceUid, SopClassUid, NumberOfFrames, ImageNumber}]}]} (series by number, images by
//     instance number; numbers as JSON numbers, names as Orthanc gives them: UTF-8);
//   - an object: three messages in a row: the text `CMDGETOBJ <token>`; a text JSON header {Rows, Columns,
//     SamplesPerPixel, BitsAllocated, BitsStored, HighBit, PixelRepresentation, PhotometricInterpretation,
//     RescaleSlope, RescaleIntercept, PixelSpacing "a\b", ImagePosition "x\y\z", ImageOrientation "r1\..\c3",
//     ImageNumber, SliceThickness, WindowCenter, WindowWidth, FrameOfReferenceUid} (the FULL image's Rows and
//     Columns at every level; the geometry strings are the original's DS text; numbers as numbers; an attribute the
//     original lacks is null, but RescaleSlope/Intercept (1, 0) and the window (the stored range, rescaled, when the
//     original has none or a width of 0 or 1, as the Hinacom-style server does)); then the binary pixels: raw little
//     endian, Orthanc's decoded frame (DICOMweb, explicit VR little endian), level N > 0 every 2^N-th pixel of every
//     2^N-th row (hinacom.mjs downsample()), then zero bytes up to a multiple of 16. The test bed's images (256 x 256
//     and 128 x 128, 16 bits) are multiples of 16 at every level: a socket opened as /zfp/socket?pad=N (0-15, the
//     page's own `pad`) gets exactly N zero bytes after every pixel body instead, so that trimming is exercised.
//   - a request it cannot answer: one text message `CMDERROR <token> <reason>` (not JSON, not a CMDGETOBJ line: what
//     a capture forwards never mistakes it for a header).
// Only single-frame images (frame 0). serveSocket(ws, req) speaks on one socket; study(), header(), pixelBody() are what
// the e2e checks (lib/zfp.mjs) read to know what was served.
import { gzipSync } from 'node:zlib';
import { downsample } from './hinacom.mjs';

const EXPLICIT_LITTLE = '1.2.840.10008.1.2.1';
const UID = /^[0-9.]{1,64}$/;
/** Zero bytes after the pixels: the body's length a multiple of this. */
export const ZFP_PADDING = 16;

class ZfpError extends Error {}

const numberOrNull = (text) => {
  if (text === undefined || text === null || String(text).trim() === '') return null;
  const n = Number(String(text).split('\\')[0]);
  return Number.isFinite(n) ? n : null;
};
const textOrNull = (text) => (text === undefined || text === null || String(text).trim() === '' ? null : String(text).trim());

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

/** `bytes` followed by zeros up to a multiple of ZFP_PADDING. */
export function padded(bytes) {
  const extra = (ZFP_PADDING - (bytes.length % ZFP_PADDING)) % ZFP_PADDING;
  return extra ? Buffer.concat([bytes, Buffer.alloc(extra)]) : bytes;
}

/**
 * The GE-ZFP-style server over `orthancUrl`: serveSocket(ws, req) answers one page's socket; study(studyUid),
 * header(sopUid), pixelBody(sopUid, level[, pad]) (padded, as sent) and pixels(sopUid) ({raw, geometry}: Orthanc's decoded
 * frame) say what it serves. `link` (server.mjs makeLink) paces the answers.
 */
export function zfpServer(orthancUrl, { link } = {}) {
  const memo = new Map();
  const once = (key, make) => {
    if (!memo.has(key)) {
      const promise = make();
      memo.set(key, promise);
      promise.catch(() => memo.delete(key));
    }
    return memo.get(key);
  };
  const orthanc = async (pathname, init) => {
    const response = await fetch(`${orthancUrl}${pathname}`, init);
    if (!response.ok) throw new ZfpError(`Orthanc ${pathname}: HTTP ${response.status}`);
    return response;
  };
  const orthancJson = async (pathname, init) => (await orthanc(pathname, init)).json();
  const sops = new Map(); // SOPInstanceUID -> Orthanc instance id, for every study looked at

  /** The Orthanc study with this Study Instance UID, as the study JSON, plus each image's Orthanc id and tags. */
  const study = (studyUid) => once(`study:${studyUid}`, async () => {
    if (!UID.test(studyUid)) throw new ZfpError(`not a UID: ${JSON.stringify(studyUid).slice(0, 80)}`);
    const found = (await orthancJson('/tools/lookup', { method: 'POST', body: studyUid })).find((r) => r.Type === 'Study');
    if (!found) throw new ZfpError(`no study ${studyUid}`);
    const info = await orthancJson(`/studies/${found.ID}`);
    const series = [];
    for (const s of await orthancJson(`/studies/${found.ID}/series?expand`)) {
      const images = [];
      for (const i of await orthancJson(`/series/${s.ID}/instances`)) {
        const tags = await orthancJson(`/instances/${i.ID}/simplified-tags`);
        images.push({ id: i.ID, tags });
        sops.set(tags.SOPInstanceUID, i.ID);
      }
      images.sort((a, b) => Number(a.tags.InstanceNumber ?? 0) - Number(b.tags.InstanceNumber ?? 0));
      series.push({ tags: s.MainDicomTags, images });
    }
    series.sort((a, b) => Number(a.tags.SeriesNumber ?? 0) - Number(b.tags.SeriesNumber ?? 0));
    const p = info.PatientMainDicomTags;
    const m = info.MainDicomTags;
    return {
      orthancId: found.ID,
      json: {
        StudyInstanceUid: m.StudyInstanceUID, PatientName: p.PatientName ?? '', PatientId: p.PatientID ?? '',
        StudyDate: m.StudyDate ?? '', StudyTime: m.StudyTime ?? '', StudyDescription: m.StudyDescription ?? '',
        AccessionNumber: m.AccessionNumber ?? '',
        Series: series.map((s) => ({
          SeriesInstanceUid: s.tags.SeriesInstanceUID, SeriesNumber: numberOrNull(s.tags.SeriesNumber),
          SeriesDescription: s.tags.SeriesDescription ?? '', Modality: s.tags.Modality ?? '',
          Sops: s.images.map(({ tags }) => ({ SopInstanceUid: tags.SOPInstanceUID, SopClassUid: tags.SOPClassUID,
            NumberOfFrames: numberOrNull(tags.NumberOfFrames) ?? 1, ImageNumber: numberOrNull(tags.InstanceNumber) })),
        })),
      },
      images: series.flatMap((s) => s.images),
    };
  });

  const instance = (sopUid) => once(`instance:${sopUid}`, async () => {
    if (!UID.test(sopUid)) throw new ZfpError(`not a UID: ${JSON.stringify(sopUid).slice(0, 80)}`);
    let id = sops.get(sopUid);
    if (!id) id = (await orthancJson('/tools/lookup', { method: 'POST', body: sopUid })).find((r) => r.Type === 'Instance')?.ID;
    if (!id) throw new ZfpError(`no image ${sopUid}`);
    return { id, tags: await orthancJson(`/instances/${id}/simplified-tags`) };
  });

  /** Level-0 pixels as Orthanc decodes them (DICOMweb frame 1, explicit VR little endian), exactly the frame's bytes. */
  const pixels = (sopUid) => once(`pixels:${sopUid}`, async () => {
    const { tags: t } = await instance(sopUid);
    if (Number(t.NumberOfFrames ?? 1) !== 1) throw new ZfpError('multi-frame images are not served');
    if (!t.Rows || !t.Columns) throw new ZfpError('no pixel data');
    const response = await orthanc(`/dicom-web/studies/${t.StudyInstanceUID}/series/${t.SeriesInstanceUID}` +
      `/instances/${t.SOPInstanceUID}/frames/1`);
    const type = response.headers.get('content-type') ?? '';
    if (!type.includes(`transfer-syntax=${EXPLICIT_LITTLE}`)) throw new ZfpError(`frame in ${type}`);
    const body = Buffer.from(await response.arrayBuffer());
    const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
    const start = body.indexOf('\r\n\r\n', body.indexOf(`--${boundary}`)) + 4;
    const end = body.indexOf(`\r\n--${boundary}`, start);
    if (!boundary || start < 4 || end < 0) throw new ZfpError('malformed multipart answer from Orthanc');
    const geometry = { rows: Number(t.Rows), columns: Number(t.Columns), samples: Number(t.SamplesPerPixel ?? 1),
      bytes: Number(t.BitsAllocated) / 8, signed: t.PixelRepresentation === '1' };
    const length = geometry.rows * geometry.columns * geometry.samples * geometry.bytes;
    if (end - start < length) throw new ZfpError(`frame of ${end - start} bytes, ${length} expected`);
    return { raw: body.subarray(start, start + length), geometry };
  });

  const header = (sopUid) => once(`header:${sopUid}`, async () => {
    const { tags: t } = await instance(sopUid);
    const { raw, geometry } = await pixels(sopUid);
    const slope = numberOrNull(t.RescaleSlope) ?? 1;
    const intercept = numberOrNull(t.RescaleIntercept) ?? 0;
    let windowCenter = numberOrNull(t.WindowCenter);
    let windowWidth = numberOrNull(t.WindowWidth);
    if (!(windowWidth > 1) && geometry.samples === 1) { // a viewer needs one: the stored range, rescaled
      const { min, max } = range(raw, geometry.bytes, geometry.signed);
      windowCenter = ((min + max) / 2) * slope + intercept;
      windowWidth = Math.max(1, (max - min) * slope);
    }
    return {
      Rows: geometry.rows, Columns: geometry.columns, SamplesPerPixel: geometry.samples,
      BitsAllocated: Number(t.BitsAllocated), BitsStored: Number(t.BitsStored), HighBit: Number(t.HighBit),
      PixelRepresentation: geometry.signed ? 1 : 0, PhotometricInterpretation: t.PhotometricInterpretation,
      RescaleSlope: slope, RescaleIntercept: intercept, PixelSpacing: textOrNull(t.PixelSpacing),
      ImagePosition: textOrNull(t.ImagePositionPatient), ImageOrientation: textOrNull(t.ImageOrientationPatient),
      ImageNumber: numberOrNull(t.InstanceNumber), SliceThickness: numberOrNull(t.SliceThickness),
      WindowCenter: windowCenter, WindowWidth: windowWidth, FrameOfReferenceUid: textOrNull(t.FrameOfReferenceUID),
    };
  });

  /** The binary answer: level 0 or a 2^level-reduced preview, zero-padded to a multiple of 16. */
  const pixelBody = (sopUid, level, pad = null) => once(`body:${sopUid}/${level}/${pad}`, async () => {
    const { raw, geometry } = await pixels(sopUid);
    const { pixels: body } = downsample(raw, geometry, level);
    return pad === null ? padded(body) : Buffer.concat([body, Buffer.alloc(pad)]);
  });

  /** The answer to one request: the messages to send, in order ([data, isBinary] each). */
  async function answer(text, pad) {
    let request;
    try { request = JSON.parse(text); } catch { throw new ZfpError('not JSON'); }
    const token = typeof request?.Token === 'string' ? request.Token : '';
    const fail = (reason) => [[`CMDERROR ${token.slice(0, 80)} ${reason}`, false]];
    try {
      if (request?.CommandName === 'CMDGETOPTIMIZEDSTUDY') {
        const s = await study(token);
        return [[gzipSync(Buffer.from(JSON.stringify(s.json), 'utf8')), true]];
      }
      if (request?.CommandName === 'CMDGETOBJ') {
        const match = /^([0-9.]{1,64})#(\d{1,9})$/.exec(token);
        if (!match) return fail('bad token');
        if (match[2] !== '0') return fail('only frame 0');
        const options = request.Options ?? {};
        if (options.Raw !== true) return fail('only raw pixels (Options.Raw true)');
        const level = options.Level ?? 0;
        if (!Number.isInteger(level) || level < 0 || level > 6) return fail('bad level');
        const [h, body] = await Promise.all([header(match[1]), pixelBody(match[1], level, pad)]);
        return [[`CMDGETOBJ ${token}`, false], [JSON.stringify(h), false], [body, true]];
      }
      return fail(`unknown command ${JSON.stringify(request?.CommandName ?? null).slice(0, 40)}`);
    } catch (error) {
      return fail(String(error.message).replace(/\s+/g, ' ').slice(0, 200));
    }
  }

  /** One page's socket: each request answered in the order it came, its messages one after the other. */
  function serveSocket(ws, req) {
    const asked = new URL(req?.url ?? '/', 'http://localhost').searchParams.get('pad');
    const pad = /^(\d|1[0-5])$/.test(asked ?? '') ? Number(asked) : null;
    let queue = Promise.resolve();
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      // Worked out alongside the others (a socket is one connection, its answers pipelined); sent in order.
      const latency = new Promise((resolve) => setTimeout(resolve, link?.latencyMs ?? 0));
      const messages = latency.then(() => answer(String(data), pad)).catch((error) => [[`CMDERROR - ${error.message}`, false]]);
      queue = queue.then(async () => {
        const list = await messages;
        await link?.wait(list.reduce((n, [m]) => n + m.length, 0), { pipelined: true });
        for (const [message, binary] of list) {
          if (ws.readyState !== ws.OPEN) return;
          ws.send(message, { binary });
        }
      });
    });
  }

  return { serveSocket, study: async (studyUid) => (await study(studyUid)).json, studyOf: study, header, pixelBody, pixels,
    /** The Study Instance UID of an Orthanc study (what a viewer link names). */
    studyUid: async (orthancStudyId) => {
      if (!/^[0-9a-f]{8}(-[0-9a-f]{8}){4}$/.test(orthancStudyId)) throw new ZfpError(`no study ${orthancStudyId}`);
      return (await orthancJson(`/studies/${orthancStudyId}`)).MainDicomTags.StudyInstanceUID;
    } };
}
