-- Xinbao Desk local store, schema 7: a passport number is found by the whole number or a
-- prefix of at least six characters, never by any part of it (probing the list with
-- parts rebuilt a passport). The trigram index keeps the buyer's name and the customs
-- number; passports get an ordinary index for exact and prefix lookups.
DROP TRIGGER export_orders_text_insert;
DROP TRIGGER export_orders_text_delete;
DROP TRIGGER export_orders_text_update;
DROP TABLE order_text;

CREATE VIRTUAL TABLE order_text USING fts5(
    buyer_name, customs_no,
    content = 'export_orders', content_rowid = 'id', tokenize = 'trigram'
);

-- While the platform's copy is applied, order_book::apply indexes its new orders itself.
CREATE TRIGGER export_orders_text_insert
AFTER INSERT ON export_orders
WHEN NOT EXISTS (SELECT 1 FROM applying_platform_copy)
BEGIN
    INSERT INTO order_text (rowid, buyer_name, customs_no)
        VALUES (NEW.id, NEW.buyer_name, NEW.customs_no);
END;

CREATE TRIGGER export_orders_text_delete
AFTER DELETE ON export_orders
BEGIN
    INSERT INTO order_text (order_text, rowid, buyer_name, customs_no)
        VALUES ('delete', OLD.id, OLD.buyer_name, OLD.customs_no);
END;

CREATE TRIGGER export_orders_text_update
AFTER UPDATE OF buyer_name, customs_no ON export_orders
BEGIN
    INSERT INTO order_text (order_text, rowid, buyer_name, customs_no)
        VALUES ('delete', OLD.id, OLD.buyer_name, OLD.customs_no);
    INSERT INTO order_text (rowid, buyer_name, customs_no)
        VALUES (NEW.id, NEW.buyer_name, NEW.customs_no);
END;

INSERT INTO order_text (order_text) VALUES ('rebuild');

CREATE INDEX export_orders_passport ON export_orders (passport_no);
