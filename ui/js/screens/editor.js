// The order editor (新增 / 暂存): buyer information and the transaction list.
import { call } from '../api.js';
import { h, clear, fitToText } from '../dom.js';
import { t, errorText, has } from '../i18n.js';
import { cents, countryList, countryName, localTime } from '../format.js';
import { confirmDialog, saveFile, stateBadge, toast } from '../ui.js';
import { confirmOrder, customsEntry } from '../confirm.js';
import { allows, NEW_ORDER } from '../actions.js';
import { runImport, runImportOf } from './import.js';
import * as bigOrder from './big-order.js';
import { pagedFromLines } from '../limits.js';

const BUYER_FIELDS = [
  { name: 'buyer_name', label: 'editor.buyer_name', maxlength: 100 },
  { name: 'passport_no', label: 'editor.passport_no', maxlength: 40 },
  { name: 'country', label: 'editor.country', list: 'country-options', placeholder: 'editor.country_hint' },
  { name: 'total_amount', label: 'editor.total_amount', inputmode: 'decimal', className: 'num' },
];

/** The cells the merchant directory is asked about when they change. */
const MERCHANT_FIELDS = ['procurement_no', 'merchant_name', 'mobile'];

const LINE_FIELDS = [
  { name: 'procurement_no', label: 'editor.procurement_no', size: 10 },
  { name: 'merchant_name', label: 'editor.merchant_name', size: 10 },
  { name: 'mobile', label: 'editor.mobile', size: 11, inputmode: 'tel' },
  { name: 'order_month', label: 'editor.order_month', size: 7, placeholder: 'editor.order_month_hint' },
  { name: 'product_name', label: 'editor.product_name', size: 12 },
  { name: 'quantity', label: 'editor.quantity', size: 6, inputmode: 'numeric', className: 'num' },
  { name: 'packages', label: 'editor.packages', size: 6, inputmode: 'numeric', className: 'num' },
  { name: 'amount', label: 'editor.amount', size: 10, inputmode: 'decimal', className: 'num' },
  { name: 'note', label: 'editor.note', size: 10 },
];

/** Text of a stored line for the form: what the clerk would type. */
function lineToForm(l) {
  return {
    id: l.id,
    procurement_no: l.procurement_no || '',
    merchant_name: l.merchant_name || '',
    mobile: l.mobile || '',
    order_month: l.order_month || '',
    product_name: l.product_name || '',
    quantity: l.quantity == null ? '' : String(l.quantity),
    packages: l.packages == null ? '' : String(l.packages),
    amount: l.amount_cents == null ? '' : cents(l.amount_cents),
    note: l.note || '',
  };
}

/** A row of the grid as the domain reads it, without the editor's own notes. */
function lineForm({ filled, other, ...l }) {
  return l;
}

function emptyLine() {
  return Object.fromEntries([['id', null], ...LINE_FIELDS.map((f) => [f.name, ''])]);
}

// The editor on screen, for the Ctrl+S shortcut (one listener for the app's lifetime).
let active = null;
document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
    e.preventDefault();
    if (active && active.root && document.body.contains(active.root) && active.savable) active.save();
  }
});

/** A spreadsheet dropped onto the window (main.js), already handed to Rust as `picked`:
 * imported into the order on screen, saved first when new or changed. Resolves false when
 * no editor is on screen to take it. */
export async function importDropped(picked) {
  if (!active || !active.root || !document.body.contains(active.root)) return false;
  if (!active.linesEditable) {
    toast(t('drop.not_editable'));
    return true;
  }
  if (active.detail?.id == null || active.dirty) {
    if (!(await active.save())) return true;
  }
  if (await runImportOf(active.detail.id, picked)) await active.showAgain();
  return true;
}

export async function render(view, id) {
  let detail = null;
  if (id !== null) {
    // An order of many lines opens as pages (the whole order never comes to the page).
    try {
      const summary = await call('order_lines_summary', { id, query: {} });
      if (summary.lines > pagedFromLines()) {
        await bigOrder.render(view, id);
        return;
      }
    } catch {
      // The order's own read below says what is wrong.
    }
    try {
      detail = await call('get_order', { id });
    } catch (err) {
      clear(view).append(h('p.error-banner', { role: 'alert' }, errorText(err)));
      return;
    }
  }
  const editor = new Editor(view, detail);
  if (editor.savable) {
    try {
      const unsaved = await call('unsaved_form', { id });
      if (unsaved) editor.restore(unsaved);
    } catch {
      // Nothing kept, or the store is busy: the stored order is shown as it is.
    }
  }
  editor.draw();
}

/** How long after the last keystroke the editor keeps what was typed. */
const KEEP_AFTER_MS = 500;
/** How many changes of the grid Ctrl+Z can take back. */
const UNDO_DEPTH = 200;

