// 关联商户订单 (manual §3.1 step 4), a screen of its own: on the left the order's lines
// grouped by merchant and month, each with its linked amount beside its own amount (a
// mismatch highlighted); on the right the merchant orders that merchant sent to this
// company, from the local cache (so it works offline). Tick, 【关联商户订单】, and the line
// shows 已关联; a link can be added or removed while the order allows `edit_links`. Each
// change is saved at once with its audit row (and queued for the platform once the order
// is confirmed). An order of many lines is linked the same way, its lines a page at a time
// (filters: merchant, month, unlinked only, with problems only) instead of grouped whole.
import { call } from '../api.js';
import { h, clear } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { cents } from '../format.js';
import { stateBadge } from '../ui.js';
import { allows } from '../actions.js';
import { after, before, lineFilterBar } from './big-order.js';
import { pagedFromLines } from '../limits.js';

/** The lines of the same merchant and month: which merchant a line is of is the domain's
 * rule (`merchant_key`, sent with each line), not decided here. */
function groupLines(lines) {
  const groups = new Map();
  for (const [index, line] of lines.entries()) {
    const key = `${line.merchant_key || ''}|${line.order_month || ''}`;
    if (!groups.has(key)) {
      groups.set(key, { key, merchant: line.merchant_name || '', month: line.order_month || '', lines: [] });
    }
    groups.get(key).lines.push({ ...line, index });
  }
  return [...groups.values()];
}

/** Renders `#/orders/ID/link[/LINE]`. */
export async function render(view, orderId, selectedLineId = null) {
  let order;
  try {
    const summary = await call('order_lines_summary', { id: orderId, query: {} });
    if (summary.lines > pagedFromLines()) {
      await renderPaged(view, orderId, selectedLineId);
      return;
    }
    order = await call('get_order', { id: orderId });
  } catch (err) {
    clear(view).append(h('p.error-banner', { role: 'alert' }, errorText(err)));
    return;
  }
  const frozen = !allows(order, 'edit_links');
  const groups = groupLines(order.lines);
  // The candidates of a group are its merchant's orders: one read per group, not per line.
  const candidates = new Map();
  const error = h('p.error-banner', { role: 'alert', hidden: true, 'data-testid': 'link-error' });
  const showError = (err) => { error.textContent = errorText(err); error.hidden = false; };
  for (const g of groups) {
    try {
      candidates.set(g.key, await call('link_candidates', { lineId: g.lines[0].id }));
    } catch (err) {
      candidates.set(g.key, []);
      showError(err);
    }
  }
  let selected = order.lines.find((l) => l.id === selectedLineId) ? selectedLineId : order.lines[0]?.id ?? null;

  const left = h('section.card.link-lines', { 'aria-label': t('link.lines_title') });
  const right = h('section.card.link-candidates', { 'aria-live': 'polite' });

  const paintLeft = () => {
    clear(left).append(h('h2', {}, t('link.lines_title')));
    if (groups.length === 0) left.append(h('p.empty', {}, t('editor.no_lines')));
    for (const g of groups) {
      const lineSum = g.lines.reduce((s, l) => s + (l.amount_cents || 0), 0);
      const groupLinked = g.lines.reduce((s, l) => s + l.linked_cents, 0);
      left.append(h('div.link-group', { 'data-testid': 'link-group' },
        h('h3', {}, g.merchant || t('link.no_merchant'), h('span.muted', {}, ` · ${g.month || t('link.no_month')}`)),
        h('p.muted.group-sum', { 'data-testid': 'link-group-sum' }, t('link.group_sum', { lines: cents(lineSum), linked: cents(groupLinked) })),
        h('ul.link-line-list', {}, ...g.lines.map((l) => h('li', {}, lineButton(l, l.index + 1, l.id === selected, () => {
          selected = l.id;
          history.replaceState(null, '', `#/orders/${orderId}/link/${l.id}`);
          paint();
        }))))));
    }
  };

  const paintRight = () => {
    const g = groups.find((x) => x.lines.some((l) => l.id === selected));
    if (!g) { clear(right); return; }
    const line = g.lines.find((l) => l.id === selected);
    candidatePanel(right, line, line.index + 1, candidates.get(g.key), frozen, error, async () => {
      // The stored order is the truth: the grouped lines are read again.
      const fresh = await call('get_order', { id: orderId });
      for (const grp of groups) {
        for (const l of grp.lines) {
          const f = fresh.lines.find((x) => x.id === l.id);
          l.merchant_order_ids = f?.merchant_order_ids || [];
          l.linked_cents = f?.linked_cents || 0;
        }
      }
      paint();
    });
  };

  const paint = () => { paintLeft(); paintRight(); };
  clear(view).append(
    h('div.toolbar', {},
      h('a.btn', { href: `#/orders/${orderId}`, 'data-testid': 'link-back' }, t('link.back')),
      h('h1', { 'data-testid': 'link-title' }, t('link.title_order', { id: orderId })),
      stateBadge(order.state)),
    frozen ? h('p.info-banner', { 'data-testid': 'link-frozen' }, t('link.frozen')) : h('p.muted', {}, t('link.hint')),
    error,
    h('div.link-screen', {}, left, right));
  paint();
}

