// Vendor viewers that never send a DICOM file: the one place that says what their responses look like (URL shapes,
// the response headers the helper needs, content types), so that capture forwards them and nothing else has to know
// a vendor by name. Pure: no browser API. classifyResponse() (candidate.js) asks vendorVerdict() before its generic
// rules, because a vendor's answer is often labelled like anything else (octet-stream, no type at all, image/jp2)
// and can be small (a reduced preview), which the generic rules would sniff away or skip.
//
// The helper (native-host) holds the matching recognizers and rebuilds the files; see docs/protocol.md. What the
// formats are: ../shared/notes/cloud-film-sites.md (Hinacom, GE ZFP, eUnity).
//
// WebSocket text messages: a socket's binary messages are all looked at, but its text is sent to the helper only when
// a hint's `socketText` rules say so (GE ZFP below). The rules are data (no function, no RegExp): Chromium's page hook
// and Firefox's page-world relay (background/page-hook.js installSocketTap) get them serialized in their options
// (SOCKET_TEXT_RULES), and the extension's judge (candidate.js) reads the same table (socketTextVerdict()).

/**
 * Each hint: `vendor` (the name the host and the popup use), `kind` (the verdict's kind), and how it is known:
 * `path` (tested against the URL's path only, never its host or query, so a URL that merely mentions the shape in a
 * parameter does not match), `contentTypes` (media types without parameters, lower case; '' is none), or both, and
 * `refusedContentTypes` (what it never is). `headers`: the response headers the helper needs with the body (lower
 * case). `verdict` 'unsupported': the format is recognised but cannot be kept; the body is not sent, the tab notes
 * the vendor so the popup can say so.
 * `socketText` (instead of path and contentTypes: a hint for WebSocket text messages, never for a response): rules,
 * each `contentType` (what the message is sent to the helper as), `maxBytes` (longer ones are not sent), and what the
 * text is: `startsWith` (a prefix, exact), or `json` (true: it starts with `{` or `[`, after white space);
 * `opensSocket` (true: a message it matches marks its socket as the vendor's), `onOpenedSocket` (true: only on a
 * socket one of the vendor's rules marked before).
 */
export const VENDOR_HINTS = Object.freeze([
  {
    // Hinacom (海纳医信): each image's pixels, raw little-endian or a JPEG 2000 file, its geometry in X-ImageFrame.
    // `level` above 0 is a reduced preview; it is still sent: the helper says "preview" instead of filing it.
    vendor: 'hinacom',
    kind: 'vendor-pixels',
    verdict: 'candidate',
    path: /\/imageservice\/api\/image\/(?:dicom|j2k)\/[^/]+\/[^/]+\/\d{1,9}\/\d{1,9}$/i,
    // Whatever the label (octet-stream, image/jp2, none), except a page, a script or a style sheet: what a login or
    // error page served at the same address is.
    refusedContentTypes: /^(text\/(html|css|javascript|ecmascript)|application\/(xhtml\+xml|javascript|x-javascript|ecmascript))$/,
    headers: ['x-imageframe'],
  },
  {
    // Hinacom: the study's structure (GetImageSet) and one image's tag list (GetImageDicomTags), as JSON.
    vendor: 'hinacom',
    kind: 'vendor-json',
    verdict: 'candidate',
    path: /\/imageviewer\/(?:getimageset|getimagedicomtags)$/i,
    // JSON, mislabelled as text, or not labelled at all: the helper reads it as JSON or says why not.
    contentTypes: ['application/json', 'text/json', 'application/x-json', 'text/plain', ''],
  },
  {
    // GE ZFP: the whole study over one WebSocket. Its binary messages (the gzip study JSON, each image's raw pixels)
    // go as any socket's do; these text messages are the rest of an image's answer: the line `CMDGETOBJ <SOP UID>#
    // <frame>` that opens it, then its JSON header (size, geometry, rescale), which the helper pairs with the pixels
    // that follow on the same socket (by the messages' numbers).
    // Which sockets: any socket of a captured tab, since a real ZFP site's socket URL is not known (the test bed's
    // /zfp/socket is ours, not GE's: a URL rule would fit only the test). But the JSON only on a socket that has sent
    // a `CMDGETOBJ ` line first: a page's other sockets (chat, notices, analytics), whose JSON is none of ours, are
    // never copied, and a ZFP socket is known by its own first answer, which comes before the header it opens.
    vendor: 'ge-zfp',
    kind: 'vendor-socket-text',
    verdict: 'candidate',
    socketText: [
      { startsWith: 'CMDGETOBJ ', contentType: 'text/plain', maxBytes: 4096, opensSocket: true },
      { json: true, contentType: 'application/json', maxBytes: 256 * 1024, onOpenedSocket: true },
    ],
  },
  {
    // eUnity (Client Outlook) "CLO": a wavelet codec of its own, not decoded yet.
    vendor: 'eunity',
    kind: 'unsupported',
    verdict: 'unsupported',
    contentTypes: ['application/clowrapper', 'application/clopixel'],
  },
].map((hint) => Object.freeze({ ...hint,
  ...(hint.socketText ? { socketText: Object.freeze(hint.socketText.map((rule) => Object.freeze({ ...rule }))) } : {}) })));

