import test from 'node:test';
import assert from 'node:assert/strict';
import * as M from '../src/lib/study-model.js';

const obj = (n, extra = {}) => ({ outcome: 'stored', sopInstanceUid: `1.2.4.${n}`, studyInstanceUid: '1.2',
  seriesInstanceUid: '1.2.4', patientName: '王^小明', patientId: 'P1', modality: 'CT', seriesNumber: 2,
  seriesDescription: '胸部平扫', instanceNumber: n, ...extra });

test('body results build patient > study > series with counts and missing slices', () => {
  const m = M.emptyModel();
  M.addBodyResult(m, { objects: [1, 2, 3, 5].map((n) => obj(n)) }, 7);
  M.addBodyResult(m, { objects: [obj(3, { outcome: 'duplicate' })] }, 7);
  const v = M.viewOf(m, 7);
  assert.equal(v.patients.length, 1);
  assert.equal(v.patients[0].displayName, '王小明');
  const [s] = v.patients[0].studies[0].series;
  assert.equal(s.modality, 'CT');
  assert.equal(s.seriesDescription, '胸部平扫');
  assert.equal(s.count, 4);
  assert.deepEqual(s.missing, [4]);
  assert.equal(s.expected, 5);
  assert.equal(s.incomplete, true);
  assert.equal(v.totals.instances, 4);
  assert.equal(v.tab.dicom, 5);
});

test('list-result corrects the model; later body results add to it', () => {
  const m = M.emptyModel();
  M.addBodyResult(m, { objects: [obj(1)] }, 1);
  const list = M.mergeListPages([{ type: 'list-result', page: 0, pages: 1, rejected: 1, notDicom: 3, reconstruction: 2,
    patients: [{ patientName: '王^小明', patientId: 'P1', studies: [{ studyInstanceUid: '1.2', studyDate: '20260302',
      studyDescription: 'CT 胸部平扫', series: [{ seriesInstanceUid: '1.2.4', seriesNumber: 2, modality: 'CT',
        seriesDescription: '胸部平扫', instances: 12, instanceNumberMin: 1, instanceNumberMax: 12, missing: [], expected: 20 }] }] }] }]);
  M.applyList(m, list);
  let [s] = M.viewOf(m).patients[0].studies[0].series;
  assert.equal(s.count, 12);
  assert.equal(s.expected, 20);
  assert.equal(s.incomplete, true);
  M.addBodyResult(m, { objects: [obj(13)] }, 1);
  [s] = M.viewOf(m).patients[0].studies[0].series;
  assert.equal(s.count, 13);
  const v = M.viewOf(m);
  assert.equal(v.totals.notDicom, 3);
  assert.equal(v.totals.reconstruction, 2);
  assert.equal(v.patients[0].studies[0].studyDate, '20260302');
});

test('a series the host no longer lists is dropped; pages merge by patient and study', () => {
  const m = M.emptyModel();
  M.addBodyResult(m, { objects: [obj(1, { seriesInstanceUid: 'gone' })] }, 1);
  const p = (series) => ({ patientName: 'A', patientId: '1', studies: [{ studyInstanceUid: 's', series }] });
  const merged = M.mergeListPages([
    { page: 0, pages: 2, patients: [p([{ seriesInstanceUid: 'a', instances: 1 }])] },
    { page: 1, pages: 2, patients: [p([{ seriesInstanceUid: 'b', instances: 2 }])] },
  ]);
  assert.equal(merged.patients.length, 1);
  assert.equal(merged.patients[0].studies[0].series.length, 2);
  M.applyList(m, merged);
  const uids = M.viewOf(m).patients.flatMap((x) => x.studies.flatMap((s) => s.series.map((y) => y.seriesInstanceUid)));
  assert.deepEqual(uids.sort(), ['a', 'b']);
});

test('rendered pictures but no DICOM on a tab: renderedOnly', () => {
  const m = M.emptyModel();
  for (let i = 0; i < M.RENDERED_ONLY_THRESHOLD; i++) M.noteRendered(m, 4);
  assert.equal(M.viewOf(m, 4).renderedOnly, true);
  assert.equal(M.viewOf(m, 5).renderedOnly, false);
  M.addBodyResult(m, { objects: [obj(1)] }, 4);
  assert.equal(M.viewOf(m, 4).renderedOnly, false);
  const m2 = M.emptyModel();
  M.noteRendered(m2, 4); M.noteRendered(m2, 4);
  M.addBodyResult(m2, { objects: [{ outcome: 'kept-for-reconstruction' }] }, 4);
  M.noteRendered(m2, 4); M.noteRendered(m2, 4);
  assert.equal(M.viewOf(m2, 4).renderedOnly, false, 'DICOMweb parts count as DICOM');
});

