// Streams captured bodies to the host: body-begin, body-chunk..., body-end (docs/protocol.md).
// Pure: the host connection is injected as `transport` = { request(msg) -> Promise<reply>, post(msg) }.
//
// Memory stays bounded whatever the study size:
//  - every body byte the extension holds is counted in a shared ByteBudget and released here as soon as it is
//    posted to the host. Firefox's engine suspends its response stream while the budget is spent; the bodies that
//    Chromium's page hooks and the DevTools panel hand over are already in memory, so they are counted without
//    waiting (lib/captured-body.js: a hook sends a body once, the panel one part at a time, acknowledged);
//  - at most maxBodiesInFlight bodies are open on the host at once (a slot is held until body-end-result);
//  - with the host's "chunk-ack" capability, at most maxUnackedChunks chunks per body are unacknowledged.

import { base64Pieces, bytesToBase64 } from './base64.js';
import { Chunker, Slots } from './flow.js';
import { Sha256 } from './sha256.js';
import { MAX_CHUNK_BYTES, DEFAULT_MAX_BODIES_IN_FLIGHT } from './protocol.js';

export class BodyUploader {
  constructor({ transport, budget, maxChunkBytes = MAX_CHUNK_BYTES, maxBodiesInFlight = DEFAULT_MAX_BODIES_IN_FLIGHT,
    chunkAck = false, maxUnackedChunks = 2, idPrefix = 'b', digest = true }) {
    this.transport = transport;
    this.budget = budget;
    this.slots = new Slots(maxBodiesInFlight);
    this.maxChunkBytes = Math.min(maxChunkBytes, MAX_CHUNK_BYTES);
    this.chunkAck = chunkAck;
    this.maxUnackedChunks = maxUnackedChunks;
    this.idPrefix = String(idPrefix).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40);
    this.digest = digest;
    this.counter = 0;
    this.open = new Map();
  }

  /** Applies what the host said in hello-result. */
  configure({ maxChunkBytes, maxBodiesInFlight, capabilities } = {}) {
    if (maxChunkBytes > 0) this.maxChunkBytes = Math.min(maxChunkBytes, MAX_CHUNK_BYTES);
    if (maxBodiesInFlight > 0) this.slots.setLimit(maxBodiesInFlight);
    if (Array.isArray(capabilities)) this.chunkAck = capabilities.includes('chunk-ack');
  }

  nextBodyId() {
    this.counter += 1;
    return `${this.idPrefix}-${this.counter.toString(36)}`;
  }

  /** Starts a body. `meta` = {url, status, mimeType, headers, totalBytes?, tabId, source, stream?}. */
  start(meta) {
    const writer = new BodyWriter(this, this.nextBodyId(), meta);
    this.open.set(writer.id, writer);
    writer.result.finally(() => this.open.delete(writer.id)).catch(() => {});
    return writer;
  }

  /** Sends a body already whole in memory (its bytes already counted in the budget). */
  async sendWhole(meta, bytes) {
    const writer = this.start({ ...meta, totalBytes: bytes.length });
    writer.write(bytes);
    return writer.end();
  }

  /** Sends a body whole in memory as base64 (its decoded `byteLength` already counted): see writeBase64(). */
  async sendWholeBase64(meta, base64, byteLength) {
    const writer = this.start({ ...meta, totalBytes: byteLength });
    writer.writeBase64(base64, byteLength);
    return writer.end();
  }

  /** The host went away: every open body fails and releases what it holds. */
  failAll(error) {
    for (const writer of [...this.open.values()]) writer.fail(error);
  }

  get openBodies() {
    return this.open.size;
  }
}

export class BodyWriter {
  constructor(uploader, id, meta) {
    this.up = uploader;
    this.id = id;
    this.meta = meta;
    this.queue = [];
    this.wake = null;
    this.held = 0; // bytes counted in the budget and not yet posted
    this.sent = 0;
    this.seq = 0;
    this.failed = null;
    this.ended = false;
    this.sha = uploader.digest ? new Sha256() : null;
    this.unacked = [];
    this.result = this.#run();
    this.result.catch(() => {}); // the caller gets the error from end()
  }

