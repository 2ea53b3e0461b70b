// The home dashboard: orders by state and by month, and how the sync stands, drawn as
// small inline SVG charts (no library).
import { call } from '../api.js';
import { h, clear } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { taskText } from './sync.js';

const SVG = 'http://www.w3.org/2000/svg';
const STATES = ['draft', 'confirmed', 'declared'];
const MONTHS = 12;

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** The local months shown, oldest first, and the UTC instant the oldest starts. */
function lastMonths() {
  const now = new Date();
  const first = new Date(now.getFullYear(), now.getMonth() - (MONTHS - 1), 1);
  const months = [];
  for (let i = 0; i < MONTHS; i += 1) {
    const d = new Date(first.getFullYear(), first.getMonth() + i, 1);
    months.push(`${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`);
  }
  return { months, since: first.toISOString() };
}

export async function render(view) {
  const { months, since } = lastMonths();
  let d;
  let panel;
  try {
    [d, panel] = await Promise.all([
      call('dashboard', { since, offsetMinutes: -new Date().getTimezoneOffset() }),
      call('sync_status'),
    ]);
  } catch (err) {
    clear(view).append(h('p.error-banner', { role: 'alert' }, errorText(err)));
    return;
  }
  const counts = { draft: d.draft, confirmed: d.confirmed, declared: d.declared };
  const byMonth = new Map(d.by_month.map(([m, dr, co, de]) => [m, { draft: dr, confirmed: co, declared: de }]));
  clear(view).append(
    h('div.toolbar', {}, h('h1', {}, t('home.title')),
      h('div.toolbar-end', {}, h('a.btn.btn-primary', { href: '#/orders/new' }, t('nav.new_order')))),
    h('div.page-grid.home', {},
      h('section.card', { 'data-testid': 'home-states' }, h('h2', {}, t('home.by_state')), stateChart(counts)),
      h('section.card', { 'data-testid': 'home-sync' }, h('h2', {}, t('home.sync')), syncFacts(d, panel)),
      h('section.card.wide', { 'data-testid': 'home-months' }, h('h2', {}, t('home.by_month')), monthChart(months, byMonth))));
}

function legend() {
  return h('div.legend', {}, ...STATES.map((s) => h('span', {}, h(`i.swatch.swatch-${s}`), t(`state.${s}`))));
}

function stateChart(counts) {
  const max = Math.max(1, ...STATES.map((s) => counts[s]));
  const W = 360;
  const row = 34;
  const chart = svg('svg', { viewBox: `0 0 ${W + 120} ${row * 3}`, class: 'chart', role: 'img', 'aria-label': t('home.by_state') },
    ...STATES.flatMap((s, i) => {
      const w = Math.round((counts[s] / max) * W);
      return [
        svg('text', { x: 0, y: i * row + 21, class: 'chart-label' }, t(`state.${s}`)),
        svg('rect', { x: 70, y: i * row + 6, width: Math.max(w, 2), height: 20, rx: 3, class: `bar-${s}` }),
        svg('text', { x: 70 + Math.max(w, 2) + 6, y: i * row + 21, class: 'chart-value', 'data-testid': `home-count-${s}` }, counts[s]),
      ];
    }));
  return chart;
}

function monthChart(months, byMonth) {
  const totals = months.map((m) => STATES.reduce((n, s) => n + ((byMonth.get(m) || {})[s] || 0), 0));
  const max = Math.max(1, ...totals);
  const H = 160;
  const col = 56;
  const bars = months.flatMap((m, i) => {
    const v = byMonth.get(m) || {};
    let y = H;
    const parts = STATES.map((s) => {
      const hgt = Math.round(((v[s] || 0) / max) * H);
      y -= hgt;
      return hgt > 0 ? svg('rect', { x: i * col + 10, y, width: col - 20, height: hgt, class: `bar-${s}` }, svg('title', {}, `${m} ${t(`state.${s}`)}: ${v[s]}`)) : null;
    }).filter(Boolean);
    return [
      ...parts,
      svg('text', { x: i * col + col / 2, y: H - totals[i] / max * H - 4, class: 'chart-value', 'text-anchor': 'middle' }, totals[i] || ''),
      svg('text', { x: i * col + col / 2, y: H + 16, class: 'chart-label', 'text-anchor': 'middle' }, m.slice(2)),
    ];
  });
  return h('div', {},
    svg('svg', { viewBox: `0 -14 ${col * months.length} ${H + 34}`, class: 'chart', role: 'img', 'aria-label': t('home.by_month') }, ...bars),
    legend());
}

function syncFacts(d, panel) {
  const healthy = d.sync_rejected === 0 && panel.queue.pending === 0 && panel.task.state === 'idle';
  return h('div', {},
    h('p', { class: healthy ? 'ok-banner' : 'warning-banner', 'data-testid': 'home-sync-state' }, taskText(panel)),
    h('dl.facts', {},
      h('dt', {}, t('sync.pending_ops')), h('dd.num', { 'data-testid': 'home-pending' }, panel.queue.pending),
      h('dt', {}, t('home.orders_rejected')), h('dd.num', { 'data-testid': 'home-rejected' }, d.sync_rejected),
      h('dt', {}, t('home.orders_pending')), h('dd.num', {}, d.sync_pending)),
    h('a.btn', { href: '#/sync' }, t('home.open_sync')));
}
