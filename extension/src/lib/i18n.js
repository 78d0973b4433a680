// Thin i18n layer over the browsers' _locales (chosen by the browser's language).

/** `getMessage` is chrome.i18n.getMessage / browser.i18n.getMessage, or a stub in tests. */
export function makeTranslator(getMessage) {
  return (key, ...subs) => {
    const text = getMessage(key, subs.map((s) => String(s)));
    return text || key;
  };
}

/**
 * A count in words: `key` + "One" when n is 1 (English "1 study"), else `key`; n is $1, `more` $2... Every locale
 * defines both keys
 * (browsers fall back to English for a key a locale lacks), Chinese with the same words.
 */
export function countText(t, key, n, ...more) {
  return t(n === 1 ? `${key}One` : key, n, ...more);
}

/** "3 images · 2 series · 1 study": the popup's totals line. */
export function totalsText(t, { instances, series, studies }) {
  return [countText(t, 'totalImages', instances), countText(t, 'totalSeries', series),
    countText(t, 'totalStudies', studies)].join(' · ');
}

/** Fills every element marked data-i18n (text), data-i18n-title, -placeholder, -aria-label. */
export function localizeDocument(root, t) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
}

/** Locale key for an error the person should read, by protocol error name or our own problem names. */
const PROBLEM_KEYS = {
  'not-installed': 'errHostNotInstalled',
  forbidden: 'errHostForbidden',
  'host-too-old': 'errHostTooOld',
  'host-exited': 'errHostDisconnected',
  'disk-full': 'errDiskFull',
  'bad-output-folder': 'errBadOutputFolder',
  'path-outside-output': 'errPathOutsideOutput',
  'not-allowed': 'errCaptureNotAllowed',
  'permission-denied': 'errPermissionDenied',
  'debugger-canceled': 'errDebuggerCanceled',
  'debugger-busy': 'errDebuggerBusy',
  'rendered-only': 'errRenderedOnly',
  'host-timeout': 'errHostTimeout',
};

export function problemKey(name) {
  return PROBLEM_KEYS[name] ?? 'errHostGeneric';
}

export const PROBLEM_NAMES = Object.keys(PROBLEM_KEYS);
