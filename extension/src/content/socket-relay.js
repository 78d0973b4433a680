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
// A dedicated worker's sockets: content scripts do not run in workers, so the background puts the same page-world
// code at the top of each worker script a captured tab loads (capture-firefox.js, workerScriptPrefix below), and the
// worker's copies go up through the document's relay. Why not a Blob bootstrap that runs the tap and then
// importScripts() the worker's own URL, from a wrapped Worker constructor: the worker's base URL would become the
// blob: URL, so its relative importScripts/fetch/import() (and webpack's public path, read from self.location)
// would break; a page whose CSP forbids blob: workers would lose its workers; module workers cannot importScripts.
// Prepending leaves the worker's URL, origin and CSP as they were.
// Text messages are copied as the vendor table's socket text rules say (lib/vendor-hints.js SOCKET_TEXT_RULES: GE
// ZFP's), as in Chromium's hook: pageRelaySource() gives them to both, the document's script and a worker's prefix.

import { SOCKET_TEXT_RULES } from '../lib/vendor-hints.js';

/**
 * The page-world half, also run at the top of a dedicated worker's script (see workerScriptPrefix: the same source,
 * prepended by the background). `socketTap`: installSocketTap (page-hook.js). options: installSocketTap's, and
 * partBytes, maxEarlyBytes (copies held before the isolated script, or the worker's parent, answers).
 *
 * Upstream, a document talks to the isolated script over the MessageChannel it offers at document_start; a worker to
 * whoever created it: at its first socket message it posts {cloudfilmSocketWorker: 'hello'} to its parent, whose
 * own copy of this script (it wraps `Worker`, below) swallows that message before the parent's code can see it and
 * answers with a private port (and an id prefix) over which 'on'/'off' come down; the worker's copies then go up as
 * its own messages ({cloudfilmSocketWorker: 'copy', text}), which the parent's listener takes first too. A worker
 * says nothing before it has a socket message, and sends copies only once answered, so a worker whose parent has no
 * relay (not ours to reach) shows its parent one hello at most.
 */
