-- Xinbao Desk local store, schema 2: the staging area of spreadsheet imports.
-- An import is read into these tables first; the clerk previews and fixes it, then accepts
-- the valid rows into an order's lines in one transaction, or rejects the whole import.

CREATE TABLE import_batches (
    id             INTEGER PRIMARY KEY,
    order_id       INTEGER NOT NULL REFERENCES export_orders (id) ON DELETE CASCADE,
    file_name      TEXT NOT NULL,
    file_hash      TEXT NOT NULL,          -- sha256 of the file's bytes
    format         TEXT NOT NULL,          -- xlsx, xls, ods, csv
    sheet          TEXT,
    header_row     INTEGER,                -- as the spreadsheet shows it (1-based)
    columns_json   TEXT NOT NULL,          -- which column became which field; ignored columns
    state          TEXT NOT NULL CHECK (state IN ('staged', 'accepted', 'rejected')),
    rows_read      INTEGER NOT NULL,
    rows_valid     INTEGER NOT NULL,
    rows_invalid   INTEGER NOT NULL,
    rows_duplicate INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    decided_at     TEXT,
    lines_added    INTEGER
);
CREATE INDEX import_batches_order_hash ON import_batches (order_id, file_hash);

-- One row of the sheet. Typed columns hold the normalised values (NULL when empty or
-- invalid); raw_json holds the cell texts as read, for rows that need fixing.
CREATE TABLE import_rows (
    batch_id       INTEGER NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE,
    row_no         INTEGER NOT NULL,       -- the row number the spreadsheet shows
    procurement_no TEXT,
    merchant_name  TEXT,
    mobile         TEXT,
    order_month    TEXT,
    product_name   TEXT,
    quantity       INTEGER,
    packages       INTEGER,
    amount_cents   INTEGER,
    note           TEXT,
    raw_json       TEXT,
    error_count    INTEGER NOT NULL DEFAULT 0,
    duplicate_of   INTEGER,                -- row_no of the first identical row
    PRIMARY KEY (batch_id, row_no)
) WITHOUT ROWID;

-- Every problem of a cell: the field, the column header as the file has it, a stable code,
-- and words in both languages (the CLI and the error export need them without the UI).
CREATE TABLE import_errors (
    batch_id   INTEGER NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE,
    row_no     INTEGER NOT NULL,
    field      TEXT NOT NULL,
    header     TEXT NOT NULL,
    code       TEXT NOT NULL,
    message_zh TEXT NOT NULL,
    message_en TEXT NOT NULL,
    PRIMARY KEY (batch_id, row_no, field)
) WITHOUT ROWID;