/** One line as the linking screens list it: its row, product, amount beside the linked
 * amount (a mismatch marked) and whether it is linked. */
function lineButton(l, rowNo, pressed, onClick) {
  const mismatch = l.merchant_order_ids.length > 0 && l.linked_cents !== l.amount_cents;
  return h('button.link-line', {
    type: 'button',
    'aria-pressed': String(pressed),
    'data-testid': 'link-line',
    dataset: { lineId: l.id },
    on: { click: onClick },
  },
  h('span.line-no', {}, t('editor.line_n', { n: rowNo })),
  h('span', {}, l.product_name || ''),
  h(mismatch ? 'span.amounts.mismatch' : 'span.amounts', { 'data-testid': 'link-line-amounts' },
    t('link.amounts', { line: cents(l.amount_cents), linked: cents(l.linked_cents) })),
  h('span', { class: l.merchant_order_ids.length ? 'linked' : 'muted', 'data-testid': 'link-line-state' },
    l.merchant_order_ids.length ? t('editor.linked_n', { n: l.merchant_order_ids.length }) : t('editor.unlinked')));
}

/** The merchant orders a line may be linked to, painted into `panel`: tick and
 * 【关联商户订单】, or 【取消关联】 a linked one; each change is saved at once, then
 * `changed()` reads the lines again. */
function candidatePanel(panel, line, rowNo, list, frozen, error, changed) {
  clear(panel);
  const linked = new Set(line.merchant_order_ids);
  const ticked = new Set();
  const apply = h('button.btn.btn-primary', {
    type: 'button', disabled: true, 'data-testid': 'link-apply', on: { click: () => change([...ticked], true) },
  }, t('link.apply'));
  const sum = h('p.link-sum', { 'data-testid': 'link-sum' });
  sum.textContent = t('link.sum', { linked: cents(line.linked_cents), line: cents(line.amount_cents) });
  sum.classList.toggle('mismatch', linked.size > 0 && line.linked_cents !== line.amount_cents);

  async function change(ids, add) {
    error.hidden = true;
    for (const id of ids) {
      try {
        await call(add ? 'link_line' : 'unlink_line', { lineId: line.id, merchantOrderId: id });
      } catch (err) {
        error.textContent = errorText(err);
        error.hidden = false;
        break;
      }
    }
    await changed();
  }

  const rows = list.map((c) => {
    const isLinked = linked.has(c.id);
    return h('tr', { class: isLinked ? 'is-linked' : '' },
      h('td', {}, isLinked ? null : h('input', {
        type: 'checkbox', disabled: frozen,
        'aria-label': t('link.tick', { id: c.id }),
        'data-testid': 'link-candidate', dataset: { moId: c.id },
        on: { change: (e) => { if (e.target.checked) ticked.add(c.id); else ticked.delete(c.id); apply.disabled = ticked.size === 0; } },
      })),
      h('td.mono', {}, c.id),
      h('td', { class: c.order_month === line.order_month ? '' : 'muted' }, c.order_month),
      h('td', {}, c.product_name || ''),
      h('td', {}, c.buyer_name || ''),
      h('td.num', {}, cents(c.amount_cents)),
      h('td', {}, isLinked ? h('span.row-actions', {},
        h('span.linked', { 'data-testid': 'link-linked' }, t('link.all')),
        frozen ? null : h('button.btn.btn-small', {
          type: 'button', 'data-testid': 'link-remove', dataset: { moId: c.id },
          'aria-label': t('link.remove_label', { id: c.id }),
          on: { click: () => change([c.id], false) },
        }, t('link.remove'))) : null));
  });
  panel.append(
    h('h2', {}, t('link.candidates_title')),
    h('p.muted', { 'data-testid': 'link-selected' }, t('editor.line_n', { n: rowNo }), ' · ', t('link.line', {
      merchant: line.merchant_name || '', month: line.order_month || '', amount: cents(line.amount_cents),
    })),
    list.length === 0
      ? h('p.empty', { 'data-testid': 'link-none' }, t('link.none_cached'))
      : h('div.table-scroll', {}, h('table.grid', { 'data-testid': 'link-table' },
        h('thead', {}, h('tr', {}, ...['', 'link.col.id', 'link.col.month', 'link.col.product', 'link.col.buyer', 'link.col.amount', 'link.col.state']
          .map((k) => h('th', { scope: 'col' }, k ? t(k) : '')))),
        h('tbody', {}, ...rows))),
    h('div.actions-bar', {}, sum, frozen ? null : apply));
}

