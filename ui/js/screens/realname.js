// 实名认证 (manual §2.3): the status (未认证 / 待审核 / 已通过 / 已驳回 with the reason), and
// while unverified or rejected the form: nationality decides which photos are asked for,
// each photo is picked in the native dialog, checked at once and previewed; the office
// address; 【提交】.
import { call } from '../api.js';
import { h, clear } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { localTime } from '../format.js';
import { liveField, setFieldError } from '../forms.js';

const PHOTOS = { chinese: ['holding_id', 'id_front', 'id_back'], foreign: ['holding_id', 'passport', 'merchant_card'] };

export async function render(view, onAccount) {
  let state;
  try {
    state = await call('realname_state');
  } catch (err) {
    clear(view).append(
      h('div.toolbar', {}, h('h1', {}, t('realname.title'))),
      h('p.error-banner', { role: 'alert', 'data-testid': 'realname-error' }, errorText(err)));
    return;
  }
  const refresh = h('button.btn', {
    type: 'button',
    'data-testid': 'realname-refresh',
    on: {
      click: async () => {
        try {
          onAccount(await call('account_refresh'));
        } catch (err) {
          // The status below is read again either way.
          console.warn(err.code);
        }
        await render(view, onAccount);
      },
    },
  }, t('realname.refresh'));
  const fact = (key, value, testid) => (value ? [h('dt', {}, t(key)), h('dd', testid ? { 'data-testid': testid } : {}, value)] : null);
  const status = h('section.card', { 'data-testid': 'realname-status-card' },
    h('h2', {}, t('realname.status')),
    h('dl.facts', {},
      h('dt', {}, t('realname.status')),
      h('dd', {}, h(`span.badge.badge-realname-${state.status}`, { 'data-testid': 'realname-status' }, t(`realname.status.${state.status}`))),
      fact('realname.reason', state.reason, 'realname-reason'),
      fact('realname.nationality', state.nationality && t(`realname.nationality.${state.nationality}`)),
      fact('realname.office_address', state.office_address),
      fact('realname.submitted_at', state.submitted_at && localTime(state.submitted_at)),
      fact('realname.decided_at', state.decided_at && localTime(state.decided_at))),
    state.status === 'pending' ? h('p.info-banner', {}, t('realname.pending_hint')) : null,
    state.status === 'approved' ? h('p.ok-banner', {}, t('realname.approved_hint')) : null,
    h('div.card-actions', {}, refresh));
  const canSubmit = state.status === 'unverified' || state.status === 'rejected';
  clear(view).append(
    h('div.toolbar', {}, h('h1', {}, t('realname.title'))),
    h('div.page-grid', {}, status, canSubmit ? form(view, onAccount, state) : null));
}

function form(view, onAccount, state) {
  const chosen = { nationality: state.nationality || 'chinese', photos: {}, previews: {} };
  const banner = h('p.error-banner', { role: 'alert', hidden: true, 'data-testid': 'realname-submit-error' });
  const address = liveField('office_address', 'realname.office_address', 'address', { required: true, maxlength: 200, value: state.office_address || '' });
  const slots = h('div.photo-slots');
  const paintSlots = () => {
    clear(slots).append(...PHOTOS[chosen.nationality].map((part) => photoSlot(part, chosen)));
  };
  const nationality = h('div.radio-row', { role: 'radiogroup', 'aria-label': t('realname.nationality') },
    ...['chinese', 'foreign'].map((n) => h('label.check', {},
      h('input', {
        type: 'radio', name: 'nationality', value: n, checked: chosen.nationality === n,
        'data-testid': `realname-nationality-${n}`,
        on: { change: () => { chosen.nationality = n; paintSlots(); } },
      }),
      h('span', {}, t(`realname.nationality.${n}`)))));
  paintSlots();
  const submit = h('button.btn.btn-primary', { type: 'submit', 'data-testid': 'realname-submit' }, t('realname.submit'));
  const el = h('form', {
    novalidate: true,
    on: {
      submit: async (e) => {
        e.preventDefault();
        banner.hidden = true;
        let ok = await address.check();
        for (const part of PHOTOS[chosen.nationality]) {
          if (!chosen.photos[part]) {
            const err = slots.querySelector(`.field-error[data-field="${part}"]`);
            err.textContent = t('realname.photo_missing');
            ok = false;
          }
        }
        if (!ok) return;
        submit.disabled = true;
        const photos = Object.fromEntries(PHOTOS[chosen.nationality].map((p) => [p, chosen.photos[p]]));
        try {
          await call('realname_submit', { nationality: chosen.nationality, officeAddress: address.input.value.trim(), photos });
          try { onAccount(await call('account_refresh')); } catch { /* shown as submitted below */ }
          await render(view, onAccount);
        } catch (err) {
          submit.disabled = false;
          const holder = err.field && el.querySelector(`.field-error[data-field="${CSS.escape(err.field)}"]`);
          if (holder) holder.textContent = errorText(err);
          else {
            banner.textContent = errorText(err);
            banner.hidden = false;
          }
        }
      },
    },
  },
  h('div.field', {}, h('span.label', {}, t('realname.nationality')), nationality),
  slots,
  address.box,
  banner,
  submit);
  return h('section.card', { 'data-testid': 'realname-form' }, h('h2', {}, t('realname.form_title')), el);
}

function photoSlot(part, chosen) {
  // A photo picked before the nationality changed stays picked (the holding-ID photo).
  const kept = chosen.previews[part];
  const preview = h('img.photo-preview', { alt: t(`realname.photo.${part}`), hidden: !kept, src: kept?.src, 'data-testid': `realname-preview-${part}` });
  const name = h('span.muted.small.photo-name', { 'data-testid': `realname-file-${part}` }, kept?.name || '');
  const error = h('small.field-error', { dataset: { field: part }, 'data-testid': `err-${part}`, 'aria-live': 'polite' });
  const pick = h('button.btn', {
    type: 'button',
    'data-testid': `realname-pick-${part}`,
    on: {
      click: async () => {
        error.textContent = '';
        try {
          const photo = await call('pick_photo');
          if (!photo) return;
          chosen.photos[part] = photo.token;
          chosen.previews[part] = { src: photo.preview, name: photo.file_name };
          preview.src = photo.preview;
          preview.hidden = false;
          name.textContent = photo.file_name;
          pick.textContent = t('realname.repick');
        } catch (err) {
          delete chosen.photos[part];
          delete chosen.previews[part];
          preview.hidden = true;
          name.textContent = '';
          setFieldError(pick, error, errorText(err));
        }
      },
    },
  }, chosen.photos[part] ? t('realname.repick') : t('realname.pick'));
  return h('div.photo-slot', { 'data-testid': `realname-slot-${part}` },
    h('span.label', {}, t(`realname.photo.${part}`)),
    preview, h('div.row-actions', {}, pick), name, error);
}
