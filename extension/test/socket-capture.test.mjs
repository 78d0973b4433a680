// WebSocket capture: the socket code Chromium's page hook carries (page-hook.js installSocketTap) and Firefox's two
// content scripts (src/content/socket-relay.js, built into socket-page.js, and socket-isolated.js), run from their
// serialized sources in fresh V8 contexts over a fake WebSocket, as page-hook.test.mjs does for fetch and XHR; then
// what the extension does with socket messages (lib/captured-body.js). The real browsers run it in tests/e2e.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { installSocketTap, pageHookSource } from '../src/background/page-hook.js';
import { workerScriptPrefix } from '../src/content/socket-relay.js';
import { CapturedBodies, checkBodyMessage, SOCKET_BUDGET_FACTOR } from '../src/lib/captured-body.js';
import { classifyResponse, isMissedImage, sniffPrefixedBytes } from '../src/lib/candidate.js';
import { SOCKET_TEXT_RULES } from '../src/lib/vendor-hints.js';
import { ByteBudget } from '../src/lib/flow.js';
import { FAKE_WEBSOCKET, firefoxDocument, joinBodies, socketImage, wait } from '../test-support/socket-fakes.mjs';

/** A page (or worker) with the Chromium hook: { g, messages, bodies() by `socket/message`, fire(type) }. */
function chromiumPage({ worker = false, ...opts } = {}) {
  const messages = [];
  const listeners = {};
  const g = vm.createContext({ Blob, TextEncoder, TextDecoder, URL, setTimeout, clearTimeout, btoa, JSON, Date,
    addEventListener: (type, f) => { (listeners[type] ??= []).push(f); } });
  if (worker) g.close = () => { g.closed = true; };
  g.cloudfilmCapture = (payload) => messages.push(JSON.parse(payload));
  vm.runInContext(FAKE_WEBSOCKET, g);
  vm.runInContext(pageHookSource({ binding: 'cloudfilmCapture', control: 'cloudfilmCaptureControl', quietMs: 30, worker, ...opts }), g);
  return { g, messages, bodies: () => joinBodies(messages), fire: (type) => (listeners[type] ?? []).forEach((f) => f({ type })) };
}

test('a page: binary messages, as ArrayBuffer and as Blob, are copied before the page\'s own listeners, with their place', async () => {
  const { g, messages, bodies } = chromiumPage();
  const a = socketImage(400, 3);
  const b = socketImage(300, 5);
  const socket = vm.runInContext('const ws = new WebSocket("/socket.io/?EIO=4"); ws.binaryType = "arraybuffer"; '
    + 'ws.onmessage = (e) => { if (typeof e.data !== "string" && e.data.byteLength) new Uint8Array(e.data).fill(0); }; ws', g);
  assert.equal(vm.runInContext('ws instanceof WebSocket && WebSocket.OPEN === 1', g), true, 'the page\'s WebSocket still behaves as one');
  socket.receive('451-["image",{"_placeholder":true,"num":0}]'); // text: counted in the stream, not sent
  const buffer = a.slice().buffer;
  socket.receive(buffer);
  assert.ok(new Uint8Array(buffer).every((x) => x === 0), 'the page zeroed its buffer after our copy');
  socket.receive(new Blob([b]));
  socket.receive(new ArrayBuffer(0)); // nothing to keep
  await wait(80);
  const got = bodies();
  assert.deepEqual(Object.keys(got).sort(), ['1/2', '1/3']);
  assert.deepEqual(got['1/2'], Buffer.from(a));
  assert.deepEqual(got['1/3'], Buffer.from(b));
  assert.deepEqual({ url: got['1/2'].first.url, status: got['1/2'].first.status, via: got['1/2'].first.via, headers: got['1/2'].first.headers },
    { url: 'ws://h/socket.io/?EIO=4', status: 0, via: 'websocket', headers: [] });
  assert.ok(messages.every((m) => m.t !== 'missed'));
  // A second socket has its own number.
  vm.runInContext('new WebSocket("ws://h/other")', g).receive(a.slice().buffer);
  await wait(80);
  assert.ok(bodies()['2/1']);
});