test('not-dicom and rejected objects are counted with their reasons, not listed as series', () => {
  const m = M.emptyModel();
  M.addBodyResult(m, { objects: [{ outcome: 'not-dicom', reason: 'HTML page' }, { outcome: 'rejected', reason: 'no pixel data' }] }, 1);
  const v = M.viewOf(m, 1);
  assert.equal(v.totals.series, 0);
  assert.equal(v.totals.notDicom, 1);
  assert.equal(v.totals.rejected, 1);
  assert.deepEqual(v.lastReasons.map((r) => r.reason), ['HTML page', 'no pixel data']);
});

test('forget all or some series', () => {
  let m = M.emptyModel();
  M.addBodyResult(m, { objects: [obj(1), obj(1, { seriesInstanceUid: 'other', sopInstanceUid: 'x' })] }, 1);
  m = M.forgetSeries(m, ['other']);
  assert.equal(M.viewOf(m).totals.series, 1);
  m = M.forgetSeries(m);
  assert.equal(M.viewOf(m).totals.series, 0);
  assert.equal(M.viewOf(m).patients.length, 0);
});

test('series sort by number; the model survives a JSON round trip (storage.session)', () => {
  const m = M.emptyModel();
  M.addBodyResult(m, { objects: [obj(1, { seriesInstanceUid: 's3', seriesNumber: 3 }), obj(1, { seriesInstanceUid: 's1', seriesNumber: 1, sopInstanceUid: 'y' })] }, 1);
  const back = JSON.parse(JSON.stringify(m));
  assert.deepEqual(M.viewOf(back).patients[0].studies[0].series.map((s) => s.seriesNumber), [1, 3]);
});

test('names, dates and badge text', () => {
  assert.equal(M.formatPersonName('DOE^JOHN^^^'), 'DOE JOHN');
  assert.equal(M.formatPersonName('Wang^Xiaoming=王^小明'), '王小明 (Wang Xiaoming)');
  assert.equal(M.formatPersonName(''), '');
  assert.equal(M.formatDicomDate('20260302'), '2026-03-02');
  assert.equal(M.formatDicomDate('x'), 'x');
  assert.equal(M.badgeText(0), '');
  assert.equal(M.badgeText(42), '42');
  assert.equal(M.badgeText(1234), '1k');
  assert.equal(M.badgeText(1e6), '99k+');
});

test('rebuilt files are counted per series; series the viewer announced but did not load are listed to scroll', () => {
  const m = M.emptyModel();
  const list = M.mergeListPages([
    { type: 'list-result', page: 0, pages: 2, rejected: 0, notDicom: 0, reconstruction: 30,
      patients: [{ patientName: 'WANG^XIAOMING=王^小明', patientId: 'P1', studies: [{ studyInstanceUid: '1.2', series: [
        { seriesInstanceUid: '1.2.4', seriesNumber: 2, modality: 'CT', seriesDescription: '胸部平扫', instances: 10,
          rebuilt: 10, missing: [] }] }] }],
      awaiting: [
        { studyInstanceUid: '1.2', seriesInstanceUid: '1.2.4', instances: 5, seriesDescription: '胸部平扫', seriesNumber: 2 },
        { studyInstanceUid: '1.2', seriesInstanceUid: '1.2.9', instances: 20, seriesDescription: '增强', seriesNumber: 3,
          modality: 'CT', patientName: 'WANG^XIAOMING=王^小明' }] },
    { type: 'list-result', page: 1, pages: 2, patients: [] }]);
  M.applyList(m, list);
  let v = M.viewOf(m);
  let [s] = v.patients[0].studies[0].series;
  assert.equal(s.rebuilt, 10);
  assert.equal(s.count, 10);
  assert.equal(s.waiting, 5);
  assert.equal(s.expected, 15, 'the waiting instances count as expected');
  assert.equal(s.incomplete, true);
  assert.equal(v.totals.rebuilt, 10);
  // The series with nothing rebuilt yet is shown apart, named from its metadata.
  assert.deepEqual(v.awaiting.map((a) => [a.seriesInstanceUid, a.instances, a.displayName]), [['1.2.9', 20, '王小明 (WANG XIAOMING)']]);

  // A rebuilt file reported by a body result adds to the series before the next list.
  M.addBodyResult(m, { objects: [obj(11, { rebuilt: true })] }, 1);
  M.addBodyResult(m, { objects: [obj(12)] }, 1);
  [s] = M.viewOf(m).patients[0].studies[0].series;
  assert.equal(s.rebuilt, 11);
  assert.equal(s.count, 12);

  // Hostile or odd awaiting entries do not break the view; a later list without awaiting clears it.
  M.applyList(m, { patients: [], awaiting: [null, { instances: 'many' }] });
  v = M.viewOf(m);
  assert.equal(v.awaiting.length, 2);
  assert.equal(v.awaiting[1].instances, 0);
  M.applyList(m, { patients: [] });
  assert.deepEqual(M.viewOf(m).awaiting, []);
  assert.deepEqual(JSON.parse(JSON.stringify(m)).awaiting, []);
});