class Editor {
  constructor(view, detail) {
    this.view = view;
    this.detail = detail;
    this.load(detail);
    if (!detail) this.lines = [emptyLine()];
    this.status = '';
    this.restoredAt = null;
    this.dirty = false;
    this.keepTimer = null;
    this.keeping = Promise.resolve();
    // Undo and redo of the grid: snapshots of the lines before each change (typing in one
    // cell is one change).
    this.undoStack = [];
    this.redoStack = [];
    this.typingCell = null;
    active = this;
  }

  /** The lines as they are now, before a change: what Ctrl+Z goes back to. */
  record() {
    this.undoStack.push(this.lines.map((l) => ({ ...l })));
    if (this.undoStack.length > UNDO_DEPTH) this.undoStack.shift();
    this.redoStack = [];
  }

  /** Ctrl+Z (back = true) or Ctrl+Y / Ctrl+Shift+Z: the lines as they were, the cursor kept. */
  undo(back, row, col) {
    const from = back ? this.undoStack : this.redoStack;
    const to = back ? this.redoStack : this.undoStack;
    if (!from.length) return;
    to.push(this.lines.map((l) => ({ ...l })));
    this.lines = from.pop();
    this.typingCell = null;
    this.drawLines();
    this.changed();
    this.focusCell(Math.min(row, this.lines.length - 1), col);
  }

  /** Shows the form kept unsaved (after a crash, or after leaving the screen unsaved). */
  restore(unsaved) {
    const f = unsaved.form;
    this.buyer = {
      buyer_name: f.buyer_name, passport_no: f.passport_no, country: f.country, total_amount: f.total_amount,
    };
    this.lines = f.lines.map((l) => ({ ...emptyLine(), ...l }));
    if (this.lines.length === 0 && !this.detail) this.lines = [emptyLine()];
    this.restoredAt = unsaved.kept_at;
    this.dirty = true;
  }

  /** Something was typed: keep it a moment later (one write per pause, not per key). */
  changed() {
    this.dirty = true;
    clearTimeout(this.keepTimer);
    this.keepTimer = setTimeout(() => this.keepNow(), KEEP_AFTER_MS);
    this.paintTotals();
  }

  keepNow() {
    clearTimeout(this.keepTimer);
    this.keepTimer = null;
    if (!this.savable) return this.keeping;
    const form = this.form();
    this.keeping = this.keeping.then(() => call('keep_unsaved', { id: this.detail?.id ?? null, form }))
      .then((at) => {
        // A failed save's message stays until the next save: it says what to fix.
        const failed = this.statusEl?.classList.contains('status-error');
        if (this.dirty && !this.saving && !failed) this.setStatus(t('editor.kept', { time: localTime(at) }));
      })
      .catch((err) => this.setStatus(t('editor.keep_failed', { reason: errorText(err) }), true));
    return this.keeping;
  }

  /** Stops a pending keep, and waits for one under way, before a save. */
  async settleKeeping() {
    clearTimeout(this.keepTimer);
    this.keepTimer = null;
    await this.keeping;
  }

  async discardRestored() {
    await this.settleKeeping();
    try {
      await call('discard_unsaved', { id: this.detail?.id ?? null });
    } catch (err) {
      this.setStatus(errorText(err), true);
      return;
    }
    this.load(this.detail);
    if (!this.detail) this.lines = [emptyLine()];
    this.restoredAt = null;
    this.dirty = false;
    this.status = '';
    this.draw();
  }

  /** Shows the stored order as saved: normalised values, fresh line ids. */
  load(detail) {
    this.detail = detail;
    this.buyer = {
      buyer_name: detail?.buyer_name || '',
      passport_no: detail?.passport_no || '',
      country: detail?.country ? countryName(detail.country) : '',
      total_amount: detail?.total_cents == null ? '' : cents(detail.total_cents),
    };
    this.lines = detail ? detail.lines.map(lineToForm) : [];
    this.restoredAt = null;
    this.dirty = false;
    // What was saved is the new starting point: undo does not reach behind a save.
    this.undoStack = [];
    this.redoStack = [];
  }

  /** The order as the domain judged it (its `actions`); the new order before its first 暂存. */
  get order() { return this.detail || NEW_ORDER; }

  get buyerEditable() { return allows(this.order, 'edit_buyer'); }

  get linesEditable() { return allows(this.order, 'edit_lines'); }

  /** 暂存 saves the buyer and the lines: there is something to save while either may change. */
  get savable() { return this.buyerEditable || this.linesEditable; }

