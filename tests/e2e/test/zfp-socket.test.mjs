// The GE-ZFP-style test site alone (issue 14), no browser: its socket (/zfp/socket, viewer/zfp.mjs) must speak the
// wire of docs/vendors.md exactly, since the e2e tests of CloudFilm's ZFP rebuild trust it:
// the study as one gzip binary message whose JSON names the study's real UIDs; each object as three messages (the
// `CMDGETOBJ <token>` line, the JSON header with the full image's size, the raw pixels: Orthanc's decoded frame, a
// preview reduced, zero padding to a multiple of 16, or exactly N bytes with ?pad=N); answers in the order asked,
// never interleaved; a request it cannot answer gets one `CMDERROR` line. A few seconds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { startBed, allSeries, orthancJson, readSets } from '../lib/bed.mjs';
import { orthancPixels } from '../lib/hinacom.mjs';
import { downsample } from '../viewer/hinacom.mjs';

let bed;
let orthancStudies; // the MR study and the GB18030 study, as Orthanc lists them
before(async () => {
  bed = await startBed();
  const wanted = new Set(readSets(bed.studyDir).filter((r) => r.set === 'mr' || r.set === 'gb18030').map((r) => r.sop));
  const studyUids = new Set((await allSeries(bed.orthanc)).filter((s) => s.instances.some((i) => wanted.has(i.sop))).map((s) => s.studyUid));
  orthancStudies = (await orthancJson(bed.orthanc, '/studies?expand')).filter((s) => studyUids.has(s.MainDicomTags.StudyInstanceUID));
  assert.equal(orthancStudies.length, 2, 'the MR study and the GB18030 study');
});
after(async () => { await bed?.stop(); });

/** A socket to the site: send(request), next() the next message ({data, binary}), close(). */
async function connect(query = '') {
  const ws = new WebSocket(`${bed.site.url.replace(/^http/, 'ws')}/zfp/socket${query}`);
  const inbox = [];
  const waiters = [];
  ws.on('message', (data, binary) => {
    const m = { data: binary ? data : String(data), binary };
    if (waiters.length) waiters.shift()(m); else inbox.push(m);
  });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return {
    send: (request) => ws.send(typeof request === 'string' ? request : JSON.stringify(request)),
    next: () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within 10 s')), 10000);
      waiters.push((m) => { clearTimeout(timer); resolve(m); });
    })),
    close: () => ws.close(),
  };
}

const getObject = (sop, level, frame = 0) => ({ CommandName: 'CMDGETOBJ', Token: `${sop}#${frame}`, Options: { Raw: true, Level: level } });

test('the study: one gzip binary message, the study JSON with the real UIDs, series and images in order', async () => {
  const socket = await connect();
  try {
    for (const o of orthancStudies) {
      const uid = o.MainDicomTags.StudyInstanceUID;
      socket.send({ CommandName: 'CMDGETOPTIMIZEDSTUDY', Token: uid, Options: {} });
      const m = await socket.next();
      assert.equal(m.binary, true);
      assert.deepEqual([...m.data.subarray(0, 2)], [0x1f, 0x8b], 'gzip');
      const study = JSON.parse(gunzipSync(m.data).toString('utf8'));
      assert.deepEqual(Object.keys(study), ['StudyInstanceUid', 'PatientName', 'PatientId', 'StudyDate', 'StudyTime',
        'StudyDescription', 'AccessionNumber', 'Series']);
      assert.equal(study.StudyInstanceUid, uid);
      assert.equal(study.PatientName, o.PatientMainDicomTags.PatientName ?? '');
      assert.equal(study.StudyDescription, o.MainDicomTags.StudyDescription ?? '');
      const series = await orthancJson(bed.orthanc, `/studies/${o.ID}/series?expand`);
      assert.deepEqual(study.Series.map((s) => s.SeriesInstanceUid).sort(), series.map((s) => s.MainDicomTags.SeriesInstanceUID).sort());
      assert.deepEqual(study.Series.map((s) => s.SeriesNumber), [...study.Series.map((s) => s.SeriesNumber)].sort((a, b) => a - b));
      for (const s of study.Series) {
        assert.deepEqual(Object.keys(s), ['SeriesInstanceUid', 'SeriesNumber', 'SeriesDescription', 'Modality', 'Sops']);
        const instances = await orthancJson(bed.orthanc, `/series/${series.find((x) => x.MainDicomTags.SeriesInstanceUID === s.SeriesInstanceUid).ID}/instances`);
        assert.deepEqual(s.Sops.map((x) => x.SopInstanceUid).sort(), instances.map((i) => i.MainDicomTags.SOPInstanceUID).sort());
        for (const sop of s.Sops) {
          assert.deepEqual(Object.keys(sop), ['SopInstanceUid', 'SopClassUid', 'NumberOfFrames', 'ImageNumber']);
          assert.match(sop.SopClassUid, /^1\.2\.840\.10008\.5\.1\.4\.1\.1\./);
          assert.equal(sop.NumberOfFrames, 1);
        }
        assert.deepEqual(s.Sops.map((x) => x.ImageNumber), [...s.Sops.map((x) => x.ImageNumber)].sort((a, b) => a - b));
      }
    }
    const gb = orthancStudies.find((o) => /王/.test(o.PatientMainDicomTags.PatientName));
    socket.send({ CommandName: 'CMDGETOPTIMIZEDSTUDY', Token: gb.MainDicomTags.StudyInstanceUID, Options: {} });
    const study = JSON.parse(gunzipSync((await socket.next()).data).toString('utf8'));
    assert.equal(study.PatientName, '王^小明');
    assert.deepEqual(study.Series.map((s) => s.SeriesDescription), ['平扫 5mm', '定位像']);
  } finally {
    socket.close();
  }
});

