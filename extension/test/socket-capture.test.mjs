// WebSocket capture: the socket code Chromium's page hook carries (page-hook.js installSocketTap) and Firefox's two
// content scripts (src/content/socket-relay.js, built into socket-page.js, and socket-isolated.js), run from their
// serialized sources in fresh V8 contexts over a fake WebSocket, as page-hook.test.mjs does for fetch and XHR; then
// what the extension does with socket messages (lib/captured-body.js). The real browsers run it in tests/e2e.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { pageHookSource } from '../src/background/page-hook.js';
import { CapturedBodies, checkBodyMessage, SOCKET_BUDGET_FACTOR } from '../src/lib/captured-body.js';
import { classifyResponse, sniffPrefixedBytes } from '../src/lib/candidate.js';
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

test('JSON text goes to a recognizer only when asked (socketText), bounded in size; other text never', async () => {
  const off = chromiumPage();
  vm.runInContext('new WebSocket("ws://h/j")', off.g).receive('{"Rows":512}');
  off.fire('beforeunload');
  assert.deepEqual(off.bodies(), {}, 'off by default');

  const on = chromiumPage({ socketText: true, socketMaxTextBytes: 100 });
  const socket = vm.runInContext('new WebSocket("ws://h/j")', on.g);
  socket.receive('{"Rows":512,"Columns":512}');
  socket.receive(' [1,2,3]');
  socket.receive('42["sendMessage",{}]');
  socket.receive(`{"pad":"${'x'.repeat(200)}"}`);
  on.fire('beforeunload');
  const got = on.bodies();
  assert.deepEqual(Object.keys(got).sort(), ['1/1', '1/2']);
  assert.equal(got['1/1'].toString(), '{"Rows":512,"Columns":512}');
  assert.deepEqual(got['1/1'].first.headers, [['content-type', 'application/json']]);
  // The judge does not send socket text on to the helper yet (no recognizer asks for it).
  assert.equal(classifyResponse({ url: 'ws://h/j', contentType: 'application/json', transport: 'websocket' }).verdict, 'skip');
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
