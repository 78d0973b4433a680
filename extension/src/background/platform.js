// The per-browser differences, in one place. Everything else uses `api` and these flags.

export const api = globalThis.browser ?? globalThis.chrome;

export const isFirefox = typeof api?.runtime?.getURL === 'function' && api.runtime.getURL('').startsWith('moz-extension:');

/** Which capture engine this browser uses from the toolbar button. */
export const captureEngine = isFirefox ? 'filter' : 'debugger';

/** Firefox grants host permissions at the user's discretion; filterResponseData needs them. */
export const needsHostPermission = isFirefox;

/** The host permission asked when capture is turned on (the image server is often another site). */
export function capturePermissions() {
  return isFirefox ? { origins: ['<all_urls>'] } : null;
}

/** Origin pattern for remembering a site (auto capture needs to see that site's tab URLs). */
export function sitePattern(url) {
  try {
    const u = new URL(url);
    if (!/^https?:$/.test(u.protocol)) return null;
    return `${u.protocol}//${u.hostname}/*`;
  } catch {
    return null;
  }
}

export function siteOf(url) {
  try {
    const u = new URL(url);
    return /^https?:$/.test(u.protocol) ? u.host : null;
  } catch {
    return null;
  }
}

/** Pages no extension may capture: the browser's own pages and the add-on stores. */
export function isRestrictedUrl(url) {
  if (!url) return false;
  if (!/^(https?|file):/i.test(url)) return true;
  return /^https:\/\/(chrome\.google\.com\/webstore|chromewebstore\.google\.com|addons\.mozilla\.org|microsoftedge\.microsoft\.com\/addons)/i.test(url);
}

/** The action API (MV3 `action`, with the MV2 name as a fallback). */
export const action = api?.action ?? api?.browserAction;

/** runtime.lastError / port.error message, whichever the browser uses. */
export function portError(port) {
  return port?.error?.message ?? api.runtime.lastError?.message ?? '';
}
