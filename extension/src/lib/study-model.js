// The captured-study model the popup and the DevTools panel render.
// Built from body-end-result objects as they arrive and corrected by list-result (the host's view).
// Pure and JSON-serialisable, so the service worker can keep it in storage.session.

import { rebuiltFromVendor, VENDOR_NAMES } from './vendor-hints.js';

const PRESENT = new Set(['stored', 'duplicate', 'replaced', 'kept-worse']);
// At least this many large rendered pictures and no DICOM: the site probably sends pictures only.
export const RENDERED_ONLY_THRESHOLD = 3;
const MAX_MISSING_LISTED = 100;
const MAX_AWAITING = 20;
// Previews waiting for their full image, remembered per tab by instance UID (when the helper names one).
const MAX_PREVIEWS_REMEMBERED = 1000;
const VENDOR_NAME = /^[a-z0-9-]{1,32}$/;

export function emptyModel() {
  return {
    patients: {}, // key -> {patientName, patientId}
    studies: {}, // uid -> {patientKey, studyDate, studyDescription}
    series: {}, // uid -> see seriesEntry()
    counters: { stored: 0, duplicate: 0, replaced: 0, keptWorse: 0, reconstruction: 0, notDicom: 0, rejected: 0, preview: 0 },
    listed: null, // {rejected, notDicom, reconstruction} from the last list-result
    sinceList: { reconstruction: 0, notDicom: 0, rejected: 0 },
    tabs: {}, // tabId -> see tabEntry()
    lastReasons: [], // last few reasons for rejected / not-dicom objects, for the person to read
    awaiting: [], // series DICOMweb reconstruction still waits for (list-result.awaiting), see awaitingView()
  };
}

function patientKey(o) {
  return `${o.patientId ?? ''}\u0000${o.patientName ?? ''}`;
}

function seriesEntry(uid, studyUid) {
  return { uid, studyUid, seriesNumber: null, modality: '', seriesDescription: '', numbers: [], stored: 0,
    storedSinceList: 0, rebuiltSinceList: 0, derivedSinceList: 0, vendorSinceList: '', list: null };
}

/**
 * A tab's counts: `rendered` pictures, `dicom` bodies that were DICOM or a piece of it (previews too: a site that
 * sends them is no pictures-only site), `images` full images kept, `previews` reduced previews the helper would not
 * file and `previewUids` those whose full image has not come yet, `unsupported` {vendor: bodies} in a format
 * CloudFilm cannot keep. Entries stored by an older version lack the newer fields: filled in here.
 */
function tabEntry(model, tabId) {
  const key = String(tabId ?? -1);
  const tab = (model.tabs[key] ??= { rendered: 0, dicom: 0, bodies: 0, failed: 0 });
  tab.images ??= 0;
  tab.previews ??= 0;
  tab.previewUids ??= [];
  tab.unsupported ??= {};
  return tab;
}

/** Adds the objects of one body-end-result. */
export function addBodyResult(model, result, tabId) {
  const tab = tabEntry(model, tabId);
  tab.bodies += 1;
  for (const o of result?.objects ?? []) {
    switch (o.outcome) {
      case 'stored': model.counters.stored++; break;
      case 'duplicate': model.counters.duplicate++; break;
      case 'replaced': model.counters.replaced++; break;
      case 'kept-worse': model.counters.keptWorse++; break;
      case 'kept-for-reconstruction': model.counters.reconstruction++; model.sinceList.reconstruction++; break;
      case 'not-dicom': model.counters.notDicom++; model.sinceList.notDicom++; break;
      case 'rejected': model.counters.rejected++; model.sinceList.rejected++; break;
      case 'preview': model.counters.preview = (model.counters.preview ?? 0) + 1; break;
      default: break;
    }
    if (o.outcome === 'preview') { notePreview(tab, o); continue; }
    if (o.outcome === 'rejected' || o.outcome === 'not-dicom') {
      if (o.reason) model.lastReasons = [...model.lastReasons.slice(-4), { outcome: o.outcome, reason: String(o.reason) }];
      continue;
    }
    if (PRESENT.has(o.outcome) || o.outcome === 'kept-for-reconstruction') tab.dicom += 1;
    if (PRESENT.has(o.outcome)) noteFullImage(tab, o);
    if (!PRESENT.has(o.outcome) || !o.seriesInstanceUid) continue;

    const pk = patientKey(o);
    model.patients[pk] ??= { patientName: o.patientName ?? '', patientId: o.patientId ?? '' };
    const studyUid = o.studyInstanceUid || '';
    model.studies[studyUid] ??= { patientKey: pk, studyDate: '', studyDescription: '' };
    const s = (model.series[o.seriesInstanceUid] ??= seriesEntry(o.seriesInstanceUid, studyUid));
    if (o.modality) s.modality = o.modality;
    if (o.seriesDescription) s.seriesDescription = o.seriesDescription;
    if (Number.isFinite(o.seriesNumber)) s.seriesNumber = o.seriesNumber;
    if (Number.isFinite(o.instanceNumber) && !s.numbers.includes(o.instanceNumber)) s.numbers.push(o.instanceNumber);
    if (o.outcome === 'stored') { s.stored += 1; s.storedSinceList += 1; }
    if (o.outcome === 'stored' && o.rebuilt === true) {
      s.rebuiltSinceList = (s.rebuiltSinceList ?? 0) + 1;
      const from = rebuiltFromVendor(o.rebuiltFrom);
      if (from.derived) s.derivedSinceList = (s.derivedSinceList ?? 0) + 1;
      if (from.vendor) s.vendorSinceList = from.vendor;
    }
  }
  return model;
}