/** How a vendor is named to the person (a product name: the same in every language). */
export const VENDOR_NAMES = Object.freeze({ hinacom: 'Hinacom', 'ge-zfp': 'GE ZFP', eunity: 'eUnity' });

/**
 * Every hint's socket text rules, each with its `vendor`, as plain data: what the page hook and Firefox's socket relay
 * are given (installSocketTap's options.socketText), in the table's order (the first rule that matches is taken).
 */
export const SOCKET_TEXT_RULES = Object.freeze(VENDOR_HINTS.flatMap((hint) => (hint.socketText ?? [])
  .map((rule) => Object.freeze({ vendor: hint.vendor, ...rule }))));

/**
 * Response headers a vendor's body is useless without (lower case): kept whatever else is cut, and forwarded to the
 * helper in body-begin's `headers`.
 */
export const VENDOR_HEADERS = Object.freeze([...new Set(VENDOR_HINTS.flatMap((h) => h.headers ?? []))]);

/** Content types the extension recognises but cannot keep: the page hook announces these instead of copying them. */
export const UNSUPPORTED_CONTENT_TYPES = Object.freeze(VENDOR_HINTS.filter((h) => h.verdict === 'unsupported')
  .flatMap((h) => h.contentTypes ?? []));

/**
 * What the helper's `rebuiltFrom` (body-end objects) says about a rebuilt file: "<vendor>-<how>", the vendor being
 * what comes before the last '-' (as the helper's list says it): "hinacom-tags", from the site's own tag list (the
 * hospital's identifiers), "hinacom-pixels", from the viewer's pixels (identifiers CloudFilm derived), "ge-zfp-study",
 * from GE ZFP's study description (the hospital's identifiers); "dicomweb", or anything else, names no vendor. A
 * convention, not a list: a new vendor needs no change here. Only "-pixels" means derived identifiers.
 */
export function rebuiltFromVendor(rebuiltFrom) {
  const m = /^([a-z0-9]+(?:-[a-z0-9]+)*)-(tags|pixels|study)$/.exec(
    typeof rebuiltFrom === 'string' && rebuiltFrom.length <= 40 ? rebuiltFrom : '');
  return m ? { vendor: m[1], derived: m[2] === 'pixels' } : { vendor: '', derived: false };
}

const MAX_URL_CHARS = 64 * 1024;

/** The URL's path, percent-escapes left as they are; '' when it is not an absolute URL (no vendor hint then). */
function pathOf(url) {
  if (typeof url !== 'string' || url.length > MAX_URL_CHARS) return '';
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}

/**
 * The vendor verdict for a response, or null when no hint matches. `contentType` is the media type without
 * parameters, lower case (candidate.js mediaType()).
 * @returns {?{verdict: 'candidate'|'unsupported', kind: string, vendor: string, reason: string}}
 */
export function vendorVerdict({ url, contentType = '' }) {
  let path;
  for (const hint of VENDOR_HINTS) {
    if (hint.socketText) continue; // socket text only, never a response
    if (hint.contentTypes && !hint.contentTypes.includes(contentType)) continue;
    if (hint.refusedContentTypes?.test(contentType)) continue;
    if (hint.path) {
      path ??= pathOf(url);
      if (!hint.path.test(path)) continue;
    }
    return { verdict: hint.verdict, kind: hint.kind, vendor: hint.vendor,
      reason: `${VENDOR_NAMES[hint.vendor]} ${hint.kind}${contentType ? ` (${contentType})` : ''}` };
  }
  return null;
}

/** Whether `name` is a header some vendor needs (any case). */
export function isVendorHeader(name) {
  return typeof name === 'string' && VENDOR_HEADERS.includes(name.toLowerCase());
}

/**
 * The vendor verdict for a WebSocket text message the page hook sent, by the content type it gave it (its rule's),
 * or null: text no rule asked for is never sent on (the hook sends none; a page calling the hook's binding itself is
 * judged like any page input, by the helper).
 * @returns {?{verdict: 'candidate', kind: string, vendor: string, reason: string}}
 */
export function socketTextVerdict(contentType = '') {
  for (const hint of VENDOR_HINTS) {
    if (!hint.socketText?.some((rule) => rule.contentType === contentType)) continue;
    return { verdict: hint.verdict, kind: hint.kind, vendor: hint.vendor, reason: `${VENDOR_NAMES[hint.vendor]} socket text (${contentType})` };
  }
  return null;
}