// Issue 18: the expected count. The site's own count (its series metadata answer, a search answer's
// NumberOfSeriesRelatedInstances) decides when the host saw it; a count inferred from the files is only a possibility.
const listed = (series) => M.mergeListPages([{ page: 0, pages: 1, patients: [{ patientName: 'A', patientId: '1',
  studies: [{ studyInstanceUid: 's', series: [{ seriesInstanceUid: 'x', modality: 'MR', ...series }] }] }] }]);
const viewOfList = (series, waiting) => {
  const m = M.emptyModel();
  M.applyList(m, listed(series));
  if (waiting) M.applyList(m, { ...listed(series), awaiting: [{ seriesInstanceUid: 'x', instances: waiting }] });
  return M.viewOf(m).patients[0].studies[0].series[0];
};

test('expected count: the series metadata answer says 7 and 7 are kept: complete, whatever the files suggest', () => {
  // 7 images numbered 1-5, 8, 9 (gaps), ImagesInAcquisition 12: the host still says expected 7 from the metadata.
  const s = viewOfList({ instances: 7, instanceNumberMin: 1, instanceNumberMax: 9, missing: [6, 7], expected: 7,
    expectedFrom: 'series-metadata' });
  assert.equal(s.expected, 7);
  assert.equal(s.incomplete, false);
  const search = viewOfList({ instances: 7, missing: [], expected: 7, expectedFrom: 'search' });
  assert.equal(search.incomplete, false);
});

test('expected count: the site says 20, 8 kept: incomplete and sure', () => {
  const s = viewOfList({ instances: 8, instanceNumberMin: 1, instanceNumberMax: 8, missing: [], expected: 20,
    expectedFrom: 'series-metadata' });
  assert.equal(s.expected, 20);
  assert.equal(s.incomplete, true);
  assert.equal(s.sure, true);
});

test('expected count: only ImagesInAcquisition says 12 of a series of 7: a possibility, not a fact', () => {
  const s = viewOfList({ instances: 7, instanceNumberMin: 1, instanceNumberMax: 7, missing: [], expected: 12,
    expectedFrom: 'acquisition' });
  assert.equal(s.incomplete, true);
  assert.equal(s.sure, false);
  // A host without expectedFrom (older): the same, inferred.
  assert.equal(viewOfList({ instances: 7, missing: [], expected: 12 }).sure, false);
});

test('expected count: instances announced by metadata and not rebuilt are sure', () => {
  const s = viewOfList({ instances: 8, missing: [], expected: 8, expectedFrom: 'instance-numbers' }, 12);
  assert.equal(s.expected, 20);
  assert.equal(s.sure, true);
});

test('a search answer is neither an image nor a piece waiting to be rebuilt', () => {
  const m = M.emptyModel();
  M.addBodyResult(m, { objects: [{ outcome: 'search-answer', reason: 'a DICOMweb search answer (QIDO-RS, series): 3 series named' }] }, 4);
  const v = M.viewOf(m, 4);
  assert.equal(v.totals.reconstruction, 0);
  assert.equal(v.totals.notDicom, 0);
  assert.equal(v.tab.dicom, 0);
  assert.deepEqual(v.lastReasons, []);
});

