-- Xinbao Desk local store, schema 1.
-- Released migrations never change: add V2__..., V3__... instead.
-- Times are UTC, RFC 3339 text with milliseconds. Money is integer US cents.

-- This installation, as the platform knows it: the outbox's sequence is per device.
CREATE TABLE device (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    device_id  TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- 外销订单 / 信保订单. A draft may be incomplete; a confirmed order has all buyer fields.
CREATE TABLE export_orders (
    id           INTEGER PRIMARY KEY,
    uuid         TEXT NOT NULL UNIQUE,
    state        TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'confirmed', 'declared')),
    buyer_name   TEXT,
    passport_no  TEXT,
    country      TEXT CHECK (country IS NULL OR length(country) = 2),
    total_cents  INTEGER CHECK (total_cents IS NULL OR total_cents > 0),
    customs_no   TEXT UNIQUE,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    confirmed_at TEXT,
    declared_at  TEXT,
    CHECK ((state = 'declared') = (customs_no IS NOT NULL)),
    CHECK (state = 'draft' OR (buyer_name IS NOT NULL AND passport_no IS NOT NULL
                               AND country IS NOT NULL AND total_cents IS NOT NULL
                               AND confirmed_at IS NOT NULL))
);
CREATE INDEX export_orders_state_updated ON export_orders (state, updated_at);
CREATE INDEX export_orders_updated ON export_orders (updated_at);

