-- Xinbao Desk local store, schema 5: what the editor holds before 暂存 (so a crash loses
-- no keystroke), and the audit log widened to record who revealed which masked number.

-- The editor's form as typed, kept a moment after each keystroke and dropped when it is
-- saved. slot: 'new' for an order not yet created, 'order:<id>' for a stored one. The form
-- is the OrderForm's JSON (every field still text: it may not be valid yet).
CREATE TABLE unsaved_edits (
    slot      TEXT PRIMARY KEY,
    form_json TEXT NOT NULL,
    kept_at   TEXT NOT NULL
) WITHOUT ROWID;

-- The audit log gains two entities: a merchant order (a masked mobile revealed) and the
-- settlement binding (its legal representative's ID or mobile revealed). SQLite cannot
-- change a CHECK, so the table is rebuilt; the append-only triggers go with the old table
-- (dropping a table fires no DELETE trigger) and are made again.
CREATE TABLE audit_log_v5 (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    order_id    INTEGER,
    entity      TEXT NOT NULL CHECK (entity IN ('order', 'line', 'link', 'merchant_order', 'settlement')),
    entity_id   TEXT NOT NULL,
    action      TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT
);
INSERT INTO audit_log_v5 (id, at, actor, order_id, entity, entity_id, action, before_json, after_json)
    SELECT id, at, actor, order_id, entity, entity_id, action, before_json, after_json FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_v5 RENAME TO audit_log;
CREATE INDEX audit_log_order ON audit_log (order_id, id);

CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit.append_only: audit rows cannot change');
END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit.append_only: audit rows cannot be deleted');
END;
