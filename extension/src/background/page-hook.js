// What Chromium capture runs inside a captured page, its frames and its dedicated workers (installed through the
// debugger: Page.addScriptToEvaluateOnNewDocument before the page's own scripts, Runtime.evaluate before a worker
// runs). It keeps a copy of each body the page receives through fetch() or XMLHttpRequest and hands it to the
// extension through a debugger binding (Runtime.addBinding: one call, one event); so does each binary message a
// WebSocket of the page, frame or worker receives (installSocketTap below, shared with Firefox). Why not watch with the Network
// domain: it sends the extension about eight events per request (headers, extra info, every chunk), and dispatching
// those cost a 200-slice load 20-30% more on two cores (bench/README.md); this sends one per body, after the load.
//
// A page holds its copies until it has been quiet for a moment (or too much waits, or it is left): the copies are
// encoded and sent in the page's idle time, when the viewer no longer needs the CPU. A worker sends each body before
// its own code gets it: a worker can end at any time, and what it held would end with it.
//
// The function is serialized (toString) and evaluated in the page: it must not refer to anything outside itself.
// Everything it sends is treated by the extension as hostile input, as any page's would be.

/**
 * Installs the hook on `scope` (the page's or worker's global). options: { binding (the debugger binding's name),
 * control (name of the function the extension calls: flush, stop), worker (send at once), since (epoch ms when
 * capture was asked for: answers the page began to receive after it, but before this hook was in, are told as
 * 'unseen'), quietMs, maxDelayMs,
 * maxHeldBytes, partBytes, announceTypes (media types, lower case, whose bodies are told as 'seen' and never copied:
 * formats CloudFilm recognises but cannot keep, lib/vendor-hints.js), and installSocketTap's options:
 * socketBytesPerSecond, socketText ... }. `socketTap`: installSocketTap (passed in: this function is serialized alone).
 */
