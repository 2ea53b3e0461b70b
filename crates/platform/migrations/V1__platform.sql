-- The reference platform's own database (never the app's). Times are unix milliseconds;
-- money is integer US cents. `rev` columns take the next value of `revisions` whenever a
-- row changes, so feeds page by "rev greater than the cursor".

CREATE TABLE revisions (
    rev INTEGER PRIMARY KEY AUTOINCREMENT,
    at  INTEGER NOT NULL
);

-- The company registry (市场监管局数据) registration is checked against.
CREATE TABLE registry (
    uscc            TEXT PRIMARY KEY,
    company_name    TEXT NOT NULL,
    legal_rep_name  TEXT NOT NULL,
    legal_rep_id_no TEXT NOT NULL
);

CREATE TABLE registration_tickets (
    token_hash TEXT PRIMARY KEY,
    uscc       TEXT NOT NULL REFERENCES registry (uscc),
    expires_at INTEGER NOT NULL
);

CREATE TABLE companies (
    id               INTEGER PRIMARY KEY,
    uscc             TEXT NOT NULL UNIQUE REFERENCES registry (uscc),
    procurement_no   TEXT NOT NULL UNIQUE,
    company_name     TEXT NOT NULL,
    contact_name     TEXT NOT NULL,
    mobile           TEXT NOT NULL UNIQUE,
    email            TEXT,
    office_address   TEXT,
    password_hash    TEXT NOT NULL,
    locked_until     INTEGER,
    realname_status  TEXT NOT NULL DEFAULT 'unverified'
                     CHECK (realname_status IN ('unverified', 'pending', 'approved', 'rejected')),
    activated_at     INTEGER NOT NULL
);

CREATE TABLE login_failures (
    company_id INTEGER NOT NULL REFERENCES companies (id),
    at         INTEGER NOT NULL
);
CREATE INDEX login_failures_company ON login_failures (company_id, at);

CREATE TABLE captchas (
    id         TEXT PRIMARY KEY,
    answer     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    expires_at INTEGER NOT NULL
);

CREATE TABLE realname_submissions (
    id             INTEGER PRIMARY KEY,
    company_id     INTEGER NOT NULL REFERENCES companies (id),
    nationality    TEXT NOT NULL CHECK (nationality IN ('chinese', 'foreign')),
    office_address TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    reason         TEXT,
    submitted_at   INTEGER NOT NULL,
    decided_at     INTEGER
);

CREATE TABLE realname_photos (
    submission_id INTEGER NOT NULL REFERENCES realname_submissions (id),
    part          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    bytes         BLOB NOT NULL,
    PRIMARY KEY (submission_id, part)
);

