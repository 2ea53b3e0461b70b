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
  // A merchant-month group selected whole (the manual's way): its key, else a line is.
  let selectedGroup = null;
  const rowOf = new Map(order.lines.map((l, i) => [l.id, i + 1]));

  // The stored order is the truth: after any change the grouped lines are read again.
  const reload = async () => {
    const fresh = await call('get_order', { id: orderId });
    for (const grp of groups) {
      for (const l of grp.lines) {
        const f = fresh.lines.find((x) => x.id === l.id);
        l.merchant_order_ids = f?.merchant_order_ids || [];
        l.linked_cents = f?.linked_cents || 0;
      }
    }
    paint();
  };

  const left = h('section.card.link-lines', { 'aria-label': t('link.lines_title') });
  const right = h('section.card.link-candidates', { 'aria-live': 'polite' });

  const paintLeft = () => {
    clear(left).append(h('h2', {}, t('link.lines_title')));
    if (groups.length === 0) left.append(h('p.empty', {}, t('editor.no_lines')));
    for (const g of groups) {
      const lineSum = g.lines.reduce((s, l) => s + (l.amount_cents || 0), 0);
      // A merchant order linked to several lines of the group (a group link) counts once.
      const amounts = new Map((candidates.get(g.key) || []).map((c) => [c.id, c.amount_cents]));
      const linkedIds = new Set(g.lines.flatMap((l) => l.merchant_order_ids));
      const groupLinked = [...linkedIds].every((id) => amounts.has(id))
        ? [...linkedIds].reduce((s, id) => s + amounts.get(id), 0)
        : g.lines.reduce((s, l) => s + l.linked_cents, 0);
      left.append(h('div.link-group', { 'data-testid': 'link-group', class: selectedGroup === g.key ? 'is-selected' : '' },
        h('h3', {}, g.merchant || t('link.no_merchant'), h('span.muted', {}, ` · ${g.month || t('link.no_month')}`)),
        h('p.muted.group-sum', { 'data-testid': 'link-group-sum' }, t('link.group_sum', { lines: cents(lineSum), linked: cents(groupLinked) })),
        frozen ? null : h('button.btn.btn-small', {
          type: 'button', 'aria-pressed': String(selectedGroup === g.key), 'data-testid': 'link-group-select',
          on: { click: () => { selectedGroup = g.key; paint(); } },
        }, t('match.group_select')),
        h('ul.link-line-list', {}, ...g.lines.map((l) => h('li', {}, lineButton(l, l.index + 1, selectedGroup === null && l.id === selected, () => {
          selected = l.id;
          selectedGroup = null;
          history.replaceState(null, '', `#/orders/${orderId}/link/${l.id}`);
          paint();
        }))))));
    }
  };

  const paintRight = () => {
    const whole = groups.find((x) => x.key === selectedGroup);
    if (whole) {
      groupPanel(right, orderId, whole, candidates.get(whole.key), error, reload);
      return;
    }
    const g = groups.find((x) => x.lines.some((l) => l.id === selected));
    if (!g) { clear(right); return; }
    const line = g.lines.find((l) => l.id === selected);
    candidatePanel(right, line, line.index + 1, candidates.get(g.key), frozen, error, reload);
  };

  const paint = () => { paintLeft(); paintRight(); };
  clear(view).append(
    h('div.toolbar', {},
      h('a.btn', { href: `#/orders/${orderId}`, 'data-testid': 'link-back' }, t('link.back')),
      h('h1', { 'data-testid': 'link-title' }, t('link.title_order', { id: orderId })),
      stateBadge(order.state)),
    frozen ? h('p.info-banner', { 'data-testid': 'link-frozen' }, t('link.frozen')) : h('p.muted', {}, t('link.hint')),
    error,
    frozen ? null : matchPanel(orderId, (id) => rowOf.get(id), reload),
    h('div.link-screen', {}, left, right));
  paint();
}

/** 自动匹配 on the linking screen: the counts by class first, 【全部关联】 for the unique
 * exact ones, 【撤销本次匹配】 for the newest run, then the rest walked by class (choices
 * side by side, suggestions with their difference, the reason where there is none). What
 * is proposed, and what may be applied, is the store's: the page only shows and asks.
 * `rowOf(id)` numbers a line as the screen does; `changed()` reads the lines again. */
