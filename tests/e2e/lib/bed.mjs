// The shared test bed: the study set (built once, cached), Orthanc with it loaded, the viewer site.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOrthanc, uploadFolder } from '../../testbed/orthanc.mjs';
import { startViewer } from '../viewer/server.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const STUDY_DIR = path.join(ROOT, 'tests', 'data', 'cache', 'testbed-study');

export function studySet() {
  const script = path.join(ROOT, 'tests', 'testbed', 'make-study.sh');
  const index = path.join(STUDY_DIR, 'sets.tsv');
  if (!existsSync(index) || statSync(index).mtimeMs < statSync(script).mtimeMs) {
    execFileSync(script, [STUDY_DIR], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return STUDY_DIR;
}

/** Orthanc with the study set, and the viewer site in front of it. */
export async function startBed() {
  const dir = studySet();
  const orthanc = await startOrthanc();
  try {
    await uploadFolder(orthanc.url, dir);
    const site = await startViewer({ orthancUrl: orthanc.url });
    return { orthanc, site, studyDir: dir,
      stop: async () => { await site.stop(); await orthanc.stop(); } };
  } catch (error) {
    await orthanc.stop();
    throw error;
  }
}

export async function orthancJson(orthanc, pathname, init) {
  const response = await fetch(`${orthanc.url}${pathname}`, init);
  if (!response.ok) throw new Error(`${pathname}: ${response.status}`);
  return response.json();
}

/** Every series in Orthanc: { id, uid, number, description, studyUid, instances: [{id, sop}] }. */
export async function allSeries(orthanc) {
  const series = await orthancJson(orthanc, '/series?expand');
  const studies = new Map((await orthancJson(orthanc, '/studies?expand')).map((s) => [s.ID, s]));
  const out = [];
  for (const s of series) {
    const instances = await orthancJson(orthanc, `/series/${s.ID}/instances`);
    out.push({ id: s.ID, uid: s.MainDicomTags.SeriesInstanceUID, number: s.MainDicomTags.SeriesNumber,
      description: s.MainDicomTags.SeriesDescription ?? '', studyUid: studies.get(s.ParentStudy).MainDicomTags.StudyInstanceUID,
      patientName: studies.get(s.ParentStudy).PatientMainDicomTags.PatientName ?? '',
      instances: instances.map((i) => ({ id: i.ID, sop: i.MainDicomTags.SOPInstanceUID })) });
  }
  return out;
}

export function readSets(dir) {
  return readFileSync(path.join(dir, 'sets.tsv'), 'utf8').trim().split('\n').map((line) => {
    const [set, number, sop, file] = line.split('\t');
    return { set, number, sop, file };
  });
}
