// 商户信保订单查询 (manual §3.2): the merchant orders sent to this company, from the local
// cache the sync keeps (so it works offline); the buyer's name opens the detail.
import { call } from '../api.js';
import { h, clear } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { cents, localTime } from '../format.js';
import { pager, revealable } from '../ui.js';

const PAGE_SIZE = 50;
const filters = { search: '', page: 0 };

export async function render(view) {
  const results = h('div.list-results', { 'aria-live': 'polite' });
  let asked = 0;
  const refresh = async () => {
    const mine = ++asked;
    let page;
    try {
      page = await call('merchant_orders', {
        query: { search: filters.search.trim() || null, limit: PAGE_SIZE, offset: filters.page * PAGE_SIZE },
      });
    } catch (err) {
      clear(results).append(h('p.error-banner', { role: 'alert' }, errorText(err)));
      return;
    }
    if (mine === asked) showPage(results, page, refresh);
  };
  let typing;
  const search = h('input#mo-search', {
    type: 'search', value: filters.search, autocomplete: 'off', 'data-testid': 'mo-search',
    placeholder: t('mo.search_hint'),
    on: {
      input: (e) => {
        clearTimeout(typing);
        typing = setTimeout(() => { filters.search = e.target.value; filters.page = 0; refresh(); }, 200);
      },
    },
  });
  clear(view).append(
    h('div.toolbar', {}, h('h1', {}, t('mo.title'))),
    h('p.muted', {}, t('mo.subtitle')),
    h('div.filter-bar', { role: 'search' }, h('label.inline.search', { for: 'mo-search' }, t('list.search'), search)),
    results);
  await refresh();
}

function showPage(results, page, refresh) {
  const body = page.orders.length === 0
    ? h('p.empty', { 'data-testid': 'mo-empty' }, t(filters.search.trim() ? 'list.none_match' : 'mo.empty'))
    : h('table.grid', { 'data-testid': 'mo-table' },
      h('thead', {}, h('tr', {}, ...['mo.col.buyer', 'mo.col.merchant', 'mo.col.procurement_no', 'mo.col.mobile',
        'mo.col.month', 'mo.col.product', 'mo.col.amount', 'mo.col.linked', 'mo.col.sent'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, ...page.orders.map((o) => h('tr', { 'data-testid': 'mo-row', dataset: { id: o.id } },
        h('td', {}, h('a', { href: `#/merchant-orders/${encodeURIComponent(o.id)}`, 'data-testid': 'mo-buyer' }, o.buyer_name || t('list.unnamed'))),
        h('td', {}, o.merchant_name),
        h('td.mono', {}, o.procurement_no || ''),
        h('td', {}, revealable(o.mobile_masked, () => call('reveal_merchant_mobile', { id: o.id }), { label: t('reveal.mobile_label') })),
        h('td', {}, o.order_month),
        h('td', {}, o.product_name || ''),
        h('td.num', {}, cents(o.amount_cents)),
        h('td', {}, o.linked_lines > 0 ? h('span.linked', {}, t('mo.linked_n', { n: o.linked_lines })) : h('span.muted', {}, t('link.none'))),
        h('td', {}, o.sent_at ? localTime(o.sent_at) : '')))));
  clear(results).append(body, pager({
    total: page.total,
    page: filters.page,
    pageSize: PAGE_SIZE,
    countText: t('mo.count', { n: page.total }),
    countTestid: 'mo-count',
    go: (p) => { filters.page = p; refresh(); },
  }));
}

/** The detail page (图3-2-2): everything the merchant entered, and our lines linked to it. */
export async function renderDetail(view, id) {
  let d;
  try {
    d = await call('merchant_order', { id });
  } catch (err) {
    clear(view).append(h('p.error-banner', { role: 'alert' }, errorText(err)));
    return;
  }
  const fact = (key, value, testid) => [h('dt', {}, t(key)), h('dd', testid ? { 'data-testid': testid } : {}, value ?? '')];
  clear(view).append(
    h('div.toolbar', {},
      h('a.btn', { href: '#/merchant-orders', 'data-testid': 'mo-back' }, t('mo.back')),
      h('h1', {}, t('mo.detail_title'))),
    h('section.card', { 'data-testid': 'mo-detail' },
      h('dl.facts', {},
        fact('mo.col.id', d.id),
        fact('mo.col.buyer', d.buyer_name, 'mo-detail-buyer'),
        fact('mo.col.merchant', d.merchant_name, 'mo-detail-merchant'),
        fact('mo.col.procurement_no', d.procurement_no),
        fact('mo.col.mobile', revealable(d.mobile_masked, () => call('reveal_merchant_mobile', { id: d.id }), { label: t('reveal.mobile_label') })),
        fact('mo.col.month', d.order_month),
        fact('mo.col.product', d.product_name),
        fact('mo.col.quantity', d.quantity),
        fact('mo.col.packages', d.packages),
        fact('mo.col.amount', cents(d.amount_cents), 'mo-detail-amount'),
        fact('mo.col.sent', d.sent_at ? localTime(d.sent_at) : ''))),
    h('section.card', {},
      h('h2', {}, t('mo.linked_title')),
      d.linked.length === 0
        ? h('p.muted', { 'data-testid': 'mo-detail-unlinked' }, t('mo.not_linked'))
        : h('ul', {}, ...d.linked.map((l) => h('li', {},
          h('a', { href: `#/orders/${l.order_id}` }, t('mo.linked_line', { order: l.order_id, line: l.position + 1, buyer: l.buyer_name || '' })),
          ` · ${cents(l.amount_cents)}`)))));
}
