// An order of many lines (an import of a company's whole export list): the lines a page at
// a time from the store (keyset pages, a jump to a row, filters), the totals from SQL. The
// whole order never comes to the page: scrolling down brings the next page under the last
// (the next keyset page), and at most SHOWN_MAX lines stay in the page.
import { call } from '../api.js';
import { h, clear, fitToText } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { cents, countryList, countryName } from '../format.js';
import { confirmDialog, saveFile, stateBadge, toast } from '../ui.js';
import { allows } from '../actions.js';
import { runImport } from './import.js';
import { confirmOrder, customsEntry } from '../confirm.js';

const PAGE = 100;
/** The most lines kept in the page while scrolling: the oldest page goes when one comes. */
const SHOWN_MAX = 500;
const NUMERIC = ['quantity', 'packages', 'amount_cents'];

const COLUMNS = [
  ['procurement_no', 'editor.procurement_no'],
  ['merchant_name', 'editor.merchant_name'],
  ['mobile', 'editor.mobile'],
  ['order_month', 'editor.order_month'],
  ['product_name', 'editor.product_name'],
  ['quantity', 'editor.quantity'],
  ['packages', 'editor.packages'],
  ['amount_cents', 'editor.amount'],
  ['note', 'editor.note'],
];

const LABELS = Object.fromEntries(COLUMNS.map(([field, label]) => [field, label]));

/** A cell's text as the clerk would type it. */
function text(l, field) {
  if (field === 'amount_cents') return l.amount_cents == null ? '' : cents(l.amount_cents);
  return l[field] == null ? '' : String(l[field]);
}

/** The pages after and before this line, as the store names a line: (position, id). */
export const after = (line) => ({ after_position: line.position, after_id: line.id });
export const before = (line) => ({ before_position: line.position, before_id: line.id });

