-- Xinbao Desk local store, schema 3: what the platform sends back, cached so the screens
-- work offline. Sync cursors and the last sync live in `settings`.

-- 交易清单结汇金额授权: settlement amounts locked for this company (manual §3.3).
CREATE TABLE settlement_authorizations (
    id                TEXT PRIMARY KEY,
    merchant_order_id TEXT NOT NULL,
    merchant_name     TEXT NOT NULL,
    procurement_no    TEXT,
    amount_cents      INTEGER NOT NULL CHECK (amount_cents >= 0),
    locked_at         TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX settlement_authorizations_locked ON settlement_authorizations (locked_at);

-- Merchant orders are listed newest first on the merchant order query screen.
CREATE INDEX merchant_orders_sent ON merchant_orders (sent_at);

-- What the platform last said of each confirmed order (its state and customs number).
CREATE TABLE remote_orders (
    order_uuid        TEXT PRIMARY KEY,
    state             TEXT NOT NULL CHECK (state IN ('confirmed', 'declared')),
    customs_no        TEXT,
    line_count        INTEGER NOT NULL,
    lines_total_cents INTEGER NOT NULL,
    updated_at        TEXT NOT NULL
);
