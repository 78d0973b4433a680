// Chromium capture's judgement of what a page hook handed over: a response judged by its headers, and a whole body
// (as base64, never decoded here) handed to the helper.

import { base64DecodedLength, base64ToBytes, textToBytes } from '../lib/base64.js';
import { classifyResponse, headerValue, isMissedImage, normalizeHeaders, sniffBytes } from '../lib/candidate.js';

// Enough of a body to tell DICOM from anything else (preamble + DICM, or the first element), as base64.
const SNIFF_BASE64_CHARS = 4 * 64;

/** Whether a body given as base64 starts like DICOM (decodes only its first bytes). */
export function base64LooksDicom(text) {
  return sniffBytes(base64ToBytes(text.slice(0, SNIFF_BASE64_CHARS)));
}

/**
 * A response judged by its headers ([{name, value}]): the verdict, its announced size (none when content-encoded:
 * the length is then of the encoded bytes) and the body's metadata for the host.
 */
export function judgeResponse({ url, status, headers, mimeType, resourceType, tabId }) {
  const contentType = headerValue(headers, 'content-type') || mimeType;
  const lengthText = headerValue(headers, 'content-length');
  const encoded = !!headerValue(headers, 'content-encoding');
  const contentLength = lengthText && !encoded ? Number(lengthText) : undefined;
  const verdict = classifyResponse({ url, status, contentType, resourceType, contentLength });
  const meta = { url, status, mimeType: contentType, headers: normalizeHeaders(headers), tabId, source: 'debugger' };
  return { verdict, contentLength, meta };
}

/**
 * Whether the body must be read: a rendered picture is noted, other pages' files are skipped, and with the helper
 * away an image is counted as missed instead.
 */
export function wantsBody(ctx, tabId, verdict) {
  if (verdict.verdict === 'rendered') { ctx.onRendered(tabId); return false; }
  if (verdict.verdict === 'skip') return false;
  if (ctx.isPaused()) { if (isMissedImage(verdict)) ctx.onMissed(tabId); return false; }
  return true;
}

/**
 * Sends a whole body ({body, base64Encoded}, as a page hook hands it over) to the helper. `estimate` bytes were taken
 * from the budget for it: the difference is settled here. Binary bodies leave as the base64 they arrived in (the
 * host's chunk format), never decoded. A sniffed body that is not DICOM is dropped; with the helper away an image
 * is counted as missed.
 */
export function forwardWholeBody(ctx, { tabId, meta, verdict, estimate }, response) {
  const { budget, uploader } = ctx;
  const length = response.base64Encoded ? base64DecodedLength(response.body) : null;
  const bytes = response.base64Encoded ? null : textToBytes(response.body);
  const size = length ?? bytes.length;
  if (size > estimate) budget.force(size - estimate);
  else budget.release(estimate - size);
  if (verdict.verdict === 'sniff' && !(bytes ? sniffBytes(bytes) : base64LooksDicom(response.body))) { budget.release(size); return; }
  if (ctx.isPaused()) { budget.release(size); if (isMissedImage(verdict)) ctx.onMissed(tabId); return; }
  ctx.onBody(tabId, bytes ? uploader.sendWhole(meta, bytes) : uploader.sendWholeBase64(meta, response.body, length),
    verdict.kind);
}
