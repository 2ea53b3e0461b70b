// 批量补录报关单号: the broker's file chosen, every row judged by Rust (its words by status),
// the good rows declared in one step, the rejected rows exported with why. The page holds
// the file only by the token Rust gave it; what a row does is decided in Rust alone.
import { call } from '../api.js';
import { h, clear } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { saveFile, toast } from '../ui.js';

/** The rows in the order of the file, each with its verdict in words. */
function rowsTable(preview) {
  return h('table.data-table', { 'data-testid': 'customs-rows' },
    h('thead', {}, h('tr', {},
      ...['customs_bulk.col.row', 'customs_bulk.col.order_no', 'customs_bulk.col.customs_no', 'customs_bulk.col.status']
        .map((k) => h('th', {}, t(k))))),
    h('tbody', {}, ...preview.rows.map((v) => h('tr', {
      'data-testid': 'customs-row',
      dataset: { row: v.row_no, status: v.status },
      class: v.status === 'will_declare' ? 'is-good' : (rejected(v) ? 'is-rejected' : ''),
    },
    h('td.num', {}, v.row_no),
    h('td.mono', {}, v.order_no || v.file_order_no),
    h('td.mono', {}, v.customs_no),
    h('td', { 'data-testid': 'customs-row-status' }, statusText(v))))));
}

const KEPT = ['will_declare', 'already_declared', 'duplicate'];

function rejected(v) {
  return !KEPT.includes(v.status);
}

/** A row's verdict: the status in words, and what it concerns (a field's error words, the
 * order holding the number, the other rows). */
function statusText(v) {
  const words = t(`customs_bulk.status.${v.status}`);
  const detail = [];
  if (v.code) detail.push(t('customs_bulk.field_error', { field: t(`customs_bulk.field.${v.field}`), error: errorText({ code: v.code }) }));
  if (v.other_order_no) detail.push(t('customs_bulk.held_by', { order: v.other_order_no }));
  if (v.other_rows.length) detail.push(t('customs_bulk.other_rows', { rows: v.other_rows.map(String) }));
  return detail.length ? t('customs_bulk.detail', { status: words, detail }) : words;
}

function countsText(preview) {
  return t('customs_bulk.counts', {
    rows: preview.rows.length, declare: preview.will_declare, rejected: preview.rejected,
  });
}

export async function render(view) {
  const status = h('p', { 'data-testid': 'customs-status', 'aria-live': 'polite' });
  const result = h('div', {});
  const pick = h('button.btn.btn-primary', { type: 'button', 'data-testid': 'customs-pick' }, t('customs_bulk.pick'));
  const template = h('button.btn', {
    type: 'button',
    'data-testid': 'customs-template',
    on: { click: () => saveFile('customs_save_template') },
  }, t('customs_bulk.template'));

  const show = (file, preview, applied) => {
    const apply = h('button.btn.btn-primary', {
      type: 'button', 'data-testid': 'customs-apply', disabled: applied || preview.will_declare === 0,
    }, t('customs_bulk.apply', { n: preview.will_declare }));
    apply.addEventListener('click', async () => {
      apply.disabled = true;
      try {
        const done = await call('customs_apply', { file });
        status.textContent = t('customs_bulk.declared', { n: done.declared, rejected: done.preview.rejected });
        toast(status.textContent);
        show(file, done.preview, true);
      } catch (err) {
        status.textContent = errorText(err);
        apply.disabled = false;
      }
    });
    const exportRejected = preview.rejected > 0 ? h('button.btn', {
      type: 'button',
      'data-testid': 'customs-export-rejected',
      on: { click: () => saveFile('customs_export_rejected', { file }) },
    }, t('customs_bulk.export_rejected', { n: preview.rejected })) : null;
    clear(result).append(
      h('p', { 'data-testid': 'customs-counts' }, countsText(preview)),
      h('div.toolbar-end', {}, apply, exportRejected),
      rowsTable(preview));
  };

  pick.addEventListener('click', async () => {
    let picked;
    try {
      picked = await call('customs_pick_file');
    } catch (err) {
      status.textContent = errorText(err);
      return;
    }
    if (!picked) return;
    status.textContent = t('customs_bulk.reading', { name: picked.file_name });
    clear(result);
    try {
      const read = await call('customs_preview', { token: picked.token });
      status.textContent = t('customs_bulk.read', { name: picked.file_name });
      show(read.file, read.preview, false);
    } catch (err) {
      status.textContent = errorText(err);
    }
  });

  clear(view).append(
    h('div.toolbar', {}, h('h1', {}, t('customs_bulk.title')),
      h('div.toolbar-end', {}, template, pick)),
    h('p.muted', {}, t('customs_bulk.hint')),
    status,
    result);
}
