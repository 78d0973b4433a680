// Holds work back while a page is busy loading, and lets it go once the page is quiet.
//
// Chromium capture reads each finished body out of the renderer (Network.getResponseBody). Every read costs the
// browser process and the renderer CPU that the viewer, decoding slice after slice, needs at that very moment: read
// during the load, a 200-slice series loaded ~35% slower on two cores (bench/README.md). The bodies wait safely in
// the inspector's buffer, so they are read when the page has sent nothing new for `quietMs`, never later than
// `maxDelayMs` after they finished (a page that never rests is still captured as it goes), and at once when more than
// `maxBytes` wait (the buffer is bounded). Pure: the clock and the timer are injected.

export class QuietQueue {
  constructor({ run, quietMs = 250, maxDelayMs = 10000, maxBytes = 128 * 1024 * 1024,
    now = () => performance.now(), setTimer = (fn, ms) => setTimeout(fn, ms), clearTimer = (id) => clearTimeout(id) }) {
    Object.assign(this, { run, quietMs, maxDelayMs, maxBytes, now, setTimer, clearTimer });
    this.items = []; // {item, bytes, since}
    this.bytes = 0;
    this.lastActivity = -Infinity;
    this.timer = null;
  }

  get size() { return this.items.length; }

  /** The page is still loading: what waits keeps waiting (within maxDelayMs). */
  activity() {
    this.lastActivity = this.now();
  }

  add(item, bytes = 0) {
    this.items.push({ item, bytes, since: this.now() });
    this.bytes += bytes;
    if (this.bytes > this.maxBytes) this.flush();
    else this.#arm();
  }

  /** Runs everything waiting, now (the page is about to go away, or capture stops). */
  flush() {
    if (this.timer !== null) { this.clearTimer(this.timer); this.timer = null; }
    const items = this.items;
    this.items = [];
    this.bytes = 0;
    for (const { item } of items) this.run(item);
  }

  /** Removes and returns what matches, without running it. */
  drop(matches) {
    const dropped = this.items.filter(({ item }) => matches(item));
    if (dropped.length === 0) return [];
    this.items = this.items.filter(({ item }) => !matches(item));
    this.bytes = this.items.reduce((sum, { bytes }) => sum + bytes, 0);
    return dropped.map(({ item }) => item);
  }

  /** When the queue must run next: quiet since the last activity, or the oldest item's deadline. */
  dueAt() {
    if (this.items.length === 0) return null;
    return Math.min(this.lastActivity + this.quietMs, this.items[0].since + this.maxDelayMs);
  }

  #arm() {
    if (this.timer !== null) return;
    const wait = Math.max(0, this.dueAt() - this.now());
    this.timer = this.setTimer(() => {
      this.timer = null;
      if (this.items.length === 0) return;
      if (this.now() >= this.dueAt()) this.flush();
      else this.#arm(); // the page was busy meanwhile: look again when it may be quiet
    }, wait);
  }
}