/** A reduced preview the helper did not file: the tab waits for its full image. */
function notePreview(tab, o) {
  tab.dicom += 1;
  tab.previews += 1;
  const uid = typeof o.sopInstanceUid === 'string' ? o.sopInstanceUid.slice(0, 64) : '';
  if (uid && !tab.previewUids.includes(uid) && tab.previewUids.length < MAX_PREVIEWS_REMEMBERED) tab.previewUids.push(uid);
}

/** A full image kept: it is no longer only a preview. */
function noteFullImage(tab, o) {
  tab.images += 1;
  if (typeof o.sopInstanceUid === 'string' && tab.previewUids.length) {
    tab.previewUids = tab.previewUids.filter((uid) => uid !== o.sopInstanceUid);
  }
}

/** A body in a format CloudFilm cannot keep (vendor-hints.js 'unsupported'): the tab remembers which vendor's. */
export function noteUnsupported(model, tabId, vendor) {
  if (typeof vendor !== 'string' || !VENDOR_NAME.test(vendor)) return model;
  const tab = tabEntry(model, tabId);
  tab.unsupported[vendor] = (tab.unsupported[vendor] ?? 0) + 1;
  return model;
}

/** Counts a rendered picture (JPEG/PNG) seen on a captured tab. */
export function noteRendered(model, tabId) {
  tabEntry(model, tabId).rendered += 1;
  return model;
}

export function noteFailedBody(model, tabId) {
  tabEntry(model, tabId).failed += 1;
  return model;
}

