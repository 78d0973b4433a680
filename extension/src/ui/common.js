// Shared by the popup, the options page and the DevTools panel.

import { makeTranslator, localizeDocument, problemKey, countText } from '../lib/i18n.js';
import { formatDicomDate } from '../lib/study-model.js';

export const api = globalThis.browser ?? globalThis.chrome;
export const t = makeTranslator((key, subs) => api.i18n.getMessage(key, subs));
export const isFirefox = api.runtime.getURL('').startsWith('moz-extension:');

export function localize(root = document) {
  document.documentElement.lang = api.i18n.getUILanguage?.() || 'en';
  localizeDocument(root, t);
}

export function send(msg) {
  return api.runtime.sendMessage(msg);
}

/** Small DOM builder: el('div', {class: 'x', onclick}, child, 'text'). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k in node && typeof v !== 'string') node[k] = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** A problem banner in plain words; installation problems carry the one command that fixes them. */
export function problemBanner(name, { detail, onRetry, onDismiss } = {}) {
  const needsInstall = name === 'not-installed' || name === 'forbidden' || name === 'host-too-old';
  const banner = el('div', { class: `banner ${name === 'host-exited' || name === 'connecting' ? 'warn' : 'error'}`, role: 'alert', dataset: { problem: name } },
    el('p', { class: 'banner-text' }, name === 'connecting' ? t('hostConnecting') : t(problemKey(name))));
  if (needsInstall) {
    const cmd = t('installCommand');
    banner.append(
      el('p', { class: 'banner-sub' }, t('installHowTo')),
      el('div', { class: 'command' },
        el('code', { class: 'command-text' }, cmd),
        el('button', { class: 'link-button', type: 'button', onclick: (e) => {
          navigator.clipboard?.writeText(cmd).then(() => { e.target.textContent = t('copied'); }, () => {});
        } }, t('copy'))));
  }
  if (detail && !needsInstall && name !== 'host-exited') banner.append(el('p', { class: 'banner-detail' }, detail));
  const actions = el('div', { class: 'banner-actions' });
  if (onRetry) actions.append(el('button', { class: 'link-button', type: 'button', onclick: onRetry }, t('retry')));
  if (onDismiss) actions.append(el('button', { class: 'link-button', type: 'button', onclick: onDismiss }, t('dismiss')));
  if (actions.childElementCount) banner.append(actions);
  return banner;
}

/** Patients > studies > series, with a tick box per series when `selectable`. */
export function renderStudies(view, { selected, onToggle, selectable = true } = {}) {
  const root = el('div', { class: 'studies' });
  for (const p of view.patients) {
    const patient = el('section', { class: 'patient' },
      el('div', { class: 'patient-head' },
        el('span', { class: 'patient-name' }, p.displayName || t('unknownPatient')),
        p.patientId ? el('span', { class: 'patient-id' }, t('patientId', p.patientId)) : null));
    for (const st of p.studies) {
      const title = [formatDicomDate(st.studyDate), st.studyDescription].filter(Boolean).join(' · ') || t('unnamedStudy');
      const study = el('div', { class: 'study' }, el('div', { class: 'study-head' }, title));
      const list = el('ul', { class: 'series-list' });
      for (const s of st.series) {
        const label = [s.seriesNumber !== null && s.seriesNumber !== undefined ? `#${s.seriesNumber}` : '', s.seriesDescription]
          .filter(Boolean).join(' ') || t('unnamedSeries');
        const box = selectable ? el('input', { type: 'checkbox', class: 'series-tick', dataset: { series: s.seriesInstanceUid },
          checked: selected?.has(s.seriesInstanceUid), onchange: (e) => onToggle?.(s.seriesInstanceUid, e.target.checked) }) : null;
        const item = el('li', { class: `series${s.incomplete ? ' incomplete' : ''}`, dataset: { series: s.seriesInstanceUid } },
          el('label', { class: 'series-row' },
            box,
            el('span', { class: 'modality' }, s.modality || '?'),
            el('span', { class: 'series-desc', title: label }, label),
            s.rebuilt > 0 ? el('span', { class: 'rebuilt', title: t('rebuiltHint') }, t('rebuiltTag', s.rebuilt)) : null,
            el('span', { class: 'series-count' }, countText(t, 'sliceCount', s.count))),
          s.incomplete ? el('div', { class: 'series-warn' }, s.sure ? t('slicesMissing', s.count, s.expected)
            : countText(t, 'slicesMaybeMissing', s.count, s.expected)) : null,
          s.attributesNotSent > 0 ? el('div', { class: 'series-note', dataset: { notSent: String(s.attributesNotSent) } },
            countText(t, 'attributesNotSent', s.attributesNotSent)) : null,
          rebuiltFromNote(s.rebuiltFrom));
        list.append(item);
      }
      study.append(list);
      patient.append(study);
    }
    root.append(patient);
  }
  if (view.awaiting?.length) root.append(renderAwaiting(view.awaiting));
  return root;
}

/** How a vendor viewer's series was rebuilt, in plain words (lib/study-model.js seriesView `rebuiltFrom`). */
function rebuiltFromNote(rebuiltFrom) {
  const key = rebuiltFrom === 'viewer-pixels' ? 'rebuiltFromPixels' : (rebuiltFrom === 'site-tags' ? 'rebuiltFromSiteTags' : '');
  return key ? el('div', { class: 'series-note', dataset: { rebuiltFrom } }, t(key)) : null;
}

/**
 * What the tab's viewer sent that cannot be kept as it is, as banners (popup and DevTools panel): previews whose full
 * image never came, and formats CloudFilm cannot keep yet, named.
 */
export function viewNotices(view) {
  const out = [];
  if (view.previewOnly) {
    out.push(el('div', { class: 'banner warn', role: 'alert', dataset: { problem: 'preview-only' } },
      el('p', { class: 'banner-text' }, t('previewOnly'))));
  }
  for (const { vendor, name } of view.unsupported ?? []) {
    out.push(el('div', { class: 'banner error', role: 'alert', dataset: { problem: 'unsupported-format', vendor } },
      el('p', { class: 'banner-text' }, t('unsupportedFormat', name))));
  }
  return out;
}

/** Series the viewer announced (DICOMweb metadata) whose images have not been loaded: what to scroll through. */
function renderAwaiting(awaiting) {
  const list = el('ul', { class: 'series-list' });
  for (const a of awaiting) {
    const label = [a.seriesNumber !== null && a.seriesNumber !== undefined ? `#${a.seriesNumber}` : '', a.seriesDescription]
      .filter(Boolean).join(' ') || t('unnamedSeries');
    const who = [a.displayName, a.studyDescription].filter(Boolean).join(' · ');
    list.append(el('li', { class: 'series incomplete awaiting', dataset: { series: a.seriesInstanceUid } },
      el('div', { class: 'series-row' },
        el('span', { class: 'modality' }, a.modality || '?'),
        el('span', { class: 'series-desc', title: who ? `${who} · ${label}` : label }, label)),
      el('div', { class: 'series-warn' }, countText(t, 'awaitingSeries', a.instances))));
  }
  return el('section', { class: 'awaiting-list' }, el('div', { class: 'study-head' }, t('awaitingHead')), list);
}

export function formatBytes(n) {
  if (!Number.isFinite(n)) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n >= 10 || i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}
