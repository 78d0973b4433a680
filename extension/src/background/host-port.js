// The native messaging port to cloudfilm-host: hello, request/reply matching, reconnect with back-off.

import { api, portError } from './platform.js';
import { HostError, NATIVE_HOST_NAME, PROTOCOL_VERSION, ERROR } from '../lib/protocol.js';

const HELLO_TIMEOUT_MS = 10000;
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 30000;

/** Turns a browser's disconnect message into one of our problem names. */
export function classifyDisconnect(message) {
  const m = String(message || '').toLowerCase();
  if (/not found|no such native application|not registered|manifest.*(missing|not found)/.test(m)) return 'not-installed';
  if (/forbidden|not allowed|does not have permission|permission denied|access to the specified/.test(m)) return 'forbidden';
  return 'host-exited';
}

export class HostGoneError extends Error {
  constructor(problem, message) {
    super(message || problem);
    this.name = 'HostGoneError';
    this.hostGone = true;
    this.problem = problem;
  }
}

export class HostConnection {
  constructor({ onStatus = () => {}, onUnsolicited = () => {}, onBodyError = () => {} } = {}) {
    this.onStatus = onStatus;
    this.onUnsolicited = onUnsolicited;
    this.onBodyError = onBodyError;
    this.port = null;
    this.status = 'idle';
    this.problem = null; // {name, message}
    this.info = null; // hello-result
    this.pending = new Map();
    this.nextId = 1;
    this.connecting = null;
    this.wanted = false;
    this.retryMs = RECONNECT_MIN_MS;
    this.retryTimer = null;
  }

  get connected() {
    return this.status === 'connected';
  }

  /** Keeps the host connected (reconnecting after failures) while `wanted` is true. */
  want(wanted) {
    this.wanted = wanted;
    if (wanted && this.status !== 'connected' && !this.connecting && !this.retryTimer) this.connect().catch(() => {});
    if (!wanted && this.retryTimer) { clearTimeout(this.retryTimer); this.retryTimer = null; }
  }

  /** Connects (once) and says hello. Resolves with hello-result. */
  connect() {
    if (this.status === 'connected') return Promise.resolve(this.info);
    if (this.connecting) return this.connecting;
    if (this.retryTimer) { clearTimeout(this.retryTimer); this.retryTimer = null; }
    this.#setStatus('connecting');
    this.connecting = this.#open().finally(() => { this.connecting = null; });
    return this.connecting;
  }

  async #open() {
    let port;
    try {
      port = api.runtime.connectNative(NATIVE_HOST_NAME);
    } catch (error) {
      this.#lost(classifyDisconnect(error?.message), error?.message);
      throw new HostGoneError(this.problem.name, error?.message);
    }
    this.port = port;
    port.onMessage.addListener((msg) => this.#onMessage(msg));
    port.onDisconnect.addListener((p) => {
      if (this.port !== port) return;
      const message = portError(p);
      this.port = null;
      this.#lost(classifyDisconnect(message), message);
    });
    let timer;
    try {
      const hello = await Promise.race([
        this.request({ type: 'hello', protocol: PROTOCOL_VERSION, extension: api.runtime.getManifest().version }),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new HostGoneError('host-timeout')), HELLO_TIMEOUT_MS); }),
      ]);
      clearTimeout(timer);
      this.info = hello;
      this.retryMs = RECONNECT_MIN_MS;
      this.problem = null;
      this.#setStatus('connected');
      return hello;
    } catch (error) {
      clearTimeout(timer);
      if (error instanceof HostError && error.code === ERROR['host-too-old']) {
        this.problem = { name: 'host-too-old', message: error.message };
        this.wanted = false; // retrying cannot help until the host is updated
      } else if (!this.problem) {
        this.problem = { name: error.problem ?? 'host-exited', message: error.message };
      }
      const problem = this.problem;
      this.disconnect();
      this.problem = problem;
      this.#setStatus(problem.name === 'host-too-old' ? 'host-too-old' : 'disconnected');
      if (problem.name !== 'host-too-old') this.#scheduleRetry();
      throw error instanceof HostGoneError || error instanceof HostError ? error : new HostGoneError(problem.name, error.message);
    }
  }

  /** Sends a request and resolves with its reply (rejects with HostError / HostGoneError). */
  request(msg, { timeoutMs = 0 } = {}) {
    if (!this.port) return Promise.reject(new HostGoneError(this.problem?.name ?? 'host-exited'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const entry = { resolve, reject, timer: null };
      if (timeoutMs > 0) {
        entry.timer = setTimeout(() => { this.pending.delete(id); reject(new HostGoneError('host-timeout')); }, timeoutMs);
      }
      this.pending.set(id, entry);
      try {
        this.port.postMessage({ ...msg, id });
      } catch (error) {
        this.pending.delete(id);
        clearTimeout(entry.timer);
        reject(new HostGoneError('host-exited', error?.message));
      }
    });
  }

  /** Sends a message that gets no reply when all is well (body-chunk). */
  post(msg) {
    if (!this.port) throw new HostGoneError(this.problem?.name ?? 'host-exited');
    try {
      this.port.postMessage(msg);
    } catch (error) {
      throw new HostGoneError('host-exited', error?.message);
    }
  }

  disconnect() {
    const port = this.port;
    this.port = null;
    if (port) { try { port.disconnect(); } catch { /* already gone */ } }
    this.#rejectAll(new HostGoneError('host-exited'));
    if (this.status === 'connected' || this.status === 'connecting') this.#setStatus('idle');
  }

  #onMessage(msg) {
    if (!msg || typeof msg !== 'object') return;
    const entry = msg.id !== undefined && msg.id !== null ? this.pending.get(msg.id) : undefined;
    if (entry) {
      this.pending.delete(msg.id);
      clearTimeout(entry.timer);
      if (msg.type === 'error') entry.reject(new HostError(msg));
      else entry.resolve(msg);
      return;
    }
    if (msg.type === 'error' && msg.body) {
      this.onBodyError(msg.body, new HostError(msg));
      return;
    }
    this.onUnsolicited(msg);
  }

  #lost(problemName, message) {
    this.problem = { name: problemName, message: message || '' };
    this.#rejectAll(new HostGoneError(problemName, message));
    const wasConnected = this.status === 'connected';
    this.#setStatus('disconnected');
    if (wasConnected || !this.connecting) this.#scheduleRetry();
  }

  #scheduleRetry() {
    if (!this.wanted || this.retryTimer) return;
    // A missing host will not appear by itself soon: retry slowly; a crashed one: quickly, then slower.
    const delay = this.problem?.name === 'not-installed' || this.problem?.name === 'forbidden' ? RECONNECT_MAX_MS : this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.wanted && this.status !== 'connected') this.connect().catch(() => {});
    }, delay);
  }

  #rejectAll(error) {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) { clearTimeout(p.timer); p.reject(error); }
  }

  #setStatus(status) {
    this.status = status;
    this.onStatus(this.snapshot());
  }

  snapshot() {
    return {
      status: this.status,
      problem: this.problem,
      hostVersion: this.info?.hostVersion ?? null,
      outputFolder: this.info?.outputFolder ?? null,
      freeBytes: this.info?.freeBytes ?? null,
      capabilities: this.info?.capabilities ?? [],
    };
  }
}