export function installPageHook(scope, options, socketTap) {
  // Already here (capture turned off, then on again, in the same document): it copies again from now on.
  if (scope[options.control]) { scope[options.control]('start', options.since); return; }
  const { binding, worker } = options;
  const quietMs = options.quietMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 10000;
  const maxHeldBytes = options.maxHeldBytes ?? 64 * 1024 * 1024;
  // A multiple of 3: every part but the last is whole base64 groups, without padding.
  const partBytes = options.partBytes ?? 3 * 2 * 1024 * 1024;
  const NOT_DICOM = /^(text\/(html|css|javascript|ecmascript)|application\/(javascript|x-javascript|ecmascript|wasm|manifest\+json)|font\/|image\/svg|audio\/|video\/)/i;
  const announceTypes = Array.isArray(options.announceTypes) ? options.announceTypes : [];

  const held = []; // { meta, bytes } waiting for a quiet moment (pages only)
  let heldBytes = 0;
  let heldSince = 0; // when the oldest held body came: a page that is never quiet still sends within maxDelayMs
  let announced = false; // the extension was told this context holds bodies
  let reading = 0; // copies still being read (fetch bodies read alongside the page)
  let timer = null;
  let idle = null; // a requestIdleCallback waiting to send the copies (pages)
  let stopped = false;
  let hadBinding = false;
  let waitingSince = null; // since when a flush found no binding
  let nextId = 1;
  const seen = []; // pictures loaded by <img> and the like: { url, contentType, size } (told, never copied)
  let finishClose = null; // a worker that asked to close while copies were still being read
  let droppedMessages = 0; // socket messages dropped over the tap's bounds, not yet told
  // Answers that passed before the hook could see them: fetch() and XHR requests this document began after capture
  // was asked for (`since`) but before the hook was in (`coveredFrom`, on the document's clock). A page the tab went
  // to while capture was being turned on runs its first scripts before it, and their answers cannot be copied any
  // more: they are told ({t: 'unseen', list}), so that the extension counts them instead of losing them silently.
  const performance = scope.performance;
  const timeOrigin = Number(performance?.timeOrigin) || 0;
  const clock = () => (typeof performance?.now === 'function' ? performance.now() : 0);
  let coveredFrom = clock();
  let askedAt = Number.isFinite(options.since) ? options.since : Infinity;
  const unseen = []; // { url, contentType, status, size }

  /** Calls the binding with a message (lib/captured-body.js); false when there is no binding (yet). */
  const callBinding = (message) => {
    const bindingFunction = scope[binding];
    if (typeof bindingFunction !== 'function') return false;
    bindingFunction(JSON.stringify(message));
    return true;
  };

  const toBase64 = (bytes) => {
    if (typeof bytes.toBase64 === 'function') return bytes.toBase64();
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return scope.btoa(text);
  };

  /** One captured body, in parts of partBytes: { t: 'body', id, part, parts, size?, url?, status?, headers?, data }. */
  const sendBody = (meta, bytes) => {
    const id = `${nextId++}`;
    const parts = Math.max(1, Math.ceil(bytes.length / partBytes));
    for (let part = 0; part < parts; part += 1) {
      const data = toBase64(bytes.subarray(part * partBytes, (part + 1) * partBytes));
      const message = part === 0 ? { t: 'body', id, part, parts, size: bytes.length, ...meta, data } : { t: 'body', id, part, parts, data };
      if (!callBinding(message)) return false;
    }
    return true;
  };

  const worthCopying = (status, contentType) => status >= 200 && status < 300 && !NOT_DICOM.test(contentType || '');

  /**
   * A body in a format the extension can only name, not keep: told as seen (the tab then says which), never copied,
   * so a site's whole study in that format costs no copying. True when it was.
   */
  const toldNotCopied = (url, status, contentType) => {
    if (status < 200 || status >= 300 || !announceTypes.length) return false;
    const type = String(contentType || '').split(';')[0].trim().toLowerCase();
    if (!announceTypes.includes(type)) return false;
    if (seen.length < 1000) seen.push({ url: String(url || ''), contentType: type, size: 0 }); // the extension counts no more
    flushLater(quietMs);
    return true;
  };

  /** Sends what waits after `ms` (or sooner: within maxDelayMs of the oldest held body). */
  function flushLater(ms) {
    if (timer) scope.clearTimeout(timer);
    cancelIdle();
    const left = heldSince ? heldSince + maxDelayMs - Date.now() : ms;
    timer = scope.setTimeout(flushWhenIdle, Math.max(0, Math.min(ms, left)));
  }

  function cancelIdle() {
    if (idle !== null) { scope.cancelIdleCallback(idle); idle = null; }
  }

  /**
   * The network is quiet, but the viewer may still be busy with what it received (a socket viewer decodes its whole
   * series once the last image is in): the copies go in the page's idle time, one body at a time while the idle
   * period lasts, and all at once by maxDelayMs after the oldest. Measured with bench --mode websocket: sent as soon
   * as the network was quiet, they cost the load 34%.
   */
  function flushWhenIdle() {
    timer = null;
    const left = heldSince ? heldSince + maxDelayMs - Date.now() : 0;
    if (worker || typeof scope.requestIdleCallback !== 'function' || typeof scope[binding] !== 'function' || left <= 0) { flush(); return; }
    idle = scope.requestIdleCallback((deadline) => {
      idle = null;
      if (deadline.didTimeout) { flush(); return; }
      hadBinding = true;
      while (held.length && deadline.timeRemaining() > 2) {
        const { meta, bytes } = held.shift();
        heldBytes -= bytes.length;
        sendBody(meta, bytes);
      }
      if (held.length) flushWhenIdle(); else flush();
    }, { timeout: left });
  }

  /** Sends what waits, if the binding is there (in a page it is added again after each new document). */
  function flush() {
    if (timer) { scope.clearTimeout(timer); timer = null; }
    cancelIdle();
    if (typeof scope[binding] !== 'function') {
      // Not there yet (a new document: the extension adds it again), or gone (capture stopped): then stop keeping.
      // A binding that never comes (this document was never armed) must not leave copies here for good.
      waitingSince ??= Date.now();
      if (hadBinding || Date.now() - waitingSince > 30000) { stopped = true; held.length = 0; heldBytes = 0; seen.length = 0; unseen.length = 0; return 0; }
      if (held.length || seen.length || unseen.length) flushLater(100);
      return reading;
    }
    hadBinding = true;
    if (seen.length) callBinding({ t: 'seen', list: seen.splice(0, seen.length) });
    if (unseen.length) callBinding({ t: 'unseen', list: unseen.splice(0, unseen.length) });
    if (droppedMessages) { callBinding({ t: 'missed', n: droppedMessages }); droppedMessages = 0; }
    while (held.length) {
      const { meta, bytes } = held.shift();
      heldBytes -= bytes.length;
      sendBody(meta, bytes);
    }
    heldSince = 0;
    if (announced && reading === 0) { announced = false; callBinding({ t: 'flushed' }); }
    return reading;
  }

  /** Something happened on the network: a page waits until it has been quiet for quietMs. */
  const networkActivity = () => {
    if (!worker && (held.length || reading || seen.length)) flushLater(quietMs);
  };

  /** A copy of a body: a worker sends it at once, a page holds it until it is quiet. */
  const keep = (meta, bytes) => {
    if (stopped) return;
    if (worker) { sendBody(meta, bytes); return; }
    if (held.length === 0) heldSince = Date.now();
    held.push({ meta, bytes });
    heldBytes += bytes.length;
    if (!announced) announced = callBinding({ t: 'held' });
    if (heldBytes > maxHeldBytes) flush();
    else flushLater(quietMs);
  };

  const headerList = (headers) => {
    const list = [];
    try { headers.forEach((value, name) => list.push([name, value])); } catch { /* opaque */ }
    return list;
  };

  // ---- fetch: a copy read alongside the page's own reading (Response.clone), and in a worker, before the page's
  // reading resolves, so that nothing the worker received can be lost by its ending.
  const PageResponse = scope.Response;
  const pageFetch = scope.fetch;
  const copies = new WeakMap(); // Response -> { meta, kept }: the copy being made of that response's body
  const keepOnce = (copy, bytes) => {
    if (copy.kept) return;
    copy.kept = true;
    keep(copy.meta, bytes);
  };
  if (typeof pageFetch === 'function' && PageResponse) {
    scope.fetch = function fetch(...args) {
      networkActivity();
      return pageFetch.apply(this, args).then((response) => {
        networkActivity();
        try {
          const contentType = response.headers.get('content-type') || '';
          if (!stopped && response.type !== 'opaque' && toldNotCopied(response.url, response.status, contentType)) return response;
          if (!stopped && response.type !== 'opaque' && worthCopying(response.status, contentType) && response.body) {
            const copy = { meta: { url: response.url, status: response.status, headers: headerList(response.headers), via: 'fetch' }, kept: false };
            copies.set(response, copy);
            const clone = response.clone();
            reading += 1;
            clone.arrayBuffer().then((buffer) => keepOnce(copy, new Uint8Array(buffer)), () => {})
              .finally(() => { reading -= 1; networkActivity(); if (worker && reading === 0 && finishClose) finishClose(); });
          }
        } catch { /* the page's response goes on untouched */ }
        return response;
      });
    };
    if (worker) {
      // The worker's own reading resolves only once the copy is kept (and sent).
      const responsePrototype = PageResponse.prototype;
      const readArrayBuffer = responsePrototype.arrayBuffer;
      const convert = {
        arrayBuffer: (buffer) => buffer,
        bytes: (buffer) => new Uint8Array(buffer),
        text: (buffer) => new scope.TextDecoder().decode(buffer),
        json: (buffer) => JSON.parse(new scope.TextDecoder().decode(buffer)),
        blob: (buffer, response) => new scope.Blob([buffer], { type: (response.headers.get('content-type') || '').toLowerCase() }),
      };
      for (const name of Object.keys(convert)) {
        const pageReader = responsePrototype[name];
        if (typeof pageReader !== 'function') continue;
        responsePrototype[name] = function (...args) {
          const copy = copies.get(this);
          if (!copy || copy.kept) return pageReader.apply(this, args);
          return readArrayBuffer.call(this).then((buffer) => {
            keepOnce(copy, new Uint8Array(buffer.slice(0)));
            return convert[name](buffer, this);
          });
        };
      }
    }
  }

  // ---- XMLHttpRequest: the body is there, whole, when readyState turns 4; our listener is the first one, added
  // when the request object is made, before the page can transfer the buffer away.
  const PageXMLHttpRequest = scope.XMLHttpRequest;
  if (typeof PageXMLHttpRequest === 'function') {
    const bytesOf = (xhr) => {
      const type = xhr.responseType;
      if (type === 'arraybuffer') return xhr.response ? new Uint8Array(xhr.response.slice(0)) : null;
      if (type === '' || type === 'text') {
        const text = xhr.responseText;
        // A page that reads binary as text asks for charset=x-user-defined: each byte is then one character.
        if (/x-user-defined/i.test(xhr.getResponseHeader('content-type') || '') || /[\uF780-\uF7FF]/.test(text)) {
          const bytes = new Uint8Array(text.length);
          for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i) & 0xff;
          return bytes;
        }
        return new scope.TextEncoder().encode(text);
      }
      if (type === 'json') return xhr.response == null ? null : new scope.TextEncoder().encode(JSON.stringify(xhr.response));
      if (type === 'blob' && xhr.response) {
        if (scope.FileReaderSync) return new Uint8Array(new scope.FileReaderSync().readAsArrayBuffer(xhr.response));
        return xhr.response; // a Blob: read below
      }
      return null;
    };
    const onReadyStateChange = function () {
      if (this.readyState === 1) networkActivity();
      if (this.readyState !== 4 || stopped) return;
      networkActivity();
      try {
        const contentType = this.getResponseHeader('content-type') || '';
        if (toldNotCopied(this.responseURL, this.status, contentType)) return;
        if (!worthCopying(this.status, contentType)) return;
        const headers = (this.getAllResponseHeaders() || '').trim().split(/[\r\n]+/).filter(Boolean)
          .map((line) => { const i = line.indexOf(':'); return [line.slice(0, i).trim(), line.slice(i + 1).trim()]; });
        const meta = { url: this.responseURL, status: this.status, headers, via: 'xhr' };
        const body = bytesOf(this);
        if (!body) return;
        if (body instanceof Uint8Array) { keep(meta, body); return; }
        reading += 1;
        body.arrayBuffer().then((buffer) => keep(meta, new Uint8Array(buffer)), () => {})
          .finally(() => { reading -= 1; networkActivity(); });
      } catch { /* the page's request goes on untouched */ }
    };
    scope.XMLHttpRequest = class XMLHttpRequest extends PageXMLHttpRequest {
      constructor(...args) {
        super(...args);
        this.addEventListener('readystatechange', onReadyStateChange);
      }
    };
  }

  // ---- pictures shown by <img> (never copied): told, so that a site sending only pictures can be named as one.
  // ---- and fetch() or XHR answers that began before the hook was in, but after capture was asked for: told as unseen
  // (those already in when it came from the buffer, those still on their way as they end).
  const told = new Set(); // `${startTime} ${url}` of answers told: capture on again reads the buffer the observer also gives
  const passedUnseen = (entry) => {
    if (stopped || entry.startTime >= coveredFrom || timeOrigin + entry.startTime < askedAt) return;
    const key = `${entry.startTime} ${entry.name}`;
    if (told.has(key)) return;
    if (told.size < 10000) told.add(key);
    if (unseen.length < 1000) {
      unseen.push({ url: String(entry.name || ''), contentType: String(entry.contentType || ''),
        status: Number(entry.responseStatus) || 0, size: entry.decodedBodySize || entry.encodedBodySize || 0 });
    }
    if (worker) flush(); else flushLater(quietMs);
  };
  const noteEntry = (entry) => {
    if (entry.initiatorType === 'fetch' || entry.initiatorType === 'xmlhttprequest') { passedUnseen(entry); return; }
    if (worker || !/^image\//i.test(entry.contentType || '')) return;
    seen.push({ url: entry.name, contentType: entry.contentType, size: entry.decodedBodySize || entry.encodedBodySize || 0 });
    flushLater(quietMs);
  };
  if (typeof scope.PerformanceObserver === 'function') {
    try {
      new scope.PerformanceObserver((list) => { for (const entry of list.getEntries()) noteEntry(entry); })
        .observe({ type: 'resource', buffered: true });
    } catch { /* no resource timing here */ }
  }

  // ---- WebSocket: each binary message (and, when asked, JSON text) copied before the page's listeners run; a Blob
  // is immutable, so it is kept as it is and read once the copy is due.
  const readingDone = () => { reading -= 1; networkActivity(); if (worker && reading === 0 && finishClose) finishClose(); };
  if (typeof socketTap === 'function') {
    socketTap(scope, {
      isOn: () => !stopped,
      take: (meta, data) => {
        if (ArrayBuffer.isView(data)) { keep(meta, data); return; }
        reading += 1;
        data.arrayBuffer().then((buffer) => keep(meta, new Uint8Array(buffer)), () => {}).finally(readingDone);
      },
      dropped: (n) => {
        droppedMessages += n;
        if (worker) flush(); else flushLater(quietMs);
      },
    }, options);
  }

  // ---- a worker that ends itself first lets the copies still being read finish (at most a few seconds).
  if (worker && typeof scope.close === 'function') {
    const workerClose = scope.close;
    scope.close = function close() {
      if (reading === 0) return workerClose.call(this);
      const done = () => { finishClose = null; workerClose.call(scope); };
      finishClose = done;
      scope.setTimeout(() => { if (finishClose === done) done(); }, 5000);
      return undefined;
    };
  }

  // A page being left sends what it holds now: its copies would go with it. `beforeunload` comes while the document
  // is still the tab's (a navigation or a closing tab waits for it); by `pagehide`, the debugger's connection may
  // already belong to the next document, and what is sent then is lost. Neither listener ever asks to stay.
  if (!worker && typeof scope.addEventListener === 'function') {
    scope.addEventListener('beforeunload', () => { flush(); }, true);
    scope.addEventListener('pagehide', () => { flush(); }, true);
  }

  Object.defineProperty(scope, options.control, {
    configurable: true,
    enumerable: false,
    value: (command, since) => {
      if (command === 'stop') { flush(); stopped = true; held.length = 0; heldBytes = 0; return 0; }
      if (command === 'start') {
        // Capture on again for this document: the binding is added again, and what passed while the hook was not
        // copying, since capture was asked for again, is told (it is in the buffer by now, or ends later).
        if (!stopped) return reading;
        stopped = false;
        hadBinding = false;
        waitingSince = null;
        coveredFrom = clock();
        askedAt = Number.isFinite(since) ? since : Infinity;
        try {
          for (const entry of performance.getEntriesByType('resource')) {
            if (entry.initiatorType === 'fetch' || entry.initiatorType === 'xmlhttprequest') passedUnseen(entry);
          }
        } catch { /* no resource timing here */ }
        return reading;
      }
      return flush();
    },
  });
}