export function installPageRelay(scope, socketTap, options = {}) {
  const MARK = 'cloudfilmSocketWorker';
  const doc = scope.document;
  const WorkerScope = scope.DedicatedWorkerGlobalScope;
  const inWorker = !doc && typeof WorkerScope === 'function' && scope instanceof WorkerScope;
  if ((!doc && !inWorker) || typeof scope.MessageChannel !== 'function' || typeof socketTap !== 'function') return;
  // A module worker's script and each module it imports all carry this prefix: the first to run installs it.
  const installed = Symbol.for('cloudfilm.socketRelay');
  if (scope[installed]) return;
  Object.defineProperty(scope, installed, { value: true });
  const partBytes = options.partBytes ?? 3 * 1024 * 1024;
  const maxEarlyBytes = options.maxEarlyBytes ?? 16 * 1024 * 1024;
  let base = ''; // '' in a document; what the parent gave, in a worker ('w2.', 'w2.w1.' ...)
  let port = null; // upstream: to the isolated script (a document) or to the parent's relay (a worker)
  let state = 'idle'; // 'idle' (no socket message yet), 'asking', 'on', 'off'
  // Copies made while asking, kept as they came: made into messages once the answer (and, in a worker, its id
  // prefix) is in.
  const early = []; // { meta, bytes }
  let earlyBytes = 0;
  let dropped = 0;
  let nextId = 1;
  const children = new Set(); // ports to the relays of the workers this document or worker started
  const waitingChildren = []; // workers whose hello came before our own port (in a worker)
  let answerChild = null; // (worker) => gives a worker started here its port

  /**
   * A copy goes up: a document's over its port to the isolated script; a worker's as a message to its parent (on the
   * channel the worker's own messages take, behind which it then stays: a page that ends its worker once the worker
   * says it is done has had every copy made before that first; a MessagePort's messages may die with the worker).
   */
  const up = (text) => {
    if (inWorker) scope.postMessage({ [MARK]: 'copy', text });
    else port.postMessage(text);
  };
  const tellChildren = (what) => { for (const child of children) { try { child.postMessage(what); } catch { children.delete(child); } } };
  let closeWhenSettled = null; // a worker that closed itself while its copies waited for the answer
  const fromUpstream = (event) => {
    const wasAsking = state === 'asking';
    if (event.data === 'on') {
      state = 'on';
      for (const { meta, bytes } of early.splice(0)) send(meta, bytes);
      earlyBytes = 0;
      if (dropped) { up(JSON.stringify({ t: 'missed', n: dropped })); dropped = 0; }
      tellChildren('on');
    } else if (event.data === 'off') {
      state = 'off';
      early.length = 0;
      earlyBytes = 0;
      dropped = 0;
      tellChildren('off');
    } else {
      return;
    }
    // A worker holds nothing from now on (it sends each copy as it is made, or none): its parent may end it.
    if (inWorker && wasAsking) {
      scope.postMessage({ [MARK]: 'settled' });
      if (closeWhenSettled) closeWhenSettled();
    }
  };
  /** The first socket message (here or in a child worker): ask whether capture is on. */
  const ask = () => {
    if (state !== 'idle') return;
    state = 'asking';
    if (port) port.postMessage('socket');
    else scope.postMessage({ [MARK]: 'hello' });
  };

  const toBase64 = (bytes) => {
    if (typeof bytes.toBase64 === 'function') return bytes.toBase64();
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return scope.btoa(text);
  };
  const send = (meta, bytes) => {
    if (state === 'asking') {
      if (earlyBytes + bytes.length > maxEarlyBytes) { dropped += 1; return; }
      early.push({ meta, bytes });
      earlyBytes += bytes.length;
      return;
    }
    if (state !== 'on') return;
    const id = `${base}s${nextId++}`;
    const parts = Math.max(1, Math.ceil(bytes.length / partBytes));
    for (let part = 0; part < parts; part += 1) {
      const data = toBase64(bytes.subarray(part * partBytes, (part + 1) * partBytes));
      up(JSON.stringify(part === 0 ? { t: 'body', id, part, parts, size: bytes.length, ...meta, data } : { t: 'body', id, part, parts, data }));
    }
  };
  // A worker can be ended by its page at any moment: a Blob is read at once (FileReaderSync, workers only), so that
  // the copy leaves before the worker's own code goes on.
  const ReaderSync = scope.FileReaderSync;

  socketTap(scope, {
    isOn: () => { ask(); return state !== 'off'; },
    take: (meta, data) => {
      if (ArrayBuffer.isView(data)) { send(meta, data); return; }
      if (typeof ReaderSync === 'function') {
        let buffer = null;
        try { buffer = new ReaderSync().readAsArrayBuffer(data); } catch { /* read below */ }
        if (buffer) { send(meta, new Uint8Array(buffer)); return; }
      }
      data.arrayBuffer().then((buffer) => send(meta, new Uint8Array(buffer)), () => {});
    },
    dropped: (n) => {
      if (state === 'on') up(JSON.stringify({ t: 'missed', n }));
      else if (state === 'asking') dropped += n;
    },
  }, options);

  // Workers started here: each gets its relay's hello answered with a private port for 'on'/'off'; its copies come
  // as its messages, which our listener takes before the page's. A worker holds its copies (bounded) until it is told
  // 'on', which it is only after us; the isolated script bounds what it queues from all of them together.
  const PageWorker = scope.Worker;
  if (typeof PageWorker === 'function') {
    let workers = 0;
    const answered = new WeakSet();
    const holding = new WeakMap(); // worker -> what to do once it holds no copies (it said hello, not yet settled)
    const ended = new WeakSet(); // workers the page ended while they held copies: they live on, unheard, a moment
    const pageTerminate = PageWorker.prototype.terminate;
    const onWorkerMessage = function (event) {
      const data = event.data;
      const kind = data && typeof data === 'object' ? data[MARK] : undefined;
      if ((kind === 'copy' || kind === 'settled') && answered.has(this)) {
        event.stopImmediatePropagation();
        // A worker is told 'on' only once we are: what it sends while we are not is dropped with the rest.
        if (kind === 'copy' && typeof data.text === 'string' && state === 'on') up(data.text);
        if (kind === 'settled') { const waiters = holding.get(this); holding.delete(this); waiters?.forEach((f) => f()); }
        return;
      }
      if (ended.has(this)) { event.stopImmediatePropagation(); return; }
      if (kind !== 'hello') return;
      event.stopImmediatePropagation();
      if (answered.has(this)) return;
      answered.add(this);
      holding.set(this, []);
      ask();
      // A worker's own id prefix comes with its parent's answer: its children's are made from it, once it is in.
      if (port) answerChild(this); else waitingChildren.push(this);
    };
    answerChild = (worker) => {
      workers += 1;
      const channel = new scope.MessageChannel();
      const child = channel.port1; // 'on' and 'off' go down it; copies come up as the worker's messages
      children.add(child);
      worker.postMessage({ [MARK]: 'port', prefix: `${base}w${workers}.` }, [channel.port2]);
      if (state === 'on' || state === 'off') child.postMessage(state);
    };
    class Worker extends PageWorker {
      constructor(...args) {
        super(...args);
        // Ours is the first listener (the page can add its own only once this returns): it runs first.
        try {
          this.addEventListener('message', onWorkerMessage);
          this.addEventListener('error', (event) => { if (ended.has(this)) event.stopImmediatePropagation(); });
        } catch { /* the page's worker goes on untouched */ }
      }

      /**
       * A worker ended while it still holds copies (its first socket messages wait for the answer to its hello, a
       * round trip to the background; a short series can be all in by then) is ended once it has sent them, within
       * 5 s; the page hears nothing more from it meanwhile, as if it had ended at once.
       */
      terminate() {
        const waiters = holding.get(this);
        if (!waiters || typeof pageTerminate !== 'function') return pageTerminate.call(this);
        ended.add(this);
        let done = false;
        const end = () => { if (!done) { done = true; pageTerminate.call(this); } };
        waiters.push(end);
        scope.setTimeout(end, 5000);
        return undefined;
      }
    }
    scope.Worker = Worker;
  }

  if (inWorker) {
    // The parent's answer to our hello: taken before the worker's own listeners (ours was added first).
    scope.addEventListener('message', (event) => {
      const data = event.data;
      if (!data || typeof data !== 'object' || data[MARK] !== 'port') return;
      event.stopImmediatePropagation();
      if (port || !event.ports?.[0] || typeof data.prefix !== 'string' || data.prefix.length > 24) return;
      base = data.prefix;
      port = event.ports[0];
      port.onmessage = fromUpstream;
      for (const worker of waitingChildren.splice(0)) answerChild(worker);
    });
    // A worker that ends itself while its copies wait for the answer ends once they are sent (at most 5 s later).
    const workerClose = scope.close;
    if (typeof workerClose === 'function') {
      scope.close = function close() {
        if (state !== 'asking') return workerClose.call(this);
        let done = false;
        closeWhenSettled = () => { if (!done) { done = true; workerClose.call(scope); } };
        scope.setTimeout(closeWhenSettled, 5000);
        return undefined;
      };
    }
    return;
  }

  const channel = new scope.MessageChannel();
  port = channel.port1;
  port.onmessage = fromUpstream;
  // The private channel's other end goes to the isolated script: offered now (if it runs first, it listens already)
  // and once more when it says hello (if it runs second). Both happen before any page script runs.
  const offer = () => doc.dispatchEvent(new scope.CustomEvent('cloudfilm-socket-port', { detail: channel.port2 }));
  const onHello = () => { doc.removeEventListener('cloudfilm-socket-hello', onHello, true); offer(); };
  doc.addEventListener('cloudfilm-socket-hello', onHello, true);
  offer();
}