  draw() {
    const d = this.detail;
    const title = d ? t('editor.title_edit', { id: d.id }) : t('editor.title_new');
    const frozenKey = !d ? null : !this.savable ? 'editor.frozen_all' : !this.buyerEditable ? 'editor.frozen_buyer' : null;
    const banner = frozenKey ? h('p.info-banner', { 'data-testid': 'frozen-banner' }, t(frozenKey)) : null;

    const restored = this.restoredAt ? h('div.info-banner.restored', { 'data-testid': 'restored-banner', role: 'status' },
      h('span', {}, t('editor.restored', { time: localTime(this.restoredAt) })),
      h('button.btn.btn-small', { type: 'button', 'data-testid': 'discard-restored', on: { click: () => this.discardRestored() } },
        t('editor.discard_restored'))) : null;

    const buyer = h('fieldset.card', {},
      h('legend', {}, t('editor.buyer')),
      h('div.form-grid', {},
        d ? h('label.field', {}, h('span.label', {}, t('editor.order_no')), h('output.mono', { 'data-testid': 'editor-order-no' }, d.order_no)) : null,
        ...BUYER_FIELDS.map((f) => this.buyerField(f)),
        d?.customs_no ? h('label.field', {}, h('span.label', {}, t('editor.customs_no')), h('output.mono', {}, d.customs_no)) : null),
      h('datalist#country-options', {}, ...countryList().map((c) => h('option', { value: countryName(c.code) }, c.code))));

    this.linesBody = h('tbody', {});
    this.drawLines();
    const lines = h('fieldset.card', {},
      h('legend', {}, t('editor.lines')),
      h('div.table-scroll', {},
        h('table.grid.lines', { 'data-testid': 'lines-table' },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, t('editor.line_no')),
            ...LINE_FIELDS.map((f) => h('th', { scope: 'col' }, t(f.label))),
            h('th', { scope: 'col' }, t('editor.link_col')),
            h('th', { scope: 'col' }, ''))),
          this.linesBody)),
      h('div.lines-footer', {},
        this.linesEditable ? h('button.btn', {
          type: 'button',
          'data-testid': 'add-line',
          'aria-label': t('editor.add_line_label'),
          title: t('editor.add_line_label'),
          on: { click: () => this.keepLine() },
        }, t('editor.add_line')) : null,
        this.totalsEl = h('span.totals', { 'data-testid': 'lines-totals', 'aria-live': 'polite' })),
      this.linesEditable ? h('p.muted.keys-hint', { id: 'lines-keys' }, t('editor.keys_hint')) : null);

    const files = h('div.file-actions', {},
      this.linesEditable ? h('button.btn', { type: 'button', 'data-testid': 'import-open', on: { click: () => this.importLines() } }, t('editor.import')) : null,
      h('button.btn', { type: 'button', 'data-testid': 'template-save', on: { click: () => saveFile('save_template', {}) } }, t('editor.template')),
      d && d.lines.length ? h('button.btn', {
        type: 'button',
        'data-testid': 'link-screen',
        on: { click: async () => { if (!this.dirty || !this.savable || await this.save()) location.hash = `#/orders/${d.id}/link`; } },
      }, t('link.title')) : null,
      d ? h('button.btn', { type: 'button', 'data-testid': 'export-order', on: { click: () => saveFile('export_order', { id: d.id }) } }, t('editor.export')) : null,
      // The print stylesheet shows the order alone, as a page (or a PDF from the dialog).
      d ? h('button.btn', { type: 'button', 'data-testid': 'print-order', on: { click: () => window.print() } }, t('editor.print')) : null);
    lines.querySelector('.lines-footer').append(files);
    this.statusEl = h('span.status', { 'data-testid': 'save-status', role: 'status' }, this.status);
    this.paintTotals();
    const actions = h('div.actions-bar', {},
      h('a.btn', { href: '#/orders', 'data-testid': 'back-to-list' }, t('editor.back')),
      allows(d, 'delete') ? h('button.btn.btn-danger', { type: 'button', 'data-testid': 'delete-draft', on: { click: () => this.remove() } }, t('editor.delete')) : null,
      this.statusEl,
      allows(d, 'attach_customs') ? this.customsEntry() : null,
      allows(d, 'confirm') ? h('button.btn', {
        type: 'button', 'data-testid': 'confirm-order', on: { click: () => this.confirmOrder() },
      }, t('editor.confirm')) : null,
      this.savable ? h('button.btn.btn-primary', {
        type: 'button', 'data-testid': 'save-draft', title: t('editor.save_hint'), on: { click: () => this.save() },
      }, t('editor.save')) : null);

    this.root = h('div.editor', {},
      h('div.toolbar', {}, h('h1', { 'data-testid': 'editor-title' }, title), d ? stateBadge(d.state) : null, d ? this.originInfo() : null),
      this.rejectionBanner(), banner, restored, buyer, lines, actions, d ? this.historyPanel() : null);
    clear(this.view).append(this.root);
  }

  buyerField(f) {
    const input = h(`input${f.className ? `.${f.className}` : ''}#${f.name}`, {
      name: f.name,
      value: this.buyer[f.name],
      maxlength: f.maxlength,
      list: f.list,
      inputmode: f.inputmode,
      placeholder: f.placeholder ? t(f.placeholder) : undefined,
      readonly: !this.buyerEditable,
      'aria-describedby': `err-${f.name}`,
      'data-testid': `buyer-${f.name}`,
      on: { input: (e) => { this.buyer[f.name] = e.target.value; this.changed(); } },
    });
    // The stored passport comes masked: 【显示】 fetches the whole number (the look is
    // audited) into the field; left masked, saving keeps the stored number.
    const reveal = f.name === 'passport_no' && this.detail?.passport_no ? h('button.btn.btn-small.reveal', {
      type: 'button',
      'data-testid': 'editor-reveal-passport',
      title: t('reveal.passport_label'),
      'aria-label': t('reveal.passport_label'),
      on: {
        click: async (e) => {
          try {
            const full = await call('reveal_passport', { id: this.detail.id });
            if (full) { input.value = full; this.buyer.passport_no = full; }
            e.target.remove();
          } catch (err) {
            this.setStatus(errorText(err), true);
          }
        },
      },
    }, t('reveal.show')) : null;
    return h('label.field', {},
      h('span.label', {}, t(f.label)),
      reveal ? h('span.with-action', {}, input, reveal) : input,
      h(`small.field-error#err-${f.name}`, { 'aria-live': 'polite' }));
  }

  drawLines() {
    clear(this.linesBody);
    if (this.lines.length === 0) {
      this.linesBody.append(h('tr', {}, h('td.empty', { colspan: LINE_FIELDS.length + 2 }, t('editor.no_lines'))));
    }
    this.lines.forEach((line, index) => {
      const cells = LINE_FIELDS.map((f) => h('td', {},
        fitToText(h(`input${f.className ? `.${f.className}` : ''}`, {
          name: `lines[${index}].${f.name}`,
          value: line[f.name],
          size: f.size,
          inputmode: f.inputmode,
          placeholder: f.placeholder ? t(f.placeholder) : undefined,
          readonly: !this.linesEditable,
          'aria-label': `${t(f.label)} ${index + 1}`,
          'aria-describedby': this.linesEditable ? 'lines-keys' : undefined,
          'data-testid': `line-${f.name}`,
          dataset: { row: index, col: f.name },
          on: {
            beforeinput: () => {
              const cell = `${index}:${f.name}`;
              if (this.typingCell !== cell) { this.record(); this.typingCell = cell; }
            },
            input: (e) => { this.lines[index][f.name] = e.target.value; this.changed(); },
            keydown: (e) => this.gridKey(e, index, f.name),
            paste: (e) => this.paste(e, index, f.name),
            blur: () => { this.typingCell = null; },
            change: MERCHANT_FIELDS.includes(f.name) ? async (e) => {
              const row = e.target.closest('tr');
              if (f.name === 'procurement_no') await this.fillMerchant(line, row);
              await this.checkLine(index);
            } : undefined,
          },
        }), f.size),
        h('small.field-error', { dataset: { field: `lines[${index}].${f.name}` } }),
        f.name === 'procurement_no' ? this.merchantWarning(line) : null));
      const remove = !this.linesEditable ? h('td', {}) : h('td', {}, h('button.btn.btn-small', {
        type: 'button',
        'data-testid': 'remove-line',
        tabindex: -1,
        'aria-label': t('editor.remove_line_label', { n: index + 1 }),
        title: t('editor.remove_line_label', { n: index + 1 }),
        on: { click: () => this.removeLine(index) },
      }, t('editor.remove_line')));
      this.linesBody.append(h('tr', { 'data-testid': 'line-row' }, h('td.num', {}, index + 1), ...cells, this.linkCell(line, index), remove));
    });
  }

  /** The line's links: how many, and the button to the linking screen at this line. A
   * line must be saved first (links belong to a stored line). */
  linkCell(line, index) {
    const stored = line.id != null && this.detail?.lines.find((l) => l.id === line.id);
    const n = stored ? stored.merchant_order_ids.length : 0;
    return h('td', {}, h('div.row-actions', {},
      h('span', { 'data-testid': 'line-link-state', class: n ? 'linked' : 'muted' }, n ? t('editor.linked_n', { n }) : t('editor.unlinked')),
      h('button.btn.btn-small', {
        type: 'button',
        'data-testid': 'link-open',
        disabled: !stored,
        title: stored ? t('editor.link_open_label', { n: index + 1 }) : t('editor.link_save_first'),
        'aria-label': t('editor.link_open_label', { n: index + 1 }),
        on: {
          click: async () => {
            // What was typed is saved first: the linking screen shows the stored lines.
            if (this.dirty && this.savable && !(await this.save())) return;
            location.hash = `#/orders/${this.detail.id}/link/${line.id}`;
          },
        },
      }, t('editor.link_open'))));
  }

  /** Under the procurement number: whose number it is, when the directory knows it as
   * another merchant's than the row's name and mobile. */
  merchantWarning(line) {
    return h('small.field-warning', { 'data-testid': 'line-merchant-warning', role: 'status', hidden: !line.other },
      line.other ? t('editor.other_merchant', { no: line.other.procurement_no, name: line.other.name }) : '');
  }

  /** Checks row `index` as 【+】 keeps it (errors marked on its cells) and against the
   * merchant directory (a warning on the procurement number). Resolves with the errors. */
  async checkLine(index, markErrors = false) {
    const line = this.lines[index];
    let check;
    try {
      check = await call('check_line', { line: lineForm(line), index });
    } catch (err) {
      this.setStatus(errorText(err), true);
      return null;
    }
    line.other = check.other_merchant;
    const row = this.linesBody.querySelectorAll("[data-testid='line-row']")[index];
    if (row) row.querySelector("[data-testid='line-merchant-warning']")?.replaceWith(this.merchantWarning(line));
    if (markErrors) this.showErrors({ fields: check.errors });
    return check.errors;
  }

  /** 【+】 (manual §3.1): the row being typed is kept when the domain can read it whole,
   * and a new row opens; otherwise its cells say why, and no row is added. */
  async keepLine() {
    const index = this.lines.length - 1;
    if (index >= 0) {
      this.clearErrors();
      const errors = await this.checkLine(index, true);
      if (errors === null) return;
      if (errors.length) {
        this.setStatus(t('editor.line_not_kept', { n: index + 1 }), true);
        return;
      }
      this.setStatus(t('editor.line_kept', { n: index + 1 }));
    }
    this.addLine();
  }

  /** A procurement number from the cached directory fills the merchant's name and mobile
   * where the clerk left them empty (or where an earlier fill put them). */
  async fillMerchant(line, row) {
    let m;
    try {
      m = await call('merchant_lookup', { procurementNo: line.procurement_no });
    } catch {
      return;
    }
    if (!m) return;
    for (const [field, value] of [['merchant_name', m.name], ['mobile', m.mobile]]) {
      if (line[field] !== '' && line[field] !== line.filled?.[field]) continue;
      line[field] = value;
      const input = row.querySelector(`[data-testid='line-${field}']`);
      if (input) { input.value = value; input.dispatchEvent(new Event('input')); }
    }
    line.filled = { merchant_name: m.name, mobile: m.mobile };
  }

  /** A new empty row after `after` (at the end by default); the cursor goes to `col`. */
  addLine(after = this.lines.length - 1, col = LINE_FIELDS[0].name) {
    this.record();
    this.lines.splice(after + 1, 0, emptyLine());
    this.drawLines();
    this.changed();
    this.focusCell(after + 1, col);
  }

  removeLine(index, col = null) {
    this.record();
    this.lines.splice(index, 1);
    this.drawLines();
    this.changed();
    if (col && this.lines.length) this.focusCell(Math.min(index, this.lines.length - 1), col);
  }

  /** Ctrl+D: the value of the cell above. */
  fillDown(row, col) {
    if (row === 0) return;
    this.record();
    this.lines[row][col] = this.lines[row - 1][col];
    this.typingCell = null;
    this.drawLines();
    this.changed();
    this.focusCell(row, col);
  }

  /**
   * A block copied from Excel, WPS or LibreOffice (tab-separated text, or an HTML table
   * where that is all the clipboard holds) fills cells right and down from this one, adding
   * rows as needed; what falls right of the last column is left out and said. One value
   * alone is pasted by the input itself. The domain then marks every cell it cannot read.
   */
  paste(e, row, col) {
    if (!this.linesEditable) return;
    const data = e.clipboardData;
    let block = parseTsv(data.getData('text/plain'));
    if (isSingle(block)) block = parseHtmlTable(data.getData('text/html')) || block;
    if (isSingle(block)) return;
    e.preventDefault();
    if (row + block.length > pagedFromLines()) {
      // More rows than the grid takes: the block is imported instead (checked row by row
      // in Rust, previewed a page at a time, then accepted into the order).
      this.pasteAsImport(block, col);
      return;
    }
    this.record();
    this.typingCell = null;
    const first = LINE_FIELDS.findIndex((f) => f.name === col);
    let dropped = 0;
    block.forEach((cells, i) => {
      while (row + i >= this.lines.length) this.lines.push(emptyLine());
      const line = this.lines[row + i];
      cells.forEach((value, j) => {
        const f = LINE_FIELDS[first + j];
        if (f) line[f.name] = value.trim();
        else if (value.trim()) dropped = Math.max(dropped, cells.length - (LINE_FIELDS.length - first));
      });
    });
    this.drawLines();
    this.changed();
    this.focusCell(row, col);
    const cols = Math.max(...block.map((c) => c.length));
    this.setStatus(t('editor.pasted', { rows: block.length, cols }) + (dropped ? t('editor.paste_dropped', { n: dropped }) : ''));
    this.checkLines();
  }

  /** A block too large for the grid goes through the import: the order is saved first
   * (the lines need an order to go to), then the block is staged like a chosen file. */
  async pasteAsImport(block, col) {
    this.setStatus(t('editor.paste_as_import', { rows: block.length }));
    if (this.detail?.id == null || this.dirty) {
      if (!(await this.save())) return;
    }
    let picked;
    try {
      picked = await call('import_paste', { text: toTsv(block), firstField: col });
    } catch (err) {
      this.setStatus(errorText(err), true);
      return;
    }
    if (await runImportOf(this.detail.id, picked)) await this.showAgain();
  }

  /** The order shown again as the router would: as pages once it has many lines. */
  async showAgain() {
    await render(this.view, this.detail.id);
  }

  /** Marks the cells the domain cannot read (as a save would), without saving. */
  async checkLines() {
    let fields;
    try {
      fields = await call('check_form', { form: this.form() });
    } catch {
      return;
    }
    this.clearErrors();
    this.showErrors({ fields }, false);
  }

  focusCell(row, col) {
    const input = this.linesBody.querySelector(`input[data-row="${row}"][data-col="${col}"]`);
    if (input) {
      input.focus();
      input.select();
    }
    return !!input;
  }

  /**
   * The grid from the keyboard, like a spreadsheet: Enter goes down a row (a new row after
   * the last), Shift+Enter up, ↑/↓ the same; Tab moves along the row and on to the next
   * (the browser's own order: the remove button is left out of it); Ctrl++ adds a row
   * below, Ctrl+− removes this one. Plain + and − stay text (a product may be "T-shirt").
   * Ctrl+Z undoes the grid's last change (typing in a cell, a paste, a row added or
   * removed, a fill), Ctrl+Y or Ctrl+Shift+Z redoes it; Ctrl+D fills the cell from the one
   * above, as in a spreadsheet.
   */
  gridKey(e, row, col) {
    if (!this.linesEditable || e.isComposing) return;
    // Rows are added and removed with Alt+Insert and Alt+Delete: Ctrl+= / Ctrl+− / Ctrl+0
    // zoom the window, as in every browser.
    if (e.altKey && !e.ctrlKey && !e.metaKey && (e.key === 'Insert' || e.key === 'Delete')) {
      e.preventDefault();
      if (e.key === 'Insert') this.addLine(row, col);
      else this.removeLine(row, col);
      return;
    }
    if (e.altKey) return;
    const ctrl = e.ctrlKey || e.metaKey;
    let handled = true;
    const key = e.key.toLowerCase();
    if (ctrl && key === 'z') {
      this.undo(!e.shiftKey, row, col);
    } else if (ctrl && key === 'y') {
      this.undo(false, row, col);
    } else if (ctrl && key === 'd') {
      this.fillDown(row, col);
    } else if (!ctrl && (e.key === 'Enter' || e.key === 'ArrowDown') && !e.shiftKey) {
      if (!this.focusCell(row + 1, col) && e.key === 'Enter') this.addLine(row, col);
    } else if (!ctrl && ((e.key === 'Enter' && e.shiftKey) || e.key === 'ArrowUp')) {
      this.focusCell(row - 1, col);
    } else {
      handled = false;
    }
    if (handled) e.preventDefault();
  }

  /** The lines' running sum against the order's total amount, as typed. */
  async paintTotals() {
    if (!this.totalsEl) return;
    const el = this.totalsEl;
    const seq = (this.totalsSeq = (this.totalsSeq || 0) + 1);
    let totals;
    try {
      totals = await call('form_totals', { form: this.form() });
    } catch {
      return;
    }
    if (seq !== this.totalsSeq) return;
    const parts = [t('editor.lines_sum', { sum: cents(totals.lines_cents) })];
    if (totals.total_cents != null) parts.push(t('editor.order_total', { total: cents(totals.total_cents) }));
    if (totals.unreadable) parts.push(t('editor.unreadable_n', { n: totals.unreadable }));
    el.textContent = parts.join(t('punct.list'));
    el.classList.toggle('mismatch', totals.total_cents != null && totals.lines_cents !== totals.total_cents);
  }

  /** Where the order was entered (本机, another computer, the platform's web pages), and who
   * last changed it on the platform. */
  originInfo() {
    const d = this.detail;
    if (!d.origin && !d.changed_by) return null;
    return h('p.order-origin', {},
      d.origin ? h('span', { 'data-testid': 'origin-badge', dataset: { origin: d.origin } },
        t('editor.origin', { origin: t(`origin.${d.origin}`) })) : null,
      d.changed_by ? h('span', { 'data-testid': 'order-changed-by' }, t('editor.changed_by', { name: d.changed_by })) : null);
  }

  /** The platform's latest refusal of an operation of this order, in words; and, when the
   * platform refused the confirmation and does not hold the order, 【重新打开为草稿】. */
  rejectionBanner() {
    const d = this.detail;
    if (!d || (!d.rejection && !d.can_reopen)) return null;
    return h('div.error-banner.rejection-banner', { role: 'alert', 'data-testid': 'rejection-banner' },
      d.rejection ? h('span', {}, rejectionText(d.rejection)) : null,
      d.can_reopen ? h('button.btn.btn-small', {
        type: 'button', 'data-testid': 'reopen-order', on: { click: () => this.reopen() },
      }, t('editor.reopen')) : null);
  }

  /** 重新打开为草稿, then the order as it now is (with any form kept unsaved for it). */
  async reopen() {
    await this.settleKeeping();
    try {
      await call('reopen_order', { id: this.detail.id });
    } catch (err) {
      this.setStatus(errorText(err), true);
      return;
    }
    toast(t('editor.reopened'));
    await render(this.view, this.detail.id);
  }

  /** 操作记录: the order's latest audit rows, read when opened. */
  historyPanel() {
    const list = h('ol.history', { 'data-testid': 'history-list' });
    const panel = h('details.card.history-panel', {
      'data-testid': 'order-history',
      on: {
        toggle: async () => {
          if (!panel.open) return;
          try {
            const history = await call('order_history', { id: this.detail.id });
            clear(list).append(...history.rows.map((r) => h('li', { 'data-testid': 'history-row' },
              h('time', { datetime: r.at }, localTime(r.at)), ' ', h('span.mono', {}, r.actor), ' ', historyText(r))));
            if (history.total > history.rows.length) list.append(h('li.muted', {}, t('history.more', { n: history.total - history.rows.length })));
          } catch (err) {
            clear(list).append(h('li.error', {}, errorText(err)));
          }
        },
      },
    }, h('summary', {}, t('history.title')), list);
    return panel;
  }

  form() {
    // `filled` is the editor's own note of an auto-fill, not part of the form.
    // `filled` and `other` are the editor's own notes (an auto-fill, a directory warning),
    // not part of the form.
    return { ...this.buyer, lines: this.lines.map((l) => lineForm(l)) };
  }

  clearErrors() {
    for (const el of this.view.querySelectorAll('.field-error')) el.textContent = '';
    for (const el of this.view.querySelectorAll('.invalid')) el.classList.remove('invalid');
  }

  showErrors(err, focusFirst = true) {
    for (const fe of err.fields || []) {
      const holder = this.view.querySelector(`#err-${CSS.escape(fe.field)}`)
        || this.view.querySelector(`.field-error[data-field="${CSS.escape(fe.field)}"]`);
      if (!holder) continue;
      holder.textContent = errorText(fe);
      holder.previousElementSibling?.classList.add('invalid');
    }
    const first = this.view.querySelector('.invalid');
    if (first && focusFirst) first.focus();
  }

  setStatus(text, isError = false) {
    this.status = text;
    this.statusEl.textContent = text;
    this.statusEl.classList.toggle('status-error', isError);
  }

  /** 暂存. Resolves whether it saved. */
  async save() {
    if (this.saving) return false;
    this.saving = true;
    this.clearErrors();
    await this.settleKeeping();
    try {
      let id = this.detail?.id;
      const form = this.form();
      if (id == null) {
        id = await call('create_draft', { form });
      } else {
        await call('save_order', { id, form });
      }
      const saved = await call('get_order', { id });
      // The grid took keys while the save was on its way: what was typed since `form` was
      // taken is put back on the saved order below, still to be saved.
      const typed = this.form();
      this.load(saved);
      if (location.hash !== `#/orders/${id}`) history.replaceState(null, '', `#/orders/${id}`);
      // Rows left entirely empty are not stored: say so rather than let them vanish.
      const skipped = form.lines.length - (this.detail.lines?.length ?? form.lines.length);
      this.status = t('editor.saved', { time: localTime(this.detail.updated_at) })
        + (skipped > 0 ? t('editor.blank_skipped', { n: skipped }) : '');
      const later = this.putBack(form, typed, skipped === 0);
      this.draw();
      if (later) this.changed();
      return true;
    } catch (err) {
      this.setStatus(err.code === 'invalid' ? t('editor.save_failed') : errorText(err), true);
      this.showErrors(err);
      // Not saved: what was typed stays kept.
      if (this.dirty) this.keepNow();
      return false;
    } finally {
      this.saving = false;
    }
  }

  /** Puts on the order just loaded what was typed after `sent` was taken (`typed`): the
   * buyer's fields and the cells that differ, and rows added since. Cells go by row, so
   * only when the save kept every row (`sameRows`) and none was removed meanwhile.
   * Whether anything was put back. */
  putBack(sent, typed, sameRows) {
    let any = false;
    for (const k of Object.keys(this.buyer)) {
      if (typed[k] !== sent[k]) { this.buyer[k] = typed[k]; any = true; }
    }
    if (!sameRows || typed.lines.length < sent.lines.length) return any;
    typed.lines.forEach((line, i) => {
      const before = sent.lines[i];
      if (!before) {
        this.lines.push({ ...emptyLine(), ...line, id: null });
        any = true;
        return;
      }
      for (const [k, v] of Object.entries(line)) {
        if (k !== 'id' && v !== before[k]) { this.lines[i][k] = v; any = true; }
      }
    });
    return any;
  }

  /** 批量导入: a new order is saved first, so the lines have an order to go to. */
  async importLines() {
    if (this.detail?.id == null || this.dirty) {
      if (!(await this.save())) return;
    }
    if (await runImport(this.detail.id)) await this.showAgain();
  }



  /** 订单确认: saves what is on screen, then checks, asks and confirms ([`confirmOrder`]). */
  async confirmOrder() {
    if (!(await this.save())) return;
    const { confirmed, err } = await confirmOrder(this.detail.id);
    if (confirmed) {
      this.load(await call('get_order', { id: this.detail.id }));
      this.status = '';
      this.draw();
    } else if (err) {
      this.showErrors(err);
    }
  }

  customsEntry() {
    return customsEntry(this.detail.id, async () => {
      this.clearErrors();
      this.load(await call('get_order', { id: this.detail.id }));
      this.status = '';
      this.draw();
    });
  }

  async remove() {
    if (!(await confirmDialog('dialog.delete_title', 'dialog.delete_body'))) return;
    try {
      await call('delete_draft', { id: this.detail.id });
      toast(t('toast.deleted'));
      location.hash = '#/orders';
    } catch (err) {
      this.setStatus(errorText(err), true);
    }
  }
}