function matchPanel(orderId, rowOf, changed) {
  const panel = h('section.card.match-panel', { 'data-testid': 'match-panel' });
  const status = h('span.muted', { 'data-testid': 'match-status', 'aria-live': 'polite' });
  const error = h('p.error-banner', { role: 'alert', hidden: true, 'data-testid': 'match-error' });
  const body = h('div');
  let review = null;
  let filter = null;

  async function load() {
    try {
      review = await call('match_review', { id: orderId });
    } catch (err) {
      error.textContent = errorText(err);
      error.hidden = false;
      return;
    }
    const c = review.counts;
    if (!filter || c[filter] === 0) filter = ['ambiguous', 'suggestion', 'none'].find((k) => c[k] > 0) || 'ambiguous';
    paint();
  }

  async function act(command, args, words) {
    error.hidden = true;
    try {
      status.textContent = words(await call(command, { id: orderId, ...args }));
    } catch (err) {
      error.textContent = errorText(err);
      error.hidden = false;
    }
    await changed();
    await load();
  }
  const applied = (run) => (run.id ? t('match.applied', { n: run.links, run: run.id }) : t('match.nothing_exact'));
  // Lists go to t() as arrays: the table's own separator joins them.
  const rows = (ids) => ids.map((id) => rowOf(id) ?? `#${id}`);
  const pairs = (lines, mos) => lines.flatMap((l) => mos.map((m) => [l, m]));

  function item(p) {
    const head = h('span.match-lines', {}, t('match.lines', { rows: rows(p.lines), amount: cents(p.lines_cents) }));
    if (p.class === 'ambiguous') {
      return h('li', { 'data-testid': 'match-item' }, head, h('ul.match-choices', {}, ...p.choices.map((c, i) => h('li', {},
        t('match.choice', { n: i + 1, rows: rows(c.lines), mos: c.merchant_orders.join(' + ') }), ' ',
        h('button.btn.btn-small', {
          type: 'button', 'data-testid': 'match-pick',
          on: { click: () => act('match_apply_picked', { links: pairs(c.lines, c.merchant_orders), picked: 'choice' }, applied) },
        }, t('match.pick'))))));
    }
    if (p.class === 'suggestion') {
      return h('li', { 'data-testid': 'match-item' }, head, ' ',
        t('match.suggest', { mos: p.merchant_orders.join(' + '), diff: cents(p.difference_cents), band: t(`match.band.${p.band}`) }), ' ',
        h('button.btn.btn-small', {
          type: 'button', 'data-testid': 'match-accept',
          on: { click: () => act('match_apply_picked', { links: pairs(p.lines, p.merchant_orders), picked: 'suggestion' }, applied) },
        }, t('match.accept')));
    }
    return h('li', { 'data-testid': 'match-item' }, head, ' ', h('span.muted', { 'data-testid': 'match-why' }, whyText(p.why)));
  }

  function paint() {
    const c = review.counts;
    const newest = review.runs.find((r) => !r.undone_at);
    const shown = review.review.filter((p) => p.class === filter);
    clear(body).append(
      h('p', { 'data-testid': 'match-counts' }, t('match.counts', { exact: c.unique_exact, ambiguous: c.ambiguous, suggestion: c.suggestion, none: c.none })),
      h('div.actions-bar', {},
        h('button.btn.btn-primary', {
          type: 'button', disabled: c.unique_exact === 0, 'data-testid': 'match-apply-all',
          on: { click: () => act('match_apply_exact', {}, applied) },
        }, t('match.apply_all')),
        newest ? h('button.btn', {
          type: 'button', 'data-testid': 'match-undo',
          on: { click: () => act('match_undo', { run: newest.id }, (n) => t('match.undone', { n })) },
        }, t('match.undo')) : null),
      h('div.match-filters', { role: 'group' }, ...['ambiguous', 'suggestion', 'none'].map((k) => h('button.btn.btn-small', {
        type: 'button', 'aria-pressed': String(k === filter), 'data-testid': `match-filter-${k}`,
        on: { click: () => { filter = k; paint(); } },
      }, t(`match.filter.${k}`, { n: c[k] })))),
      h('ul.match-list', { 'data-testid': 'match-list' }, ...shown.map(item)),
      review.review_total > review.review.length
        ? h('p.muted', {}, t('match.more', { n: review.review_total - review.review.length })) : null);
  }

  panel.append(
    h('div.toolbar', {},
      h('button.btn', { type: 'button', 'data-testid': 'match-run', on: { click: () => { error.hidden = true; load(); } } }, t('match.run')),
      status),
    error, body);
  return panel;
}