test('a socket in a dedicated worker: each message is sent at once, a Blob as soon as it is read', async () => {
  const { g, bodies } = chromiumPage({ worker: true });
  const socket = vm.runInContext('new WebSocket("ws://h/w")', g);
  socket.receive(socketImage(200).buffer);
  assert.deepEqual(bodies()['1/1'], Buffer.from(socketImage(200)), 'sent before the worker\'s code ran on');
  socket.receive(new Blob([socketImage(150)]));
  vm.runInContext('close()', g); // the worker ends itself while the Blob is read: close() waits for the copy
  await wait(20);
  assert.deepEqual(bodies()['1/2'], Buffer.from(socketImage(150)));
  assert.equal(g.closed, true);
});

test('a socket closed mid-stream: what it received before is kept, and goes when the page is left', async () => {
  const { g, bodies, fire } = chromiumPage();
  const socket = vm.runInContext('new WebSocket("ws://h/s")', g);
  socket.receive(socketImage(200, 1).buffer);
  socket.receive(socketImage(200, 2).buffer);
  socket.close();
  socket.receive(socketImage(200, 3).buffer); // never delivered on a closed socket
  fire('beforeunload');
  assert.deepEqual(Object.keys(bodies()).sort(), ['1/1', '1/2']);
});

test('socket text: none without rules, whatever it looks like', async () => {
  for (const socketText of [undefined, true, [], [{ vendor: 'x', contentType: 'text/plain' }], [{ vendor: 'x', startsWith: '', contentType: 'text/plain' }],
    [{ vendor: 'x', json: true, contentType: 'not a type' }]]) {
    const off = chromiumPage({ socketText });
    const socket = vm.runInContext('new WebSocket("ws://h/j")', off.g);
    socket.receive('{"Rows":512}');
    socket.receive('CMDGETOBJ 1.2.3#0');
    off.fire('beforeunload');
    assert.deepEqual(off.bodies(), {}, JSON.stringify(socketText));
  }
});

/** A ZFP image's answer: the command line, the JSON header, the pixels (raw, padded). */
const ZFP_HEADER = '{"Rows":4,"Columns":4,"SamplesPerPixel":1,"BitsAllocated":16,"PixelSpacing":"0.5\\\\0.5"}';
const zfpImage = (socket, sop) => {
  socket.receive(`CMDGETOBJ ${sop}#0`);
  socket.receive(ZFP_HEADER);
  socket.receive(new Uint8Array(4 * 4 * 2 + 16).fill(9).buffer);
};

