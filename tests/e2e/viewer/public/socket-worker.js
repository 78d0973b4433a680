// The dedicated worker of socket.html?worker=1: the image socket lives here; each file goes back to the page.
import { fetchOverSocket } from './socket-client.js';

onmessage = async ({ data: { instances, binaryType } }) => {
  try {
    await fetchOverSocket(instances, { binaryType }, (n, file) => postMessage({ n, file }, [file]));
    postMessage({ done: true });
  } catch (error) {
    postMessage({ error: String(error) });
  }
};
