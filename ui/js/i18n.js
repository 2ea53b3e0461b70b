// Translation: one table per language, served by the Rust side from ui/i18n/*.json.
import { call } from './api.js';

let table = {};
let language = 'zh-CN';

export async function load(lang) {
  table = await call('i18n_table', { lang });
  language = lang;
  document.documentElement.lang = lang;
  document.title = t('app.name');
}

export function currentLanguage() {
  return language;
}

/** The words for `key`, with `{name}` placeholders filled from `params`. */
export function t(key, params = {}) {
  const text = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** Whether the table has words for `key`. */
export function has(key) {
  return Object.prototype.hasOwnProperty.call(table, key);
}

/** The words for an error from Rust: by its code, never its raw message. */
export function errorText(err) {
  const key = `error.${err && err.code}`;
  return Object.prototype.hasOwnProperty.call(table, key) ? t(key, (err && err.params) || {}) : t('error.generic', { code: err && err.code });
}

/** Fills every [data-i18n*] element below `root`. */
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
}