test('attributes the site did not send are counted per series from the host list', () => {
  const s = viewOfList({ instances: 7, missing: [], rebuilt: 7, attributesNotSent: 2 });
  assert.equal(s.attributesNotSent, 2);
  assert.equal(viewOfList({ instances: 7, missing: [] }).attributesNotSent, 0);
});

// Issue 14: vendor viewers (Hinacom). The host's list says per series how many instances have identifiers CloudFilm
// derived (`derived`) and from which vendor's format a series was rebuilt (`vendor`); body results say `rebuiltFrom`
// per file and `preview` for a reduced image never filed. eUnity's format is remembered per tab.
test('a series rebuilt from the viewer\'s pixels (derived identifiers) or from the site\'s own tags', () => {
  const derived = viewOfList({ instances: 5, missing: [], rebuilt: 5, derived: 3, vendor: 'hinacom' });
  assert.deepEqual([derived.derived, derived.vendor, derived.rebuiltFrom], [3, 'hinacom', 'viewer-pixels']);
  const tags = viewOfList({ instances: 5, missing: [], rebuilt: 5, vendor: 'hinacom' });
  assert.deepEqual([tags.derived, tags.vendor, tags.rebuiltFrom], [0, 'hinacom', 'site-tags']);
  const dicomweb = viewOfList({ instances: 5, missing: [], rebuilt: 5 });
  assert.deepEqual([dicomweb.derived, dicomweb.vendor, dicomweb.rebuiltFrom], [0, '', '']);
  // Odd values from the host are not shown as anything.
  for (const odd of [{ derived: 'many', vendor: 42 }, { derived: -1, vendor: '<b>x</b>' }, { derived: NaN, vendor: 'x'.repeat(100) }]) {
    const s = viewOfList({ instances: 5, missing: [], ...odd });
    assert.deepEqual([s.derived, s.vendor, s.rebuiltFrom], [0, '', ''], JSON.stringify(odd));
  }
});

test('rebuiltFrom in body results counts before the next list; the list then decides', () => {
  const m = M.emptyModel();
  M.addBodyResult(m, { objects: [obj(1, { rebuilt: true, rebuiltFrom: 'hinacom-tags' })] }, 1);
  let [s] = M.viewOf(m).patients[0].studies[0].series;
  assert.deepEqual([s.rebuilt, s.derived, s.vendor, s.rebuiltFrom], [1, 0, 'hinacom', 'site-tags']);
  M.addBodyResult(m, { objects: [obj(2, { rebuilt: true, rebuiltFrom: 'hinacom-pixels' }),
    obj(3, { rebuilt: true, rebuiltFrom: 'dicomweb' }), obj(4, { rebuilt: true, rebuiltFrom: { toString: 1 } })] }, 1);
  [s] = M.viewOf(m).patients[0].studies[0].series;
  assert.deepEqual([s.rebuilt, s.derived, s.rebuiltFrom], [4, 1, 'viewer-pixels']);
  // The tag list came later: the host replaced the derived file, and its list says so.
  M.applyList(m, listed({ seriesInstanceUid: '1.2.4', instances: 4, missing: [], rebuilt: 4, vendor: 'hinacom' }));
  [s] = M.viewOf(m).patients[0].studies[0].series;
  assert.deepEqual([s.derived, s.rebuiltFrom], [0, 'site-tags']);
  assert.equal(JSON.parse(JSON.stringify(m)).series['1.2.4'].list.vendor, 'hinacom');
});