/** Why a line has no proposal, in words. */
function whyText(why) {
  const field = { mobile: 'editor.mobile', order_month: 'editor.order_month', amount: 'link.col.amount' };
  switch (why?.reason) {
    case 'incomplete': return t('match.why.incomplete', { missing: why.missing.map((f) => t(field[f] || f)) });
    case 'all_taken': return t('match.why.all_taken', { orders: why.taken_by.map((o) => `#${o}`) });
    case 'amounts_differ': return t('match.why.amounts_differ', { diff: cents(Math.abs(why.nearest_off_cents)) });
    case 'no_merchant_orders': return t('match.why.no_merchant_orders');
    default: return t('match.why.none_left');
  }
}

/** 关联商户订单 for a whole merchant-month group: tick the merchant orders the group was
 * bought under; the group's total stands beside the ticked total (a mismatch marked), and
 * one press links every line of the group to every ticked order, as one run. */
function groupPanel(panel, orderId, group, list, error, changed) {
  clear(panel);
  const ticked = new Set();
  const groupCents = group.lines.reduce((s, l) => s + (l.amount_cents || 0), 0);
  const sum = h('p.link-sum', { 'data-testid': 'link-group-total' });
  const apply = h('button.btn.btn-primary', {
    type: 'button', disabled: true, 'data-testid': 'link-group-apply',
    on: {
      click: async () => {
        error.hidden = true;
        try {
          await call('link_group', { id: orderId, lineIds: group.lines.map((l) => l.id), merchantOrderIds: [...ticked] });
        } catch (err) {
          error.textContent = errorText(err);
          error.hidden = false;
        }
        await changed();
      },
    },
  }, t('link.apply'));
  const paintSum = () => {
    const tickedCents = list.filter((c) => ticked.has(c.id)).reduce((s, c) => s + c.amount_cents, 0);
    sum.textContent = t('match.group_sum', { lines: cents(groupCents), ticked: cents(tickedCents) });
    sum.classList.toggle('mismatch', ticked.size > 0 && tickedCents !== groupCents);
    apply.disabled = ticked.size === 0;
  };
  paintSum();
  panel.append(
    h('h2', {}, t('match.group_title', { merchant: group.merchant || t('link.no_merchant'), month: group.month || t('link.no_month'), n: group.lines.length })),
    list.length === 0
      ? h('p.empty', { 'data-testid': 'link-none' }, t('link.none_cached'))
      : h('div.table-scroll', {}, h('table.grid', { 'data-testid': 'link-group-table' },
        h('thead', {}, h('tr', {}, ...['', 'link.col.id', 'link.col.month', 'link.col.product', 'link.col.amount']
          .map((k) => h('th', { scope: 'col' }, k ? t(k) : '')))),
        h('tbody', {}, ...list.map((c) => group.lines.every((l) => l.merchant_order_ids.includes(c.id)) ? h('tr.is-linked', {},
          h('td', {}, h('span.linked', { 'data-testid': 'link-group-linked' }, t('link.all'))),
          h('td.mono', {}, c.id),
          h('td', {}, c.order_month),
          h('td', {}, c.product_name || ''),
          h('td.num', {}, cents(c.amount_cents))) : h('tr', {},
          h('td', {}, h('input', {
            type: 'checkbox', 'aria-label': t('link.tick', { id: c.id }),
            'data-testid': 'link-group-candidate', dataset: { moId: c.id },
            on: { change: (e) => { if (e.target.checked) ticked.add(c.id); else ticked.delete(c.id); paintSum(); } },
          })),
          h('td.mono', {}, c.id),
          h('td', { class: c.order_month === group.month ? '' : 'muted' }, c.order_month),
          h('td', {}, c.product_name || ''),
          h('td.num', {}, cents(c.amount_cents))))))),
    h('div.actions-bar', {}, sum, apply));
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
        }, t('link.remove')))
        // Not linked here: taken already by another export order, and which.
        : c.taken_by ? h('span.muted', { 'data-testid': 'link-taken' }, t('link.taken_by', { order: c.taken_by })) : null));
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
    frozen ? null : matchPanel(orderId, () => null, () => show(at)),
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