export async function render(view, id) {
  let detail;
  try {
    detail = await call('order_header', { id });
  } catch (err) {
    clear(view).append(h('p.error-banner', { role: 'alert' }, errorText(err)));
    return;
  }
  const filters = { merchant: '', month: '', unlinked_only: false, problems_only: false };
  const query = (extra) => ({ ...filters, limit: PAGE, ...extra });
  // The lines in the page: from row `firstRow` on, and whether the filters leave lines
  // before and after them.
  let shown = [];
  let firstRow = 1;
  let hasBefore = false;
  let hasAfter = false;
  let loading = false;

  const body = h('tbody', {});
  const where = h('span.muted', { 'data-testid': 'big-range', 'aria-live': 'polite' });
  const totals = h('span.totals', { 'data-testid': 'big-totals', 'aria-live': 'polite' });
  const prev = h('button.btn', { type: 'button', 'data-testid': 'big-prev', on: { click: () => show(before(shown[0])) } }, t('list.prev'));
  const next = h('button.btn', { type: 'button', 'data-testid': 'big-next', on: { click: () => show(after(shown[shown.length - 1])) } }, t('list.next'));
  const jump = h('input.num', {
    type: 'number', min: 1, size: 9, 'data-testid': 'big-jump', 'aria-label': t('big.jump_label'),
    on: { keydown: (e) => { if (e.key === 'Enter') show({ from_row: Number(e.target.value) || 1 }); } },
  });

  /** One page of lines, from `position` (a keyset position or a row), in place of all. */
  // Each page asked for is numbered: an answer that comes after a later question's (a
  // filter typed on while the last page was coming) is dropped, not painted over it.
  let asked = 0;
  async function show(position) {
    const mine = ++asked;
    let page;
    try {
      page = await call('order_lines', { id, query: query(position) });
    } catch (err) {
      toast(errorText(err));
      return;
    }
    if (mine !== asked) return;
    shown = page.lines;
    firstRow = page.first_row;
    hasBefore = page.has_before;
    hasAfter = page.has_after;
    clear(body).append(...shown.map((l, i) => viewRow(l, firstRow + i)));
    if (!shown.length) body.append(h('tr', {}, h('td.empty', { colspan: COLUMNS.length + 3 }, t('big.none_match'))));
    paintPager();
  }

  function paintPager() {
    prev.disabled = !hasBefore;
    next.disabled = !hasAfter;
  }

  /** Scrolled near the end: the next page goes under the last line, and the oldest page
   * leaves once more than SHOWN_MAX lines are in the page. */
  async function more() {
    if (loading || !hasAfter || !shown.length) return;
    loading = true;
    try {
      const page = await call('order_lines', { id, query: query(after(shown[shown.length - 1])) });
      const from = firstRow + shown.length;
      body.append(...page.lines.map((l, i) => viewRow(l, from + i)));
      shown = shown.concat(page.lines);
      hasAfter = page.has_after;
      const extra = shown.length - SHOWN_MAX;
      if (extra > 0) {
        // The rows that leave are above the view: the scroll position moves up with them.
        const rows = [...body.querySelectorAll("tr[data-testid='big-row']")].slice(0, extra);
        const height = rows.reduce((sum, r) => sum + r.getBoundingClientRect().height, 0);
        for (const r of rows) r.remove();
        shown = shown.slice(extra);
        firstRow += extra;
        hasBefore = true;
        document.scrollingElement?.scrollBy(0, -height);
      }
      paintPager();
    } catch (err) {
      toast(errorText(err));
    } finally {
      loading = false;
    }
    // Still near the end (a tall window, or a scroll while this page came): on.
    if (nearEnd()) setTimeout(more, 0);
  }
  // Under the table: when it comes within 600 px of the view, the next page is fetched. Each
  // scroll looks (an observer alone misses a scroll made while a page was coming).
  const end = h('div.big-more', { 'data-testid': 'big-more', 'aria-hidden': 'true' });
  const nearEnd = () => end.isConnected && end.getBoundingClientRect().top < window.innerHeight + 600;
  const onScroll = () => {
    if (!end.isConnected) {
      // The page was left: this listener goes with it.
      document.removeEventListener('scroll', onScroll, true);
      return;
    }
    if (nearEnd()) more();
  };

  /** A line as the page shows it; 【编辑】 turns it into inputs when lines may change. */
  function viewRow(l, rowNo) {
    // The row's buttons come right after its number: a wide row never hides them.
    const tr = h('tr', { 'data-testid': 'big-row' },
      h('td.num', { 'data-testid': 'big-row-no' }, rowNo),
      h('td', {}, allows(d, 'edit_lines') ? h('div.row-actions', {},
        h('button.btn.btn-small', {
          type: 'button', 'data-testid': 'big-edit', title: t('big.edit_label', { n: rowNo }),
          on: { click: () => tr.replaceWith(editRow(l, rowNo)) },
        }, t('big.edit')),
        h('button.btn.btn-small', {
          type: 'button', 'data-testid': 'big-remove', title: t('big.remove_label', { n: rowNo }),
          on: { click: () => removeLine(l, rowNo) },
        }, t('big.remove'))) : null),
      ...COLUMNS.map(([field]) => h(`td${NUMERIC.includes(field) ? '.num' : ''}`, { 'data-testid': `big-${field}` }, text(l, field))),
      h('td', { 'data-testid': 'big-link-state', class: l.merchant_order_ids.length ? 'linked' : 'muted' },
        l.merchant_order_ids.length ? t('editor.linked_n', { n: l.merchant_order_ids.length }) : t('editor.unlinked')));
    return tr;
  }

  /** 删除 one line, asked first; audited in the store like every change. */
  async function removeLine(l, rowNo) {
    if (!(await confirmDialog('dialog.remove_line_title', 'dialog.remove_line_body'))) return;
    try {
      await call('remove_line', { id, lineId: l.id });
      toast(t('big.removed', { n: rowNo }));
      await show({ from_row: firstRow });
      refreshTotals();
    } catch (err) {
      toast(errorText(err));
    }
  }

  /** 【添加一行】: an empty line being typed under the page; saved at the end of the order. */
  function addLine() {
    body.querySelector("[data-testid='big-row-editing'].is-new")?.remove();
    body.append(editRow({}, t('big.new_row')));
  }

  /** A line being edited: Enter or 【保存】 saves it alone (the domain checks it as a save
   * would; a masked mobile left as it is stays the stored number), Escape puts it back. */
  function editRow(l, rowNo) {
    const inputs = Object.fromEntries(COLUMNS.map(([field]) => [field, fitToText(h(`input${NUMERIC.includes(field) ? '.num' : ''}`, {
      value: text(l, field), 'data-testid': `big-input-${field}`, 'aria-label': `${t(LABELS[field])} ${rowNo}`,
      on: { keydown: (e) => { if (e.key === 'Enter') save(); if (e.key === 'Escape') putBack(); } },
    }), 8)]));
    const isNew = l.id == null;
    const putBack = () => (isNew ? tr.remove() : tr.replaceWith(viewRow(l, rowNo)));
    const problem = h('small.field-error', { 'data-testid': 'big-row-error', 'aria-live': 'polite' });
    const save = async () => {
      const form = Object.fromEntries(COLUMNS.map(([field]) => [field === 'amount_cents' ? 'amount' : field, inputs[field].value]));
      try {
        if (isNew) {
          await call('add_line', { id, form });
          toast(t('big.added'));
          // The new line is the order's last: its page is shown.
          const s = await call('order_lines_summary', { id, query: query({}) });
          await show({ from_row: Math.max(1, s.matching - PAGE + 1) });
        } else {
          await call('save_line', { id, lineId: l.id, form });
          toast(t('big.saved', { n: rowNo }));
          await show({ from_row: firstRow });
        }
        refreshTotals();
      } catch (err) {
        problem.textContent = errorText(err.fields?.[0] || err);
      }
    };
    const tr = h(isNew ? 'tr.is-new' : 'tr', { 'data-testid': 'big-row-editing' },
      h('td.num', {}, rowNo),
      h('td', {}, h('div.row-actions', {},
        h('button.btn.btn-small.btn-primary', { type: 'button', 'data-testid': 'big-save', on: { click: save } }, t('editor.save')),
        h('button.btn.btn-small', { type: 'button', on: { click: putBack } }, t('dialog.cancel')))),
      ...COLUMNS.map(([field]) => h('td', {}, inputs[field])),
      h('td', {}, problem));
    setTimeout(() => inputs.merchant_name.focus(), 0);
    return tr;
  }

  let counted = 0;
  async function refreshTotals() {
    const mine = ++counted;
    try {
      const s = await call('order_lines_summary', { id, query: query({}) });
      if (mine !== counted) return;
      const parts = [t('editor.lines_sum', { sum: cents(s.lines_cents) })];
      if (s.total_cents != null) parts.push(t('editor.order_total', { total: cents(s.total_cents) }));
      parts.push(t('big.unlinked_n', { n: s.unlinked }));
      totals.textContent = parts.join(t('punct.list'));
      totals.classList.toggle('mismatch', s.total_cents != null && s.lines_cents !== s.total_cents);
      where.textContent = t('big.matching', { n: s.matching, all: s.lines });
    } catch (err) {
      totals.textContent = errorText(err);
    }
  }

  const d = detail;
  const buyer = allows(d, 'edit_buyer') ? buyerForm(d, id, () => render(view, id)) : h('div.card.big-buyer', {},
    h('p', {}, h('strong', {}, t('editor.buyer_name'), t('punct.colon')), d.buyer_name || ''),
    h('p', {}, h('strong', {}, t('editor.passport_no'), t('punct.colon')), d.passport_no || ''),
    h('p', {}, h('strong', {}, t('editor.country'), t('punct.colon')), d.country ? countryName(d.country) : ''),
    d.customs_no ? h('p', {}, h('strong', {}, t('editor.customs_no'), t('punct.colon')), h('span.mono', {}, d.customs_no)) : null);
  const actions = h('div.actions-bar', {},
    h('a.btn', { href: '#/orders', 'data-testid': 'back-to-list' }, t('editor.back')),
    allows(d, 'edit_lines') ? h('button.btn', {
      type: 'button', 'data-testid': 'big-add-line', on: { click: addLine },
    }, t('big.add_line')) : null,
    allows(d, 'edit_lines') ? h('button.btn', {
      type: 'button', 'data-testid': 'import-open',
      on: { click: async () => { if (await runImport(id)) { await show({}); await refreshTotals(); } } },
    }, t('editor.import')) : null,
    h('button.btn', {
      type: 'button', 'data-testid': 'export-order', on: { click: () => saveFile('export_order', { id }) },
    }, t('editor.export')),
    // 关联商户订单 (with 自动匹配) for the whole order, a page at a time.
    allows(d, 'edit_links') ? h('a.btn', { href: `#/orders/${id}/link`, 'data-testid': 'big-link-open' }, t('link.title')) : null,
    allows(d, 'attach_customs') ? customsEntry(id, () => render(view, id)) : null,
    allows(d, 'confirm') ? h('button.btn', {
      type: 'button', 'data-testid': 'confirm-order',
      on: { click: async () => { if ((await confirmOrder(id)).confirmed) await render(view, id); } },
    }, t('editor.confirm')) : null);

  clear(view).append(h('div.editor.big-order', {},
    h('div.toolbar', {}, h('h1', { 'data-testid': 'editor-title' }, t('editor.title_edit', { id: d.id })), stateBadge(d.state)),
    h('p.info-banner', { 'data-testid': 'big-banner' }, t(allows(d, 'edit_lines') ? 'big.banner' : 'big.banner_frozen')),
    buyer,
    h('fieldset.card', {},
      h('legend', {}, t('editor.lines')),
      // The count under the filters changes once the matching lines are painted.
      lineFilterBar(filters, async () => { await show({}); await refreshTotals(); },
        h('label.inline', {}, t('big.jump'), jump),
        h('span.big-pager', {}, prev, next, where)),
      h('div.table-scroll', {}, h('table.grid.lines', { 'data-testid': 'big-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('editor.line_no')),
          h('th', { scope: 'col' }, ''),
          ...COLUMNS.map(([, label]) => h('th', { scope: 'col' }, t(label))),
          h('th', { scope: 'col' }, t('editor.link_col')))),
        body), end),
      h('div.lines-footer', {}, totals)),
    actions));
  document.addEventListener('scroll', onScroll, { capture: true, passive: true });
  await show({});
  refreshTotals();
}