test('GE ZFP (the vendor table\'s rules): the CMDGETOBJ line as text/plain, then JSON as application/json on that socket only', async () => {
  const page = chromiumPage({ socketText: SOCKET_TEXT_RULES });
  const zfp = vm.runInContext('const zfp = new WebSocket("wss://h/zfp/socket"); zfp.binaryType = "arraybuffer"; zfp', page.g);
  zfp.receive('{"before":"any CMDGETOBJ line"}'); // 1: not yet known as ZFP's socket
  zfp.receive(new Uint8Array([0x1f, 0x8b, ...new Array(200).fill(1)]).buffer); // 2: the gzip study, binary: as always
  zfpImage(zfp, '1.2.3.4'); // 3, 4, 5
  zfp.receive(' [1,2,3]'); // 6: JSON on ZFP's socket
  zfp.receive('cmdgetobj 1.2.3#0'); // 7: not the vendor's line
  zfp.receive('CMDGETOBJX 1.2.3#0'); // 8
  zfp.receive('42["sendMessage",{}]'); // 9
  zfp.receive(`{"pad":"${'x'.repeat(256 * 1024)}"}`); // 10: over the rule's bound
  zfp.receive(`CMDGETOBJ ${'1'.repeat(5000)}`); // 11: over the line's bound
  zfpImage(zfp, '1.2.3.5'); // 12, 13, 14
  const other = vm.runInContext('new WebSocket("wss://h/chat")', page.g);
  other.receive('{"chat":"hello"}'); // another socket: its JSON is none of ZFP's
  other.receive('CMDGETOBJ 1.2.3#0'); // ... until it says it is one
  other.receive('{"Rows":1}');
  page.fire('beforeunload');
  const got = page.bodies();
  assert.deepEqual(Object.keys(got).sort(), ['1/12', '1/13', '1/14', '1/2', '1/3', '1/4', '1/5', '1/6', '2/2', '2/3']);
  assert.equal(got['1/3'].toString(), 'CMDGETOBJ 1.2.3.4#0');
  assert.deepEqual(got['1/3'].first.headers, [['content-type', 'text/plain']]);
  assert.equal(got['1/4'].toString(), ZFP_HEADER);
  assert.deepEqual(got['1/4'].first.headers, [['content-type', 'application/json']]);
  assert.deepEqual(got['1/5'].first.headers, [], 'binary: no content type, as before');
  assert.equal(got['1/5'].length, 48);
  assert.equal(got['1/6'].toString(), ' [1,2,3]');
  assert.equal(got['1/12'].toString(), 'CMDGETOBJ 1.2.3.5#0');
  for (const key of ['1/3', '1/4', '1/5']) {
    const { first } = got[key];
    assert.deepEqual({ url: first.url, status: first.status, via: first.via, stream: first.stream },
      { url: 'wss://h/zfp/socket', status: 0, via: 'websocket', stream: { socket: 1, message: Number(key.slice(2)) } });
  }
  // UTF-8, counted in bytes: a header with Chinese text.
  zfp.receive('{"SeriesDescription":"平扫 5mm"}');
  page.fire('beforeunload');
  assert.equal(page.bodies()['1/15'].toString('utf8'), '{"SeriesDescription":"平扫 5mm"}');
});

test('GE ZFP socket text is bounded like binary messages: a tenth of the rate, the rest dropped and counted', async () => {
  const { g, messages, bodies } = chromiumPage({ socketText: SOCKET_TEXT_RULES, socketBytesPerSecond: 10000, socketBurstBytes: 10000 });
  const socket = vm.runInContext('new WebSocket("ws://h/zfp/socket")', g);
  socket.receive('CMDGETOBJ 1.2.3#0');
  for (let i = 0; i < 20; i += 1) socket.receive(`{"n":${i},"pad":"${'x'.repeat(90)}"}`); // ~100 bytes each: 1000 pass
  await wait(80);
  const kept = Object.keys(bodies()).length;
  assert.ok(kept >= 9 && kept <= 10, `${kept} passed`);
  assert.equal(messages.filter((m) => m.t === 'missed').reduce((n, m) => n + m.n, 0), 21 - kept);
});