/** Replaces the host-side view with a list-result (all pages merged by mergeListPages). */
export function applyList(model, list) {
  const seen = new Set();
  model.patients = {};
  model.studies = {};
  for (const p of list.patients ?? []) {
    const pk = patientKey(p);
    model.patients[pk] = { patientName: p.patientName ?? '', patientId: p.patientId ?? '' };
    for (const st of p.studies ?? []) {
      model.studies[st.studyInstanceUid] = { patientKey: pk, studyDate: st.studyDate ?? '',
        studyDescription: st.studyDescription ?? '' };
      for (const se of st.series ?? []) {
        seen.add(se.seriesInstanceUid);
        const s = (model.series[se.seriesInstanceUid] ??= seriesEntry(se.seriesInstanceUid, st.studyInstanceUid));
        s.studyUid = st.studyInstanceUid;
        if (se.modality) s.modality = se.modality;
        if (se.seriesDescription) s.seriesDescription = se.seriesDescription;
        if (Number.isFinite(se.seriesNumber)) s.seriesNumber = se.seriesNumber;
        s.list = { instances: se.instances ?? 0, min: se.instanceNumberMin ?? null, max: se.instanceNumberMax ?? null,
          missing: Array.isArray(se.missing) ? se.missing.slice(0, MAX_MISSING_LISTED) : [],
          expected: Number.isFinite(se.expected) ? se.expected : null,
          expectedFrom: typeof se.expectedFrom === 'string' ? se.expectedFrom : '',
          attributesNotSent: Number.isFinite(se.attributesNotSent) ? se.attributesNotSent : 0,
          rebuilt: Number.isFinite(se.rebuilt) ? se.rebuilt : 0,
          derived: Number.isFinite(se.derived) && se.derived > 0 ? se.derived : 0,
          vendor: typeof se.vendor === 'string' && VENDOR_NAME.test(se.vendor) ? se.vendor : '' };
        s.storedSinceList = 0;
        s.rebuiltSinceList = 0;
        s.derivedSinceList = 0;
        s.vendorSinceList = '';
      }
    }
  }
  for (const uid of Object.keys(model.series)) {
    if (!seen.has(uid)) delete model.series[uid]; // forgotten or saved-and-dropped on the host
  }
  model.listed = { rejected: list.rejected ?? 0, notDicom: list.notDicom ?? 0, reconstruction: list.reconstruction ?? 0 };
  model.awaiting = (Array.isArray(list.awaiting) ? list.awaiting : []).slice(0, MAX_AWAITING).map((a) => ({
    studyInstanceUid: String(a?.studyInstanceUid ?? ''), seriesInstanceUid: String(a?.seriesInstanceUid ?? ''),
    patientName: String(a?.patientName ?? ''), studyDescription: String(a?.studyDescription ?? ''),
    modality: String(a?.modality ?? ''), seriesDescription: String(a?.seriesDescription ?? ''),
    seriesNumber: Number.isFinite(a?.seriesNumber) ? a.seriesNumber : null,
    instances: Number.isFinite(a?.instances) ? a.instances : 0,
  }));
  model.sinceList = { reconstruction: 0, notDicom: 0, rejected: 0 };
  return model;
}

/** Merges the pages of a paged list-result into one. */
export function mergeListPages(pages) {
  const byPatient = new Map();
  const out = { patients: [], rejected: 0, notDicom: 0, reconstruction: 0, awaiting: [] };
  for (const page of pages) {
    for (const p of page.patients ?? []) {
      const key = patientKey(p);
      if (!byPatient.has(key)) {
        const entry = { patientName: p.patientName, patientId: p.patientId, studies: [] };
        byPatient.set(key, entry);
        out.patients.push(entry);
      }
      const entry = byPatient.get(key);
      for (const st of p.studies ?? []) {
        let study = entry.studies.find((x) => x.studyInstanceUid === st.studyInstanceUid);
        if (!study) { study = { ...st, series: [] }; entry.studies.push(study); }
        study.series.push(...(st.series ?? []));
      }
    }
    out.rejected = Math.max(out.rejected, page.rejected ?? 0);
    out.notDicom = Math.max(out.notDicom, page.notDicom ?? 0);
    out.reconstruction = Math.max(out.reconstruction, page.reconstruction ?? 0);
    if (Array.isArray(page.awaiting)) out.awaiting.push(...page.awaiting); // the host sends it on page 0 only
  }
  return out;
}

/** Forgets series locally (all when `uids` is absent), after the host confirmed `forget`. */
export function forgetSeries(model, uids) {
  if (!uids) {
    const fresh = emptyModel();
    fresh.tabs = model.tabs;
    // What the tabs showed is gone with it (which vendor format a site uses is still true of the site).
    for (const t of Object.values(fresh.tabs)) Object.assign(t, { dicom: 0, images: 0, previews: 0, previewUids: [] });
    return fresh;
  }
  for (const uid of uids) delete model.series[uid];
  model.awaiting = (model.awaiting ?? []).filter((a) => !uids.includes(a.seriesInstanceUid));
  pruneEmpty(model);
  return model;
}

function pruneEmpty(model) {
  const usedStudies = new Set(Object.values(model.series).map((s) => s.studyUid));
  for (const uid of Object.keys(model.studies)) if (!usedStudies.has(uid)) delete model.studies[uid];
  const usedPatients = new Set(Object.values(model.studies).map((s) => s.patientKey));
  for (const key of Object.keys(model.patients)) if (!usedPatients.has(key)) delete model.patients[key];
}