/** The filters of a large order's lines (merchant, month, unlinked only, with problems
 * only: what keeps the order from being confirmed, as the store decides), as the order's
 * page and its linking screen both show them: `changed()` after each change of `filters`
 * (typing settles for 250 ms first). `more` is put at the end of the bar. */
export function lineFilterBar(filters, changed, ...more) {
  let typing;
  const filterInput = (name, label, attrs = {}) => h('label.inline', {}, t(label), h('input', {
    ...attrs,
    'data-testid': `big-filter-${name}`,
    on: {
      input: (e) => {
        clearTimeout(typing);
        typing = setTimeout(() => { filters[name] = e.target.value; changed(); }, 250);
      },
    },
  }));
  const checkbox = (name, testid, label) => h('label.inline', {}, h('input', {
    type: 'checkbox', 'data-testid': testid,
    on: { change: (e) => { filters[name] = e.target.checked; changed(); } },
  }), t(label));
  return h('div.filter-bar', { role: 'search' },
    filterInput('merchant', 'big.filter_merchant', { type: 'search', size: 14 }),
    filterInput('month', 'big.filter_month', { size: 8, placeholder: t('editor.order_month_hint') }),
    checkbox('unlinked_only', 'big-filter-unlinked', 'big.unlinked_only'),
    checkbox('problems_only', 'big-filter-problems', 'big.problems_only'),
    ...more);
}

