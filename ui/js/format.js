// Display formats. Money arrives as integer cents; times arrive as UTC and show local.
import { currentLanguage } from './i18n.js';

export function cents(value) {
  if (value === null || value === undefined) return '';
  const negative = value < 0;
  const abs = Math.abs(value);
  const whole = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const frac = String(abs % 100).padStart(2, '0');
  return `${negative ? '-' : ''}${whole}.${frac}`;
}

export function localTime(utc) {
  if (!utc) return '';
  const date = new Date(utc);
  if (Number.isNaN(date.getTime())) return utc;
  return new Intl.DateTimeFormat(currentLanguage(), {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).format(date);
}

let countries = new Map();

export function setCountries(list) {
  countries = new Map(list.map((c) => [c.code, c]));
}

export function countryList() {
  return [...countries.values()];
}

export function countryName(code) {
  const c = countries.get(code);
  if (!c) return code || '';
  return currentLanguage() === 'zh-CN' ? c.name_zh : c.name_en;
}