test('the rules given to the hooks are plain data (serialized into a page), the judge sends what they label on', async () => {
  assert.deepEqual(JSON.parse(JSON.stringify(SOCKET_TEXT_RULES)), SOCKET_TEXT_RULES.map((r) => ({ ...r })));
  assert.ok(SOCKET_TEXT_RULES.length >= 2);
  for (const contentType of ['text/plain', 'application/json', 'application/json; charset=utf-8']) {
    const v = classifyResponse({ url: 'wss://h/zfp/socket', status: 0, contentType, contentLength: 18, transport: 'websocket' });
    assert.deepEqual([v.verdict, v.kind, v.vendor], ['candidate', 'vendor-socket-text', 'ge-zfp'], contentType);
    assert.equal(isMissedImage(v), false, 'not an image: never counted as one missed');
  }
  for (const contentType of ['text/html', 'text/csv', 'application/json5']) {
    assert.equal(classifyResponse({ url: 'wss://h/s', status: 0, contentType, transport: 'websocket' }).verdict, 'skip', contentType);
  }
  // Through the extension's judge to the helper: the short command line and the header, with their places.
  const sink = makeSink();
  const bodies = new CapturedBodies(sink, { source: 'debugger' });
  const text = (t, type, message) => checkBodyMessage({ t: 'body', id: `t${message}`, part: 0, parts: 1, size: Buffer.byteLength(t),
    url: 'wss://h/zfp/socket', status: 0, headers: [['content-type', type]], via: 'websocket', stream: { socket: 2, message },
    data: Buffer.from(t).toString('base64') });
  assert.equal(await bodies.receive('a', 1, text('CMDGETOBJ 1.2.3#0', 'text/plain', 7)), true);
  assert.equal(await bodies.receive('a', 1, text(ZFP_HEADER, 'application/json', 8)), true);
  assert.equal(await bodies.receive('a', 1, text('hello', 'text/html', 9)), undefined);
  assert.deepEqual(sink.bodies.map((b) => [b.meta.source, b.meta.stream.message, b.meta.mimeType, b.bytes]),
    [['websocket', 7, 'text/plain', 17], ['websocket', 8, 'application/json', Buffer.byteLength(ZFP_HEADER)]]);
});

test('a page flooding a socket: what the hook passes and holds is bounded, the rest is dropped and counted', async () => {
  const { g, messages, bodies } = chromiumPage({ socketBytesPerSecond: 20000, socketBurstBytes: 20000, maxHeldBytes: 5000 });
  const socket = vm.runInContext('new WebSocket("ws://h/flood")', g);
  for (let i = 0; i < 200; i += 1) socket.receive(socketImage(999, i).buffer); // 1000 bytes each, at once
  await wait(80);
  const kept = Object.keys(bodies()).length;
  assert.equal(kept, 20, 'the burst passes, nothing more');
  const missed = messages.filter((m) => m.t === 'missed').reduce((n, m) => n + m.n, 0);
  assert.equal(missed, 180, 'every dropped message is told, to be shown as missed');
  // The hook never held more than maxHeldBytes (+ one message) before handing over: sends came in batches.
  const batches = messages.filter((m) => m.t === 'held').length;
  assert.ok(batches >= 3, `handed over in ${batches} batches`);
  // Later, the rate refills: messages pass again.
  await wait(300);
  socket.receive(socketImage(999, 7).buffer);
  await wait(80);
  assert.equal(Object.keys(bodies()).length, 21);
});

test('capture stopped: the tap copies nothing', async () => {
  const { g, bodies } = chromiumPage();
  vm.runInContext('cloudfilmCaptureControl("stop")', g);
  vm.runInContext('new WebSocket("ws://h/x")', g).receive(socketImage(200).buffer);
  await wait(60);
  assert.deepEqual(bodies(), {});
});

// ---------------------------------------------------------------- Firefox: the two content scripts

for (const order of [['isolated', 'page'], ['page', 'isolated']]) {
  test(`Firefox (${order.join(' first, then ')}): socket messages reach the background as captured bodies, ArrayBuffer and Blob`, async () => {
    const { page, sent } = firefoxDocument({ order });
    const socket = vm.runInContext('const ws = new WebSocket("ws://h/sio"); ws.onmessage = (e) => { if (e.data.byteLength) new Uint8Array(e.data).fill(0); }; ws', page);
    socket.receive('451-["image"]');
    socket.receive(socketImage(300, 2).buffer); // arrives before the background said capture is on: held, then sent
    socket.receive(new Blob([socketImage(250, 3)]));
    await wait(50);
    const messages = sent.map((m) => checkBodyMessage(m.message));
    const got = joinBodies(messages);
    assert.deepEqual(Object.keys(got).sort(), ['1/2', '1/3']);
    assert.deepEqual(got['1/2'], Buffer.from(socketImage(300, 2)));
    assert.deepEqual(got['1/3'], Buffer.from(socketImage(250, 3)));
    assert.equal(got['1/2'].first.via, 'websocket');
  });
}

