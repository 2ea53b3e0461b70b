// What the clerk may do to an order. The domain decides it from the order's state and
// sends it as `actions` (with every order of `list_orders` and with `get_order`): the
// screens enable exactly those, and never work it out from the state themselves.
//
//   edit_buyer      the buyer fields
//   edit_lines      the lines grid (add, change, remove, import)
//   edit_links      link and unlink merchant orders
//   delete          【删除草稿】
//   confirm         【订单确认】
//   attach_customs  报关单号补录

/** The order being typed before its first 暂存: no stored order yet, so nothing to delete,
 * confirm or link; the domain judges the form when 暂存 creates the draft. */
export const NEW_ORDER = Object.freeze({ actions: Object.freeze(['edit_buyer', 'edit_lines']) });

/** Whether `order` (a summary or a detail) allows `action`. An order without `actions`
 * allows nothing. */
export function allows(order, action) {
  return Boolean(order && Array.isArray(order.actions) && order.actions.includes(action));
}
