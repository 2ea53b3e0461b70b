-- Xinbao Desk local store, schema 4: what the order list filters and searches on, so a
-- page, a filter and a search stay instant at 100k orders and 1M lines.

-- Filters by country and by the month an order was created.
CREATE INDEX export_orders_country ON export_orders (country, updated_at);
CREATE INDEX export_orders_created ON export_orders (created_at);

-- The sync-state filter: the few rejected operations, found without reading the outbox.
CREATE INDEX outbox_rejected ON outbox (order_id) WHERE verdict = 'rejected';

-- The buyer's name, passport number and customs number, indexed by trigrams: a search for
-- any part of them (three characters or more) reads the index, not 100k rows. Kept by the
-- triggers below (external content: the text itself stays in export_orders).
CREATE VIRTUAL TABLE order_text USING fts5(
    buyer_name, passport_no, customs_no,
    content = 'export_orders', content_rowid = 'id', tokenize = 'trigram'
);

CREATE TRIGGER export_orders_text_insert
AFTER INSERT ON export_orders
BEGIN
    INSERT INTO order_text (rowid, buyer_name, passport_no, customs_no)
        VALUES (NEW.id, NEW.buyer_name, NEW.passport_no, NEW.customs_no);
END;

CREATE TRIGGER export_orders_text_delete
AFTER DELETE ON export_orders
BEGIN
    INSERT INTO order_text (order_text, rowid, buyer_name, passport_no, customs_no)
        VALUES ('delete', OLD.id, OLD.buyer_name, OLD.passport_no, OLD.customs_no);
END;

CREATE TRIGGER export_orders_text_update
AFTER UPDATE OF buyer_name, passport_no, customs_no ON export_orders
BEGIN
    INSERT INTO order_text (order_text, rowid, buyer_name, passport_no, customs_no)
        VALUES ('delete', OLD.id, OLD.buyer_name, OLD.passport_no, OLD.customs_no);
    INSERT INTO order_text (rowid, buyer_name, passport_no, customs_no)
        VALUES (NEW.id, NEW.buyer_name, NEW.passport_no, NEW.customs_no);
END;

INSERT INTO order_text (order_text) VALUES ('rebuild');

-- Each order's merchants by procurement number, and every name the lines gave a merchant:
-- a search for a merchant finds its orders without reading a million lines. Kept by the
-- triggers below; a line changed since is checked again when searching, so a stale pair
-- never shows a wrong order (it only costs a probe).
CREATE TABLE order_merchants (
    procurement_no TEXT NOT NULL,
    order_id       INTEGER NOT NULL REFERENCES export_orders (id) ON DELETE CASCADE,
    PRIMARY KEY (procurement_no, order_id)
) WITHOUT ROWID;
CREATE INDEX order_merchants_order ON order_merchants (order_id);

CREATE TABLE merchant_names (
    procurement_no TEXT NOT NULL,
    name           TEXT NOT NULL,
    PRIMARY KEY (procurement_no, name)
) WITHOUT ROWID;

CREATE TRIGGER order_lines_search_insert
AFTER INSERT ON order_lines
WHEN NEW.procurement_no IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO order_merchants (procurement_no, order_id)
        VALUES (NEW.procurement_no, NEW.order_id);
    INSERT OR IGNORE INTO merchant_names (procurement_no, name)
        SELECT NEW.procurement_no, NEW.merchant_name WHERE NEW.merchant_name IS NOT NULL;
END;

CREATE TRIGGER order_lines_search_update
AFTER UPDATE OF procurement_no, merchant_name ON order_lines
WHEN NEW.procurement_no IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO order_merchants (procurement_no, order_id)
        VALUES (NEW.procurement_no, NEW.order_id);
    INSERT OR IGNORE INTO merchant_names (procurement_no, name)
        SELECT NEW.procurement_no, NEW.merchant_name WHERE NEW.merchant_name IS NOT NULL;
END;

INSERT OR IGNORE INTO order_merchants (procurement_no, order_id)
    SELECT procurement_no, order_id FROM order_lines WHERE procurement_no IS NOT NULL;
INSERT OR IGNORE INTO merchant_names (procurement_no, name)
    SELECT procurement_no, merchant_name FROM order_lines
    WHERE procurement_no IS NOT NULL AND merchant_name IS NOT NULL;
