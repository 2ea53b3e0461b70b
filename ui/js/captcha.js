// A captcha field (the login and the registration): the image from the platform, the
// answer, a refresh. Each captcha is good for one try, right or wrong: `load()` after a try.
import { call } from './api.js';
import { h } from './dom.js';
import { t, errorText } from './i18n.js';

/**
 * `prefix` names the elements (`#PREFIX-captcha`, `data-testid` PREFIX-captcha, …-img);
 * `onReady(ok)` learns whether a captcha could be had (the platform may be unreachable).
 */
export function captchaField(prefix, onReady = () => {}) {
  const answer = h(`input#${prefix}-captcha`, {
    name: 'captcha_answer', autocomplete: 'off', required: true, maxlength: 8, inputmode: 'numeric',
    'data-testid': `${prefix}-captcha`,
  });
  const image = h('img.captcha-img', { alt: t('login.captcha_alt'), width: 120, height: 40, 'data-testid': `${prefix}-captcha-img` });
  const status = h('span.captcha-status.muted', { 'data-testid': prefix === 'login' ? 'captcha-status' : `${prefix}-captcha-status` });
  let id = null;
  async function load() {
    id = null;
    answer.value = '';
    image.removeAttribute('src');
    delete image.dataset.captchaId;
    status.textContent = t('login.captcha_loading');
    try {
      const c = await call('platform_captcha');
      id = c.captcha_id;
      image.src = `data:image/png;base64,${c.image_png_base64}`;
      image.dataset.captchaId = c.captcha_id;
      status.textContent = '';
      onReady(true);
    } catch (err) {
      status.textContent = errorText(err);
      onReady(false);
    }
  }
  const box = h('div.field', {},
    h('label.label', { for: `${prefix}-captcha` }, t('login.captcha')),
    h('div.captcha-row', {}, answer, image,
      h('button.btn.btn-small', {
        type: 'button', 'data-testid': prefix === 'login' ? 'captcha-refresh' : `${prefix}-captcha-refresh`, on: { click: load },
      }, t('login.captcha_refresh'))),
    h('small.field-error', { 'aria-live': 'polite', dataset: { field: 'captcha_answer' } }),
    status);
  return {
    box,
    load,
    /** What the request carries. */
    value: () => ({ captcha_id: id || '', captcha_answer: answer.value.trim() }),
  };
}
