// Small shared pieces of the shell: toast, the confirmation dialog, badges, the pager.
import { t, errorText } from './i18n.js';
import { h } from './dom.js';
import { call } from './api.js';

let toastTimer;

/** A short message at the bottom; with `actions` ([{ label, testid, run }]) it offers them
 * as buttons and stays longer. */
export function toast(text, actions = []) {
  const el = document.getElementById('toast');
  el.textContent = text;
  for (const a of actions) {
    el.append(' ', h('button.btn.btn-small', {
      type: 'button', 'data-testid': a.testid,
      on: { click: async () => { try { await a.run(); } catch (err) { toast(errorText(err)); } } },
    }, a.label));
  }
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, actions.length ? 12000 : 3000);
}

/** Asks before an irreversible step; resolves true only on an explicit OK. */
export function confirmDialog(titleKey, bodyKey) {
  const dialog = document.getElementById('confirm-dialog');
  document.getElementById('confirm-title').textContent = t(titleKey);
  document.getElementById('confirm-body').textContent = t(bodyKey);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.returnValue = 'cancel';
    dialog.showModal();
  });
}

export function stateBadge(state) {
  const span = document.createElement('span');
  span.className = `badge badge-state-${state}`;
  span.dataset.testid = 'state-badge';
  span.textContent = t(`state.${state}`);
  return span;
}

export function syncBadge(sync) {
  const span = document.createElement('span');
  span.className = `badge badge-sync-${sync}`;
  span.dataset.testid = 'sync-badge';
  span.textContent = t(`sync.${sync}`);
  return span;
}

/**
 * The pager under a list: the count (`countText`, with `countTestid`), previous, "page n
 * of m", next. `page` counts from 0; `go(page)` shows another page.
 */
export function pager({ total, page, pageSize, countText, countTestid, go }) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return h('div.pager', {},
    h('span', { 'data-testid': countTestid }, countText),
    h('button.btn', { type: 'button', disabled: page === 0, on: { click: () => go(page - 1) } }, t('list.prev')),
    h('span', {}, t('list.page', { page: page + 1, pages })),
    h('button.btn', { type: 'button', disabled: page + 1 >= pages, on: { click: () => go(page + 1) } }, t('list.next')));
}

/**
 * A masked personal number (passport, ID, mobile) with 【显示】 beside it. The full value
 * is fetched only on that click, by `fetchFull()`, which writes the audit row; the button
 * then goes, and the value stays shown until the screen is left.
 */
export function revealable(masked, fetchFull, { label, testid = 'reveal' } = {}) {
  const value = h('span.mono', { 'data-testid': `${testid}-value` }, masked);
  const button = h('button.btn.btn-link.btn-small', {
    type: 'button',
    'data-testid': testid,
    'aria-label': label,
    title: t('reveal.hint'),
    on: {
      click: async (e) => {
        e.stopPropagation();
        button.disabled = true;
        try {
          const full = await fetchFull();
          value.textContent = full ?? '';
          button.remove();
        } catch (err) {
          button.disabled = false;
          toast(errorText(err));
        }
      },
    },
  }, t('reveal.show'));
  return h('span.revealable', {}, value, masked ? button : null);
}

/**
 * Saves a file through a command that asks where (the template, the exports): while a long
 * one writes, a panel shows the rows written with a cancel button (the file is then not
 * written); a toast names the file saved, or says why not.
 */
export async function saveFile(command, args) {
  const label = h('span', {}, '');
  const panel = h('div.job-panel', { role: 'status', 'data-testid': 'export-panel' }, label,
    h('button.btn.btn-small', { type: 'button', 'data-testid': 'export-cancel', on: { click: () => call('export_cancel') } }, t('dialog.cancel')));
  const unlisten = await window.__TAURI__.event.listen('export-progress', (e) => {
    label.textContent = t('files.exporting', { rows: e.payload });
    if (!panel.isConnected) document.body.append(panel);
  });
  try {
    const saved = await call(command, args);
    // The file is opened or shown by Rust, by the token of this save: its path stays there.
    if (saved) {
      toast(t('files.saved', { name: saved.file_name }), [
        { label: t('files.open'), testid: 'saved-open', run: () => call('open_saved', { token: saved.token }) },
        { label: t('files.show'), testid: 'saved-show', run: () => call('show_saved', { token: saved.token }) },
      ]);
    }
  } catch (err) {
    toast(errorText(err));
  } finally {
    unlisten();
    panel.remove();
  }
}
