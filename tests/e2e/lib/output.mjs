// What ended in a test's output folder, and what Orthanc stored, compared by SHA-256.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Every non-empty file under `folder`. */
export function outputFiles(folder) {
  const files = [];
  const walk = (dir) => {
    let entries = [];
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile() && statSync(full).size > 0) files.push(full);
    }
  };
  walk(folder);
  return files;
}

/** What Orthanc stored (GET /instances/{id}/file), by SHA-256: hash -> {series, instance, size}. */
export async function servedFiles(orthanc, seriesList) {
  const out = new Map();
  for (const s of seriesList) {
    for (const i of s.instances) {
      const bytes = Buffer.from(await (await fetch(`${orthanc.url}/instances/${i.id}/file`)).arrayBuffer());
      out.set(sha(bytes), { series: s, instance: i, size: bytes.length });
    }
  }
  return out;
}

/** The served instances with no byte-identical file in `folder` ("description/SOP" each). */
export async function missingFromOutput(orthanc, seriesList, folder) {
  const expected = await servedFiles(orthanc, seriesList);
  const have = new Set(outputFiles(folder).map((f) => sha(readFileSync(f))));
  return [...expected.entries()].filter(([hash]) => !have.has(hash))
    .map(([, v]) => `${v.series.description}/${v.instance.sop}`);
}
