// Login (manual §2.2) and offline unlock. The app opens here: orders hold personal
// information, so nothing else shows until a clerk logs in online or unlocks offline.
//
// Online: account (统一社会信用代码 or 市场采购号) or bound mobile + password + captcha, and
// "remember this computer" (keeps the offline unlock). Offline: the password of the last
// login on this computer, checked against the local argon2id hash.
import { call } from '../api.js';
import { h, clear } from '../dom.js';
import { t } from '../i18n.js';
import { registerCard } from './register.js';
import { showFormError } from '../forms.js';
import { captchaField } from '../captcha.js';

/** Renders the login screen into `view`; resolves with the account once someone is in.
 * It opens on the offline unlock when this computer has one, unless `mode` says 'login'
 * (after a logout: the clerk may be handing the computer over). */
export function render(view, session, mode) {
  return new Promise((resolve) => {
    const offline = session.offline_available && session.remembered;
    const state = { mode: mode || (offline ? 'unlock' : 'login'), method: 'account' };
    const done = (account) => resolve(account);
    const paint = () => {
      const back = (uscc) => { state.mode = 'login'; state.method = 'account'; state.registered = uscc; paint(); };
      let card;
      if (state.mode === 'unlock') card = unlockCard(session, state, paint, done);
      else if (state.mode === 'register') card = registerCard(back);
      else card = loginCard(session, state, paint, done);
      clear(view).append(card);
      view.querySelector('input:not([type=hidden]):not([type=checkbox])')?.focus();
      document.body.dataset.ready = 'true';
    };
    paint();
  });
}

function fieldBox(name, labelKey, input) {
  return h('label.field', {},
    h('span.label', {}, t(labelKey)),
    input,
    h(`small.field-error#err-${name}`, { 'aria-live': 'polite', dataset: { field: name } }));
}

