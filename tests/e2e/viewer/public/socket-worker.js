// The dedicated worker of socket.html?worker=1: the image socket lives here; each file goes back to the page.
import { fetchOverSocket } from './socket-client.js';

onmessage = async ({ data }) => {
  // Only the page's own message is expected here: a capture's must never reach the worker's code.
  if (!data || !Array.isArray(data.instances)) { postMessage({ error: `unexpected: ${JSON.stringify(data)}` }); return; }
  const { instances, binaryType } = data;
  try {
    await fetchOverSocket(instances, { binaryType }, (n, file) => postMessage({ n, file }, [file]));
    postMessage({ done: true });
  } catch (error) {
    postMessage({ error: String(error) });
  }
};
