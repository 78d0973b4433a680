// Firefox: WebSocket messages, which Firefox's capture (webRequest.filterResponseData, capture-firefox.js) never
// sees: filterResponseData gets HTTP response bodies only, and a socket's frames come after its 101 answer, outside
// any response. Firefox has no chrome.debugger either, so the page hook cannot be put into pages. Instead two
// content scripts, in every frame from document_start (manifest.firefox.json):
//   - socket-page.js runs in the page's own world (`"world": "MAIN"`, Firefox 128+), where the page's WebSocket is:
//     built from installPageRelay below and page-hook.js's installSocketTap (the Chromium hook's socket code, one
//     source, serialized by build.mjs), it copies each binary message before the page's listeners run;
//   - socket-isolated.js (the extension's isolated world) takes the copies over a private MessageChannel and sends
//     them to the background (main.js, port "socket") as captured-body messages (lib/captured-body.js), one at a
//     time per few, each acknowledged once the helper has it.
// The page-world script copies nothing until a socket of its document receives a message; it then asks (through the
// isolated script) whether capture is on for the tab, holds what comes meanwhile (bounded), and from then on copies
// only while capture is on. Everything it sends is the page's input: the isolated script bounds sizes and what it
// queues, the background judges it, the helper validates it.
// Limit: a dedicated worker's sockets are out of reach (content scripts do not run in workers).

/**
 * The page-world half. `socketTap`: installSocketTap (page-hook.js). options: installSocketTap's, and partBytes,
 * maxEarlyBytes (copies held before the isolated script answers).
 */
export function installPageRelay(scope, socketTap, options = {}) {
  const doc = scope.document;
  if (!doc || typeof scope.MessageChannel !== 'function' || typeof socketTap !== 'function') return;
  const partBytes = options.partBytes ?? 3 * 1024 * 1024;
  const maxEarlyBytes = options.maxEarlyBytes ?? 16 * 1024 * 1024;
  const channel = new scope.MessageChannel();
  const port = channel.port1;
  let state = 'idle'; // 'idle' (no socket message yet), 'asking', 'on', 'off'
  const early = []; // JSON texts made while asking
  let earlyBytes = 0;
  let dropped = 0;
  let nextId = 1;

  const post = (text) => {
    if (state === 'on') { port.postMessage(text); return; }
    if (state !== 'asking') return;
    if (earlyBytes + text.length > maxEarlyBytes) { dropped += 1; return; }
    early.push(text);
    earlyBytes += text.length;
  };
  port.onmessage = (event) => {
    if (event.data === 'on') {
      state = 'on';
      for (const text of early.splice(0)) port.postMessage(text);
      earlyBytes = 0;
      if (dropped) { port.postMessage(JSON.stringify({ t: 'missed', n: dropped })); dropped = 0; }
    } else if (event.data === 'off') {
      state = 'off';
      early.length = 0;
      earlyBytes = 0;
      dropped = 0;
    }
  };

  const toBase64 = (bytes) => {
    if (typeof bytes.toBase64 === 'function') return bytes.toBase64();
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return scope.btoa(text);
  };
  const send = (meta, bytes) => {
    const id = `s${nextId++}`;
    const parts = Math.max(1, Math.ceil(bytes.length / partBytes));
    for (let part = 0; part < parts; part += 1) {
      const data = toBase64(bytes.subarray(part * partBytes, (part + 1) * partBytes));
      post(JSON.stringify(part === 0 ? { t: 'body', id, part, parts, size: bytes.length, ...meta, data } : { t: 'body', id, part, parts, data }));
    }
  };

  socketTap(scope, {
    isOn: () => {
      if (state === 'idle') { state = 'asking'; port.postMessage('socket'); }
      return state !== 'off';
    },
    take: (meta, data) => {
      if (ArrayBuffer.isView(data)) { send(meta, data); return; }
      data.arrayBuffer().then((buffer) => send(meta, new Uint8Array(buffer)), () => {});
    },
    dropped: (n) => {
      if (state === 'on') port.postMessage(JSON.stringify({ t: 'missed', n }));
      else if (state === 'asking') dropped += n;
    },
  }, options);

  // The private channel's other end goes to the isolated script: offered now (if it runs first, it listens already)
  // and once more when it says hello (if it runs second). Both happen before any page script runs.
  const offer = () => doc.dispatchEvent(new scope.CustomEvent('cloudfilm-socket-port', { detail: channel.port2 }));
  const onHello = () => { doc.removeEventListener('cloudfilm-socket-hello', onHello, true); offer(); };
  doc.addEventListener('cloudfilm-socket-hello', onHello, true);
  offer();
}

/** The page-world content script's source (build.mjs writes it as src/content/socket-page.js). */
export function pageRelaySource(installSocketTap, options = {}) {
  return `(${installPageRelay.toString()})(globalThis, ${installSocketTap.toString()}, ${JSON.stringify(options)});\n`;
}
