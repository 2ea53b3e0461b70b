// Limits the Rust side decides and the window follows, sent with the app's information at
// start (never written here a second time).
let limits = {};

/** Keeps the limits of `app_info`. */
export function setLimits(info) {
  limits = { ...limits, paged_from_lines: info.paged_from_lines, max_dropped_bytes: info.max_dropped_bytes };
}

/** The largest spreadsheet a drop onto the window takes (it crosses in memory). */
export function maxDroppedBytes() {
  return limits.max_dropped_bytes ?? 0;
}

/** From how many lines an order is shown as pages, and a paste goes through the import. */
export function pagedFromLines() {
  // Unknown (no app information): every order as pages, never a whole order in the page.
  return limits.paged_from_lines ?? 0;
}
