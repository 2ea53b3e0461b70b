// 批量导入: choose a file (native dialog in Rust), check sheet / header / columns, read it
// with a progress bar that can be cancelled, preview and fix rows, accept or reject.
import { call } from '../api.js';
import { h, clear, fitToText } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { confirmDialog, toast } from '../ui.js';

const FIELDS = ['procurement_no', 'merchant_name', 'mobile', 'order_month', 'product_name', 'quantity', 'packages', 'amount', 'note'];
const PAGE = 100;

/** Runs the whole import flow for `orderId`; resolves true when lines were added. */
export async function runImport(orderId) {
  let picked;
  try {
    picked = await call('import_pick_file');
  } catch (err) {
    toast(errorText(err));
    return false;
  }
  if (!picked) return false;
  return runImportOf(orderId, picked);
}

/** The import's steps for a file already chosen (or a pasted block written as one). */
export function runImportOf(orderId, picked) {
  return new ImportDialog(orderId, picked).open();
}

class ImportDialog {
  constructor(orderId, picked) {
    this.orderId = orderId;
    this.picked = picked;
    this.choices = { sheet: null, header_row: null, mapping: {} };
    this.dialog = h('dialog.dialog.import-dialog', { 'data-testid': 'import-dialog', 'aria-labelledby': 'import-title' });
    document.body.append(this.dialog);
  }

  open() {
    return new Promise((resolve) => {
      this.done = (added) => {
        this.dialog.close();
        this.dialog.remove();
        resolve(added);
      };
      this.dialog.addEventListener('cancel', (e) => e.preventDefault());
      this.dialog.showModal();
      this.inspect();
    });
  }

  frame(...body) {
    clear(this.dialog).append(
      h('h2#import-title', {}, t('import.title'), h('span.muted', {}, ` · ${this.picked.file_name}`)),
      ...body.filter(Boolean),
    );
  }

  async inspect() {
    this.frame(h('p.muted', {}, t('app.loading')));
    try {
      this.info = await call('import_inspect', { token: this.picked.token, choices: this.choices });
    } catch (err) {
      this.fail(err);
      return;
    }
    this.drawMapping();
  }

  fail(err) {
    this.frame(
      h('p.error-banner', { role: 'alert', 'data-testid': 'import-error' }, errorText(err)),
      h('p.muted', {}, err.message || ''),
      h('div.dialog-actions', {}, h('button.btn', { type: 'button', on: { click: () => this.done(false) } }, t('import.close'))),
    );
  }

  drawMapping() {
    const info = this.info;
    const sheet = info.sheets.length > 1
      ? h('label.field', {}, h('span.label', {}, t('import.sheet')),
        h('select', {
          'data-testid': 'import-sheet',
          on: { change: (e) => { this.choices.sheet = e.target.value; this.choices.header_row = null; this.inspect(); } },
        }, ...info.sheets.map((s) => h('option', { value: s, selected: s === info.sheet }, s))))
      : null;
    const headerRow = h('label.field', {}, h('span.label', {}, t('import.header_row')),
      h('input', {
        type: 'number', min: 1, value: info.header_row, 'data-testid': 'import-header-row',
        on: { change: (e) => { this.choices.header_row = Number(e.target.value) || null; this.inspect(); } },
      }));
    const rows = info.columns.map((c) => h('tr', {},
      h('td', {}, c.header),
      h('td', {}, h('select', {
        'aria-label': c.header,
        'data-testid': 'import-mapping',
        on: { change: (e) => { this.choices.mapping[c.header] = e.target.value; this.inspect(); } },
      },
      h('option', { value: '' }, t('import.ignore')),
      ...FIELDS.map((f) => h('option', { value: f, selected: c.field === f }, t(`editor.${f}`))))),
      h('td.muted', {}, c.matched_by ? t(`import.matched_${c.matched_by}`) : '')));
    // Columns taken by a near name (品名称 for 品名) are used only once the clerk says so.
    const guesses = info.columns.filter((c) => c.matched_by === 'guess');
    const confirmGuesses = guesses.length ? h('input', {
      type: 'checkbox', 'data-testid': 'import-guesses-ok',
      on: { change: (e) => { start.disabled = info.missing.length > 0 || !e.target.checked; } },
    }) : null;
    const guessed = guesses.length
      ? h('div.info-banner', { role: 'status', 'data-testid': 'import-guesses' },
        h('p', {}, t('import.guessed', { cols: guesses.map((c) => `${c.header} → ${t(`editor.${c.field}`)}`).join(t('punct.list')) })),
        h('label.check', {}, confirmGuesses, h('span', {}, t('import.guessed_ok'))))
      : null;
    const start = h('button.btn.btn-primary', {
      type: 'button', 'data-testid': 'import-start', disabled: info.missing.length > 0 || guesses.length > 0, on: { click: () => this.stage() },
    }, t('import.start'));
    const missing = info.missing.length
      ? h('p.error-banner', { role: 'alert', 'data-testid': 'import-missing' },
        t('import.missing', { fields: info.missing.map((f) => t(`editor.${f}`)).join(t('punct.list')) }))
      : null;
    this.frame(
      info.template_outdated ? h('p.info-banner', {}, t('import.template_outdated')) : null,
      info.encoding ? h('p.muted', { 'data-testid': 'import-encoding' }, t('import.encoding', { encoding: info.encoding })) : null,
      h('div.form-grid', {}, sheet, headerRow),
      h('table.grid', {}, h('thead', {}, h('tr', {}, h('th', {}, t('import.column_header')), h('th', {}, t('import.column_field')), h('th', {}, ''))),
        h('tbody', {}, ...rows)),
      guessed,
      missing,
      h('div.dialog-actions', {},
        h('button.btn', { type: 'button', on: { click: () => this.done(false) } }, t('dialog.cancel')),
        start),
    );
  }

