-- The company's order book across computers: an epoch for the database (a restore of an
-- older copy keeps it, a new database gets another), where each order was entered and who
-- changed it last, the revision each line last changed at (an edit made on an older
-- revision is refused only when another device changed that same line since), and the
-- pieces of large operations uploaded before their push.

CREATE TABLE platform_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO platform_meta (key, value) VALUES ('epoch', lower(hex(randomblob(16))));

ALTER TABLE orders ADD COLUMN origin TEXT NOT NULL DEFAULT 'desk' CHECK (origin IN ('desk', 'web'));
ALTER TABLE orders ADD COLUMN origin_device TEXT;
ALTER TABLE orders ADD COLUMN changed_by TEXT;
ALTER TABLE orders ADD COLUMN changed_device TEXT;

ALTER TABLE order_lines ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE order_lines ADD COLUMN changed_device TEXT;

CREATE TABLE op_chunks (
    company_id  INTEGER NOT NULL,
    device_id   TEXT NOT NULL,
    op_id       TEXT NOT NULL,
    idx         INTEGER NOT NULL,
    count       INTEGER NOT NULL,
    data        TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (company_id, device_id, op_id, idx)
) WITHOUT ROWID;

-- The lines of one order in the order they were written: the order book pages them.
CREATE INDEX order_lines_order_rowid ON order_lines (order_uuid);
