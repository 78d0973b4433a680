'use strict';
// The classic dedicated worker of socket.html?worker=classic, as a bundler's worker would be: strict, and loading its
// code from a URL relative to its own (a capture that moved the worker to another URL would break that import).
// It also checks it still runs strict, and that the page's messages reach it as sent.
const strict = (function () { return this === undefined; })();
onmessage = async ({ data }) => {
  if (!strict) { postMessage({ error: 'the worker no longer runs in strict mode' }); return; }
  if (!data || !Array.isArray(data.instances)) { postMessage({ error: `unexpected: ${JSON.stringify(data)}` }); return; }
  try {
    const { fetchOverSocket } = await import('./socket-client.js');
    await fetchOverSocket(data.instances, { binaryType: data.binaryType }, (n, file) => postMessage({ n, file }, [file]));
    postMessage({ done: true });
  } catch (error) {
    postMessage({ error: String(error) });
  }
};
