// Form fields that check themselves as the clerk types (the domain's own validators, via
// `check_field`), and the placing of an error from Rust beside the field it concerns.
import { call } from './api.js';
import { h } from './dom.js';
import { t, errorText } from './i18n.js';

/**
 * A labelled input whose value is checked against `rule` (uscc, resident_id, mobile,
 * password, name, address, customs_no: the domain's validators) a moment after each
 * keystroke and on leaving it. `rule` may also be a function of the value returning the
 * words of a problem or null. Returns { box, input, error, check } where `check()`
 * resolves true when the value passes.
 */
export function liveField(name, labelKey, rule, attrs = {}) {
  const id = `f-${name}`;
  const input = h(`input#${id}`, { name, autocomplete: 'off', 'data-testid': id, ...attrs });
  const error = h('small.field-error', { 'aria-live': 'polite', dataset: { field: name }, 'data-testid': `err-${name}` });
  const optional = attrs.required === false;
  let timer;
  const check = async () => {
    clearTimeout(timer);
    if (optional && input.value.trim() === '') {
      setFieldError(input, error, null);
      return true;
    }
    if (!rule) return true;
    if (typeof rule === 'function') {
      const problem = rule(input.value);
      setFieldError(input, error, problem);
      return !problem;
    }
    try {
      const problem = await call('check_field', { field: name, rule, value: input.value });
      setFieldError(input, error, problem && errorText(problem));
      return !problem;
    } catch (err) {
      setFieldError(input, error, errorText(err));
      return false;
    }
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
  input.addEventListener('blur', check);
  const box = h('div.field', {},
    h('label.label', { for: id }, t(labelKey), optional ? h('span.muted', {}, ` ${t('form.optional')}`) : null),
    input,
    error);
  return { box, input, error, check };
}

/** A second entry of `original`'s value (a new password typed twice). */
export function repeatField(name, labelKey, original, attrs = {}) {
  return liveField(name, labelKey, (value) => (value === original.input.value ? null : t('register.password_mismatch')), attrs);
}

export function setFieldError(input, error, text) {
  error.textContent = text || '';
  input.classList.toggle('invalid', Boolean(text));
  input.setAttribute('aria-invalid', text ? 'true' : 'false');
}

/** Checks every field; focuses the first that fails. */
export async function checkAll(fields) {
  let ok = true;
  for (const f of fields) {
    const passed = await f.check();
    if (!passed && ok) f.input.focus();
    ok = ok && passed;
  }
  return ok;
}

/**
 * An error from Rust: beside its field when the form has it, else in the form's banner.
 * Earlier errors of the form are cleared first.
 */
export function showFormError(form, banner, err) {
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of form.querySelectorAll('.invalid')) el.classList.remove('invalid');
  const holder = err.field && form.querySelector(`.field-error[data-field="${CSS.escape(err.field)}"]`);
  if (holder) {
    const input = holder.parentElement.querySelector('input, select, textarea');
    setFieldError(input || holder, holder, errorText(err));
    input?.focus();
    banner.hidden = true;
  } else {
    banner.textContent = errorText(err);
    banner.hidden = false;
  }
}