function missingNumbers(numbers, list) {
  const have = new Set(numbers);
  const missing = new Set();
  let min = numbers.length ? Math.min(...numbers) : null;
  let max = numbers.length ? Math.max(...numbers) : null;
  if (list) {
    for (const n of list.missing) if (!have.has(n)) missing.add(n);
    if (list.min !== null) min = min === null ? list.min : Math.min(min, list.min);
    if (list.max !== null) max = max === null ? list.max : Math.max(max, list.max);
    // Numbers beyond what the host had listed: gaps only count against what we saw ourselves.
    const listedLow = list.min ?? Infinity, listedHigh = list.max ?? -Infinity;
    for (let n = min ?? 0; min !== null && n <= max && missing.size < MAX_MISSING_LISTED; n++) {
      if ((n < listedLow || n > listedHigh) && !have.has(n)) missing.add(n);
    }
  } else if (min !== null) {
    for (let n = min; n <= max && missing.size < MAX_MISSING_LISTED; n++) if (!have.has(n)) missing.add(n);
  }
  return { missing: [...missing].sort((a, b) => a - b), min, max };
}

/** Where a series' expected count is the site's own (its metadata answer, a search answer's count), not a guess. */
export const DEFINITE_COUNT_SOURCES = new Set(['series-metadata', 'search']);

/**
 * What one series looks like on screen; `waiting`: instances its DICOMweb metadata announced, not yet rebuilt.
 * `rebuiltFrom`: 'viewer-pixels' when CloudFilm made some of its identifiers (a vendor viewer's pixels, no tag list),
 * 'site-tags' when it was rebuilt from a vendor's own tag list (the hospital's identifiers), else ''.
 * The expected count is the site's own when the host saw it (`expectedFrom` series-metadata or search): the series
 * is then complete when that many are kept, whatever the files' ImagesInAcquisition or instance-number gaps say.
 * Otherwise it is inferred (gaps, NumberOfSlices / ImagesInAcquisition, which count an acquisition, not a series)
 * and `sure` is false: the popup words it as a possibility. Instances announced but not rebuilt are always sure.
 */
export function seriesView(s, waiting = 0) {
  const count = s.list ? s.list.instances + s.storedSinceList : s.stored;
  const { missing } = missingNumbers(s.numbers, s.list);
  const definite = DEFINITE_COUNT_SOURCES.has(s.list?.expectedFrom);
  const derived = (s.list?.derived ?? 0) + (s.derivedSinceList ?? 0);
  const vendor = s.list?.vendor || s.vendorSinceList || '';
  const expected = definite ? Math.max(s.list.expected, count)
    : Math.max(s.list?.expected ?? 0, count + missing.length, count + waiting);
  return {
    seriesInstanceUid: s.uid,
    seriesNumber: s.seriesNumber,
    modality: s.modality || '',
    seriesDescription: s.seriesDescription || '',
    count,
    expected,
    missing,
    incomplete: expected > count,
    sure: definite || count + waiting >= expected,
    rebuilt: (s.list?.rebuilt ?? 0) + (s.rebuiltSinceList ?? 0),
    attributesNotSent: s.list?.attributesNotSent ?? 0,
    waiting,
    derived,
    vendor,
    rebuiltFrom: derived > 0 ? 'viewer-pixels' : (vendor ? 'site-tags' : ''),
  };
}

