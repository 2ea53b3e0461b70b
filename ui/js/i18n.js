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

/** The words for `key`, with `{name}` placeholders filled from `params`, and plurals
 * (`{n, plural, one {# row} other {# rows}}`, `#` being the number) chosen by the
 * language's own rules. */
export function t(key, params = {}) {
  const text = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : key;
  if (!text.includes('{')) return text;
  return text
    .replace(/\{(\w+), plural,((?: =?\w+ \{[^{}]*\})+)\}/g, (m, name, forms) => {
      if (!(name in params)) return m;
      const chosen = {};
      for (const [, form, words] of forms.matchAll(/ (=?\w+) \{([^{}]*)\}/g)) chosen[form] = words;
      const n = Number(params[name]);
      const words = chosen[`=${n}`] ?? chosen[pluralRules().select(n)] ?? chosen.other ?? m;
      return words.replace(/#/g, String(params[name]));
    })
    .replace(/\{(\w+)\}/g, (m, name) => (name in params ? shown(params[name]) : m));
}

/** The language's plural rules, made once per language (t() runs for every cell). */
let rules = null;
let rulesLanguage = null;
function pluralRules() {
  if (rulesLanguage !== language) {
    rules = new Intl.PluralRules(language);
    rulesLanguage = language;
  }
  return rules;
}

/** A value in words: a list joined as the language lists things. */
function shown(value) {
  return Array.isArray(value) ? value.join(t('punct.list')) : String(value);
}

/** Whether the table has words for `key`. */
export function has(key) {
  return Object.prototype.hasOwnProperty.call(table, key);
}

/** The words for an error from Rust: by its code, never its raw message. */
export function errorText(err) {
  const key = `error.${err && err.code}`;
  if (!Object.prototype.hasOwnProperty.call(table, key)) return t('error.generic', { code: err && err.code });
  const params = (err && err.params) || {};
  const text = t(key, params);
  // The platform counts the tries left of a password or a code: say it, once.
  const tries = params.tries_left !== undefined && !table[key].includes('{tries_left');
  return tries ? `${text}${t('error.tries_left', params)}` : text;
}

/** Fills every [data-i18n*] element below `root`. */
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
}