/**
 * Wraps `scope.WebSocket` so that every message a socket receives is looked at before the page's own listeners (ours
 * is added in the constructor, before the page can add any, and runs first): a binary one (ArrayBuffer, copied; or
 * Blob, immutable, kept as is) goes to `tap.take(meta, data)` with meta = {url (the socket's), status 0, headers [],
 * via 'websocket', stream {socket, message}}. A text one goes only when a rule of options.socketText (lib/vendor-
 * hints.js SOCKET_TEXT_RULES: plain data, serialized with this function) matches it: as UTF-8, at most its rule's
 * maxBytes and socketMaxTextBytes, with the rule's content-type (GE ZFP: a `CMDGETOBJ ` line as text/plain, which
 * marks its socket as ZFP's; then JSON as application/json, on such a socket only). Each socket keeps the vendors
 * whose rules marked it. Nothing is copied while `tap.isOn()` is false. A page flooding its socket must not make us
 * hold or send without bound: binary messages pass at most socketBytesPerSecond on average (a burst of
 * socketBurstBytes, or one larger message when nothing was spent), text a tenth of that; the others are dropped and
 * counted (`tap.dropped(n)`: shown as missed).
 * Serialized with the page hook (Chromium) and alone in Firefox's page-world content script: it must not refer to
 * anything outside itself.
 */
