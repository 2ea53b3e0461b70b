// The sync panel: what waits to go to the platform, when it last went, what the platform
// refused and why, "sync now".
import { call } from '../api.js';
import { h, clear } from '../dom.js';
import { t, errorText, has } from '../i18n.js';
import { localTime } from '../format.js';
import { toast } from '../ui.js';

/** The words for the background task's state, for the badge in the top bar too. */
export function taskText(panel) {
  const { task, queue } = panel;
  if (task.state === 'syncing') return t('syncstate.syncing');
  if (task.state === 'auth_required') return t('syncstate.auth_required');
  if (task.state === 'offline') return t('syncstate.offline');
  if (task.state === 'error') return t('syncstate.error');
  if (queue.pending > 0) return t('syncstate.pending', { n: queue.pending });
  return t('syncstate.idle');
}

function reportText(report) {
  return t('sync.report', {
    pushed: report.pushed, applied: report.applied, duplicates: report.duplicates,
    rejected: report.rejected, pulled: report.pulled, seconds: report.seconds.toFixed(1),
  });
}

/** What happened when the platform lost data (a new database, or one restored from a
 * backup) or this computer's database was older than the platform's record of it; when,
 * in local time; and how many orders were sent again. */
function recoveryNotice(recovery) {
  if (!recovery) return null;
  const key = has(`sync.recovery.${recovery.kind}`) ? `sync.recovery.${recovery.kind}` : 'sync.recovery.other';
  return h('div.warning-banner', { role: 'status', 'data-testid': 'sync-recovery', dataset: { kind: recovery.kind } },
    t(key, { time: localTime(recovery.at), n: recovery.resent }));
}

/** The company's orders this computer holds, and the pull under way (total unknown until
 * the platform says it). */
function orderBookFacts(book) {
  if (!book) return null;
  const pulling = book.pulling;
  return [
    h('dt', {}, t('sync.order_book')),
    h('dd.num', { 'data-testid': 'order-book-count' }, String(book.orders)),
    // One level of arrays only: h() flattens the children once.
    ...(pulling ? [
      h('dt', {}, t('sync.order_book_pull')),
      h('dd', { 'data-testid': 'order-book-progress', role: 'status' },
        pulling.total == null
          ? t('sync.order_book_pulling_open', { done: pulling.done })
          : t('sync.order_book_pulling', { done: pulling.done, total: pulling.total }),
        ' ',
        h('progress', {
          max: pulling.total == null ? undefined : Math.max(1, pulling.total),
          value: pulling.total == null ? undefined : pulling.done,
          'aria-label': t('sync.order_book_pull'),
        })),
    ] : []),
  ];
}

export async function render(view) {
  let panel;
  try {
    panel = await call('sync_status');
  } catch (err) {
    clear(view).append(h('p.error-banner', { role: 'alert' }, errorText(err)));
    return;
  }
  const { task, queue } = panel;
  const report = task.last_report;

  const syncNow = h('button.btn.btn-primary', {
    type: 'button',
    'data-testid': 'sync-now',
    disabled: task.state === 'syncing',
    on: {
      click: async () => {
        try {
          await call('sync_now');
          toast(t('sync.started'));
        } catch (err) {
          toast(errorText(err));
        }
      },
    },
  }, t('sync.now'));

  const facts = h('dl.facts', {},
    h('dt', {}, t('sync.state')),
    h('dd', { 'data-testid': 'sync-task-state', dataset: { state: task.state } }, taskText(panel)),
    h('dt', {}, t('sync.pending_ops')),
    h('dd.num', { 'data-testid': 'sync-pending' }, String(queue.pending)),
    h('dt', {}, t('sync.last_success')),
    h('dd', { 'data-testid': 'sync-last-success' }, queue.last_sync ? localTime(queue.last_sync) : t('sync.never')),
    orderBookFacts(panel.order_book),
    report ? [
      h('dt', {}, t('sync.last_report')),
      h('dd', { 'data-testid': 'sync-last-report' }, reportText(report)),
    ] : null,
    task.last_push ? [
      h('dt', {}, t('sync.last_push')),
      h('dd', { 'data-testid': 'sync-last-push' },
        `${localTime(task.last_push_at)} · ${reportText(task.last_push)}`),
    ] : null,
    task.totals.passes > 0 ? [
      h('dt', {}, t('sync.totals')),
      h('dd', { 'data-testid': 'sync-totals' }, t('sync.totals_text', task.totals)),
    ] : null,
    task.last_error_code ? [
      h('dt', {}, t('sync.last_error')),
      h('dd.status-error', { 'data-testid': 'sync-last-error' },
        errorText({ code: task.last_error_code }),
        task.retry_in_s != null ? ` · ${t('sync.retry_in', { s: task.retry_in_s })}` : ''),
    ] : null);

  const authBanner = task.state === 'auth_required'
    ? h('div.info-banner', { role: 'status', 'data-testid': 'sync-auth-required' },
      t('sync.auth_required_hint'), ' ',
      h('button.btn.btn-small', { type: 'button', on: { click: () => window.dispatchEvent(new CustomEvent('xinbao:relogin')) } }, t('sync.relogin')))
    : null;

  const rejections = queue.rejections.length === 0
    ? h('p.muted', { 'data-testid': 'sync-no-rejections' }, t('sync.no_rejections'))
    : h('table.grid', { 'data-testid': 'sync-rejections' },
      h('thead', {}, h('tr', {}, ...['sync.col.order', 'sync.col.operation', 'sync.col.reason'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, ...queue.rejections.map((r) => h('tr', {},
        h('td', {}, h('a', { href: `#/orders/${r.order_id}` }, `#${r.order_id}`)),
        h('td', {}, t(`op.${r.kind}`)),
        h('td.status-error', { title: r.message }, errorText({ code: r.code }))))));


  clear(view).append(...[
    h('div.toolbar', {}, h('h1', {}, t('sync.title')), h('div.toolbar-end', {}, syncNow)),
    authBanner,
    recoveryNotice(panel.recovery),
    h('section.card', { 'data-testid': 'sync-panel' }, facts),
    h('section.card', {}, h('h2', {}, t('sync.rejections')), rejections),
  ].filter(Boolean));
}
