// What Chromium capture runs inside a captured page, its frames and its dedicated workers (installed through the
// debugger: Page.addScriptToEvaluateOnNewDocument before the page's own scripts, Runtime.evaluate before a worker
// runs). It keeps a copy of each body the page receives through fetch() or XMLHttpRequest and hands it to the
// extension through a debugger binding (Runtime.addBinding: one call, one event). Why not watch with the Network
// domain: it sends the extension about eight events per request (headers, extra info, every chunk), and dispatching
// those cost a 200-slice load 20-30% more on two cores (bench/README.md); this sends one per body, after the load.
//
// A page holds its copies until it has been quiet for a moment (or too much waits, or it is left): the copies are
// encoded and sent when the viewer no longer needs the CPU. A worker sends each body before its own code gets it:
// a worker can end at any time, and what it held would end with it.
//
// The function is serialized (toString) and evaluated in the page: it must not refer to anything outside itself.
// Everything it sends is treated by the extension as hostile input, as any page's would be.

/**
 * Installs the hook on global `g`. opts: { binding (the debugger binding's name), control (name of the function the
 * extension calls: flush, stop), worker (send at once), quietMs, maxDelayMs, maxHeldBytes, partBytes }.
 */
export function installPageHook(g, opts) {
  if (g[opts.control]) return;
  const { binding, worker } = opts;
  const quietMs = opts.quietMs ?? 250;
  const maxDelayMs = opts.maxDelayMs ?? 10000;
  const maxHeldBytes = opts.maxHeldBytes ?? 64 * 1024 * 1024;
  // A multiple of 3: every part but the last is whole base64 groups, without padding.
  const partBytes = opts.partBytes ?? 3 * 2 * 1024 * 1024;
  const NOT_DICOM = /^(text\/(html|css|javascript|ecmascript)|application\/(javascript|x-javascript|ecmascript|wasm|manifest\+json)|font\/|image\/svg|audio\/|video\/)/i;

  const held = []; // { meta, bytes } waiting for a quiet moment (pages only)
  let heldBytes = 0;
  let announced = false; // the extension was told this context holds bodies
  let reading = 0; // copies still being read (fetch bodies read alongside the page)
  let timer = null;
  let stopped = false;
  let hadBinding = false;
  let waitingSince = null;
  let nextId = 1;
  const seen = []; // pictures loaded by <img> and the like: { url, contentType } (told, never copied)

  const call = (message) => {
    const f = g[binding];
    if (typeof f !== 'function') return false;
    f(JSON.stringify(message));
    return true;
  };

  const toBase64 = (bytes) => {
    if (typeof bytes.toBase64 === 'function') return bytes.toBase64();
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return g.btoa(text);
  };

  const send = (meta, bytes) => {
    const id = `${nextId++}`;
    const parts = Math.max(1, Math.ceil(bytes.length / partBytes));
    for (let part = 0; part < parts; part += 1) {
      const data = toBase64(bytes.subarray(part * partBytes, (part + 1) * partBytes));
      if (!call(part === 0 ? { t: 'body', id, part, parts, size: bytes.length, ...meta, data } : { t: 'body', id, part, parts, data })) return false;
    }
    return true;
  };

  const worth = (status, contentType) => status >= 200 && status < 300 && !NOT_DICOM.test(contentType || '');

  /** Sends what waits, if the binding is there (in a page it is added again after each new document). */
  const flush = () => {
    if (timer) { g.clearTimeout(timer); timer = null; }
    if (typeof g[binding] !== 'function') {
      // Not there yet (a new document: the extension adds it again), or gone (capture stopped): then stop keeping.
      // A binding that never comes (this document was never armed) must not leave copies here for good.
      waitingSince ??= Date.now();
      if (hadBinding || Date.now() - waitingSince > 30000) { stopped = true; held.length = 0; heldBytes = 0; seen.length = 0; return 0; }
      if (held.length || seen.length) later(100);
      return reading;
    }
    hadBinding = true;
    if (seen.length) call({ t: 'seen', list: seen.splice(0, seen.length) });
    while (held.length) {
      const { meta, bytes } = held.shift();
      heldBytes -= bytes.length;
      send(meta, bytes);
    }
    heldSince = 0;
    if (announced && reading === 0) { announced = false; call({ t: 'flushed' }); }
    return reading;
  };

  // A page that is never quiet (one that polls, say) still hands over within maxDelayMs of its first held body.
  let heldSince = 0;
  const later = (ms) => {
    if (timer) g.clearTimeout(timer);
    const left = heldSince ? heldSince + maxDelayMs - Date.now() : ms;
    timer = g.setTimeout(flush, Math.max(0, Math.min(ms, left)));
  };

  /** Something happened on the network: a page waits until it has been quiet for quietMs. */
  const activity = () => {
    if (!worker && (held.length || reading || seen.length)) later(quietMs);
  };

  const keep = (meta, bytes) => {
    if (stopped) return;
    if (worker) { send(meta, bytes); return; }
    if (held.length === 0) heldSince = Date.now();
    held.push({ meta, bytes });
    heldBytes += bytes.length;
    if (!announced) announced = call({ t: 'held' });
    if (heldBytes > maxHeldBytes) flush();
    else later(quietMs);
  };

  const headerList = (headers) => {
    const out = [];
    try { headers.forEach((value, name) => out.push([name, value])); } catch { /* opaque */ }
    return out;
  };

  // ---- fetch: a copy read alongside the page's own reading (Response.clone), and in a worker, before the page's
  // reading resolves, so that nothing the worker received can be lost by its ending.
  const Resp = g.Response;
  const origFetch = g.fetch;
  const tracked = new WeakMap(); // Response -> { meta, done }
  const settle = (rec, bytes) => {
    if (rec.done) return;
    rec.done = true;
    keep(rec.meta, bytes);
  };
  if (typeof origFetch === 'function' && Resp) {
    g.fetch = function fetch(...args) {
      activity();
      return origFetch.apply(this, args).then((response) => {
        activity();
        try {
          const contentType = response.headers.get('content-type') || '';
          if (!stopped && response.type !== 'opaque' && worth(response.status, contentType) && response.body) {
            const rec = { meta: { url: response.url, status: response.status, headers: headerList(response.headers), via: 'fetch' }, done: false };
            tracked.set(response, rec);
            const copy = response.clone();
            reading += 1;
            copy.arrayBuffer().then((buffer) => settle(rec, new Uint8Array(buffer)), () => {})
              .finally(() => { reading -= 1; activity(); if (worker && reading === 0 && closeWaiting) closeWaiting(); });
          }
        } catch { /* the page's response goes on untouched */ }
        return response;
      });
    };
    if (worker) {
      // The worker's own reading resolves only once the copy is kept (and sent).
      const P = Resp.prototype;
      const origArrayBuffer = P.arrayBuffer;
      const convert = {
        arrayBuffer: (buffer) => buffer,
        bytes: (buffer) => new Uint8Array(buffer),
        text: (buffer) => new g.TextDecoder().decode(buffer),
        json: (buffer) => JSON.parse(new g.TextDecoder().decode(buffer)),
        blob: (buffer, response) => new g.Blob([buffer], { type: (response.headers.get('content-type') || '').toLowerCase() }),
      };
      for (const name of Object.keys(convert)) {
        const orig = P[name];
        if (typeof orig !== 'function') continue;
        P[name] = function (...args) {
          const rec = tracked.get(this);
          if (!rec || rec.done) return orig.apply(this, args);
          return origArrayBuffer.call(this).then((buffer) => {
            settle(rec, new Uint8Array(buffer.slice(0)));
            return convert[name](buffer, this);
          });
        };
      }
    }
  }

  // ---- XMLHttpRequest: the body is there, whole, when readyState turns 4; our listener is the first one, added
  // when the request object is made, before the page can transfer the buffer away.
  const X = g.XMLHttpRequest;
  if (typeof X === 'function') {
    const bytesOf = (xhr) => {
      const type = xhr.responseType;
      if (type === 'arraybuffer') return xhr.response ? new Uint8Array(xhr.response.slice(0)) : null;
      if (type === '' || type === 'text') {
        const text = xhr.responseText;
        // A page that reads binary as text asks for charset=x-user-defined: each byte is then one character.
        if (/x-user-defined/i.test(xhr.getResponseHeader('content-type') || '') || /[\uF780-\uF7FF]/.test(text)) {
          const out = new Uint8Array(text.length);
          for (let i = 0; i < text.length; i += 1) out[i] = text.charCodeAt(i) & 0xff;
          return out;
        }
        return new g.TextEncoder().encode(text);
      }
      if (type === 'json') return xhr.response == null ? null : new g.TextEncoder().encode(JSON.stringify(xhr.response));
      if (type === 'blob' && xhr.response) {
        if (g.FileReaderSync) return new Uint8Array(new g.FileReaderSync().readAsArrayBuffer(xhr.response));
        return xhr.response; // a Blob: read below
      }
      return null;
    };
    const onState = function () {
      if (this.readyState === 1) activity();
      if (this.readyState !== 4 || stopped) return;
      activity();
      try {
        const contentType = this.getResponseHeader('content-type') || '';
        if (!worth(this.status, contentType)) return;
        const headers = (this.getAllResponseHeaders() || '').trim().split(/[\r\n]+/).filter(Boolean)
          .map((line) => { const i = line.indexOf(':'); return [line.slice(0, i).trim(), line.slice(i + 1).trim()]; });
        const meta = { url: this.responseURL, status: this.status, headers, via: 'xhr' };
        const body = bytesOf(this);
        if (!body) return;
        if (body instanceof Uint8Array) { keep(meta, body); return; }
        reading += 1;
        body.arrayBuffer().then((buffer) => keep(meta, new Uint8Array(buffer)), () => {})
          .finally(() => { reading -= 1; activity(); });
      } catch { /* the page's request goes on untouched */ }
    };
    const Hooked = class XMLHttpRequest extends X {
      constructor(...args) {
        super(...args);
        this.addEventListener('readystatechange', onState);
      }
    };
    g.XMLHttpRequest = Hooked;
  }

  // ---- pictures shown by <img> (never copied): told, so that a site sending only pictures can be named as one.
  if (!worker && typeof g.PerformanceObserver === 'function') {
    try {
      new g.PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          if (e.initiatorType === 'fetch' || e.initiatorType === 'xmlhttprequest' || !/^image\//i.test(e.contentType || '')) continue;
          seen.push({ url: e.name, contentType: e.contentType, size: e.decodedBodySize || e.encodedBodySize || 0 });
        }
        if (seen.length) later(quietMs);
      }).observe({ type: 'resource', buffered: true });
    } catch { /* no resource timing here */ }
  }

  // ---- a worker that ends itself first lets the copies still being read finish (at most a few seconds).
  let closeWaiting = null;
  if (worker && typeof g.close === 'function') {
    const origClose = g.close;
    g.close = function close() {
      if (reading === 0) return origClose.call(this);
      const done = () => { closeWaiting = null; origClose.call(g); };
      closeWaiting = done;
      g.setTimeout(() => { if (closeWaiting === done) done(); }, 5000);
      return undefined;
    };
  }

  // A page being left sends what it holds now: its copies would go with it. `beforeunload` comes while the document
  // is still the tab's (a navigation or a closing tab waits for it); by `pagehide`, the debugger's connection may
  // already belong to the next document, and what is sent then is lost. Neither listener ever asks to stay.
  if (!worker && typeof g.addEventListener === 'function') {
    g.addEventListener('beforeunload', () => { flush(); }, true);
    g.addEventListener('pagehide', () => { flush(); }, true);
  }

  Object.defineProperty(g, opts.control, {
    configurable: true,
    enumerable: false,
    value: (command) => {
      if (command === 'stop') { flush(); stopped = true; held.length = 0; heldBytes = 0; return 0; }
      return flush();
    },
  });
}

/** The source evaluated in a page or worker: the hook, called on its global. */
export function pageHookSource(opts) {
  return `(${installPageHook.toString()})(globalThis, ${JSON.stringify(opts)});`;
}