/** A refusal in words: what the platform refused (by the operation's kind), then why, in
 * the platform's own words when it gave them, else by its code. */
function rejectionText(r) {
  const lead = has(`rejection.${r.kind}`) ? t(`rejection.${r.kind}`) : t('rejection.other');
  return `${lead}${t('punct.colon')}${r.message || errorText({ code: r.code })}`;
}

/** One audit row in words: what was done, to which line or merchant order. */
function historyText(r) {
  const data = r.after || r.before || {};
  const n = data.position != null ? data.position + 1 : '';
  const mo = data.merchant_order_id || '';
  const field = data.field ? t(`history.field.${data.field}`) : '';
  const by = data.changed_by || '';
  const range = data.first_position != null ? { from: data.first_position + 1, to: data.last_position + 1 } : { from: '', to: '' };
  return t(`history.${r.entity}.${r.action}`, {
    n, mo, field, rev: data.rev ?? '', by, file: data.file_name || '', rows: data.rows ?? '', ...range,
  });
}

/**
 * Rows of cells of tab-separated text as spreadsheets copy it: a cell holding a tab, a line
 * break or a quote comes quoted, with quotes doubled; the last line break ends the block.
 */
function parseTsv(text) {
  if (!text) return [];
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 1; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"' && cell === '') {
      quoted = true;
    } else if (c === '\t') {
      row.push(cell); cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else {
      cell += c;
    }
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

/** The rows of the first table of an HTML fragment, as text (nothing of it runs). */
function parseHtmlTable(html) {
  if (!html) return null;
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const rows = [...doc.querySelectorAll('table tr')]
    .map((tr) => [...tr.querySelectorAll('td, th')].map((td) => td.textContent.replace(/\s+/g, ' ').trim()));
  return rows.length ? rows : null;
}

/** Nothing, or one value: the input pastes it itself. */
/** Cells back to tab-separated text, quoted where a cell holds a tab, a line break or a
 * quote (as spreadsheets copy them). */
function toTsv(block) {
  const cell = (c) => (/[\t\r\n"]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  return block.map((cells) => cells.map(cell).join('\t')).join('\r\n');
}

function isSingle(block) {
  return block.length === 0 || (block.length === 1 && block[0].length <= 1);
}