/** The buyer of a draft, saved alone (the lines are not sent): a masked passport left as
 * it is keeps the stored number. */
function buyerForm(d, id, saved) {
  const fields = [
    ['buyer_name', 'editor.buyer_name', d.buyer_name || ''],
    ['passport_no', 'editor.passport_no', d.passport_no || ''],
    ['country', 'editor.country', d.country ? countryName(d.country) : ''],
    ['total_amount', 'editor.total_amount', d.total_cents == null ? '' : cents(d.total_cents)],
  ];
  const inputs = Object.fromEntries(fields.map(([name, , value]) => [name, h(`input#${name}`, {
    name, value, 'data-testid': `big-buyer-${name}`, list: name === 'country' ? 'country-options' : undefined,
  })]));
  const problem = h('small.field-error', { 'data-testid': 'big-buyer-error', 'aria-live': 'polite' });
  const save = async () => {
    const form = { ...Object.fromEntries(fields.map(([name]) => [name, inputs[name].value])), lines: [] };
    try {
      const changed = await call('save_buyer', { id, form });
      if (changed) toast(t('big.buyer_saved'));
      await saved();
    } catch (err) {
      const fe = err.fields?.[0];
      problem.textContent = fe ? `${t(fields.find(([n]) => n === fe.field)?.[1] || 'editor.buyer')}${t('punct.colon')}${errorText(fe)}` : errorText(err);
    }
  };
  return h('fieldset.card.big-buyer', {},
    h('legend', {}, t('editor.buyer')),
    h('div.form-grid', {}, ...fields.map(([name, label]) => h('label.field', {}, h('span.label', {}, t(label)), inputs[name]))),
    h('datalist#country-options', {}, ...countryList().map((c) => h('option', { value: countryName(c.code) }, c.code))),
    h('div.row-actions', {}, problem,
      h('button.btn.btn-primary', { type: 'button', 'data-testid': 'big-buyer-save', on: { click: save } }, t('editor.save'))));
}
