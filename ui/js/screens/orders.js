// The order list (信保订单登记 page): every order with its state, link and sync state.
import { call } from '../api.js';
import { h, clear } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { cents, countryName, localTime } from '../format.js';
import { confirmDialog, pager, revealable, saveFile, stateBadge, syncBadge, toast } from '../ui.js';
import { allows } from '../actions.js';

const PAGE_SIZE = 50;
// The filters outlive the screen: back from an order, the clerk finds the list as left.
const filters = { state: '', sync: '', country: '', month: '', search: '', page: 0, sort: null };

/** The list's sortable columns: its heading key → the store's sort column. Text sorts A→Z
 * first, amounts and dates largest or newest first. */
const SORTABLE = {
  'list.col.buyer': { by: 'buyer_name', firstDescending: false },
  'list.col.country': { by: 'country', firstDescending: false },
  'list.col.total': { by: 'total_amount', firstDescending: true },
  'list.col.state': { by: 'state', firstDescending: false },
  'list.col.updated': { by: 'updated_at', firstDescending: true },
};

/** Local months from the oldest order's to this one, newest first, as `YYYY-MM`. */
function monthsSince(firstUtc) {
  const now = new Date();
  const first = firstUtc ? new Date(firstUtc) : now;
  const out = [];
  let y = now.getFullYear();
  let m = now.getMonth();
  while ((y > first.getFullYear() || (y === first.getFullYear() && m >= first.getMonth())) && out.length < 240) {
    out.push(`${y}-${String(m + 1).padStart(2, '0')}`);
    m -= 1;
    if (m < 0) { m = 11; y -= 1; }
  }
  return out;
}

/** The list query of the filters: a local month becomes a UTC range. */
function query() {
  const q = { limit: PAGE_SIZE, offset: filters.page * PAGE_SIZE };
  if (filters.sort) q.sort = filters.sort;
  if (filters.state) q.state = filters.state;
  if (filters.sync) q.sync_state = filters.sync;
  if (filters.country) q.country = filters.country;
  if (filters.search.trim()) q.search = filters.search.trim();
  if (filters.month) {
    const [y, m] = filters.month.split('-').map(Number);
    q.created_from = new Date(y, m - 1, 1).toISOString();
    q.created_to = new Date(y, m, 1).toISOString();
  }
  return q;
}

function select(id, label, value, options, onChange) {
  const el = h(`select#${id}`, {
    'data-testid': id,
    on: { change: (e) => onChange(e.target.value) },
  },
  h('option', { value: '' }, t('list.filter.all')),
  ...options.map(([v, text]) => h('option', { value: v, selected: value === v }, text)));
  return h('label.inline', { for: id }, label, el);
}

let shownResults = null;

/** Re-reads the page of results in place (the filters and the search box keep their
 * focus and text); false when the list is not on screen. */
export function refreshResults() {
  if (!shownResults || !document.body.contains(shownResults.el)) return false;
  shownResults.refresh();
  return true;
}

export async function render(view) {
  let facets;
  try {
    facets = await call('list_facets');
  } catch (err) {
    clear(view).append(h('p.error-banner', { role: 'alert' }, errorText(err)));
    return;
  }
  const results = h('div.list-results', { 'aria-live': 'polite' });
  let shown = 0;
  const refresh = async () => {
    const asked = ++shown;
    let page;
    try {
      page = await call('list_orders', { query: query() });
    } catch (err) {
      clear(results).append(h('p.error-banner', { role: 'alert' }, errorText(err)));
      return;
    }
    // A slower answer to an older question never replaces a newer one.
    if (asked === shown) showPage(results, page, refresh);
  };
  const set = (key) => (value) => { filters[key] = value; filters.page = 0; refresh(); };

  let typing;
  const search = h('input#list-search', {
    type: 'search',
    'data-testid': 'list-search',
    value: filters.search,
    placeholder: t('list.search_hint'),
    autocomplete: 'off',
    on: {
      input: (e) => {
        clearTimeout(typing);
        typing = setTimeout(() => set('search')(e.target.value), 200);
      },
    },
  });
  const toolbar = h('div.toolbar',
    {},
    h('h1', {}, t('list.title')),
    h('div.toolbar-end', {},
      h('button.btn', {
        type: 'button',
        'data-testid': 'export-orders',
        on: { click: () => saveFile('export_orders', { query: { ...query(), limit: null, offset: null } }) },
      }, t('list.export')),
      h('a.btn', { href: '#/customs-bulk', 'data-testid': 'customs-bulk' }, t('customs_bulk.title')),
      h('a.btn.btn-primary', { href: '#/orders/new', 'data-testid': 'new-order' }, t('nav.new_order'))));
  const filterBar = h('div.filter-bar', { role: 'search' },
    h('label.inline.search', { for: 'list-search' }, t('list.search'), search),
    select('state-filter', t('list.filter.state'), filters.state,
      ['draft', 'confirmed', 'declared'].map((s) => [s, t(`state.${s}`)]), set('state')),
    select('sync-filter', t('list.filter.sync'), filters.sync,
      ['local', 'pending', 'synced', 'rejected'].map((s) => [s, t(`sync.${s}`)]), set('sync')),
    select('month-filter', t('list.filter.month'), filters.month,
      monthsSince(facets.first_created_at).map((m) => [m, m]), set('month')),
    select('country-filter', t('list.filter.country'), filters.country,
      facets.countries.map((c) => [c, countryName(c)]), set('country')));

  clear(view).append(toolbar, filterBar, results);
  shownResults = { el: results, refresh };
  await refresh();
}

