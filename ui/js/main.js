// Start-up, the lock, and the router: #/home, #/orders, #/orders/new, #/orders/ID,
// #/orders/ID/link[/LINE],
// #/merchant-orders[/ID], #/settlement, #/realname, #/account, #/sync.
//
// The app opens locked (login or offline unlock, screens/login.js); the top bar's sync
// indicator follows the background sync task through its `sync-status` event.
import { call } from './api.js';
import { h, clear } from './dom.js';
import { applyStatic, currentLanguage, errorText, load, t } from './i18n.js';
import { localTime, setCountries } from './format.js';
import { maxDroppedBytes, setLimits } from './limits.js';
import { confirmDialog, toast } from './ui.js';
import { runImportOf } from './screens/import.js';
import * as orders from './screens/orders.js';
import * as editor from './screens/editor.js';
import * as linking from './screens/linking.js';
import * as login from './screens/login.js';
import * as sync from './screens/sync.js';
import * as customsBulk from './screens/customs-bulk.js';
import * as merchantOrders from './screens/merchant-orders.js';
import * as settlement from './screens/settlement.js';
import * as account from './screens/account.js';
import * as realname from './screens/realname.js';
import * as home from './screens/home.js';

const view = document.getElementById('view');
let info;
let session;
let lastPanel = null;
let lastPushed = null;

function lock(locked) {
  document.body.classList.toggle('locked', locked);
  document.getElementById('sync-indicator').hidden = locked;
  if (locked) document.getElementById('realname-prompt').hidden = true;
  const menu = document.getElementById('account-menu');
  menu.hidden = locked || !session.clerk;
  menu.open = false;
  document.getElementById('account-name').textContent = locked || !session.clerk ? '' : session.clerk.company_name;
}

/** The top bar's account menu: 账户与设置 and the two ways out; it closes when anything
 * else is clicked, or on Escape. */
function accountMenu() {
  const menu = document.getElementById('account-menu');
  for (const b of menu.querySelectorAll('[data-logout]')) {
    b.addEventListener('click', () => {
      menu.open = false;
      window.dispatchEvent(new CustomEvent('xinbao:logout', { detail: { forget: b.dataset.logout === 'forget' } }));
    });
  }
  menu.querySelector('a').addEventListener('click', () => { menu.open = false; });
  document.addEventListener('click', (e) => { if (!menu.contains(e.target)) menu.open = false; });
  menu.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { menu.open = false; menu.querySelector('summary').focus(); }
  });
}

/** How the login screen was last asked for (after a logout: the login, not the unlock). */
let loginOptions = {};

/** Shows the login (or unlock) screen until someone is in, then the current route. */
async function showLogin(options = {}) {
  // Kept for a language switch on the login screen: it repaints the same screen.
  loginOptions = options;
  lock(true);
  const screen = options.online ? { ...session, offline_available: false } : session;
  const account = await login.render(view, screen, options.mode);
  // Not ready again until the screen the login leads to is drawn (route() says so).
  document.body.dataset.ready = 'false';
  session = await call('session_info');
  session.clerk = session.clerk || account;
  lock(false);
  await refreshSync();
  await route();
}

/** The route shown: the order list when none is given. */
function currentHash() {
  return location.hash || '#/orders';
}

/** While the company is not verified (or was rejected), a prompt under the top bar leads
 * to 实名认证 (manual §2.3), on every screen but that one. */
function showRealnamePrompt(hash) {
  const prompt = document.getElementById('realname-prompt');
  const status = session && session.clerk && session.clerk.realname_status;
  const show = (status === 'unverified' || status === 'rejected') && hash !== '#/realname';
  prompt.hidden = !show;
  if (!show) return;
  clear(prompt).append(
    h('span', {}, t(status === 'rejected' ? 'realname.prompt_rejected' : 'realname.prompt')), ' ',
    h('a.btn.btn-small', { href: '#/realname', 'data-testid': 'realname-go' }, t('realname.go')));
}

/** The account as the platform now has it (after a verification or a binding). */
function updateAccount(acct) {
  session.clerk = acct;
  document.getElementById('account-name').textContent = acct.company_name;
  showRealnamePrompt(currentHash());
}