/** The whole model as the popup renders it: patients > studies > series, sorted. */
export function viewOf(model, tabId) {
  const patients = new Map();
  const studies = new Map();
  const waitingBySeries = new Map((model.awaiting ?? []).map((a) => [a.seriesInstanceUid, a.instances]));
  for (const s of Object.values(model.series)) {
    const study = model.studies[s.studyUid] ?? { patientKey: '', studyDate: '', studyDescription: '' };
    const patient = model.patients[study.patientKey] ?? { patientName: '', patientId: '' };
    if (!patients.has(study.patientKey)) patients.set(study.patientKey, { ...patient, displayName: formatPersonName(patient.patientName), studies: [] });
    if (!studies.has(s.studyUid)) {
      const st = { studyInstanceUid: s.studyUid, studyDate: study.studyDate, studyDescription: study.studyDescription, series: [] };
      studies.set(s.studyUid, st);
      patients.get(study.patientKey).studies.push(st);
    }
    studies.get(s.studyUid).series.push(seriesView(s, waitingBySeries.get(s.uid) ?? 0));
  }
  const bySeries = (a, b) => (a.seriesNumber ?? 1e9) - (b.seriesNumber ?? 1e9) || a.seriesDescription.localeCompare(b.seriesDescription);
  for (const st of studies.values()) st.series.sort(bySeries);
  const list = [...patients.values()];
  for (const p of list) p.studies.sort((a, b) => String(a.studyDate).localeCompare(String(b.studyDate)));
  const allSeries = [...studies.values()].flatMap((st) => st.series);
  const instances = allSeries.reduce((n, s) => n + s.count, 0);
  const tab = tabId !== undefined ? model.tabs[String(tabId)] : null;
  const listed = model.listed ?? { rejected: 0, notDicom: 0, reconstruction: 0 };
  return {
    patients: list,
    totals: {
      patients: list.length,
      studies: studies.size,
      series: allSeries.length,
      instances,
      incompleteSeries: allSeries.filter((s) => s.incomplete).length,
      rebuilt: allSeries.reduce((n, s) => n + s.rebuilt, 0),
      reconstruction: listed.reconstruction + model.sinceList.reconstruction,
      notDicom: listed.notDicom + model.sinceList.notDicom,
      rejected: listed.rejected + model.sinceList.rejected,
    },
    // Series the viewer announced (metadata) of which nothing could be rebuilt yet: shown apart, to be scrolled.
    awaiting: (model.awaiting ?? []).filter((a) => !model.series[a.seriesInstanceUid])
      .map((a) => ({ ...a, displayName: formatPersonName(a.patientName) })),
    // A site whose images came in a vendor format (below) is named as that, not as one sending pictures only.
    renderedOnly: !!tab && tab.rendered >= RENDERED_ONLY_THRESHOLD && tab.dicom === 0
      && Object.keys(tab.unsupported ?? {}).length === 0,
    previewOnly: !!tab && previewOnly(tab),
    // Vendor formats seen on the tab that CloudFilm cannot keep: [{vendor, name}] (name: as the person knows it).
    unsupported: Object.keys(tab?.unsupported ?? {}).sort().map((vendor) => ({ vendor,
      name: Object.hasOwn(VENDOR_NAMES, vendor) ? VENDOR_NAMES[vendor] : vendor })),
    tab: tab ? tabView(tab) : null,
    lastReasons: model.lastReasons,
  };
}

/** A tab's counts for the popup (the remembered preview UIDs stay in the model: the popup needs only their count). */
function tabView({ previewUids, unsupported, ...counts }) {
  return { ...counts, previewsWaiting: previewUids?.length ?? 0 };
}

/**
 * Whether the tab's viewer showed previews of which no full image came: by instance when the helper named the
 * previews' instances, else while no full image at all came on the tab.
 */
function previewOnly(tab) {
  if (!(tab.previews > 0)) return false;
  return (tab.previewUids?.length ?? 0) > 0 || !(tab.images > 0);
}

/** Badge text for the toolbar button: the number of images kept, short. */
export function badgeText(instances) {
  if (!instances) return '';
  if (instances < 1000) return String(instances);
  if (instances < 100000) return `${Math.floor(instances / 1000)}k`;
  return '99k+';
}

/** "王^小明" -> "王小明", "DOE^JOHN" -> "DOE JOHN", "Wang^Xiaoming=王^小明" -> "王小明 (Wang Xiaoming)". */
export function formatPersonName(pn) {
  if (!pn) return '';
  const groups = String(pn).split('=').map((g) => {
    const parts = g.split('^').map((x) => x.trim()).filter(Boolean);
    const cjk = parts.length > 0 && parts.every((x) => /^[\u3000-\u9fff\uac00-\ud7af\uf900-\ufaff]+$/.test(x));
    return parts.join(cjk ? '' : ' ');
  }).filter(Boolean);
  if (groups.length <= 1) return groups[0] ?? '';
  const ideographic = groups.slice(1).find((g) => /[\u3000-\u9fff\uac00-\ud7af]/.test(g));
  return ideographic ? `${ideographic} (${groups[0]})` : groups[0];
}

/** "20260302" -> "2026-03-02". */
export function formatDicomDate(da) {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(String(da || '').trim());
  return m ? `${m[1]}-${m[2]}-${m[3]}` : String(da || '');
}
