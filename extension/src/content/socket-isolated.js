// Firefox, the isolated-world half of WebSocket capture (why, and the page-world half: socket-relay.js). It takes the
// page-world script's copies over the private MessageChannel that script offers at document_start, and sends them to
// the background (port "socket") as captured-body messages, at most MAX_IN_FLIGHT unacknowledged (all at once when
// the document is left): the background acknowledges each once the helper has it. What waits here is bounded
// (MAX_QUEUED_CHARS): beyond it a message is dropped and counted as missed. The page can forge anything on its side: sizes are checked here, the rest by the
// background and the helper.
(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  const MAX_MESSAGE_CHARS = 12 * 1024 * 1024;
  const MAX_QUEUED_CHARS = 64 * 1024 * 1024;
  const MAX_IN_FLIGHT = 4;
  let pagePort = null;
  let background = null;
  let on = false;
  const queue = []; // parsed captured-body messages waiting to be sent
  let queuedChars = 0;
  let inFlight = 0;
  let n = 0;
  let missed = 0;
  const droppedBodies = new Set(); // ids of bodies in parts whose first part was dropped: their other parts go too

  const tellPage = (what) => { try { pagePort?.postMessage(what); } catch { /* the document is going */ } };

  /** Sends what may go (`all`: everything queued, when the document is being left and this script goes with it). */
  const pump = (all = false) => {
    if (!background || !on) return;
    if (missed) { background.postMessage({ type: 'captured', message: { t: 'missed', n: missed } }); missed = 0; }
    while ((all || inFlight < MAX_IN_FLIGHT) && queue.length) {
      const { message, chars } = queue.shift();
      queuedChars -= chars;
      inFlight += 1;
      n += 1;
      background.postMessage({ type: 'captured', n, message });
    }
  };

  const connect = () => {
    if (background) return;
    background = api.runtime.connect({ name: 'socket' });
    background.onMessage.addListener((msg) => {
      if (msg?.type === 'state') {
        on = !!msg.on;
        tellPage(on ? 'on' : 'off');
        if (!on) { queue.length = 0; queuedChars = 0; missed = 0; }
        pump();
      } else if (msg?.type === 'captured') {
        inFlight = Math.max(0, inFlight - 1);
        pump();
      }
    });
    background.onDisconnect.addListener(() => {
      background = null;
      on = false;
      inFlight = 0;
      queue.length = 0;
      queuedChars = 0;
      tellPage('off');
    });
  };

  const fromPage = (event) => {
    const text = event.data;
    if (text === 'socket') { connect(); return; }
    if (typeof text !== 'string' || !on || text.length > MAX_MESSAGE_CHARS) return;
    let message;
    try { message = JSON.parse(text); } catch { return; }
    if (!message || typeof message !== 'object') return;
    if (message.t === 'missed') {
      if (Number.isSafeInteger(message.n) && message.n > 0) missed += Math.min(message.n, 100000);
      pump();
      return;
    }
    if (message.t !== 'body' || typeof message.id !== 'string' || message.id.length > 40) return;
    if (message.part !== 0 && droppedBodies.has(message.id)) {
      if (message.part === message.parts - 1) droppedBodies.delete(message.id);
      return;
    }
    if (queuedChars + text.length > MAX_QUEUED_CHARS) {
      // The body is lost (a later part missing fails it in the background): counted once, its other parts dropped.
      if (message.part === 0) missed += 1;
      if (message.parts > 1 && message.part < message.parts - 1 && droppedBodies.size < 1000) droppedBodies.add(message.id);
      pump();
      return;
    }
    queue.push({ message, chars: text.length });
    queuedChars += text.length;
    pump();
  };

  // A document being left takes this script and its queue with it: what waits goes now (at most MAX_QUEUED_CHARS,
  // counted in the background's budget like any body it holds).
  window.addEventListener('pagehide', () => pump(true), true);

  document.addEventListener('cloudfilm-socket-port', (event) => {
    if (pagePort || !event.detail) return;
    pagePort = event.detail;
    pagePort.onmessage = fromPage;
  }, true);
  document.dispatchEvent(new CustomEvent('cloudfilm-socket-hello'));
})();
