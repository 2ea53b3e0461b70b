// Account and settings: 密码修改 (manual §3.4), the settings (language, platform URL,
// trusted CA file, where the data lives), and help (ch. 4: hotlines and training).
import { call } from '../api.js';
import { h, clear } from '../dom.js';
import { t, errorText, currentLanguage } from '../i18n.js';
import { toast } from '../ui.js';
import { liveField, repeatField, checkAll, showFormError, setFieldError } from '../forms.js';

export async function render(view, info, clerk) {
  let settings;
  try {
    settings = await call('platform_settings');
  } catch (err) {
    clear(view).append(h('p.error-banner', { role: 'alert' }, errorText(err)));
    return;
  }
  clear(view).append(
    h('div.toolbar', {}, h('h1', {}, t('account.page_title'))),
    h('div.page-grid', {}, accountCard(clerk), realnameCard(clerk), passwordCard(), settingsCard(settings, info), updateCard(), helpCard()));
}

/** 软件更新: the version running, and a newer one when the administrator's update server
 * offers it (updates are the administrator's to turn on). */
function updateCard() {
  const status = h('p', { 'data-testid': 'update-status', 'aria-live': 'polite' });
  const install = h('button.btn.btn-primary', {
    type: 'button', 'data-testid': 'update-install', hidden: true,
    on: {
      click: async () => {
        install.disabled = true;
        status.textContent = t('update.installing');
        try {
          await call('update_install');
        } catch (err) {
          status.textContent = errorText(err);
          install.disabled = false;
        }
      },
    },
  }, t('update.install'));
  const check = h('button.btn', {
    type: 'button', 'data-testid': 'update-check',
    on: {
      click: async () => {
        check.disabled = true;
        status.textContent = t('update.checking');
        try {
          const u = await call('update_check');
          if (!u.configured) status.textContent = t('update.off', { current: u.current });
          else if (!u.available) status.textContent = t('update.latest', { current: u.current });
          else status.textContent = t('update.available', { current: u.current, version: u.available.version, notes: u.available.notes || '' });
          install.hidden = !u.available;
        } catch (err) {
          status.textContent = errorText(err);
        } finally {
          check.disabled = false;
        }
      },
    },
  }, t('update.check'));
  return h('section.card', { 'data-testid': 'update-card' },
    h('h2', {}, t('update.title')), status, h('div.row-actions', {}, check, install));
}

/** Who is logged in, and the two ways out (the top bar's account menu has them too). */
function accountCard(clerk) {
  const out = (forget) => () => window.dispatchEvent(new CustomEvent('xinbao:logout', { detail: { forget } }));
  return h('section.card', { 'data-testid': 'account-card' },
    h('h2', {}, t('account.title')),
    h('dl.facts', {},
      h('dt', {}, t('account.company')), h('dd', { 'data-testid': 'account-company' }, clerk.company_name),
      h('dt', {}, t('account.uscc')), h('dd.mono', {}, clerk.uscc),
      h('dt', {}, t('account.procurement_no')), h('dd.mono', {}, clerk.procurement_no)),
    h('div.row-actions.card-actions', {},
      h('button.btn', { type: 'button', 'data-testid': 'logout', on: { click: out(false) } }, t('account.logout')),
      h('button.btn.btn-danger', { type: 'button', 'data-testid': 'logout-forget', on: { click: out(true) } }, t('account.logout_forget'))));
}

function realnameCard(clerk) {
  return h('section.card', { 'data-testid': 'account-realname' },
    h('h2', {}, t('realname.title')),
    h('p', {}, t('realname.status'), t('punct.colon'),
      h(`span.badge.badge-realname-${clerk.realname_status}`, {}, t(`realname.status.${clerk.realname_status}`))),
    h('a.btn', { href: '#/realname', 'data-testid': 'account-realname-open' }, t('realname.open')));
}

function passwordCard() {
  const banner = h('p.error-banner', { role: 'alert', hidden: true, 'data-testid': 'password-error' });
  const done = h('p.ok-banner', { role: 'status', hidden: true, 'data-testid': 'password-changed' }, t('password.changed'));
  const old = liveField('old_password', 'password.old', null, { required: true, type: 'password', maxlength: 20, autocomplete: 'current-password' });
  const next = liveField('new_password', 'password.new', 'password', { required: true, type: 'password', maxlength: 20, autocomplete: 'new-password' });
  const again = repeatField('new_password_again', 'password.again', next, { required: true, type: 'password', maxlength: 20, autocomplete: 'new-password' });
  const save = h('button.btn.btn-primary', { type: 'submit', 'data-testid': 'password-save' }, t('password.save'));
  const form = h('form', {
    novalidate: true,
    on: {
      submit: async (e) => {
        e.preventDefault();
        banner.hidden = true;
        done.hidden = true;
        if (old.input.value === '') {
          setFieldError(old.input, old.error, t('error.required'));
          old.input.focus();
          return;
        }
        if (!(await checkAll([next, again]))) return;
        save.disabled = true;
        try {
          await call('change_password', { request: { old_password: old.input.value, new_password: next.input.value } });
          for (const f of [old, next, again]) f.input.value = '';
          done.hidden = false;
        } catch (err) {
          showFormError(form, banner, err);
        } finally {
          save.disabled = false;
        }
      },
    },
  }, h('p.muted.small', {}, t('register.password_rule')), old.box, next.box, again.box, banner, done, save);
  return h('section.card', { 'data-testid': 'password-card' }, h('h2', {}, t('password.title')), form);
}

