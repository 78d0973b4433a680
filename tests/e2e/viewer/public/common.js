// Shared by the test site's pages: the series list and request bookkeeping the tests read (window.viewerStatus).
export async function orthanc(path) {
  const response = await fetch(`/orthanc${path}`);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

/** The instances of an Orthanc series, in instance-number order, with their UIDs. */
export async function seriesInstances(seriesId) {
  const series = await orthanc(`/series/${seriesId}`);
  const study = await orthanc(`/studies/${series.ParentStudy}`);
  const instances = await orthanc(`/series/${seriesId}/instances`);
  instances.sort((a, b) => Number(a.MainDicomTags.InstanceNumber ?? 0) - Number(b.MainDicomTags.InstanceNumber ?? 0));
  return { series, study, instances: instances.map((i) => ({ id: i.ID, sop: i.MainDicomTags.SOPInstanceUID })) };
}

/** Marks the page done once every URL in `urls` has a completed resource timing entry. */
export function trackRequests(urls, extra = {}) {
  const wanted = new Set(urls.map((u) => new URL(u, location.href).href));
  // The browser keeps 250 resource-timing entries by default: a long series would never be seen as done.
  performance.setResourceTimingBufferSize(Math.max(1000, 2 * wanted.size + 200));
  const status = { state: 'loading', expected: wanted.size, completed: 0, errors: [], ...extra };
  window.viewerStatus = status;
  const timer = setInterval(() => {
    const seen = new Set(performance.getEntriesByType('resource').map((e) => e.name).filter((n) => wanted.has(n)));
    status.completed = seen.size;
    if (seen.size >= wanted.size) {
      clearInterval(timer);
      status.state = 'done';
      document.body.dataset.state = 'done';
    }
  }, 50);
  return status;
}
