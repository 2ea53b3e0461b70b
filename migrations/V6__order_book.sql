-- Xinbao Desk local store, schema 6: the company's order book on every computer.
--
-- Confirmed and declared orders are the company's: the platform's copy of each arrives
-- by the order book feed and is kept in export_orders like the orders typed here. What
-- sync knows of an order (the platform's revision, where it was entered, who changed it
-- last, whether it must be fetched again) lives beside it, so keeping that note never
-- touches a frozen row.
CREATE TABLE order_sync (
    order_id       INTEGER PRIMARY KEY REFERENCES export_orders (id) ON DELETE CASCADE,
    -- The platform's revision of the order this copy reflects (NULL: not seen back yet).
    remote_rev     INTEGER,
    origin         TEXT NOT NULL DEFAULT 'desk' CHECK (origin IN ('desk', 'web')),
    -- The device that first confirmed it (NULL: the platform's web pages).
    origin_device  TEXT,
    changed_by     TEXT,
    changed_device TEXT,
    -- 1: the platform's copy must be fetched again once nothing of the order waits to be
    -- sent (its change arrived while a local change was queued, or a change was refused).
    needs_refresh  INTEGER NOT NULL DEFAULT 0 CHECK (needs_refresh IN (0, 1)),
    -- 1: the platform refused the confirmation and holds no such order: the clerk may
    -- re-open it as a draft.
    not_on_platform INTEGER NOT NULL DEFAULT 0 CHECK (not_on_platform IN (0, 1)),
    refreshed_at   TEXT
);
CREATE INDEX order_sync_refresh ON order_sync (order_id) WHERE needs_refresh = 1;

-- The platform decides: while its copy of an order replaces ours (in one transaction, with
-- its audit row), this table holds one row and the freeze triggers stand aside. Nothing
-- else writes it; the row is gone before the transaction commits.
CREATE TABLE applying_platform_copy (
    id INTEGER PRIMARY KEY CHECK (id = 1)
);

DROP TRIGGER export_orders_state_forward_only;
CREATE TRIGGER export_orders_state_forward_only
BEFORE UPDATE OF state ON export_orders
WHEN NOT (NEW.state = OLD.state
          OR (OLD.state = 'draft' AND NEW.state = 'confirmed')
          OR (OLD.state = 'confirmed' AND NEW.state = 'declared'))
 AND NOT EXISTS (SELECT 1 FROM applying_platform_copy)
BEGIN
    SELECT RAISE(ABORT, 'order.state: an order only moves draft -> confirmed -> declared');
END;

DROP TRIGGER export_orders_confirmed_buyer_frozen;
CREATE TRIGGER export_orders_confirmed_buyer_frozen
BEFORE UPDATE ON export_orders
WHEN OLD.state = 'confirmed'
 AND (NEW.buyer_name IS NOT OLD.buyer_name OR NEW.passport_no IS NOT OLD.passport_no
      OR NEW.country IS NOT OLD.country OR NEW.total_cents IS NOT OLD.total_cents
      OR NEW.uuid IS NOT OLD.uuid OR NEW.id IS NOT OLD.id
      OR NEW.confirmed_at IS NOT OLD.confirmed_at OR NEW.created_at IS NOT OLD.created_at)
 AND NOT EXISTS (SELECT 1 FROM applying_platform_copy)
BEGIN
    SELECT RAISE(ABORT, 'order.buyer_frozen: the buyer fields of a confirmed order cannot change');
END;

DROP TRIGGER export_orders_declared_frozen;
CREATE TRIGGER export_orders_declared_frozen
BEFORE UPDATE ON export_orders
WHEN OLD.state = 'declared'
 AND NOT EXISTS (SELECT 1 FROM applying_platform_copy)
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: a declared order cannot change');
END;

DROP TRIGGER order_lines_declared_no_insert;
CREATE TRIGGER order_lines_declared_no_insert
BEFORE INSERT ON order_lines
WHEN (SELECT state FROM export_orders WHERE id = NEW.order_id) = 'declared'
 AND NOT EXISTS (SELECT 1 FROM applying_platform_copy)
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: a declared order takes no new lines');
END;

DROP TRIGGER order_lines_declared_no_update;
CREATE TRIGGER order_lines_declared_no_update
BEFORE UPDATE ON order_lines
WHEN ((SELECT state FROM export_orders WHERE id = OLD.order_id) = 'declared'
      AND NOT EXISTS (SELECT 1 FROM applying_platform_copy))
  OR NEW.order_id IS NOT OLD.order_id OR NEW.uuid IS NOT OLD.uuid
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: the lines of a declared order cannot change, and a line never moves to another order');
END;

DROP TRIGGER order_lines_declared_no_delete;
CREATE TRIGGER order_lines_declared_no_delete
BEFORE DELETE ON order_lines
WHEN (SELECT state FROM export_orders WHERE id = OLD.order_id) = 'declared'
 AND NOT EXISTS (SELECT 1 FROM applying_platform_copy)
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: the lines of a declared order cannot be deleted');
END;

DROP TRIGGER line_links_declared_no_insert;
CREATE TRIGGER line_links_declared_no_insert
BEFORE INSERT ON line_links
WHEN (SELECT o.state FROM order_lines l JOIN export_orders o ON o.id = l.order_id
      WHERE l.id = NEW.line_id) = 'declared'
 AND NOT EXISTS (SELECT 1 FROM applying_platform_copy)
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: the links of a declared order cannot change');
END;

DROP TRIGGER line_links_declared_no_delete;
CREATE TRIGGER line_links_declared_no_delete
BEFORE DELETE ON line_links
WHEN (SELECT o.state FROM order_lines l JOIN export_orders o ON o.id = l.order_id
      WHERE l.id = OLD.line_id) = 'declared'
 AND NOT EXISTS (SELECT 1 FROM applying_platform_copy)
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: the links of a declared order cannot change');
END;

-- A database restored from an older copy numbers new operations below what the platform
-- already holds of this device: those not yet acknowledged may move up (never down), and
-- nothing else of a queued operation may change.
DROP TRIGGER outbox_operation_immutable;
CREATE TRIGGER outbox_operation_immutable
BEFORE UPDATE ON outbox
WHEN (NEW.seq IS NOT OLD.seq AND NOT (OLD.acked_at IS NULL AND NEW.seq > OLD.seq))
  OR NEW.op_id IS NOT OLD.op_id OR NEW.kind IS NOT OLD.kind
  OR NEW.order_id IS NOT OLD.order_id OR NEW.payload IS NOT OLD.payload
  OR NEW.created_at IS NOT OLD.created_at
BEGIN
    SELECT RAISE(ABORT, 'outbox.immutable: a queued operation cannot change');
END;

-- remote_orders (the platform's one-row summary per order) gave way to the order book.
DROP TABLE remote_orders;

-- The search index takes a page of the platform's orders in a few statements, not one per
-- order: FTS5 writes its pending terms at every statement's savepoint, which made one row
-- per statement cost 160 µs (order_book::apply inserts them itself, in the same
-- transaction).
DROP TRIGGER export_orders_text_insert;
CREATE TRIGGER export_orders_text_insert
AFTER INSERT ON export_orders
WHEN NOT EXISTS (SELECT 1 FROM applying_platform_copy)
BEGIN
    INSERT INTO order_text (rowid, buyer_name, passport_no, customs_no)
        VALUES (NEW.id, NEW.buyer_name, NEW.passport_no, NEW.customs_no);
END;