/**
 * The page-world content script's source (build.mjs writes it as src/content/socket-page.js); `options` over the
 * defaults (socketText: the vendor table's socket text rules).
 */
export function pageRelaySource(installSocketTap, options = {}) {
  const all = { socketText: SOCKET_TEXT_RULES, ...options };
  return `(${installPageRelay.toString()})(globalThis, ${installSocketTap.toString()}, ${JSON.stringify(all)});\n`;
}

/**
 * Whether a script's directive prologue says 'use strict' (`text`: its first bytes, decoded). Code put before it would
 * turn the directive into a plain string statement and the script sloppy: the prefix then starts with one itself.
 */
export function startsStrict(text) {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    const rest = text.slice(i);
    const space = /^(?:\s+|\/\/[^\n\r\u2028\u2029]*|\/\*[\s\S]*?\*\/)/.exec(rest);
    if (space) { i += space[0].length; continue; }
    // A directive: a string literal alone in its statement (followed by ';', a line end, '}' or the end).
    const directive = /^(['"])((?:(?!\1)[^\\\n\r]|\\[\s\S])*)\1/.exec(rest);
    if (!directive) return false;
    const after = /^[ \t]*(?:\/\*[^\n]*?\*\/[ \t]*)*(;|[\n\r\u2028\u2029]|\/\/|$)/.exec(rest.slice(directive[0].length));
    if (!after) return false; // 'a' + b: an expression, which ends the prologue
    if (directive[2] === 'use strict') return true;
    i += directive[0].length + (after[1] === ';' ? after[0].length : 0);
  }
}

/**
 * What the background (capture-firefox.js) puts in front of a dedicated worker's script in a captured tab: the
 * page-world relay, which finds itself in a worker. One statement, declaring nothing, strict-safe; `strict`: the
 * script began with 'use strict' (startsStrict), which the prefix then says first so that it still applies.
 */
export function workerScriptPrefix(installSocketTap, options = {}, { strict = false } = {}) {
  return `${strict ? "'use strict';" : ''}${pageRelaySource(installSocketTap, options)}`;
}
