// Registration (manual §2.1): the company against the platform's registry (【验证】), then
// the profile and the password (【激活】). The login account is the USCC.
import { call } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { liveField, repeatField, checkAll, showFormError } from '../forms.js';
import { captchaField } from '../captcha.js';

/** The registration card; `back(uscc)` returns to the login with the new account. */
export function registerCard(back) {
  const banner = h('p.error-banner', { role: 'alert', hidden: true, 'data-testid': 'register-error' });
  const company = [
    liveField('company_name', 'register.company_name', 'name', { required: true, maxlength: 100 }),
    liveField('uscc', 'register.uscc', 'uscc', { required: true, maxlength: 18 }),
    liveField('legal_rep_name', 'register.legal_rep_name', 'name', { required: true, maxlength: 50 }),
    liveField('legal_rep_id_no', 'register.legal_rep_id_no', 'resident_id', { required: true, maxlength: 18 }),
  ];
  const verify = h('button.btn.btn-primary', { type: 'submit', 'data-testid': 'register-verify' }, t('register.verify'));
  // The registry answers only behind a captcha (one try each).
  const captcha = captchaField('register', (ok) => { verify.disabled = !ok; });
  captcha.load();
  const step1 = h('form.register-step', {
    novalidate: true,
    on: {
      submit: async (e) => {
        e.preventDefault();
        banner.hidden = true;
        if (!(await checkAll(company))) return;
        verify.disabled = true;
        try {
          const [companyName, uscc, repName, repId] = company.map((f) => f.input.value.trim());
          ticket = await call('registration_check', {
            request: { company_name: companyName, uscc, legal_rep_name: repName, legal_rep_id_no: repId, ...captcha.value() },
          });
          for (const f of company) f.input.readOnly = true;
          captcha.box.hidden = true;
          verified.hidden = false;
          step2.hidden = false;
          verify.hidden = true;
          profile[0].input.focus();
        } catch (err) {
          showFormError(step1, banner, err);
          captcha.load();
        } finally {
          verify.disabled = false;
        }
      },
    },
  }, h('h2', {}, t('register.step1')), ...company.map((f) => f.box), captcha.box, verify);

  let ticket = null;
  const verified = h('p.ok-banner', { role: 'status', hidden: true, 'data-testid': 'register-verified' }, t('register.verified'));
  const profile = [
    liveField('contact_name', 'register.contact_name', 'name', { required: true, maxlength: 50 }),
    liveField('mobile', 'register.mobile', 'mobile', { required: true, maxlength: 11, inputmode: 'tel' }),
    liveField('email', 'register.email', null, { required: false, maxlength: 100, type: 'email' }),
    liveField('office_address', 'register.office_address', 'address', { required: false, maxlength: 200 }),
    liveField('password', 'register.password', 'password', { required: true, type: 'password', maxlength: 20, autocomplete: 'new-password' }),
  ];
  const again = repeatField('password_again', 'register.password_again', profile[4], { required: true, type: 'password', maxlength: 20, autocomplete: 'new-password' });
  const activate = h('button.btn.btn-primary', { type: 'submit', 'data-testid': 'register-activate' }, t('register.activate'));
  const step2 = h('form.register-step', {
    novalidate: true,
    hidden: true,
    on: {
      submit: async (e) => {
        e.preventDefault();
        banner.hidden = true;
        if (!(await checkAll([...profile, again]))) return;
        activate.disabled = true;
        try {
          const [contact, mobile, email, address] = profile.map((f) => f.input.value.trim());
          const account = await call('registration_activate', {
            request: {
              registration_token: ticket.registration_token,
              contact_name: contact,
              mobile,
              email: email || null,
              office_address: address || null,
              password: profile[4].input.value,
            },
          });
          profile[4].input.value = '';
          again.input.value = '';
          back(account.uscc);
        } catch (err) {
          showFormError(step2, banner, err);
          activate.disabled = false;
        }
      },
    },
  }, h('h2', {}, t('register.step2')), h('p.muted.small', {}, t('register.password_rule')),
  ...profile.map((f) => f.box), again.box, activate);

  return h('section.card.login-card.register-card', { 'data-testid': 'register-screen' },
    h('h1', {}, t('register.title')),
    h('p.muted', {}, t('register.subtitle')),
    step1, verified, step2, banner,
    h('div.login-actions', {},
      h('button.btn', { type: 'button', 'data-testid': 'register-back', on: { click: () => back(null) } }, t('register.back'))));
}