/** The linking screen of an order of many lines: a page of lines (keyset pages from the
 * store, filters as on the order's page) on the left, the selected line's merchant orders
 * on the right. */
async function renderPaged(view, orderId, selectedLineId) {
  const header = await call('order_header', { id: orderId });
  const frozen = !allows(header, 'edit_links');
  const filters = { merchant: '', month: '', unlinked_only: false, problems_only: false };
  let page = null;
  let at = {};
  let selected = selectedLineId;
  const error = h('p.error-banner', { role: 'alert', hidden: true, 'data-testid': 'link-error' });
  const list = h('ul.link-line-list', { 'data-testid': 'link-page' });
  const where = h('span.muted', { 'data-testid': 'link-range', 'aria-live': 'polite' });
  const right = h('section.card.link-candidates', { 'aria-live': 'polite' });
  const prev = h('button.btn', { type: 'button', 'data-testid': 'link-prev', on: { click: () => show(before(page.lines[0])) } }, t('list.prev'));
  const next = h('button.btn', { type: 'button', 'data-testid': 'link-next', on: { click: () => show(after(page.lines[page.lines.length - 1])) } }, t('list.next'));

  // As on the order's page: an answer that comes after a later question's is dropped.
  let asked = 0;
  async function show(position) {
    const mine = ++asked;
    let answer;
    try {
      answer = await call('order_lines', { id: orderId, query: { ...filters, limit: 50, ...position } });
    } catch (err) {
      error.textContent = errorText(err);
      error.hidden = false;
      return;
    }
    if (mine !== asked) return;
    page = answer;
    at = { from_row: page.first_row || 1 };
    if (!page.lines.some((l) => l.id === selected)) selected = page.lines[0]?.id ?? null;
    prev.disabled = !page.has_before;
    next.disabled = !page.has_after;
    where.textContent = page.lines.length
      ? t('link.page_range', { from: page.first_row, to: page.first_row + page.lines.length - 1 })
      : t('big.none_match');
    await paint();
  }

  async function paint() {
    clear(list).append(...page.lines.map((l, i) => h('li', {}, lineButton(l, page.first_row + i, l.id === selected, () => {
      selected = l.id;
      history.replaceState(null, '', `#/orders/${orderId}/link/${l.id}`);
      paint();
    }))));
    const line = page.lines.find((l) => l.id === selected);
    if (!line) { clear(right); return; }
    let candidates = [];
    try {
      candidates = await call('link_candidates', { lineId: line.id });
    } catch (err) {
      error.textContent = errorText(err);
      error.hidden = false;
    }
    const rowNo = page.first_row + page.lines.indexOf(line);
    // After a change the same page is read again (with "unlinked only" the line may leave it).
    candidatePanel(right, line, rowNo, candidates, frozen, error, () => show(at));
  }

  clear(view).append(
    h('div.toolbar', {},
      h('a.btn', { href: `#/orders/${orderId}`, 'data-testid': 'link-back' }, t('link.back')),
      h('h1', { 'data-testid': 'link-title' }, t('link.title_order', { id: orderId })),
      stateBadge(header.state)),
    frozen ? h('p.info-banner', { 'data-testid': 'link-frozen' }, t('link.frozen')) : h('p.muted', {}, t('link.hint_paged')),
    error,
    h('div.link-screen', {},
      h('section.card.link-lines', { 'aria-label': t('link.lines_title_paged') },
        h('h2', {}, t('link.lines_title_paged')),
        lineFilterBar(filters, () => show({})),
        h('div.big-pager', {}, prev, next, where),
        list),
      right));
  // A line asked for by the address is looked for among the first page only.
  await show({});
}
