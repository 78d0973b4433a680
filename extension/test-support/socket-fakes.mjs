// Fakes shared by the WebSocket capture tests (socket-capture.test.mjs, worker-socket.test.mjs): a socket the test
// makes receive messages, a MessageChannel, Socket.IO-style image messages, and bodies joined from captured-body parts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import vm from 'node:vm';
import { installSocketTap } from '../src/background/page-hook.js';
import { pageRelaySource } from '../src/content/socket-relay.js';

export const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** A Socket.IO-style image message: 0x04, then a Part-10 file (preamble, DICM, some bytes). */
export const socketImage = (n, seed = 1) => {
  const b = new Uint8Array(1 + n);
  b[0] = 0x04;
  for (let i = 1; i < b.length; i += 1) b[i] = (i * seed + 3) & 0xff;
  b.set([0x44, 0x49, 0x43, 0x4d], 129);
  return b;
};

/** A WebSocket as the browser has it, minus the network: the test makes it receive messages. */
export const FAKE_WEBSOCKET = `
globalThis.WebSocket = class WebSocket {
  constructor(url) { this.url = new URL(url, 'http://h/').href.replace(/^http/, 'ws'); this.binaryType = 'blob'; this.listeners = []; this.readyState = 1; }
  addEventListener(type, f) { if (type === 'message') this.listeners.push(f); }
  set onmessage(f) { this.addEventListener('message', f); }
  receive(data) { if (this.readyState !== 1) return; const event = { type: 'message', data }; for (const f of this.listeners) f.call(this, event); }
  close() { this.readyState = 3; }
};
WebSocket.OPEN = 1;`;

/** A private channel as the browser's MessageChannel (asynchronous delivery), without keeping node alive. */
export class FakeChannel {
  constructor() {
    this.port1 = { postMessage: (data) => setTimeout(() => this.port2.onmessage?.({ data })) };
    this.port2 = { postMessage: (data) => setTimeout(() => this.port1.onmessage?.({ data })) };
  }
}

/** Whole bodies from captured-body messages, keyed `socket/message` (or url for other bodies). */
export function joinBodies(messages) {
  const out = {};
  const open = {};
  for (const m of messages.filter((x) => x.t === 'body')) {
    if (m.part === 0) open[m.id] = { key: m.stream ? `${m.stream.socket}/${m.stream.message}` : m.url, first: m, parts: [] };
    open[m.id].parts.push(Buffer.from(m.data, 'base64'));
    if (m.part === m.parts - 1) {
      out[open[m.id].key] = Buffer.concat(open[m.id].parts);
      Object.defineProperty(out[open[m.id].key], 'first', { value: open[m.id].first, enumerable: false });
    }
  }
  return out;
}

/**
 * A Firefox document with both content scripts (page-world and isolated, in `order`) and a fake background:
 * { page, sent (captured messages the background got), background() (its port: deliver a message) }; `globals`: more
 * of the page's world (a Worker, say).
 */
export function firefoxDocument({ order = ['isolated', 'page'], capture = true, autoAck = true, options = {}, globals = {} } = {}) {
  const document = new EventTarget();
  const sent = [];
  let backgroundSide = null;
  const runtime = {
    connect: ({ name }) => {
      assert.equal(name, 'socket');
      const listeners = { message: [], disconnect: [] };
      const port = {
        onMessage: { addListener: (f) => listeners.message.push(f) },
        onDisconnect: { addListener: (f) => listeners.disconnect.push(f) },
        postMessage: (msg) => {
          sent.push(msg);
          if (autoAck && msg.n !== undefined) setTimeout(() => port.deliver({ type: 'captured', n: msg.n, ok: true }));
        },
        deliver: (msg) => listeners.message.forEach((f) => f(msg)),
      };
      backgroundSide = port;
      setTimeout(() => port.deliver({ type: 'state', on: capture }));
      return port;
    },
  };
  const page = vm.createContext({ document, window: new EventTarget(), CustomEvent, EventTarget, MessageChannel: FakeChannel, Blob, TextEncoder, URL,
    setTimeout, clearTimeout, btoa, JSON, Date, browser: { runtime }, ...globals });
  vm.runInContext(FAKE_WEBSOCKET, page);
  const scripts = {
    page: pageRelaySource(installSocketTap, options),
    isolated: fs.readFileSync(new URL('../src/content/socket-isolated.js', import.meta.url), 'utf8'),
  };
  for (const which of order) vm.runInContext(scripts[which], page);
  return { page, sent, background: () => backgroundSide };
}

