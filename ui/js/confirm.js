// 订单确认 and 报关单号, as the editor and the page of a large order both offer them: the
// store checks first (every problem listed in words, nothing asked), the clerk is asked only
// when the order can be confirmed. Which problems there are is the domain's rule; this only
// shows them.
import { call } from './api.js';
import { h } from './dom.js';
import { t, errorText } from './i18n.js';
import { confirmDialog, toast } from './ui.js';

/** The order's own fields, by the name a problem gives. */
const FIELD_LABELS = {
  buyer_name: 'editor.buyer_name',
  passport_no: 'editor.passport_no',
  country: 'editor.country',
  total_amount: 'editor.total_amount',
  lines: 'editor.lines',
};

/** At most this many problems are listed; the rest are counted (a large order may have
 * one per line). */
const PROBLEMS_SHOWN = 20;

/** What keeps an order from confirmation, one item per problem, in words. */
export function problemsDialog(err) {
  const label = (field) => {
    const m = /^lines\[(\d+)\]/.exec(field || '');
    if (m) return t('editor.line_n', { n: Number(m[1]) + 1 });
    return FIELD_LABELS[field] ? t(FIELD_LABELS[field]) : '';
  };
  const all = err.fields && err.fields.length ? err.fields : [err];
  const items = all.slice(0, PROBLEMS_SHOWN)
    .map((fe) => h('li', {}, label(fe.field) ? h('strong', {}, `${label(fe.field)}${t('punct.colon')}`) : null, errorText(fe)));
  // The store sends the first thousand problems and counts the rest.
  const total = err.params?.fields_total ?? all.length;
  if (total > PROBLEMS_SHOWN) {
    items.push(h('li.muted', { 'data-testid': 'problems-more' }, t('dialog.problems_more', { n: total - PROBLEMS_SHOWN })));
  }
  const dialog = h('dialog.dialog', { 'data-testid': 'confirm-problems' },
    h('h2', {}, t('dialog.problems_title')),
    h('ul.problems', {}, ...items),
    h('div.dialog-actions', {}, h('button.btn.btn-primary', { type: 'button', 'data-testid': 'problems-close', on: { click: () => dialog.close() } }, t('dialog.problems_close'))));
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => { dialog.remove(); resolve(); }, { once: true });
    dialog.showModal();
  });
}

/** 【订单确认】: checked first (the problems listed, nothing asked), then asked (the buyer
 * freezes for good), then confirmed. `{ confirmed }`, or `{ err }` when refused. */
export async function confirmOrder(id) {
  try {
    await call('confirm_check', { id });
  } catch (err) {
    await problemsDialog(err);
    return { confirmed: false, err };
  }
  if (!(await confirmDialog('dialog.confirm_title', 'dialog.confirm_body'))) return { confirmed: false };
  try {
    await call('confirm_order', { id });
  } catch (err) {
    await problemsDialog(err);
    return { confirmed: false, err };
  }
  toast(t('editor.confirmed'));
  return { confirmed: true };
}

/** 报关单号 of a confirmed order: asked first (the order is declared for good), then
 * attached; `done()` after. A refusal shows under the input. */
export function customsEntry(id, done) {
  const input = h('input#customs_no.mono', {
    name: 'customs_no', maxlength: 18, size: 20, inputmode: 'numeric',
    placeholder: t('editor.customs_hint'), 'aria-label': t('editor.customs_no'),
    'data-testid': 'customs-input',
  });
  const problem = h('small.field-error#err-customs_no', { 'aria-live': 'polite', 'data-testid': 'customs-error' });
  const submit = async () => {
    problem.textContent = '';
    input.classList.remove('invalid');
    if (!(await confirmDialog('dialog.customs_title', 'dialog.customs_body'))) return;
    try {
      await call('attach_customs_no', { id, customsNo: input.value });
      toast(t('editor.declared'));
      await done();
    } catch (err) {
      problem.textContent = errorText(err.fields?.[0] || err);
      input.classList.add('invalid');
      input.focus();
    }
  };
  return h('div.customs-entry', {},
    h('label.inline', {}, t('editor.customs_no'), input),
    h('button.btn.btn-primary', { type: 'button', 'data-testid': 'customs-submit', on: { click: submit } }, t('editor.customs_submit')),
    problem);
}