function loginCard(session, state, paint, done) {
  const identifier = h('input#login-identifier', {
    name: 'identifier', autocomplete: 'username', required: true, maxlength: 40,
    'data-testid': 'login-identifier',
    value: state.method === 'account' ? (state.registered || session.remembered?.uscc || '') : (session.remembered?.mobile || ''),
    placeholder: t(state.method === 'account' ? 'login.identifier_hint' : 'login.mobile_hint'),
    inputmode: state.method === 'mobile' ? 'tel' : 'text',
  });
  const password = h('input#login-password', {
    type: 'password', name: 'password', autocomplete: 'current-password', required: true, maxlength: 20,
    'data-testid': 'login-password',
  });
  // Without a keyring (Rust says so) nothing can be remembered: the box is off and says why.
  const remember = h('input#login-remember', {
    type: 'checkbox', checked: session.keyring, disabled: !session.keyring, 'data-testid': 'login-remember',
  });
  // Asked for only when Rust answers that the orders here were sealed by an earlier password.
  const oldPassword = h('input#login-old-password', {
    type: 'password', name: 'old_password', autocomplete: 'off', maxlength: 20,
    'data-testid': 'login-old-password',
  });
  const oldPasswordBox = fieldBox('old_password', 'login.old_password', oldPassword);
  oldPasswordBox.hidden = true;
  const submit = h('button.btn.btn-primary.btn-wide', { type: 'submit', 'data-testid': 'login-submit' }, t('login.submit'));
  const offlineButton = h('button.btn', {
    type: 'button', 'data-testid': 'switch-to-unlock', hidden: !session.offline_available,
    on: { click: () => { state.mode = 'unlock'; paint(); } },
  }, t('login.use_offline'));

  const captcha = captchaField('login', (ok) => {
    submit.disabled = !ok;
    if (!ok && session.offline_available) offlineButton.hidden = false;
  });
  const loadCaptcha = captcha.load;

  const methodTabs = h('div.tabs', { role: 'tablist' },
    ...['account', 'mobile'].map((m) => h('button.tab', {
      type: 'button', role: 'tab', 'aria-selected': String(state.method === m),
      'data-testid': `login-method-${m}`,
      on: { click: () => { state.method = m; paint(); } },
    }, t(`login.method.${m}`))));

  const form = h('form.login-form', {
    novalidate: true,
    on: {
      submit: async (e) => {
        e.preventDefault();
        submit.disabled = true;
        submit.textContent = t('login.working');
        try {
          const account = await call('platform_login', {
            request: {
              method: state.method,
              identifier: identifier.value.trim(),
              password: password.value,
              ...captcha.value(),
            },
            remember: remember.checked,
            oldPassword: oldPasswordBox.hidden ? null : oldPassword.value,
          });
          password.value = '';
          oldPassword.value = '';
          done(account);
        } catch (err) {
          submit.textContent = t('login.submit');
          if (err.code === 'store.sealed_other_password') oldPasswordBox.hidden = false;
          showFormError(form, form.querySelector('[data-testid=login-error]'), err);
          // A captcha is good for one try, right or wrong.
          loadCaptcha();
        }
      },
    },
  },
  methodTabs,
  fieldBox('identifier', state.method === 'account' ? 'login.identifier' : 'login.mobile', identifier),
  fieldBox('password', 'login.password', password),
  captcha.box,
  oldPasswordBox,
  h('label.check', {}, remember, h('span', {}, t('login.remember'))),
  session.keyring
    ? h('p.muted.small', {}, t('login.remember_hint'))
    : h('p.warning-banner', { role: 'note', 'data-testid': 'no-keyring' }, t('login.no_keyring')),
  h('p.error-banner', { role: 'alert', hidden: true, 'data-testid': 'login-error' }),
  h('div.login-actions', {}, submit, offlineButton));

  loadCaptcha();
  return h('section.card.login-card', { 'data-testid': 'login-screen' },
    h('h1', {}, t('login.title')),
    h('p.muted', {}, t('login.subtitle')),
    state.registered ? h('p.ok-banner', { role: 'status', 'data-testid': 'registered' }, t('register.done', { uscc: state.registered })) : null,
    form,
    h('p.register-link', {}, t('login.no_account'), ' ',
      h('button.btn.btn-link', { type: 'button', 'data-testid': 'switch-to-register', on: { click: () => { state.mode = 'register'; paint(); } } }, t('login.register'))));
}

function unlockCard(session, state, paint, done) {
  const acct = session.remembered;
  const password = h('input#unlock-password', {
    type: 'password', name: 'password', autocomplete: 'current-password', required: true, maxlength: 20,
    'data-testid': 'unlock-password',
  });
  const submit = h('button.btn.btn-primary.btn-wide', { type: 'submit', 'data-testid': 'unlock-submit' }, t('unlock.submit'));
  const form = h('form.login-form', {
    novalidate: true,
    on: {
      submit: async (e) => {
        e.preventDefault();
        submit.disabled = true;
        try {
          const account = await call('offline_unlock', { password: password.value });
          password.value = '';
          done(account);
        } catch (err) {
          submit.disabled = false;
          showFormError(form, form.querySelector('[data-testid=login-error]'), { ...err, field: err.code === 'offline.wrong_password' ? 'password' : err.field });
          password.select();
        }
      },
    },
  },
  h('dl.account-facts', {},
    h('dt', {}, t('account.company')), h('dd', { 'data-testid': 'unlock-company' }, acct.company_name),
    h('dt', {}, t('account.uscc')), h('dd.mono', {}, acct.uscc)),
  fieldBox('password', 'login.password', password),
  h('p.error-banner', { role: 'alert', hidden: true, 'data-testid': 'login-error' }),
  h('div.login-actions', {}, submit,
    h('button.btn', {
      type: 'button', 'data-testid': 'switch-to-login',
      on: { click: () => { state.mode = 'login'; paint(); } },
    }, t('unlock.online_login'))));
  return h('section.card.login-card', { 'data-testid': 'unlock-screen' },
    h('h1', {}, t('unlock.title')),
    h('p.muted', {}, t('unlock.subtitle')),
    form);
}
