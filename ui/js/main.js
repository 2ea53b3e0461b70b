// Start-up and the router: #/orders, #/orders/new, #/orders/ID.
import { call } from './api.js';
import { h, clear } from './dom.js';
import { applyStatic, currentLanguage, errorText, load, t } from './i18n.js';
import { setCountries } from './format.js';
import * as orders from './screens/orders.js';
import * as editor from './screens/editor.js';

const view = document.getElementById('view');
let info;

async function route() {
  if (info.store_error) {
    clear(view).append(h('section.card.error-screen', { role: 'alert', 'data-testid': 'store-error' },
      h('h1', {}, t('app.store_failed')),
      h('p', {}, errorText(info.store_error)),
      h('p.muted', {}, `${t('app.data_dir')}: ${info.data_dir}`)));
    return;
  }
  const hash = location.hash || '#/orders';
  const match = hash.match(/^#\/orders\/(new|\d+)$/);
  for (const link of document.querySelectorAll('.nav-link')) link.classList.toggle('active', hash.startsWith(link.getAttribute('href')));
  if (match) {
    await editor.render(view, match[1] === 'new' ? null : Number(match[1]));
  } else {
    await orders.render(view);
  }
  document.body.dataset.ready = 'true';
}

async function switchLanguage() {
  const next = currentLanguage() === 'zh-CN' ? 'en' : 'zh-CN';
  await call('set_language', { lang: next }).catch(() => {});
  await load(next);
  applyStatic();
  await route();
}

async function start() {
  info = await call('app_info');
  await load(info.language);
  setCountries(await call('countries', { query: '' }));
  applyStatic();
  document.getElementById('lang-switch').addEventListener('click', switchLanguage);
  window.addEventListener('hashchange', route);
  await route();
  requestAnimationFrame(() => requestAnimationFrame(() => call('ui_ready').catch(() => {})));
}

start().catch((err) => {
  clear(view).append(h('p.error-banner', { role: 'alert' }, `${err && err.code}: ${err && err.message}`));
});
