// Constants of the CloudFilm native messaging protocol (docs/protocol.md).
// The error table mirrors the document exactly; test/protocol-table.test.mjs checks that it does.

// extension/ids.json is the one place the host's name is written (build.mjs copies it into every build).
import ids from '../../ids.json' with { type: 'json' };

export const PROTOCOL_VERSION = 1;
export const NATIVE_HOST_NAME = ids.nativeHost;

// Extension -> host: the browsers refuse more than 64 MiB per message; keep well under it.
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
// Our own ceiling for one chunk's decoded size, whatever the host offers: base64 adds a third,
// and Firefox is slow with big messages.
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_BODIES_IN_FLIGHT = 4;

export const BODY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

// Append-only: never change or reuse a number (docs/protocol.md, "Errors").
export const ERROR_CODES = Object.freeze({
  1: 'internal',
  2: 'frame-too-large',
  3: 'bad-json',
  4: 'unknown-type',
  5: 'bad-request',
  6: 'unknown-body',
  7: 'host-too-old',
  8: 'chunk-out-of-order',
  9: 'bad-base64',
  10: 'digest-mismatch',
  11: 'body-too-large',
  12: 'disk-full',
  13: 'bad-output-folder',
  14: 'duplicate-body',
  15: 'too-many-bodies',
  16: 'path-outside-output',
  17: 'truncated-frame',
});

export const ERROR = Object.freeze(Object.fromEntries(
  Object.entries(ERROR_CODES).map(([code, name]) => [name, Number(code)])));

export const OUTCOMES = Object.freeze([
  'stored', 'duplicate', 'replaced', 'kept-worse', 'kept-for-reconstruction', 'not-dicom', 'rejected',
]);

export function errorName(code) {
  return ERROR_CODES[code] ?? 'unknown';
}

/** An Error carrying a protocol error reply, so callers can branch on `code`. */
export class HostError extends Error {
  constructor(reply) {
    super(reply?.message || errorName(reply?.code));
    this.name = 'HostError';
    this.code = reply?.code ?? ERROR.internal;
    this.codeName = reply?.name || errorName(this.code);
    this.body = reply?.body;
  }
}

/** Characters of a JSON string holding `n` bytes as base64. */
export function base64Length(n) {
  return Math.ceil(n / 3) * 4;
}
