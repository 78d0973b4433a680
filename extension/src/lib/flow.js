// Chunking and flow control. Pure: the transport is injected, so node tests drive it with a fake host.

/** Cuts a stream of arbitrary pieces into chunks of exactly `size` bytes (the last may be shorter). */
export class Chunker {
  constructor(size) {
    if (!(size > 0)) throw new RangeError('chunk size must be positive');
    this.size = size;
    this.parts = [];
    this.partsBytes = 0;
  }

  /** Returns the chunks completed by this piece. */
  push(bytes) {
    const out = [];
    let offset = 0;
    while (offset < bytes.length) {
      const room = this.size - this.partsBytes;
      const take = Math.min(room, bytes.length - offset);
      if (this.partsBytes === 0 && take === this.size) {
        out.push(bytes.subarray(offset, offset + take)); // whole chunk: no copy
      } else {
        this.parts.push(bytes.slice(offset, offset + take));
        this.partsBytes += take;
        if (this.partsBytes === this.size) out.push(this.#drain());
      }
      offset += take;
    }
    return out;
  }

  /** The last, short chunk, or null. */
  flush() {
    return this.partsBytes > 0 ? this.#drain() : null;
  }

  get pending() {
    return this.partsBytes;
  }

  #drain() {
    const chunk = this.parts.length === 1 ? this.parts[0] : concatBytes(this.parts, this.partsBytes);
    this.parts = [];
    this.partsBytes = 0;
    return chunk;
  }
}

export function concatBytes(parts, total = parts.reduce((n, p) => n + p.length, 0)) {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export function splitIntoChunks(bytes, size) {
  const out = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, Math.min(i + size, bytes.length)));
  return out;
}

/**
 * Counts the body bytes the extension holds (read, not yet handed to the host).
 * acquire() waits while the budget is spent; one request larger than the whole budget is let
 * through when nothing else is held, so a single huge body cannot deadlock capture.
 */
export class ByteBudget {
  constructor(limit) {
    this.limit = limit;
    this.used = 0;
    this.peak = 0;
    this.waiters = [];
  }

  fits(n) {
    return this.used + n <= this.limit || this.used === 0;
  }

  acquire(n) {
    if (this.waiters.length === 0 && this.fits(n)) {
      this.#take(n);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  /** Counts bytes that arrived without asking (a stream that cannot wait); may pass the limit. */
  force(n) {
    this.#take(n);
  }

  get over() {
    return this.used > this.limit;
  }

  /** Resolves once the budget is below its limit again. */
  whenBelowLimit() {
    if (!this.over) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n: 0, resolve, below: true }));
  }

  release(n) {
    this.used = Math.max(0, this.used - n);
    this.#wake();
  }

  #take(n) {
    this.used += n;
    if (this.used > this.peak) this.peak = this.used;
  }

  #wake() {
    while (this.waiters.length > 0) {
      const w = this.waiters[0];
      if (w.below ? this.over : !this.fits(w.n)) break;
      this.waiters.shift();
      this.#take(w.n);
      w.resolve();
    }
  }
}

/** A counting semaphore whose limit can change (the host tells us maxBodiesInFlight). */
export class Slots {
  constructor(limit) {
    this.limit = Math.max(1, limit);
    this.inUse = 0;
    this.waiters = [];
  }

  acquire() {
    if (this.inUse < this.limit) {
      this.inUse++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release() {
    this.inUse = Math.max(0, this.inUse - 1);
    this.#wake();
  }

  setLimit(limit) {
    this.limit = Math.max(1, limit);
    this.#wake();
  }

  /** Drops every waiter with an error (the host went away). */
  rejectAll(error) {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(Promise.reject(error));
  }

  #wake() {
    while (this.inUse < this.limit && this.waiters.length > 0) {
      this.inUse++;
      this.waiters.shift()();
    }
  }
}
