// The order list (信保订单登记 page): every order with its state, link and sync state.
import { call } from '../api.js';
import { h, clear } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { cents, countryName, localTime } from '../format.js';
import { confirmDialog, stateBadge, syncBadge, toast } from '../ui.js';

const PAGE_SIZE = 50;
const filters = { state: null, page: 0 };

export async function render(view) {
  let page;
  try {
    page = await call('list_orders', {
      query: { state: filters.state, limit: PAGE_SIZE, offset: filters.page * PAGE_SIZE },
    });
  } catch (err) {
    clear(view).append(h('p.error-banner', { role: 'alert' }, errorText(err)));
    return;
  }
  const pages = Math.max(1, Math.ceil(page.total / PAGE_SIZE));

  const stateFilter = h('select#state-filter', {
    'aria-label': t('list.filter.state'),
    on: { change: (e) => { filters.state = e.target.value || null; filters.page = 0; render(view); } },
  },
  h('option', { value: '' }, t('list.filter.all')),
  ...['draft', 'confirmed', 'declared'].map((s) => h('option', { value: s, selected: filters.state === s }, t(`state.${s}`))));

  const toolbar = h('div.toolbar',
    {},
    h('h1', {}, t('list.title')),
    h('div.toolbar-end', {},
      h('label.inline', {}, t('list.filter.state'), stateFilter),
      h('button.btn', {
        type: 'button',
        'data-testid': 'export-orders',
        on: {
          click: async () => {
            try {
              const saved = await call('export_orders');
              if (saved) toast(t('files.saved', { name: saved.file_name }));
            } catch (err) {
              toast(errorText(err));
            }
          },
        },
      }, t('list.export')),
      h('a.btn.btn-primary', { href: '#/orders/new', 'data-testid': 'new-order' }, t('nav.new_order'))));

  const body = page.orders.length === 0
    ? h('p.empty', { 'data-testid': 'orders-empty' }, t('list.empty'))
    : h('table.grid.orders', { 'data-testid': 'orders-table' },
      h('thead', {}, h('tr', {}, ...[
        'list.col.id', 'list.col.buyer', 'list.col.passport', 'list.col.country', 'list.col.total',
        'list.col.lines', 'list.col.link', 'list.col.state', 'list.col.sync', 'list.col.updated', 'list.col.actions',
      ].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, ...page.orders.map((o) => row(o, view))));

  const pager = h('div.pager', {},
    h('span', {}, t('list.count', { n: page.total })),
    h('button.btn', { type: 'button', disabled: filters.page === 0, on: { click: () => { filters.page -= 1; render(view); } } }, t('list.prev')),
    h('span', {}, t('list.page', { page: filters.page + 1, pages })),
    h('button.btn', { type: 'button', disabled: filters.page + 1 >= pages, on: { click: () => { filters.page += 1; render(view); } } }, t('list.next')));

  clear(view).append(toolbar, body, pager);
}

function linkText(o) {
  if (o.line_count === 0 || o.linked_line_count === 0) return t('link.none');
  if (o.linked_line_count < o.line_count) return t('link.partial', { linked: o.linked_line_count, n: o.line_count });
  return t('link.all');
}

function row(o, view) {
  const open = () => { location.hash = `#/orders/${o.id}`; };
  const actions = h('td', {}, h('div.row-actions', {},
    h('button.btn.btn-small', { type: 'button', on: { click: open } }, t('list.open')),
    o.state === 'draft'
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
            render(view);
          },
        },
      }, t('list.delete'))
      : null));
  return h('tr', { 'data-testid': 'order-row', dataset: { orderId: o.id }, on: { dblclick: open } },
    h('td.num', {}, o.id),
    h('td', { 'data-testid': 'order-buyer' }, o.buyer_name || h('span.muted', {}, t('list.unnamed'))),
    h('td.mono', {}, o.passport_masked || ''),
    h('td', {}, o.country ? countryName(o.country) : ''),
    h('td.num', {}, cents(o.total_cents)),
    h('td.num', { 'data-testid': 'order-lines' }, t('list.lines_n', { n: o.line_count })),
    h('td', {}, linkText(o)),
    h('td', {}, stateBadge(o.state)),
    h('td', { title: o.rejection ? errorText({ code: o.rejection }) : '' }, syncBadge(o.sync_state)),
    h('td', {}, localTime(o.updated_at)),
    actions);
}