-- 交易清单: the order's lines.
CREATE TABLE order_lines (
    id             INTEGER PRIMARY KEY,
    uuid           TEXT NOT NULL UNIQUE,
    order_id       INTEGER NOT NULL REFERENCES export_orders (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    procurement_no TEXT,
    merchant_name  TEXT,
    mobile         TEXT,
    order_month    TEXT CHECK (order_month IS NULL OR order_month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
    product_name   TEXT,
    quantity       INTEGER CHECK (quantity IS NULL OR quantity > 0),
    packages       INTEGER CHECK (packages IS NULL OR packages > 0),
    amount_cents   INTEGER CHECK (amount_cents IS NULL OR amount_cents > 0),
    note           TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX order_lines_order ON order_lines (order_id, position);

-- 商户: the merchant directory, cached from the platform.
CREATE TABLE merchants (
    procurement_no TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    mobile         TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

-- 商户交易订单 sent to this company, cached from the platform so linking works offline.
CREATE TABLE merchant_orders (
    id             TEXT PRIMARY KEY,
    procurement_no TEXT,
    merchant_name  TEXT NOT NULL,
    mobile         TEXT NOT NULL,
    order_month    TEXT NOT NULL,
    buyer_name     TEXT,
    product_name   TEXT,
    quantity       INTEGER,
    packages       INTEGER,
    amount_cents   INTEGER NOT NULL CHECK (amount_cents >= 0),
    sent_at        TEXT,
    updated_at     TEXT NOT NULL
);
CREATE INDEX merchant_orders_mobile_month ON merchant_orders (mobile, order_month);
CREATE INDEX merchant_orders_procurement_month ON merchant_orders (procurement_no, order_month);

-- 关联商户订单: a line attached to merchant orders of its merchant.
CREATE TABLE line_links (
    line_id           INTEGER NOT NULL REFERENCES order_lines (id) ON DELETE CASCADE,
    merchant_order_id TEXT NOT NULL REFERENCES merchant_orders (id),
    created_at        TEXT NOT NULL,
    PRIMARY KEY (line_id, merchant_order_id)
) WITHOUT ROWID;
CREATE INDEX line_links_merchant_order ON line_links (merchant_order_id);

-- Who changed what, when. Personal numbers are masked before they get here. No foreign
-- key: the history of a deleted draft stays.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    order_id    INTEGER,
    entity      TEXT NOT NULL CHECK (entity IN ('order', 'line', 'link')),
    entity_id   TEXT NOT NULL,
    action      TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX audit_log_order ON audit_log (order_id, id);

-- What must reach the platform, in order. seq is the per-device sequence: AUTOINCREMENT so
-- a number is never reused, even after rows are acknowledged.
CREATE TABLE outbox (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id             TEXT NOT NULL UNIQUE,
    kind              TEXT NOT NULL CHECK (kind IN ('order.confirm', 'line.upsert', 'line.delete',
                                                    'link.add', 'link.remove', 'order.declare')),
    order_id          INTEGER NOT NULL,
    payload           TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    acked_at          TEXT,
    verdict           TEXT CHECK (verdict IS NULL OR verdict IN ('applied', 'duplicate', 'rejected')),
    rejection_code    TEXT,
    rejection_message TEXT
);
CREATE INDEX outbox_order ON outbox (order_id);
CREATE INDEX outbox_unacked ON outbox (seq) WHERE acked_at IS NULL;

-- Preferences of this profile (never secrets: those live in the OS keyring).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The freeze rules of the order's life, held by the database itself so that no caller,
-- however buggy, can change a frozen row. Messages start with the stable error code.

CREATE TRIGGER export_orders_state_forward_only
BEFORE UPDATE OF state ON export_orders
WHEN NOT (NEW.state = OLD.state
          OR (OLD.state = 'draft' AND NEW.state = 'confirmed')
          OR (OLD.state = 'confirmed' AND NEW.state = 'declared'))
BEGIN
    SELECT RAISE(ABORT, 'order.state: an order only moves draft -> confirmed -> declared');
END;

CREATE TRIGGER export_orders_confirmed_buyer_frozen
BEFORE UPDATE ON export_orders
WHEN OLD.state = 'confirmed'
 AND (NEW.buyer_name IS NOT OLD.buyer_name OR NEW.passport_no IS NOT OLD.passport_no
      OR NEW.country IS NOT OLD.country OR NEW.total_cents IS NOT OLD.total_cents
      OR NEW.uuid IS NOT OLD.uuid OR NEW.id IS NOT OLD.id
      OR NEW.confirmed_at IS NOT OLD.confirmed_at OR NEW.created_at IS NOT OLD.created_at)
BEGIN
    SELECT RAISE(ABORT, 'order.buyer_frozen: the buyer fields of a confirmed order cannot change');
END;

CREATE TRIGGER export_orders_declared_frozen
BEFORE UPDATE ON export_orders
WHEN OLD.state = 'declared'
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: a declared order cannot change');
END;

CREATE TRIGGER export_orders_confirmed_no_delete
BEFORE DELETE ON export_orders
WHEN OLD.state = 'confirmed'
BEGIN
    SELECT RAISE(ABORT, 'order.delete_confirmed: a confirmed order cannot be deleted');
END;

CREATE TRIGGER export_orders_declared_no_delete
BEFORE DELETE ON export_orders
WHEN OLD.state = 'declared'
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: a declared order cannot be deleted');
END;

CREATE TRIGGER order_lines_declared_no_insert
BEFORE INSERT ON order_lines
WHEN (SELECT state FROM export_orders WHERE id = NEW.order_id) = 'declared'
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: a declared order takes no new lines');
END;

CREATE TRIGGER order_lines_declared_no_update
BEFORE UPDATE ON order_lines
WHEN (SELECT state FROM export_orders WHERE id = OLD.order_id) = 'declared'
  OR NEW.order_id IS NOT OLD.order_id OR NEW.uuid IS NOT OLD.uuid
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: the lines of a declared order cannot change, and a line never moves to another order');
END;

CREATE TRIGGER order_lines_declared_no_delete
BEFORE DELETE ON order_lines
WHEN (SELECT state FROM export_orders WHERE id = OLD.order_id) = 'declared'
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: the lines of a declared order cannot be deleted');
END;

CREATE TRIGGER line_links_declared_no_insert
BEFORE INSERT ON line_links
WHEN (SELECT o.state FROM order_lines l JOIN export_orders o ON o.id = l.order_id
      WHERE l.id = NEW.line_id) = 'declared'
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: the links of a declared order cannot change');
END;

CREATE TRIGGER line_links_declared_no_update
BEFORE UPDATE ON line_links
WHEN (SELECT o.state FROM order_lines l JOIN export_orders o ON o.id = l.order_id
      WHERE l.id = OLD.line_id) = 'declared'
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: the links of a declared order cannot change');
END;

CREATE TRIGGER line_links_declared_no_delete
BEFORE DELETE ON line_links
WHEN (SELECT o.state FROM order_lines l JOIN export_orders o ON o.id = l.order_id
      WHERE l.id = OLD.line_id) = 'declared'
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: the links of a declared order cannot change');
END;

-- The audit log is append-only.
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit.append_only: audit rows cannot change');
END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit.append_only: audit rows cannot be deleted');
END;

-- An operation, once queued, is what gets sent: only its acknowledgement may be written,
-- and it leaves the queue only after the platform acknowledged it.
CREATE TRIGGER outbox_operation_immutable
BEFORE UPDATE ON outbox
WHEN NEW.seq IS NOT OLD.seq OR NEW.op_id IS NOT OLD.op_id OR NEW.kind IS NOT OLD.kind
  OR NEW.order_id IS NOT OLD.order_id OR NEW.payload IS NOT OLD.payload
  OR NEW.created_at IS NOT OLD.created_at
BEGIN
    SELECT RAISE(ABORT, 'outbox.immutable: a queued operation cannot change');
END;
CREATE TRIGGER outbox_no_delete_unacked
BEFORE DELETE ON outbox
WHEN OLD.acked_at IS NULL
BEGIN
    SELECT RAISE(ABORT, 'outbox.unacknowledged: an operation the platform has not acknowledged cannot be dropped');
END;