CREATE TABLE merchants (
    procurement_no TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    mobile         TEXT NOT NULL,
    rev            INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX merchants_rev ON merchants (rev);

CREATE TABLE merchant_orders (
    id             TEXT PRIMARY KEY,
    company_id     INTEGER NOT NULL REFERENCES companies (id),
    procurement_no TEXT,
    merchant_name  TEXT NOT NULL,
    mobile         TEXT NOT NULL,
    order_month    TEXT NOT NULL,
    buyer_name     TEXT,
    product_name   TEXT,
    quantity       INTEGER,
    packages       INTEGER,
    amount_cents   INTEGER NOT NULL CHECK (amount_cents >= 0),
    sent_at        INTEGER NOT NULL,
    rev            INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX merchant_orders_company_rev ON merchant_orders (company_id, rev);

CREATE TABLE settlement_authorizations (
    id                TEXT PRIMARY KEY,
    company_id        INTEGER NOT NULL REFERENCES companies (id),
    merchant_order_id TEXT NOT NULL REFERENCES merchant_orders (id),
    amount_cents      INTEGER NOT NULL CHECK (amount_cents >= 0),
    locked_at         INTEGER NOT NULL,
    rev               INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX settlement_authorizations_company_rev ON settlement_authorizations (company_id, rev);

CREATE TABLE sms_codes (
    company_id INTEGER NOT NULL REFERENCES companies (id),
    mobile     TEXT NOT NULL,
    code       TEXT NOT NULL,
    sent_at    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (company_id, mobile)
);

-- 结汇主体: bound once, for good.
CREATE TABLE settlement_bindings (
    company_id      INTEGER PRIMARY KEY REFERENCES companies (id),
    entity_type     TEXT NOT NULL CHECK (entity_type IN ('individual', 'small_enterprise')),
    name            TEXT NOT NULL,
    uscc            TEXT NOT NULL,
    legal_rep_name  TEXT NOT NULL,
    legal_rep_id_no TEXT NOT NULL,
    mobile          TEXT NOT NULL,
    bound_at        INTEGER NOT NULL
);
CREATE TRIGGER settlement_binding_final BEFORE UPDATE ON settlement_bindings
BEGIN
    SELECT RAISE(ABORT, 'settlement.already_bound: a settlement entity is bound for good');
END;
CREATE TRIGGER settlement_binding_no_delete BEFORE DELETE ON settlement_bindings
BEGIN
    SELECT RAISE(ABORT, 'settlement.already_bound: a settlement entity is bound for good');
END;

-- Export orders as devices pushed them (drafts never reach the platform).
CREATE TABLE orders (
    uuid         TEXT PRIMARY KEY,
    company_id   INTEGER NOT NULL REFERENCES companies (id),
    state        TEXT NOT NULL CHECK (state IN ('confirmed', 'declared')),
    buyer_name   TEXT NOT NULL,
    passport_no  TEXT NOT NULL,
    country      TEXT NOT NULL CHECK (length(country) = 2),
    total_cents  INTEGER NOT NULL CHECK (total_cents > 0),
    customs_no   TEXT UNIQUE,
    confirmed_at TEXT NOT NULL,
    declared_at  TEXT,
    rev          INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    CHECK ((state = 'declared') = (customs_no IS NOT NULL))
);
CREATE INDEX orders_company_rev ON orders (company_id, rev);

CREATE TABLE order_lines (
    uuid           TEXT PRIMARY KEY,
    order_uuid     TEXT NOT NULL REFERENCES orders (uuid),
    position       INTEGER NOT NULL,
    procurement_no TEXT,
    merchant_name  TEXT NOT NULL,
    mobile         TEXT NOT NULL,
    order_month    TEXT NOT NULL,
    product_name   TEXT NOT NULL,
    quantity       INTEGER NOT NULL CHECK (quantity > 0),
    packages       INTEGER NOT NULL CHECK (packages > 0),
    amount_cents   INTEGER NOT NULL CHECK (amount_cents > 0),
    note           TEXT
);
CREATE INDEX order_lines_order ON order_lines (order_uuid, position);

CREATE TABLE line_links (
    line_uuid         TEXT NOT NULL REFERENCES order_lines (uuid) ON DELETE CASCADE,
    merchant_order_id TEXT NOT NULL REFERENCES merchant_orders (id),
    PRIMARY KEY (line_uuid, merchant_order_id)
) WITHOUT ROWID;

-- The freeze rules, held by the database as in the app: a confirmed order's buyer never
-- changes, a declared order changes in nothing, states only move forward.
CREATE TRIGGER orders_buyer_frozen BEFORE UPDATE ON orders
WHEN NEW.buyer_name IS NOT OLD.buyer_name OR NEW.passport_no IS NOT OLD.passport_no
  OR NEW.country IS NOT OLD.country OR NEW.total_cents IS NOT OLD.total_cents
  OR NEW.company_id IS NOT OLD.company_id OR NEW.confirmed_at IS NOT OLD.confirmed_at
BEGIN
    SELECT RAISE(ABORT, 'order.buyer_frozen: the buyer of a confirmed order cannot change');
END;
CREATE TRIGGER orders_declared_frozen BEFORE UPDATE ON orders
WHEN OLD.state = 'declared' AND (NEW.state IS NOT OLD.state OR NEW.customs_no IS NOT OLD.customs_no
  OR NEW.declared_at IS NOT OLD.declared_at)
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: a declared order cannot change');
END;
CREATE TRIGGER orders_no_delete BEFORE DELETE ON orders
BEGIN
    SELECT RAISE(ABORT, 'order.delete_confirmed: a confirmed order cannot be deleted');
END;
CREATE TRIGGER lines_frozen_insert BEFORE INSERT ON order_lines
WHEN (SELECT state FROM orders WHERE uuid = NEW.order_uuid) = 'declared'
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: a declared order cannot change');
END;
CREATE TRIGGER lines_frozen_update BEFORE UPDATE ON order_lines
WHEN (SELECT state FROM orders WHERE uuid = OLD.order_uuid) = 'declared'
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: a declared order cannot change');
END;
CREATE TRIGGER lines_frozen_delete BEFORE DELETE ON order_lines
WHEN (SELECT state FROM orders WHERE uuid = OLD.order_uuid) = 'declared'
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: a declared order cannot change');
END;
CREATE TRIGGER links_frozen_insert BEFORE INSERT ON line_links
WHEN (SELECT o.state FROM orders o JOIN order_lines l ON l.order_uuid = o.uuid WHERE l.uuid = NEW.line_uuid) = 'declared'
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: a declared order cannot change');
END;
CREATE TRIGGER links_frozen_delete BEFORE DELETE ON line_links
WHEN (SELECT o.state FROM orders o JOIN order_lines l ON l.order_uuid = o.uuid WHERE l.uuid = OLD.line_uuid) = 'declared'
BEGIN
    SELECT RAISE(ABORT, 'order.declared_frozen: a declared order cannot change');
END;

-- Per device: the highest sequence the platform holds.
CREATE TABLE devices (
    company_id INTEGER NOT NULL REFERENCES companies (id),
    device_id  TEXT NOT NULL,
    last_seq   INTEGER NOT NULL,
    PRIMARY KEY (company_id, device_id)
) WITHOUT ROWID;

-- Every operation ever received, with its verdict: a retried op id is answered from here.
CREATE TABLE operations (
    op_id       TEXT PRIMARY KEY,
    company_id  INTEGER NOT NULL,
    device_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    verdict     TEXT NOT NULL CHECK (verdict IN ('applied', 'rejected')),
    code        TEXT,
    message     TEXT,
    received_at INTEGER NOT NULL
);
CREATE INDEX operations_device_seq ON operations (company_id, device_id, seq);