test('Firefox: GE ZFP text as in Chromium (the relay gets the vendor table\'s rules, a worker\'s prefix too)', async () => {
  const { page, sent } = firefoxDocument();
  const zfp = vm.runInContext('const zfp = new WebSocket("wss://h/zfp/socket"); zfp.binaryType = "arraybuffer"; zfp', page);
  zfp.receive('{"before":1}');
  zfpImage(zfp, '1.2.3.4');
  await wait(50);
  const got = joinBodies(sent.map((m) => checkBodyMessage(m.message)));
  assert.deepEqual(Object.keys(got).sort(), ['1/2', '1/3', '1/4']);
  assert.equal(got['1/2'].toString(), 'CMDGETOBJ 1.2.3.4#0');
  assert.deepEqual(got['1/2'].first.headers, [{ name: 'content-type', value: 'text/plain' }]);
  assert.equal(got['1/3'].toString(), ZFP_HEADER);
  assert.deepEqual(got['1/3'].first.headers, [{ name: 'content-type', value: 'application/json' }]);
  assert.deepEqual([got['1/4'].first.via, got['1/4'].first.stream], ['websocket', { socket: 1, message: 4 }]);
  const prefix = workerScriptPrefix(installSocketTap, {});
  assert.ok(prefix.includes(JSON.stringify(SOCKET_TEXT_RULES)), 'a worker\'s relay has the rules too');
  assert.ok(!workerScriptPrefix(installSocketTap, { socketText: [] }).includes('CMDGETOBJ '), 'options still win');
});

test('Firefox: with capture off for the tab the page-world script stops copying; the isolated side bounds its queue, and empties it when the page is left', async () => {
  const off = firefoxDocument({ capture: false });
  const socket = vm.runInContext('new WebSocket("ws://h/off")', off.page);
  socket.receive(socketImage(300).buffer);
  await wait(30);
  socket.receive(socketImage(300).buffer);
  await wait(30);
  assert.equal(off.sent.length, 0);

  // The background never answers: 4 go out, a bounded queue waits, the rest is counted as missed.
  const stuck = firefoxDocument({ autoAck: false, options: { socketBytesPerSecond: 1e12, socketBurstBytes: 1e12 } });
  const flood = vm.runInContext('new WebSocket("ws://h/flood")', stuck.page);
  await wait(10);
  const big = socketImage(2 * 1024 * 1024); // one part each (~2.8 MB as base64)
  flood.receive(big.buffer); // the first one asks whether capture is on
  await wait(30);
  for (let i = 0; i < 39; i += 1) flood.receive(big.slice().buffer);
  await wait(200);
  assert.equal(stuck.sent.filter((m) => m.n !== undefined).length, 4, 'at most 4 unacknowledged');
  stuck.background().deliver({ type: 'captured', n: 1, ok: true });
  await wait(20);
  assert.equal(stuck.sent.filter((m) => m.n !== undefined).length, 5, 'one more once one was acknowledged');
  const queued = Math.floor((64 * 1024 * 1024) / JSON.stringify(stuck.sent[0].message).length);
  const missed = stuck.sent.filter((m) => m.message.t === 'missed').reduce((n, m) => n + m.message.n, 0);
  assert.equal(missed, 40 - 4 - queued, `what did not fit in the queue (${queued}) was counted`);
  // The document is left: what waits goes at once (the isolated script goes with the document).
  stuck.page.window.dispatchEvent(new Event('pagehide'));
  assert.equal(stuck.sent.filter((m) => m.n !== undefined).length, 4 + queued, 'everything queued was sent on pagehide');
});

// ---------------------------------------------------------------- the extension's side