  /** Queues a piece of the body (already counted in the budget by the caller). Resolves when posted. */
  write(bytes) {
    if (this.failed || this.ended) {
      this.up.budget?.release(bytes.length);
      return Promise.resolve(false);
    }
    this.held += bytes.length;
    return new Promise((resolve) => this.#push({ kind: 'data', bytes, resolve }));
  }

  /**
   * Queues base64 text (whole 4-character groups, padded only at the very end) decoding to `byteLength` bytes, as
   * captured bodies arrive (lib/captured-body.js). It is never decoded: cut into chunks on 4-character boundaries
   * and forwarded as is. Such a body carries no digest (the host digests what it writes, and the pipe does not
   * alter the text): that saves a decode, an encode and a digest per body on the service worker's only thread.
   */
  writeBase64(text, byteLength) {
    if (this.failed || this.ended) {
      this.up.budget?.release(byteLength);
      return Promise.resolve(false);
    }
    this.held += byteLength;
    this.sha = null; // base64 is never decoded here: no digest
    return new Promise((resolve) => this.#push({ kind: 'base64', text, byteLength, resolve }));
  }

  /** No more data: resolves with body-end-result, or rejects. */
  end() {
    if (!this.ended && !this.failed) {
      this.ended = true;
      this.#push({ kind: 'end' });
    }
    return this.result;
  }

  /** Gives up on this body (capture stopped, the page's stream broke, the host went away). */
  fail(error) {
    if (this.failed) return;
    this.failed = error instanceof Error ? error : new Error(String(error));
    this.#push({ kind: 'fail' });
  }

  #push(item) {
    this.queue.push(item);
    if (this.wake) { const w = this.wake; this.wake = null; w(); }
  }

  async #next() {
    while (this.queue.length === 0) await new Promise((resolve) => { this.wake = resolve; });
    return this.queue.shift();
  }

  async #run() {
    const { transport, slots, budget } = this.up;
    let slot = false;
    let begun = false;
    try {
      await slots.acquire();
      slot = true;
      if (this.failed) throw this.failed;
      const begin = { type: 'body-begin', body: this.id, url: this.meta.url, status: this.meta.status ?? 200,
        mimeType: this.meta.mimeType || '', headers: this.meta.headers || {}, tabId: this.meta.tabId ?? -1,
        source: this.meta.source || 'debugger' };
      if (Number.isFinite(this.meta.totalBytes)) begin.totalBytes = this.meta.totalBytes;
      if (this.meta.stream) begin.stream = this.meta.stream; // a WebSocket message's place: {socket, message}
      await transport.request(begin);
      begun = true;
      const chunker = new Chunker(this.up.maxChunkBytes);
      for (;;) {
        if (this.failed) throw this.failed;
        const item = await this.#next();
        if (item.kind === 'fail') throw this.failed;
        if (item.kind === 'data') {
          for (const chunk of chunker.push(item.bytes)) await this.#sendChunk(chunk);
          item.resolve(true);
          continue;
        }
        if (item.kind === 'base64') {
          const pending = chunker.flush(); // earlier bytes end their own chunk: chunks decode one by one
          if (pending) await this.#sendChunk(pending);
          for (const [piece, length] of base64Pieces(item.text, this.up.maxChunkBytes)) {
            await this.#sendChunk(null, piece, length);
          }
          item.resolve(true);
          continue;
        }
        // end
        const last = chunker.flush();
        if (last) await this.#sendChunk(last);
        await Promise.all(this.unacked);
        const endMsg = { type: 'body-end', body: this.id };
        if (this.sha) endMsg.sha256 = this.sha.hex();
        const reply = await transport.request(endMsg);
        return reply;
      }
    } catch (error) {
      if (begun && !(error && error.hostGone)) {
        // Best effort: tell the host to drop its staging file (hosts without body-abort answer unknown-type).
        Promise.resolve().then(() => transport.request({ type: 'body-abort', body: this.id })).catch(() => {});
      }
      throw error;
    } finally {
      if (this.held > 0) budget?.release(this.held);
      this.held = 0;
      for (const item of this.queue.splice(0)) {
        if (item.kind === 'data') item.resolve(false); // their bytes were in `held`
      }
      if (slot) slots.release();
    }
  }

  /** Sends `chunk` (bytes), or `encoded` base64 text of `encodedLength` decoded bytes. */
  async #sendChunk(chunk, encoded, encodedLength) {
    const { transport, budget } = this.up;
    while (this.up.chunkAck && this.unacked.length >= this.up.maxUnackedChunks) {
      await this.unacked[0];
    }
    if (this.failed) throw this.failed;
    const length = chunk ? chunk.length : encodedLength;
    if (chunk) this.sha?.update(chunk);
    const msg = { type: 'body-chunk', body: this.id, seq: this.seq++, data: chunk ? bytesToBase64(chunk) : encoded };
    if (this.up.chunkAck) {
      const p = transport.request(msg);
      const tracked = p.then(() => { this.unacked.splice(this.unacked.indexOf(tracked), 1); });
      tracked.catch((e) => this.fail(e));
      this.unacked.push(tracked);
    } else {
      transport.post(msg);
    }
    this.sent += length;
    this.held -= length;
    budget?.release(length);
  }
}
