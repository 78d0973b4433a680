// A Socket.IO-style image client, as szjudianyun's viewer talks to its server (viewer/server.mjs, /socket.io/): one
// text request per image, `42["sendMessage",{"instance":ID,"n":N}]`, four asked ahead; each answer is a placeholder
// text `451-[...]` and then a binary message, 0x04 + the Part-10 file. Runs in a page or in a dedicated worker.
// Like a real viewer, it hands each image's buffer on (transferred: the copy a capture wants must be taken first).

/** Fetches every instance ({id}) over one socket; `onImage(n, arrayBuffer)` gets each file without its 0x04. */
export function fetchOverSocket(instances, { binaryType = 'arraybuffer', ahead = 4 } = {}, onImage = () => {}) {
  return new Promise((resolve, reject) => {
    const url = new URL('/socket.io/?EIO=4&transport=websocket', location.href).href.replace(/^http/, 'ws');
    const socket = new WebSocket(url);
    socket.binaryType = binaryType;
    const waiting = []; // the n of each request, in the order asked: answers come in that order
    let next = 0;
    let received = 0;
    const ask = () => {
      if (next >= instances.length) return;
      socket.send(`42["sendMessage",${JSON.stringify({ instance: instances[next].id, n: next })}]`);
      waiting.push(next);
      next += 1;
    };
    socket.onopen = () => { for (let i = 0; i < ahead; i += 1) ask(); };
    socket.onerror = () => reject(new Error('the image socket failed'));
    socket.onmessage = async (event) => {
      if (typeof event.data === 'string') {
        if (event.data.startsWith('42["error"')) reject(new Error(event.data));
        return;
      }
      const n = waiting.shift();
      ask();
      const buffer = typeof event.data.arrayBuffer === 'function' ? await event.data.arrayBuffer() : event.data;
      const view = new Uint8Array(buffer);
      if (view[0] !== 0x04) { reject(new Error(`image ${n}: no 0x04 prefix`)); return; }
      // The viewer takes the file out and lets the message's buffer go (transferred away: detached here).
      const file = buffer.slice(1);
      structuredClone(buffer, { transfer: [buffer] });
      onImage(n, file);
      received += 1;
      if (received === instances.length) { socket.close(); resolve(received); }
    };
  });
}