function makeSink({ paused = false, limit = 1 << 30 } = {}) {
  const sink = { budget: new ByteBudget(limit), bodies: [], missedBy: 0 };
  return Object.assign(sink, {
    isPaused: () => paused,
    rendered: () => {},
    missed: (tabId, n = 1) => { sink.missedBy += n; },
    startBody(tabId, meta) {
      const body = { meta, bytes: 0 };
      sink.bodies.push(body);
      return { writeBase64(text, length) { body.bytes += length; return Promise.resolve(true); }, end: () => Promise.resolve({}), fail() {} };
    },
  });
}
const socketMessage = (bytes, message = 1) => checkBodyMessage({ t: 'body', id: `${message}`, part: 0, parts: 1, size: bytes.length,
  url: 'wss://h/socket.io/', status: 0, headers: [], via: 'websocket', stream: { socket: 1, message }, data: Buffer.from(bytes).toString('base64') });

test('the judge lets socket binaries through as candidates, with their place and source "websocket"', async () => {
  assert.equal(sniffPrefixedBytes(socketImage(200)), true, 'DICM behind 1 byte of framing');
  const sink = makeSink();
  const bodies = new CapturedBodies(sink, { source: 'debugger' });
  assert.equal(await bodies.receive('a', 1, socketMessage(socketImage(300), 4)), true);
  assert.deepEqual([sink.bodies[0].meta.source, sink.bodies[0].meta.stream, sink.bodies[0].meta.url], ['websocket', { socket: 1, message: 4 }, 'wss://h/socket.io/']);
  assert.equal(await bodies.receive('a', 1, socketMessage(new Uint8Array(40))), undefined, 'a short control message is not sent');
  assert.equal(checkBodyMessage({ ...socketMessage(socketImage(300)), stream: { socket: 0, message: 'x' } }), null, 'a bad place is refused');
});

test('socket messages with the helper away count as missed only when DICOM; a flood beyond the budget is dropped and counted', async () => {
  const away = makeSink({ paused: true });
  const bodies = new CapturedBodies(away, { source: 'debugger' });
  await bodies.receive('a', 1, socketMessage(socketImage(300)));
  await bodies.receive('a', 1, socketMessage(new Uint8Array(300).fill(7)));
  assert.equal(away.missedBy, 1);

  const full = makeSink({ limit: 1000 });
  full.budget.force(SOCKET_BUDGET_FACTOR * 1000 + 1); // what the extension already holds
  const flooded = new CapturedBodies(full, { source: 'debugger' });
  assert.equal(await flooded.receive('a', 1, socketMessage(socketImage(300))), undefined);
  assert.equal(full.bodies.length, 0);
  assert.equal(full.missedBy, 1);
  await flooded.receive('a', 1, checkBodyMessage({ t: 'missed', n: 41 }));
  assert.equal(full.missedBy, 42, 'what a hook dropped is counted too');
});

test('a quiet page sends its copies in idle time, a body at a time while the idle period lasts, all by the deadline', async () => {
  const { g, messages, bodies } = chromiumPage();
  const idle = [];
  g.requestIdleCallback = (f, { timeout }) => { idle.push({ f, timeout }); return idle.length; };
  g.cancelIdleCallback = () => {};
  const socket = vm.runInContext('new WebSocket("ws://h/idle")', g);
  for (let i = 1; i <= 3; i += 1) socket.receive(socketImage(200, i).buffer);
  await wait(60); // quiet for quietMs: now it waits for the page to be idle
  assert.deepEqual(bodies(), {}, 'nothing sent while the viewer may still be busy');
  assert.equal(idle.length, 1);
  assert.ok(idle[0].timeout > 0 && idle[0].timeout <= 10000, 'the deadline is maxDelayMs after the oldest copy');
  let budget = 2;
  idle[0].f({ didTimeout: false, timeRemaining: () => (budget-- > 0 ? 10 : 0) });
  assert.equal(Object.keys(bodies()).length, 2, 'one body per look at the time left');
  assert.equal(idle.length, 2, 'the rest waits for the next idle period');
  idle[1].f({ didTimeout: true, timeRemaining: () => 0 });
  assert.equal(Object.keys(bodies()).length, 3);
  assert.equal(messages.at(-1).t, 'flushed');
});
