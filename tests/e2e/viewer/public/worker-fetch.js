// The worker of worker.html: fetches every URL it is given (4 at a time), reads each body whole, reports each one.
onmessage = async ({ data: { urls, close: closeWhenDone } }) => {
  const queue = [...urls];
  const fetchNext = async () => {
    for (let url = queue.shift(); url; url = queue.shift()) {
      try {
        const response = await fetch(url, { cache: 'no-store' });
        const bytes = await response.arrayBuffer();
        postMessage({ url, bytes: bytes.byteLength });
      } catch (error) {
        postMessage({ url, error: String(error) });
      }
    }
  };
  await Promise.all([fetchNext(), fetchNext(), fetchNext(), fetchNext()]);
  if (closeWhenDone) close();
};