  async stage() {
    const bar = h('progress', { max: 1, value: 0, 'data-testid': 'import-progress' });
    const label = h('p.muted', { role: 'status' }, t('import.progress', { done: 0 }));
    this.frame(bar, label, h('div.dialog-actions', {},
      h('button.btn', { type: 'button', 'data-testid': 'import-cancel', on: { click: () => call('import_cancel', { token: this.picked.token }) } }, t('dialog.cancel'))));
    const unlisten = await window.__TAURI__.event.listen('import-progress', (e) => {
      const { rows_done: done, estimated_total: total } = e.payload;
      if (total) {
        bar.max = total;
        bar.value = Math.min(done, total);
        label.textContent = t('import.progress_of', { done, total });
      } else {
        label.textContent = t('import.progress', { done });
      }
    });
    try {
      this.outcome = await call('import_stage', { token: this.picked.token, orderId: this.orderId, choices: this.choices });
      this.summary = this.outcome.summary;
      this.onlyErrors = this.summary.rows_invalid > 0;
      this.offset = 0;
      await this.drawPreview();
    } catch (err) {
      if (err.code === 'import.cancelled') {
        toast(t('error.import.cancelled'));
        this.done(false);
      } else {
        this.fail(err);
      }
    } finally {
      unlisten();
    }
  }

  async drawPreview() {
    const s = this.summary;
    let rows;
    try {
      rows = await call('import_rows', { batchId: s.id, onlyErrors: this.onlyErrors, offset: this.offset, limit: PAGE });
    } catch (err) {
      this.fail(err);
      return;
    }
    const notes = [
      this.outcome.previous_import ? h('p.info-banner', { 'data-testid': 'import-already' }, t('import.already_imported')) : null,
      this.outcome.rows_skipped ? h('p.muted', {}, t('import.skipped', { n: this.outcome.rows_skipped })) : null,
      this.outcome.info.ignored.length ? h('p.muted', {}, t('import.ignored', { cols: this.outcome.info.ignored.join(t('punct.list')) })) : null,
    ];
    const filter = h('label.inline', {}, h('input', {
      type: 'checkbox', checked: this.onlyErrors, 'data-testid': 'import-only-errors',
      on: { change: (e) => { this.onlyErrors = e.target.checked; this.offset = 0; this.drawPreview(); } },
    }), t('import.only_errors'));
    const body = h('tbody', {}, ...rows.map((r) => this.row(r)));
    const table = h('div.table-scroll.import-preview', {}, h('table.grid.lines', { 'data-testid': 'import-preview' },
      h('thead', {}, h('tr', {}, h('th', {}, t('import.row_no')), ...FIELDS.map((f) => h('th', {}, t(`editor.${f}`))), h('th', {}, t('import.problems')))),
      body));
    // Rows with problems include those only warned of (counted by nobody ahead of time):
    // there, the page is numbered and "next" follows a full page.
    const page = Math.floor(this.offset / PAGE) + 1;
    const more = this.onlyErrors ? rows.length === PAGE : this.offset + PAGE < s.rows_read;
    const pager = h('div.pager', {},
      h('button.btn', { type: 'button', disabled: this.offset === 0, on: { click: () => { this.offset -= PAGE; this.drawPreview(); } } }, t('list.prev')),
      h('span', {}, this.onlyErrors
        ? t('list.page_only', { page })
        : t('list.page', { page, pages: Math.max(1, Math.ceil(s.rows_read / PAGE)) })),
      h('button.btn', { type: 'button', disabled: !more, on: { click: () => { this.offset += PAGE; this.drawPreview(); } } }, t('list.next')));
    this.frame(
      h('p', { 'data-testid': 'import-summary', role: 'status' }, t('import.summary', { read: s.rows_read, valid: s.rows_valid, invalid: s.rows_invalid, dup: s.rows_duplicate })),
      ...notes, filter, table, pager,
      h('div.dialog-actions', {},
        s.rows_invalid > 0 ? h('button.btn', { type: 'button', 'data-testid': 'import-export-errors', on: { click: () => this.exportErrors() } }, t('import.export_errors')) : null,
        h('button.btn.btn-danger', { type: 'button', 'data-testid': 'import-reject', on: { click: () => this.reject() } }, t('import.reject')),
        h('button.btn.btn-primary', {
          type: 'button', 'data-testid': 'import-accept', disabled: s.rows_valid === 0, on: { click: () => this.accept() },
        }, t('import.accept', { n: s.rows_valid }))),
    );
  }