/** A column heading; a sortable one is a button that sorts by it (again: the other way). The
 * default order, newest change first, is the last-changed column sorted descending. */
function heading(key, refresh) {
  const col = SORTABLE[key];
  if (!col) return h('th', { scope: 'col' }, t(key));
  const current = filters.sort || { by: 'updated_at', descending: true };
  const active = current.by === col.by;
  const ariaSort = !active ? 'none' : current.descending ? 'descending' : 'ascending';
  return h('th', { scope: 'col', 'aria-sort': ariaSort },
    h('button.sort', {
      type: 'button',
      'data-testid': `sort-${col.by}`,
      title: t('list.sort_by', { col: t(key) }),
      on: {
        click: () => {
          filters.sort = { by: col.by, descending: active ? !current.descending : col.firstDescending };
          filters.page = 0;
          refresh();
        },
      },
    }, t(key), h('span.sort-mark', { 'aria-hidden': 'true' }, !active ? '' : current.descending ? ' ▼' : ' ▲')));
}

function showPage(results, page, refresh) {
  const filtered = filters.state || filters.sync || filters.country || filters.month || filters.search.trim();
  let body;
  if (page.orders.length > 0) {
    body = h('table.grid.orders', { 'data-testid': 'orders-table' },
      h('thead', {}, h('tr', {}, ...[
        'list.col.id', 'list.col.buyer', 'list.col.passport', 'list.col.country', 'list.col.total',
        'list.col.lines', 'list.col.link', 'list.col.state', 'list.col.customs', 'list.col.sync', 'list.col.origin', 'list.col.updated', 'list.col.actions',
      ].map((k) => heading(k, refresh)))),
      h('tbody', {}, ...page.orders.map((o) => row(o, refresh))));
  } else if (filtered) {
    body = h('p.empty', { 'data-testid': 'orders-none-match' }, t('list.none_match'));
  } else {
    body = h('p.empty', { 'data-testid': 'orders-empty' }, t('list.empty'));
  }
  clear(results).append(body, pager({
    total: page.total,
    page: filters.page,
    pageSize: PAGE_SIZE,
    countText: t('list.count', { n: page.total }),
    countTestid: 'list-count',
    go: (p) => { filters.page = p; refresh(); },
  }));
}

function linkText(o) {
  if (o.line_count === 0 || o.linked_line_count === 0) return t('link.none');
  if (o.linked_line_count < o.line_count) return t('link.partial', { linked: o.linked_line_count, n: o.line_count });
  return t('link.all');
}

/** Where the order was entered: 本机, another computer, or the platform's web pages; who
 * last changed it on the platform, when known, in its title. */
function originBadge(o) {
  if (!o.origin) return null;
  return h(`span.badge.badge-origin.badge-origin-${o.origin}`, {
    'data-testid': 'origin-badge',
    dataset: { origin: o.origin },
    title: o.changed_by ? t('editor.changed_by', { name: o.changed_by }) : undefined,
  }, t(`origin.${o.origin}`));
}

function row(o, refresh) {
  const open = () => { location.hash = `#/orders/${o.id}`; };
  const actions = h('td', {}, h('div.row-actions', {},
    h('button.btn.btn-small', { type: 'button', 'data-testid': 'open-order', on: { click: open } }, t('list.open')),
    allows(o, 'delete')
      ? h('button.btn.btn-small.btn-danger', {
        type: 'button',
        'data-testid': 'delete-order',
        on: {
          click: async (e) => {
            e.stopPropagation();
            if (!(await confirmDialog('dialog.delete_title', 'dialog.delete_body'))) return;
            try {
              await call('delete_draft', { id: o.id });
              toast(t('toast.deleted'));
            } catch (err) {
              toast(errorText(err));
            }
            refresh();
          },
        },
      }, t('list.delete'))
      : null));
  return h('tr', { 'data-testid': 'order-row', dataset: { orderId: o.id }, on: { dblclick: open } },
    h('td.mono.nowrap', { 'data-testid': 'order-no' }, o.order_no),
    h('td', { 'data-testid': 'order-buyer' }, o.buyer_name || h('span.muted', {}, t('list.unnamed'))),
    h('td', {}, revealable(o.passport_masked || '', () => call('reveal_passport', { id: o.id }), { label: t('reveal.passport_label') })),
    h('td', {}, o.country ? countryName(o.country) : ''),
    h('td.num', {}, cents(o.total_cents)),
    h('td.num', { 'data-testid': 'order-lines' }, t('list.lines_n', { n: o.line_count })),
    h('td', {}, linkText(o)),
    h('td', {}, stateBadge(o.state)),
    h('td.mono', { 'data-testid': 'order-customs' }, o.customs_no || ''),
    h('td', {}, syncBadge(o.sync_state),
      o.rejection ? h('div.rejection', { 'data-testid': 'order-rejection', title: o.rejection_message || undefined }, errorText({ code: o.rejection }),
        o.rejection_message ? h('div.rejection-message', { 'data-testid': 'order-rejection-message' }, o.rejection_message) : null) : null),
    h('td', {}, originBadge(o)),
    h('td', {}, localTime(o.updated_at)),
    actions);
}
