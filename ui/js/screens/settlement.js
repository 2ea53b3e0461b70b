// 结汇金额授权认证 (manual §3.3): binding the settlement entity (once, for good) with an SMS
// code, and 交易清单结汇金额授权, the settlement amounts locked for this company.
import { call } from '../api.js';
import { h, clear } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { cents, localTime } from '../format.js';
import { confirmDialog, revealable } from '../ui.js';
import { liveField, checkAll, showFormError } from '../forms.js';

export async function render(view) {
  let binding;
  let authorizations;
  const offline = h('p.warning-banner', { role: 'status', hidden: true, 'data-testid': 'settlement-offline' });
  try {
    authorizations = await call('settlement_authorizations');
  } catch (err) {
    clear(view).append(h('p.error-banner', { role: 'alert' }, errorText(err)));
    return;
  }
  try {
    binding = await call('settlement_binding');
  } catch (err) {
    binding = undefined;
    offline.textContent = errorText(err);
    offline.hidden = false;
  }
  const bindingCard = binding === undefined ? null : binding ? boundCard(binding) : bindForm(view);
  clear(view).append(
    h('div.toolbar', {}, h('h1', {}, t('settlement.title'))),
    offline,
    h('div.page-grid', {}, bindingCard, authorizationCard(authorizations)));
}

function boundCard(b) {
  const fact = (key, value, testid) => [h('dt', {}, t(key)), h('dd', testid ? { 'data-testid': testid } : {}, value)];
  return h('section.card', { 'data-testid': 'settlement-bound' },
    h('h2', {}, t('settlement.bound_title')),
    h('p.info-banner', {}, t('settlement.bound_hint')),
    h('dl.facts', {},
      fact('settlement.type', t(`settlement.type.${b.entity_type}`), 'settlement-bound-type'),
      fact('settlement.name', b.name, 'settlement-bound-name'),
      fact('settlement.uscc', b.uscc),
      fact('settlement.legal_rep_name', b.legal_rep_name),
      fact('settlement.legal_rep_id_no', revealable(b.legal_rep_id_no, () => call('settlement_reveal', { field: 'legal_rep_id_no' }), { label: t('reveal.id_label'), testid: 'reveal-id' })),
      fact('settlement.mobile', revealable(b.mobile, () => call('settlement_reveal', { field: 'mobile' }), { label: t('reveal.mobile_label'), testid: 'reveal-mobile' })),
      fact('settlement.bound_at', localTime(b.bound_at))));
}

function bindForm(view) {
  const banner = h('p.error-banner', { role: 'alert', hidden: true, 'data-testid': 'settlement-error' });
  const type = h('select#f-entity_type', { 'data-testid': 'f-entity_type', name: 'entity_type' },
    ...['individual', 'small_enterprise'].map((v) => h('option', { value: v }, t(`settlement.type.${v}`))));
  const fields = [
    liveField('name', 'settlement.name', 'name', { required: true, maxlength: 100 }),
    liveField('uscc', 'settlement.uscc', 'uscc', { required: true, maxlength: 18 }),
    liveField('legal_rep_name', 'settlement.legal_rep_name', 'name', { required: true, maxlength: 50 }),
    liveField('legal_rep_id_no', 'settlement.legal_rep_id_no', 'resident_id', { required: true, maxlength: 18 }),
    liveField('mobile', 'settlement.mobile', 'mobile', { required: true, maxlength: 11, inputmode: 'tel' }),
  ];
  const code = liveField('sms_code', 'settlement.sms_code', null, { required: true, maxlength: 6, inputmode: 'numeric' });
  const mobile = fields[4];
  let countdown = null;
  const sendCode = h('button.btn', {
    type: 'button',
    'data-testid': 'settlement-send-code',
    on: {
      click: async () => {
        banner.hidden = true;
        if (!(await mobile.check())) return;
        sendCode.disabled = true;
        try {
          const sent = await call('settlement_sms_code', { mobile: mobile.input.value.trim() });
          let left = sent.resend_after_s;
          const tick = () => {
            if (left <= 0) {
              clearInterval(countdown);
              sendCode.disabled = false;
              sendCode.textContent = t('settlement.send_code');
              return;
            }
            sendCode.textContent = t('settlement.resend_in', { s: left });
            left -= 1;
          };
          clearInterval(countdown);
          tick();
          countdown = setInterval(tick, 1000);
          code.input.focus();
        } catch (err) {
          sendCode.disabled = false;
          showFormError(form, banner, err);
        }
      },
    },
  }, t('settlement.send_code'));
  const submit = h('button.btn.btn-primary', { type: 'submit', 'data-testid': 'settlement-submit' }, t('settlement.submit'));
  const form = h('form', {
    novalidate: true,
    on: {
      submit: async (e) => {
        e.preventDefault();
        banner.hidden = true;
        if (!(await checkAll([...fields, code]))) return;
        // Bound for good: say so before it happens.
        if (!(await confirmDialog('dialog.bind_title', 'dialog.bind_body'))) return;
        submit.disabled = true;
        try {
          const [name, uscc, repName, repId, mob] = fields.map((f) => f.input.value.trim());
          await call('settlement_bind', {
            request: {
              entity_type: type.value, name, uscc, legal_rep_name: repName, legal_rep_id_no: repId,
              mobile: mob, sms_code: code.input.value.trim(),
            },
          });
          clearInterval(countdown);
          await render(view);
        } catch (err) {
          submit.disabled = false;
          showFormError(form, banner, err);
        }
      },
    },
  },
  h('p.warning-banner', {}, t('settlement.warning')),
  h('div.field', {}, h('label.label', { for: 'f-entity_type' }, t('settlement.type')), type),
  ...fields.map((f) => f.box),
  h('div.sms-row', {}, code.box, sendCode),
  banner,
  submit);
  return h('section.card', { 'data-testid': 'settlement-form' }, h('h2', {}, t('settlement.bind_title')), form);
}

function authorizationCard(list) {
  return h('section.card', { 'data-testid': 'settlement-authorizations' },
    h('h2', {}, t('settlement.authorizations')),
    list.length === 0
      ? h('p.muted', {}, t('settlement.no_authorizations'))
      : h('table.grid', {},
        h('thead', {}, h('tr', {}, ...['settlement.col.merchant_order', 'settlement.col.merchant', 'settlement.col.amount', 'settlement.col.locked_at']
          .map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, ...list.map((a) => h('tr', { 'data-testid': 'authorization-row' },
          h('td.mono', {}, h('a', { href: `#/merchant-orders/${encodeURIComponent(a.merchant_order_id)}` }, a.merchant_order_id)),
          h('td', {}, a.merchant_name),
          h('td.num', {}, cents(a.amount_cents)),
          h('td', {}, localTime(a.locked_at)))))));
}