test('every image: the CMDGETOBJ line, the header (full size at every level), the pixels padded; in the order asked', async () => {
  const socket = await connect();
  try {
    const sops = [];
    for (const o of orthancStudies) {
      const study = await bed.site.zfp.study(o.MainDicomTags.StudyInstanceUID);
      sops.push(...study.Series.flatMap((s) => s.Sops.map((x) => x.SopInstanceUid)));
    }
    assert.equal(sops.length, 87, '80 MR images and 7 of the GB18030 study');
    // Everything asked at once: the answers come back in that order, each object's three messages together.
    const asked = sops.flatMap((sop) => [[sop, 2], [sop, 0]]);
    for (const [sop, level] of asked) socket.send(getObject(sop, level));
    for (const [sop, level] of asked) {
      const line = await socket.next();
      assert.deepEqual(line, { data: `CMDGETOBJ ${sop}#0`, binary: false });
      const headerMessage = await socket.next();
      assert.equal(headerMessage.binary, false);
      const header = JSON.parse(headerMessage.data);
      const pixels = await socket.next();
      assert.equal(pixels.binary, true);
      if (level !== 0) continue;
      const t = await orthancJson(bed.orthanc, `/instances/${(await orthancJson(bed.orthanc, '/tools/lookup', { method: 'POST', body: sop }))[0].ID}/simplified-tags`);
      assert.deepEqual(Object.keys(header), ['Rows', 'Columns', 'SamplesPerPixel', 'BitsAllocated', 'BitsStored', 'HighBit',
        'PixelRepresentation', 'PhotometricInterpretation', 'RescaleSlope', 'RescaleIntercept', 'PixelSpacing',
        'ImagePosition', 'ImageOrientation', 'ImageNumber', 'SliceThickness', 'WindowCenter', 'WindowWidth', 'FrameOfReferenceUid']);
      assert.deepEqual([header.Rows, header.Columns, header.BitsAllocated, header.BitsStored, header.HighBit, header.PixelRepresentation],
        [t.Rows, t.Columns, t.BitsAllocated, t.BitsStored, t.HighBit, t.PixelRepresentation].map(Number));
      assert.equal(header.PhotometricInterpretation, t.PhotometricInterpretation);
      assert.equal(header.PixelSpacing, t.PixelSpacing);
      assert.equal(header.ImagePosition, t.ImagePositionPatient);
      assert.equal(header.ImageOrientation, t.ImageOrientationPatient);
      assert.equal(header.FrameOfReferenceUid, t.FrameOfReferenceUID);
      assert.equal(header.ImageNumber, Number(t.InstanceNumber));
      assert.equal(header.RescaleIntercept, Number(t.RescaleIntercept ?? 0));
      assert.ok(header.WindowWidth > 1, 'a usable window');
      const original = await orthancPixels(bed.orthanc, t);
      assert.equal(pixels.data.length % 16, 0, 'padded to a multiple of 16');
      assert.ok(pixels.data.length - original.length < 16);
      assert.deepEqual(pixels.data.subarray(0, original.length), original, 'Orthanc\'s decoded frame');
      assert.ok(pixels.data.subarray(original.length).every((b) => b === 0), 'zero padding');
    }
  } finally {
    socket.close();
  }
});

test('a preview is the reduced image; ?pad=N pads every body with exactly N zero bytes', async () => {
  const o = orthancStudies.find((x) => /王/.test(x.PatientMainDicomTags.PatientName));
  const study = await bed.site.zfp.study(o.MainDicomTags.StudyInstanceUID);
  const sop = study.Series[1].Sops[0].SopInstanceUid; // the 128 x 128 localizer
  const t = await orthancJson(bed.orthanc, `/instances/${(await orthancJson(bed.orthanc, '/tools/lookup', { method: 'POST', body: sop }))[0].ID}/simplified-tags`);
  const original = await orthancPixels(bed.orthanc, t);
  const socket = await connect('?pad=7');
  try {
    for (const level of [0, 1, 3]) {
      socket.send(getObject(sop, level));
      await socket.next();
      const header = JSON.parse((await socket.next()).data);
      assert.deepEqual([header.Rows, header.Columns], [128, 128], 'the full size, whatever the level');
      const body = (await socket.next()).data;
      const reduced = downsample(original, { rows: 128, columns: 128, samples: 1, bytes: 2 }, level);
      assert.equal(reduced.rows, 128 / 2 ** level);
      assert.deepEqual(body, Buffer.concat([reduced.pixels, Buffer.alloc(7)]), `level ${level}: reduced pixels, then 7 zero bytes`);
    }
  } finally {
    socket.close();
  }
});

test('requests it cannot answer: one CMDERROR line each, and the socket goes on', async () => {
  const socket = await connect();
  try {
    const o = orthancStudies[0];
    const sop = (await bed.site.zfp.study(o.MainDicomTags.StudyInstanceUID)).Series[0].Sops[0].SopInstanceUid;
    for (const bad of ['not json', { CommandName: 'CMDNOPE', Token: 'x' }, getObject('1.2.3', 0), getObject(sop, 0, 1),
      { CommandName: 'CMDGETOBJ', Token: `${sop}#0`, Options: { Raw: false } }, getObject(sop, -1),
      { CommandName: 'CMDGETOPTIMIZEDSTUDY', Token: '9.9.9', Options: {} }, { CommandName: 'CMDGETOPTIMIZEDSTUDY', Token: '../x' }]) {
      socket.send(bad);
      const m = await socket.next();
      assert.equal(m.binary, false);
      assert.match(m.data, /^CMDERROR /, JSON.stringify(bad));
    }
    socket.send(getObject(sop, 0));
    assert.equal((await socket.next()).data, `CMDGETOBJ ${sop}#0`);
  } finally {
    socket.close();
  }
});