  row(r) {
    const problems = h('td.problems', { 'data-testid': 'import-row-problems' });
    const tr = h('tr', { 'data-testid': 'import-row', dataset: { row: r.row_no } });
    const show = (row) => {
      clear(problems).append(...row.errors.map((e) => h('div', {}, `${e.header}${t('punct.colon')}${errorText(e)}`)));
      if (row.duplicate_of) problems.append(h('div.muted', {}, t('import.duplicate_of', { row: row.duplicate_of })));
      // Not a problem that keeps the row out: the directory knows the number as another's.
      const other = row.other_merchant;
      if (other) {
        problems.append(h('div.field-warning', { 'data-testid': 'import-row-warning' },
          t('editor.other_merchant', { no: other.procurement_no, name: other.name })));
      }
      tr.classList.toggle('row-invalid', row.errors.length > 0);
      for (const input of tr.querySelectorAll('input')) {
        input.classList.toggle('invalid', row.errors.some((e) => e.field === input.dataset.field));
        input.classList.toggle('warned', Boolean(other) && input.dataset.field === 'procurement_no');
      }
    };
    tr.append(h('td.num', {}, r.row_no), ...FIELDS.map((f, i) => h('td', {}, fitToText(h('input', {
      value: r.texts[i],
      'aria-label': `${t(`editor.${f}`)} ${r.row_no}`,
      'data-testid': `import-cell-${f}`,
      dataset: { field: f },
      on: {
        change: async (e) => {
          try {
            const row = await call('import_fix_cell', { batchId: this.summary.id, rowNo: r.row_no, field: f, text: e.target.value });
            show(row);
            this.summary = await call('import_summary', { batchId: this.summary.id });
            this.refreshSummary();
          } catch (err) {
            toast(errorText(err));
          }
        },
      },
    }), 8))), problems);
    show(r);
    return tr;
  }

  refreshSummary() {
    const s = this.summary;
    this.dialog.querySelector('[data-testid="import-summary"]').textContent =
      t('import.summary', { read: s.rows_read, valid: s.rows_valid, invalid: s.rows_invalid, dup: s.rows_duplicate });
    const accept = this.dialog.querySelector('[data-testid="import-accept"]');
    accept.textContent = t('import.accept', { n: s.rows_valid });
    accept.disabled = s.rows_valid === 0;
  }

  async exportErrors() {
    try {
      const saved = await call('export_error_rows', { batchId: this.summary.id });
      if (saved) toast(t('files.saved', { name: saved.file_name }));
    } catch (err) {
      toast(errorText(err));
    }
  }

  async reject() {
    if (!(await confirmDialog('import.reject_title', 'import.reject_body'))) return;
    try {
      await call('import_reject', { batchId: this.summary.id });
      toast(t('import.rejected'));
      this.done(false);
    } catch (err) {
      toast(errorText(err));
    }
  }

  /** Accepts the valid rows, with a progress bar that can be cancelled (nothing is kept
   * then, and the preview comes back). */
  async accept() {
    const id = this.summary.id;
    const bar = h('progress', { max: Math.max(1, this.summary.rows_valid), value: 0, 'data-testid': 'accept-progress' });
    const label = h('p.muted', { role: 'status' }, t('import.accepting', { done: 0, total: this.summary.rows_valid }));
    this.frame(bar, label, h('div.dialog-actions', {},
      h('button.btn', { type: 'button', 'data-testid': 'accept-cancel', on: { click: () => call('import_accept_cancel', { batchId: id }) } }, t('dialog.cancel'))));
    const unlisten = await window.__TAURI__.event.listen('accept-progress', (e) => {
      bar.value = e.payload.done;
      label.textContent = t('import.accepting', { done: e.payload.done, total: e.payload.total });
    });
    try {
      const s = await call('import_accept', { batchId: id });
      toast(t('import.accepted', { n: s.lines_added }));
      this.done(true);
    } catch (err) {
      toast(errorText(err));
      if (err.code === 'import.cancelled') await this.drawPreview();
    } finally {
      unlisten();
    }
  }
}