export function installSocketTap(scope, tap, options = {}) {
  const PageWebSocket = scope.WebSocket;
  if (typeof PageWebSocket !== 'function' || PageWebSocket.cloudfilmTapped) return;
  const bytesPerSecond = options.socketBytesPerSecond ?? 64 * 1024 * 1024;
  const burstBytes = options.socketBurstBytes ?? 64 * 1024 * 1024;
  const maxTextBytes = options.socketMaxTextBytes ?? 1024 * 1024;
  // Rules that make no sense are left out: a prefix must be a string of its own, a content type a media type.
  const textRules = (Array.isArray(options.socketText) ? options.socketText : []).filter((rule) => rule
    && typeof rule.vendor === 'string' && typeof rule.contentType === 'string' && /^[a-z]+\/[a-z0-9.+-]+$/.test(rule.contentType)
    && ((typeof rule.startsWith === 'string' && rule.startsWith.length > 0) || rule.json === true));
  /** The first rule that `text` matches on a socket the vendors in `opened` marked, or null. */
  const textRule = (text, opened) => {
    for (const rule of textRules) {
      if (rule.onOpenedSocket && !opened.has(rule.vendor)) continue;
      if (rule.json ? /^\s*[[{]/.test(text.slice(0, 64)) : text.startsWith(rule.startsWith)) return rule;
    }
    return null;
  };
  const bucket = (rate, burst) => {
    let tokens = burst;
    let last = Date.now();
    return (n) => {
      const now = Date.now();
      tokens = Math.min(burst, tokens + ((now - last) * rate) / 1000);
      last = now;
      if (tokens < n && tokens < burst) return false;
      tokens -= n;
      return true;
    };
  };
  const binaryAllowed = bucket(bytesPerSecond, burstBytes);
  const textAllowed = bucket(bytesPerSecond / 10, burstBytes / 10);
  const Blob = scope.Blob;
  let sockets = 0;

  const onMessage = (url, socket, message, data, opened) => {
    const meta = { url, status: 0, headers: [], via: 'websocket', stream: { socket, message } };
    if (typeof data === 'string') {
      const rule = textRules.length ? textRule(data, opened) : null;
      if (!rule) return;
      if (rule.opensSocket) opened.add(rule.vendor);
      const limit = Math.min(maxTextBytes, Number(rule.maxBytes) || maxTextBytes);
      if (data.length > limit) return; // a UTF-16 unit is at least one byte
      const bytes = new scope.TextEncoder().encode(data);
      if (bytes.length > limit) return;
      if (!textAllowed(bytes.length)) { tap.dropped(1); return; }
      meta.headers = [['content-type', rule.contentType]];
      tap.take(meta, bytes);
      return;
    }
    const blob = typeof Blob === 'function' && data instanceof Blob;
    const size = blob ? data.size : data?.byteLength;
    if (!Number.isFinite(size) || size === 0) return;
    if (!binaryAllowed(size)) { tap.dropped(1); return; }
    // An ArrayBuffer is the page's to change or transfer the moment we return: copied now.
    tap.take(meta, blob ? data : new Uint8Array(data.slice(0)));
  };

  class WebSocket extends PageWebSocket {
    constructor(...args) {
      super(...args);
      sockets += 1;
      const socket = sockets;
      const url = this.url;
      let message = 0;
      const opened = new Set(); // vendors whose socket text rules marked this socket as theirs
      this.addEventListener('message', (event) => {
        message += 1;
        if (!tap.isOn()) return;
        try { onMessage(url, socket, message, event.data, opened); } catch { /* the page's message goes on untouched */ }
      });
    }
  }
  Object.defineProperty(WebSocket, 'cloudfilmTapped', { value: true });
  scope.WebSocket = WebSocket;
}

/** The source evaluated in a page or worker: the hook, called on its global. */
export function pageHookSource(opts) {
  return `(${installPageHook.toString()})(globalThis, ${JSON.stringify(opts)}, ${installSocketTap.toString()});`;
}