function settingsCard(settings, info) {
  const locked = settings.from_environment;
  const url = h('input#platform-url', { value: settings.url, 'data-testid': 'platform-url', disabled: locked });
  // The CA file is chosen in the native dialog: the page holds a token, never a path.
  let caToken = null;
  let clearCa = false;
  const caName = h('code.mono', { 'data-testid': 'platform-ca' }, settings.ca_file || t('settings.ca_none'));
  const pickCa = h('button.btn.btn-small', {
    type: 'button', 'data-testid': 'platform-ca-pick', disabled: locked,
    on: {
      click: async () => {
        const picked = await call('pick_ca_file');
        if (picked) { caToken = picked.token; clearCa = false; caName.textContent = picked.file_name; }
      },
    },
  }, t('settings.pick_ca'));
  const dropCa = h('button.btn.btn-small', {
    type: 'button', 'data-testid': 'platform-ca-clear', disabled: locked,
    on: { click: () => { caToken = null; clearCa = true; caName.textContent = t('settings.ca_none'); } },
  }, t('settings.clear_ca'));
  const password = h('input#settings-password', { type: 'password', autocomplete: 'current-password', 'data-testid': 'settings-password', disabled: locked, 'aria-describedby': 'err-settings-password' });
  const passwordError = h('small.field-error#err-settings-password', { dataset: { field: 'password' } });
  const form = h('form', {
    on: {
      submit: async (e) => {
        e.preventDefault();
        passwordError.textContent = '';
        try {
          const saved = await call('save_platform_settings', { url: url.value, caToken, clearCa, password: password.value });
          password.value = '';
          toast(t(saved.logged_out ? 'settings.saved_logged_out' : 'settings.saved'));
          if (saved.logged_out) window.dispatchEvent(new CustomEvent('xinbao:relogin'));
        } catch (err) {
          if (err.field === 'password') passwordError.textContent = errorText(err);
          else toast(errorText(err));
        }
      },
    },
  },
  h('div.field', {}, h('span.label', {}, t('settings.language')),
    h('div', {}, h('span', { 'data-testid': 'settings-language' }, t(`lang.name.${currentLanguage()}`)), ' ',
      h('button.btn.btn-small', { type: 'button', 'data-testid': 'settings-switch-language', on: { click: () => document.getElementById('lang-switch').click() } }, t('lang.switch')))),
  h('div.field', {}, h('span.label', {}, t('app.data_dir')), h('code.mono', { 'data-testid': 'settings-data-dir' }, info.data_dir)),
  h('h2', {}, t('settings.platform_title')),
  locked ? h('p.muted', {}, t('settings.from_environment')) : null,
  h('div.field', {}, h('label.label', { for: 'platform-url' }, t('settings.platform_url')), url),
  h('div.field', {}, h('span.label', {}, t('settings.platform_ca')), h('div', {}, caName, ' ', pickCa, ' ', dropCa)),
  h('p.muted.small', {}, t('settings.password_why')),
  h('div.field', {}, h('label.label', { for: 'settings-password' }, t('settings.password')), password, passwordError),
  h('button.btn', { type: 'submit', disabled: locked }, t('settings.save')));
  return h('section.card', { 'data-testid': 'settings-card' }, h('h2', {}, t('settings.title')), form);
}

function helpCard() {
  const phones = [['help.hotline', '0579-85250715'], ['help.hotline', '0579-85250725'], ['help.picc', '0579-85250210']];
  return h('section.card', { 'data-testid': 'help-card' },
    h('h2', {}, t('help.title')),
    h('table.grid.help-phones', {}, h('tbody', {}, ...phones.map(([k, n]) => h('tr', {}, h('td', {}, t(k)), h('td.mono', {}, n))))),
    h('h2', {}, t('help.training_title')),
    h('p', { 'data-testid': 'help-training' }, t('help.training')),
    h('p.muted.small', {}, t('help.log_hint')),
    h('button.btn', {
      type: 'button', 'data-testid': 'open-log-folder',
      on: { click: () => call('open_log_folder').catch((err) => toast(errorText(err))) },
    }, t('help.log_folder')));
}