/** The plain copy kept from before the encryption, offered back (Rust decides whether it may). */
function restoreCopyOffer() {
  const status = h('p', { 'data-testid': 'restore-copy-status', 'aria-live': 'polite' });
  const button = h('button.btn.btn-primary', { type: 'button', 'data-testid': 'restore-copy' }, t('app.restore_copy'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const aside = await call('restore_plain_copy');
      status.textContent = t('app.restore_copy_done', { path: aside });
      const again = h('button.btn', { type: 'button', 'data-testid': 'restore-copy-continue' }, t('app.restore_copy_continue'));
      again.addEventListener('click', () => window.location.reload());
      status.append(' ', again);
    } catch (err) {
      status.textContent = errorText(err);
      button.disabled = false;
    }
  });
  return h('div.restore-copy', {}, h('p', {}, t('app.restore_copy_explain')), button, status);
}

async function route() {
  if (info.store_error) {
    // Nothing to go to but this: no screens, no account.
    document.body.classList.add('locked');
    const screen = h('section.card.error-screen', { role: 'alert', 'data-testid': 'store-error' },
      h('h1', {}, t('app.store_failed')),
      h('p', {}, errorText(info.store_error)),
      h('p.muted', {}, `${t('app.data_dir')}: ${info.data_dir}`));
    if (info.store_error.code === 'store.key_lost_copy_kept') screen.append(restoreCopyOffer());
    clear(view).append(screen);
    document.body.dataset.ready = 'true';
    return;
  }
  if (!session.clerk) {
    await showLogin();
    return;
  }
  const hash = currentHash();
  showRealnamePrompt(hash);
  const match = hash.match(/^#\/orders\/(new|\d+)$/);
  const linkRoute = hash.match(/^#\/orders\/(\d+)\/link(?:\/(\d+))?$/);
  const merchantOrder = hash.match(/^#\/merchant-orders\/(.+)$/);
  for (const link of document.querySelectorAll('.nav-link')) link.classList.toggle('active', hash === link.getAttribute('href') || hash.startsWith(`${link.getAttribute('href')}/`));
  if (linkRoute) {
    await linking.render(view, Number(linkRoute[1]), linkRoute[2] ? Number(linkRoute[2]) : null);
  } else if (match) {
    await editor.render(view, match[1] === 'new' ? null : Number(match[1]));
  } else if (merchantOrder) {
    await merchantOrders.renderDetail(view, decodeURIComponent(merchantOrder[1]));
  } else if (hash === '#/merchant-orders') {
    await merchantOrders.render(view);
  } else if (hash === '#/settlement') {
    await settlement.render(view);
  } else if (hash === '#/home') {
    await home.render(view);
  } else if (hash === '#/realname') {
    await realname.render(view, updateAccount);
  } else if (hash === '#/account') {
    await account.render(view, info, session.clerk);
  } else if (hash === '#/sync') {
    await sync.render(view);
  } else if (hash === '#/customs-bulk') {
    await customsBulk.render(view);
  } else {
    await orders.render(view);
  }
  document.body.dataset.ready = 'true';
}

/** Updates the top bar's indicator. The sync panel repaints whenever what it shows
 * changed; the order list only when a pass sent something (its sync badges changed), so
 * a list the clerk is working in is not repainted under the mouse for nothing. */
async function refreshSync() {
  if (!session || !session.clerk) return;
  let panel;
  try {
    panel = await call('sync_status');
  } catch {
    return;
  }
  const el = document.getElementById('sync-indicator');
  const state = panel.task.state === 'idle' && panel.queue.pending > 0 ? 'pending' : panel.task.state;
  el.textContent = sync.taskText(panel);
  el.dataset.state = state;
  el.title = panel.queue.last_sync ? `${t('sync.last_success')}: ${localTime(panel.queue.last_sync)}` : t('sync.never');
  const shown = [panel.task.state, panel.queue.pending, panel.queue.last_sync, panel.task.totals.passes, panel.queue.rejections.length, panel.task.last_error_code,
    JSON.stringify(panel.recovery ?? null), JSON.stringify(panel.order_book ?? null)].join('|');
  const previous = lastPanel;
  lastPanel = shown;
  // The totals only grow when a pass sent something, however many passes ran between
  // two looks (a later empty pass would hide it in the last report).
  const sent = lastPushed !== null && panel.task.totals.pushed !== lastPushed;
  lastPushed = panel.task.totals.pushed;
  if (previous === null || previous === shown) return;
  const hash = currentHash();
  if (hash === '#/sync') await route();
  else if (hash === '#/orders' && sent && !orders.refreshResults()) await route();
}

async function switchLanguage() {
  const next = currentLanguage() === 'zh-CN' ? 'en' : 'zh-CN';
  await call('set_language', { lang: next }).catch(() => {});
  await load(next);
  applyStatic();
  if (session && session.clerk) {
    await refreshSync();
    await route();
  } else if (session) {
    await showLogin(loginOptions);
  } else {
    await route();
  }
}

/** A spreadsheet dropped onto the window starts its import into the order on screen. The
 * drop gives the page the file's name and bytes, never its path: the bytes go to Rust,
 * which keeps them as a file of its own and answers with a token, as the file dialog does. */
async function dropped(file) {
  const order = currentHash().match(/^#\/orders\/(\d+|new)$/);
  if (!session || !session.clerk || !order) {
    toast(t('drop.open_order'));
    return;
  }
  if (file.size > maxDroppedBytes()) {
    toast(t('drop.too_large', { name: file.name }));
    return;
  }
  let picked;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    picked = await call('import_drop', bytes, { headers: { 'x-file-name': encodeURIComponent(file.name) } });
  } catch (err) {
    toast(errorText(err));
    return;
  }
  if (await editor.importDropped(picked)) return;
  // A large order's page (no editor on screen): imported into it, then shown again.
  if (order[1] !== 'new' && (await runImportOf(Number(order[1]), picked))) await route();
}

function acceptDrops() {
  const hasFiles = (e) => [...(e.dataTransfer?.types || [])].includes('Files');
  window.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    document.body.classList.add('dropping');
  });
  window.addEventListener('dragleave', (e) => {
    if (e.relatedTarget === null) document.body.classList.remove('dropping');
  });
  window.addEventListener('drop', (e) => {
    document.body.classList.remove('dropping');
    if (!hasFiles(e)) return;
    e.preventDefault();
    const files = [...e.dataTransfer.files];
    if (files.length !== 1) {
      toast(t('drop.one_file'));
      return;
    }
    dropped(files[0]);
  });
}

/** Logging out leads to the login (the offline unlock is one click from it); forgetting
 * this computer's offline unlock asks first. */
async function logout(forget) {
  if (forget && !(await confirmDialog('dialog.forget_title', 'dialog.forget_body'))) return;
  try {
    await call('platform_logout', { forget });
  } catch (err) {
    // The session is ended here either way; say what went wrong with the platform.
    console.warn(err.code);
  }
  session = await call('session_info');
  await showLogin({ mode: 'login' });
}

async function start() {
  info = await call('app_info');
  setLimits(info);
  await load(info.language);
  setCountries(await call('countries', { query: '' }));
  applyStatic();
  document.getElementById('lang-switch').addEventListener('click', switchLanguage);
  accountMenu();
  acceptDrops();
  if (info.store_error) {
    await route();
    return;
  }
  session = await call('session_info');
  window.addEventListener('hashchange', route);
  window.addEventListener('xinbao:logout', (e) => logout(Boolean(e.detail && e.detail.forget)));
  window.addEventListener('xinbao:relogin', () => showLogin({ online: true }));
  window.__TAURI__.event.listen('sync-status', () => refreshSync());
  requestAnimationFrame(() => requestAnimationFrame(() => call('ui_ready').catch(() => {})));
  if (session.clerk) {
    lock(false);
    await refreshSync();
    await route();
  } else {
    await showLogin();
  }
}

start().catch((err) => {
  clear(view).append(h('p.error-banner', { role: 'alert' }, `${err && err.code}: ${err && err.message}`));
});
