// 关联商户订单 (manual §3.1 step 4) for one line: the merchant orders its merchant sent to
// this company, from the local cache (works offline). Each tick is saved at once (with its
// audit row, and queued for the platform once the order is confirmed); the linked amounts
// are summed beside the line's amount and a mismatch is highlighted.
import { call } from '../api.js';
import { h, clear } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { cents } from '../format.js';

/** Opens the dialog for `line` (a saved line: {id, amount_cents, merchant_order_ids, …}).
 * Resolves when it closes, with whether any link changed. */
export async function openLinkDialog(line, { frozen }) {
  const linked = new Set(line.merchant_order_ids);
  let changed = false;
  let candidates = [];
  const error = h('p.error-banner', { role: 'alert', hidden: true, 'data-testid': 'link-error' });
  const sum = h('span.link-sum', { 'data-testid': 'link-sum' });
  const body = h('tbody', {});
  const dialog = h('dialog.dialog.link-dialog', { 'data-testid': 'link-dialog' },
    h('h2', {}, t('link.title')),
    h('p.muted', {}, t('link.line', {
      merchant: line.merchant_name || '', month: line.order_month || '', amount: cents(line.amount_cents),
    })),
    error,
    h('div.link-list', {}, h('table.grid', {},
      h('thead', {}, h('tr', {}, ...['', 'link.col.id', 'link.col.month', 'link.col.product', 'link.col.buyer', 'link.col.amount']
        .map((k) => h('th', { scope: 'col' }, k ? t(k) : '')))),
      body)),
    h('div.dialog-actions', {}, sum,
      h('button.btn.btn-primary', { type: 'button', 'data-testid': 'link-close', on: { click: () => dialog.close() } }, t('link.done'))));

  const paintSum = () => {
    const total = candidates.filter((c) => linked.has(c.id)).reduce((s, c) => s + c.amount_cents, 0);
    sum.textContent = t('link.sum', { linked: cents(total), line: cents(line.amount_cents) });
    sum.classList.toggle('mismatch', linked.size > 0 && total !== line.amount_cents);
  };

  const paint = () => {
    clear(body);
    if (candidates.length === 0) {
      body.append(h('tr', {}, h('td.empty', { colspan: 6, 'data-testid': 'link-none' }, t('link.none_cached'))));
    }
    for (const c of candidates) {
      const box = h('input', {
        type: 'checkbox', checked: linked.has(c.id), disabled: frozen,
        'aria-label': t('link.tick', { id: c.id }),
        'data-testid': 'link-candidate', dataset: { moId: c.id },
        on: {
          change: async (e) => {
            const on = e.target.checked;
            e.target.disabled = true;
            error.hidden = true;
            try {
              await call(on ? 'link_line' : 'unlink_line', { lineId: line.id, merchantOrderId: c.id });
              if (on) linked.add(c.id); else linked.delete(c.id);
              changed = true;
            } catch (err) {
              e.target.checked = !on;
              error.textContent = errorText(err);
              error.hidden = false;
            }
            e.target.disabled = frozen;
            paintSum();
          },
        },
      });
      body.append(h('tr', {},
        h('td', {}, box),
        h('td.mono', {}, c.id),
        h('td', {}, c.order_month),
        h('td', {}, c.product_name || ''),
        h('td', {}, c.buyer_name || ''),
        h('td.num', {}, cents(c.amount_cents))));
    }
    paintSum();
  };

  document.body.append(dialog);
  try {
    candidates = await call('link_candidates', { lineId: line.id });
  } catch (err) {
    error.textContent = errorText(err);
    error.hidden = false;
  }
  paint();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => { dialog.remove(); resolve(changed); }, { once: true });
    dialog.showModal();
  });
}