test('previews: a tab with previews and no full image yet is "preview only"; full images end it', () => {
  const m = M.emptyModel();
  const preview = { outcome: 'preview', reason: 'a reduced-resolution preview (Hinacom, 128 x 128 of 256 x 256): never kept as the image' };
  M.addBodyResult(m, { objects: [preview, preview] }, 6);
  let v = M.viewOf(m, 6);
  assert.equal(v.previewOnly, true);
  assert.equal(v.tab.previews, 2);
  assert.equal(v.totals.instances, 0);
  assert.equal(v.totals.rejected + v.totals.notDicom, 0, 'a preview is not a failure');
  assert.deepEqual(v.lastReasons, []);
  assert.equal(M.viewOf(m, 7).previewOnly, false, 'another tab');
  for (let i = 0; i < M.RENDERED_ONLY_THRESHOLD; i += 1) M.noteRendered(m, 6);
  assert.equal(M.viewOf(m, 6).renderedOnly, false, 'a site sending previews is no pictures-only site');
  // The pieces of the full image are kept, but no image yet: still preview only.
  M.addBodyResult(m, { objects: [{ outcome: 'kept-for-reconstruction' }] }, 6);
  assert.equal(M.viewOf(m, 6).previewOnly, true);
  M.addBodyResult(m, { objects: [obj(1, { rebuilt: true, rebuiltFrom: 'hinacom-pixels' })] }, 6);
  v = M.viewOf(m, 6);
  assert.equal(v.previewOnly, false);
  // Forgetting everything forgets the previews and images too: a preview that comes next is preview only again.
  const fresh = M.forgetSeries(m);
  assert.equal(M.viewOf(fresh, 6).tab.previews, 0);
  M.addBodyResult(fresh, { objects: [preview] }, 6);
  assert.equal(M.viewOf(fresh, 6).previewOnly, true);
});

test('previews the host names by instance wait for that instance, even when other images came', () => {
  const m = M.emptyModel();
  M.addBodyResult(m, { objects: [{ outcome: 'preview', sopInstanceUid: '1.2.4.1' }, { outcome: 'preview', sopInstanceUid: '1.2.4.2' }] }, 3);
  M.addBodyResult(m, { objects: [obj(1)] }, 3);
  let v = M.viewOf(m, 3);
  assert.equal(v.previewOnly, true, 'instance 2 is still a preview only');
  assert.equal(v.tab.previewsWaiting, 1);
  assert.equal(v.tab.previewUids, undefined, 'the popup gets the count, not the list');
  M.addBodyResult(m, { objects: [obj(2, { outcome: 'duplicate' })] }, 3);
  v = M.viewOf(m, 3);
  assert.equal(v.previewOnly, false);
  // A page's flood of previews is remembered only up to a bound.
  for (let i = 0; i < 3000; i += 1) M.addBodyResult(m, { objects: [{ outcome: 'preview', sopInstanceUid: `9.${i}` }] }, 3);
  assert.ok(m.tabs['3'].previewUids.length <= 1000);
});

test('eUnity seen on a tab: named for the popup; not called a pictures-only site', () => {
  const m = M.emptyModel();
  for (let i = 0; i < M.RENDERED_ONLY_THRESHOLD; i += 1) M.noteRendered(m, 2);
  assert.equal(M.viewOf(m, 2).renderedOnly, true);
  M.noteUnsupported(m, 2, 'eunity');
  M.noteUnsupported(m, 2, 'eunity');
  const v = M.viewOf(m, 2);
  assert.deepEqual(v.unsupported, [{ vendor: 'eunity', name: 'eUnity' }]);
  assert.equal(v.renderedOnly, false);
  assert.equal(v.tab.unsupported, undefined);
  assert.deepEqual(M.viewOf(m, 9).unsupported, []);
  assert.deepEqual(M.viewOf(m).unsupported, []);
  M.noteUnsupported(m, 2, '<script>');
  M.noteUnsupported(m, 2, { vendor: 'x' });
  assert.deepEqual(Object.keys(m.tabs['2'].unsupported), ['eunity']);
  assert.deepEqual(M.viewOf(M.forgetSeries(m), 2).unsupported, [{ vendor: 'eunity', name: 'eUnity' }], 'still true of the site');
});

test('a model stored by an older version (tab entries without the new counts) still works', () => {
  const old = { ...M.emptyModel(), tabs: { 4: { rendered: 1, dicom: 0, bodies: 1, failed: 0 } } };
  const m = JSON.parse(JSON.stringify(old));
  let v = M.viewOf(m, 4);
  assert.equal(v.previewOnly, false);
  assert.deepEqual(v.unsupported, []);
  M.addBodyResult(m, { objects: [{ outcome: 'preview' }] }, 4);
  M.noteUnsupported(m, 4, 'eunity');
  v = M.viewOf(m, 4);
  assert.equal(v.previewOnly, true);
  assert.equal(v.unsupported.length, 1);
});
