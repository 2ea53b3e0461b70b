//! The staging area of spreadsheet imports. Rows are staged with their problems; the clerk
//! previews them page by page, fixes cells in place (re-validated at once), then accepts
//! the valid rows into the order's lines in one transaction, or rejects the import.
//!
//! Reading spreadsheets is the import crate's job; this module only keeps what it read.

use crate::audit::{self, Change, Entity};
use crate::orders::{insert_line_of, line_payload, load_order};
use crate::outbox::{self, kind};
use crate::{now, Result, Store, StoreError};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

/// Lines between two progress reports (and cancel checks) of an accept.
const PROGRESS_EVERY: i64 = 4096;
use xinbao_domain::order::{Action, LINE_FIELDS};
use xinbao_domain::{Cents, FieldError, LineForm, OrderLineDraft, OrderState};

/// A problem of one cell, worded in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellError {
    pub field: String,
    pub header: String,
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

/// How the file's columns were understood: field → the header as the file has it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMap {
    pub fields: BTreeMap<String, String>,
    pub ignored: Vec<String>,
}

impl ColumnMap {
    fn header(&self, field: &str) -> String {
        self.fields
            .get(field)
            .cloned()
            .unwrap_or_else(|| field.to_string())
    }
}

/// What is known of a file before its rows are staged.
#[derive(Debug, Clone)]
pub struct BatchMeta {
    pub order_id: i64,
    pub file_name: String,
    pub file_hash: String,
    pub format: String,
    pub sheet: Option<String>,
    pub header_row: Option<i64>,
    pub columns: ColumnMap,
}

/// The outcome of a staged import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchSummary {
    pub id: i64,
    pub order_id: i64,
    pub file_name: String,
    pub format: String,
    pub sheet: Option<String>,
    pub header_row: Option<i64>,
    pub columns: ColumnMap,
    pub state: String,
    pub rows_read: i64,
    pub rows_valid: i64,
    pub rows_invalid: i64,
    pub rows_duplicate: i64,
    pub lines_added: Option<i64>,
}

fn to_cell_errors(columns: &ColumnMap, errors: &[FieldError]) -> Vec<CellError> {
    errors
        .iter()
        .map(|e| CellError {
            field: e.field.clone(),
            header: columns.header(&e.field),
            code: e.code.as_str().to_string(),
            message_zh: xinbao_i18n::error_text("zh-CN", e.code.as_str()),
            message_en: xinbao_i18n::error_text("en", e.code.as_str()),
        })
        .collect()
}

/// Validates one row's nine texts as a complete line; `pre` are problems found while
/// reading the cells (a formula error, a fraction in a count), which win over the text's.
pub fn validate_row(texts: [String; 9], pre: Vec<FieldError>) -> (OrderLineDraft, Vec<FieldError>) {
    validate_form(&LineForm::from_fields(texts), pre)
}

fn validate_form(form: &LineForm, pre: Vec<FieldError>) -> (OrderLineDraft, Vec<FieldError>) {
    let (mut line, errors) = form.parse_complete();
    let mut all = pre;
    for e in errors {
        if !all.iter().any(|p| p.field == e.field) {
            all.push(e);
        }
    }
    // A field with a problem keeps no value.
    for e in &all {
        match e.field.as_str() {
            "procurement_no" => line.procurement_no = None,
            "merchant_name" => line.merchant_name = None,
            "mobile" => line.mobile = None,
            "order_month" => line.order_month = None,
            "product_name" => line.product_name = None,
            "quantity" => line.quantity = None,
            "packages" => line.packages = None,
            "amount" => line.amount_cents = None,
            "note" => line.note = None,
            _ => {}
        }
    }
    all.sort_by_key(|e| {
        LINE_FIELDS
            .iter()
            .position(|f| *f == e.field)
            .unwrap_or(usize::MAX)
    });
    (line, all)
}

/// Writes the rows of one import inside one transaction. Dropped without
/// [`StagingWriter::finish`], nothing of the import stays (cancel, failure).
pub struct StagingWriter<'s> {
    /// The connection, to set its checkpoints back after the commit.
    conn: &'s rusqlite::Connection,
    tx: Transaction<'s>,
    /// The row insert, prepared once (a cache lookup per row shows in a million).
    insert: rusqlite::Statement<'s>,
    batch_id: i64,
    columns: ColumnMap,
    rows_read: i64,
    rows_invalid: i64,
    rows_duplicate: i64,
}

/// Starts staging an import into `meta.order_id`. The order must take line edits.
pub fn begin(store: &mut Store, meta: BatchMeta) -> Result<StagingWriter<'_>> {
    store
        .conn
        .pragma_update(None, "cache_size", crate::STREAM_CACHE_KIB)?;
    // As for an accept: the commit leaves its pages in the WAL for a later checkpoint.
    store.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    // A staged import is a preview of a file the clerk still has: its commit is not
    // synced to the disk (a power cut may lose the preview, WAL never corrupts the file;
    // a million rows' sync took 0.1 s). The accept, which writes the order, is synced.
    store.conn.pragma_update(None, "synchronous", "NORMAL")?;
    let conn = &store.conn;
    // Unchecked only in that the borrow is shared: the writer keeps the connection too.
    let tx = conn.unchecked_transaction()?;
    load_order(&tx, meta.order_id)?
        .state
        .allows(Action::EditLines)?;
    tx.execute(
        "INSERT INTO import_batches (order_id, file_name, file_hash, format, sheet, header_row, columns_json, state,
                                     rows_read, rows_valid, rows_invalid, rows_duplicate, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'staged', 0, 0, 0, 0, ?8)",
        params![
            meta.order_id,
            meta.file_name,
            meta.file_hash,
            meta.format,
            meta.sheet,
            meta.header_row,
            serde_json::to_string(&meta.columns).expect("serialisable"),
            now()
        ],
    )?;
    let batch_id = tx.last_insert_rowid();
    let insert = conn.prepare(
        "INSERT INTO import_rows (batch_id, row_no, procurement_no, merchant_name, mobile, order_month,
            product_name, quantity, packages, amount_cents, note, raw_json, error_count, duplicate_of)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    Ok(StagingWriter {
        conn,
        tx,
        insert,
        batch_id,
        columns: meta.columns,
        rows_read: 0,
        rows_invalid: 0,
        rows_duplicate: 0,
    })
}

impl StagingWriter<'_> {
    pub fn batch_id(&self) -> i64 {
        self.batch_id
    }

    /// Stages one row: `texts` as read (in [`LINE_FIELDS`] order), `pre` problems found
    /// while reading the cells, `duplicate_of` the first identical row.
    pub fn push(
        &mut self,
        row_no: i64,
        texts: [String; 9],
        pre: Vec<FieldError>,
        duplicate_of: Option<i64>,
    ) -> Result<()> {
        let form = LineForm::from_fields(texts);
        let (line, errors) = validate_form(&form, pre);
        self.rows_read += 1;
        if !errors.is_empty() {
            self.rows_invalid += 1;
        }
        if duplicate_of.is_some() {
            self.rows_duplicate += 1;
        }
        let raw = if errors.is_empty() {
            None
        } else {
            Some(serde_json::to_string(&form.to_fields()).expect("serialisable"))
        };
        self.insert.execute(params![
            self.batch_id,
            row_no,
            line.procurement_no,
            line.merchant_name,
            line.mobile,
            line.order_month,
            line.product_name,
            line.quantity,
            line.packages,
            line.amount_cents.map(|c| c.0),
            line.note,
            raw,
            errors.len() as i64,
            duplicate_of
        ])?;
        if !errors.is_empty() {
            let mut stmt = self.tx.prepare_cached(
                "INSERT OR REPLACE INTO import_errors (batch_id, row_no, field, header, code, message_zh, message_en)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for e in to_cell_errors(&self.columns, &errors) {
                stmt.execute(params![
                    self.batch_id,
                    row_no,
                    e.field,
                    e.header,
                    e.code,
                    e.message_zh,
                    e.message_en
                ])?;
            }
        }
        Ok(())
    }

    pub fn rows_read(&self) -> i64 {
        self.rows_read
    }

    /// Marks a staged row as a duplicate of an earlier one (found after all rows are read).
    pub fn mark_duplicate(&mut self, row_no: i64, first: i64) -> Result<()> {
        self.tx
            .prepare_cached(
                "UPDATE import_rows SET duplicate_of = ?3 WHERE batch_id = ?1 AND row_no = ?2",
            )?
            .execute(params![self.batch_id, row_no, first])?;
        self.rows_duplicate += 1;
        Ok(())
    }

    /// Commits the staged import.
    pub fn finish(self) -> Result<BatchSummary> {
        self.tx
            .pragma_update(None, "cache_size", crate::DEFAULT_CACHE_KIB)?;
        self.tx.execute(
            "UPDATE import_batches SET rows_read = ?2, rows_valid = ?2 - ?3, rows_invalid = ?3, rows_duplicate = ?4
             WHERE id = ?1",
            params![self.batch_id, self.rows_read, self.rows_invalid, self.rows_duplicate],
        )?;
        let summary = summary_of(&self.tx, self.batch_id)?;
        self.tx.commit()?;
        self.conn
            .pragma_update(None, "wal_autocheckpoint", crate::WAL_AUTOCHECKPOINT_PAGES)?;
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(summary)
    }
}

fn summary_of(conn: &rusqlite::Connection, batch_id: i64) -> Result<BatchSummary> {
    conn.query_row(
        "SELECT id, order_id, file_name, format, sheet, header_row, columns_json, state, rows_read, rows_valid,
                rows_invalid, rows_duplicate, lines_added
         FROM import_batches WHERE id = ?1",
        [batch_id],
        |r| {
            let columns: String = r.get(6)?;
            Ok(BatchSummary {
                id: r.get(0)?,
                order_id: r.get(1)?,
                file_name: r.get(2)?,
                format: r.get(3)?,
                sheet: r.get(4)?,
                header_row: r.get(5)?,
                columns: serde_json::from_str(&columns).unwrap_or_default(),
                state: r.get(7)?,
                rows_read: r.get(8)?,
                rows_valid: r.get(9)?,
                rows_invalid: r.get(10)?,
                rows_duplicate: r.get(11)?,
                lines_added: r.get(12)?,
            })
        },
    )
    .optional()?
    .ok_or(StoreError::ImportNotFound(batch_id))
}

pub fn summary(store: &Store, batch_id: i64) -> Result<BatchSummary> {
    summary_of(&store.conn, batch_id)
}

/// An earlier import of the same file content into the same order, if any (not rejected).
pub fn previous_import(
    store: &Store,
    order_id: i64,
    file_hash: &str,
) -> Result<Option<BatchSummary>> {
    let id: Option<i64> = store
        .conn
        .query_row(
            "SELECT id FROM import_batches WHERE order_id = ?1 AND file_hash = ?2 AND state <> 'rejected'
             ORDER BY id DESC LIMIT 1",
            params![order_id, file_hash],
            |r| r.get(0),
        )
        .optional()?;
    id.map(|id| summary(store, id)).transpose()
}

/// One staged row as the preview shows it.
#[derive(Debug, Clone, Serialize)]
pub struct StagedRow {
    pub row_no: i64,
    /// The nine texts in [`LINE_FIELDS`] order: as read for a row with problems, the
    /// normalised values for a clean row.
    pub texts: [String; 9],
    pub errors: Vec<CellError>,
    pub duplicate_of: Option<i64>,
    /// The directory's merchant, when the row's procurement number is another merchant's
    /// than its name and mobile: a warning on the cell, not a problem that keeps it out.
    pub other_merchant: Option<crate::platform_cache::Merchant>,
}

fn line_of_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OrderLineDraft> {
    Ok(OrderLineDraft {
        id: None,
        procurement_no: r.get("procurement_no")?,
        merchant_name: r.get("merchant_name")?,
        mobile: r.get("mobile")?,
        order_month: r.get("order_month")?,
        product_name: r.get("product_name")?,
        quantity: r.get("quantity")?,
        packages: r.get("packages")?,
        amount_cents: r.get::<_, Option<i64>>("amount_cents")?.map(Cents),
        note: r.get("note")?,
    })
}

fn errors_of(conn: &rusqlite::Connection, batch_id: i64, row_no: i64) -> Result<Vec<CellError>> {
    let mut stmt = conn.prepare_cached(
        "SELECT field, header, code, message_zh, message_en FROM import_errors WHERE batch_id = ?1 AND row_no = ?2",
    )?;
    let mut errors: Vec<CellError> = stmt
        .query_map(params![batch_id, row_no], |r| {
            Ok(CellError {
                field: r.get(0)?,
                header: r.get(1)?,
                code: r.get(2)?,
                message_zh: r.get(3)?,
                message_en: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    errors.sort_by_key(|e| {
        LINE_FIELDS
            .iter()
            .position(|f| *f == e.field)
            .unwrap_or(usize::MAX)
    });
    Ok(errors)
}

/// A page of staged rows in sheet order; `only_errors` keeps the rows with problems and
/// those warned of a procurement number of another merchant.
pub fn rows(
    store: &Store,
    batch_id: i64,
    only_errors: bool,
    offset: i64,
    limit: i64,
) -> Result<Vec<StagedRow>> {
    let mut stmt = store.conn.prepare_cached(&format!(
        "SELECT * FROM import_rows r WHERE batch_id = ?1
           AND (?2 = 0 OR error_count > 0
                OR EXISTS (SELECT 1 FROM merchants m WHERE {}))
           AND EXISTS (SELECT 1 FROM import_batches b WHERE b.id = ?1 AND b.state = 'staged')
         ORDER BY row_no LIMIT ?3 OFFSET ?4",
        crate::platform_cache::other_merchant_sql(
            "r.procurement_no",
            "r.merchant_name",
            "r.mobile"
        )
    ))?;
    type RawRow = (i64, OrderLineDraft, Option<String>, i64, Option<i64>);
    let raw_rows: Vec<RawRow> = stmt
        .query_map(
            params![batch_id, only_errors, limit.clamp(1, 1000), offset.max(0)],
            |r| {
                Ok((
                    r.get("row_no")?,
                    line_of_row(r)?,
                    r.get("raw_json")?,
                    r.get("error_count")?,
                    r.get("duplicate_of")?,
                ))
            },
        )?
        .collect::<Result<_, _>>()?;
    raw_rows
        .into_iter()
        .map(|(row_no, line, raw, error_count, duplicate_of)| {
            let texts = raw
                .and_then(|r| serde_json::from_str(&r).ok())
                .unwrap_or_else(|| line.to_texts());
            let errors = if error_count > 0 {
                errors_of(&store.conn, batch_id, row_no)?
            } else {
                Vec::new()
            };
            Ok(StagedRow {
                row_no,
                texts,
                errors,
                duplicate_of,
                other_merchant: crate::platform_cache::other_merchant_on(&store.conn, &line)?,
            })
        })
        .collect()
}

/// Replaces one cell's text and validates the row again at once.
pub fn fix_cell(
    store: &mut Store,
    batch_id: i64,
    row_no: i64,
    field: &str,
    text: &str,
) -> Result<StagedRow> {
    let index = LINE_FIELDS
        .iter()
        .position(|f| *f == field)
        .ok_or_else(|| {
            StoreError::Invalid(vec![xinbao_domain::Invalid::new(
                xinbao_domain::Code::Required,
                format!("no field {field}"),
            )
            .at(field)])
        })?;
    let tx = store.conn.transaction()?;
    let batch = summary_of(&tx, batch_id)?;
    if batch.state != "staged" {
        return Err(StoreError::ImportDecided(batch_id));
    }
    let row = rows_in(&tx, batch_id, row_no)?;
    let mut texts = row.texts;
    texts[index] = text.to_string();
    // A formula's error (#N/A) was found when the cell was read, and its text is one the
    // domain would take as a name: that problem stays until the clerk edits that cell.
    let read_time: Vec<FieldError> = row
        .errors
        .iter()
        .filter(|e| e.code == xinbao_domain::Code::CellError.as_str() && e.field != field)
        .map(|e| {
            xinbao_domain::Invalid::new(xinbao_domain::Code::CellError, e.message_en.clone())
                .at(e.field.clone())
        })
        .collect();
    let (line, errors) = validate_row(texts.clone(), read_time);
    let was_invalid = !row.errors.is_empty();
    let raw = if errors.is_empty() {
        None
    } else {
        Some(serde_json::to_string(&texts).expect("serialisable"))
    };
    tx.execute(
        "UPDATE import_rows SET procurement_no = ?3, merchant_name = ?4, mobile = ?5, order_month = ?6,
             product_name = ?7, quantity = ?8, packages = ?9, amount_cents = ?10, note = ?11, raw_json = ?12,
             error_count = ?13
         WHERE batch_id = ?1 AND row_no = ?2",
        params![
            batch_id, row_no, line.procurement_no, line.merchant_name, line.mobile, line.order_month,
            line.product_name, line.quantity, line.packages, line.amount_cents.map(|c| c.0), line.note, raw,
            errors.len() as i64
        ],
    )?;
    tx.execute(
        "DELETE FROM import_errors WHERE batch_id = ?1 AND row_no = ?2",
        params![batch_id, row_no],
    )?;
    let cell_errors = to_cell_errors(&batch.columns, &errors);
    for e in &cell_errors {
        tx.execute(
            "INSERT INTO import_errors (batch_id, row_no, field, header, code, message_zh, message_en)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![batch_id, row_no, e.field, e.header, e.code, e.message_zh, e.message_en],
        )?;
    }
    let delta = match (was_invalid, errors.is_empty()) {
        (true, true) => -1,
        (false, false) => 1,
        _ => 0,
    };
    tx.execute(
        "UPDATE import_batches SET rows_invalid = rows_invalid + ?2, rows_valid = rows_valid - ?2 WHERE id = ?1",
        params![batch_id, delta],
    )?;
    tx.commit()?;
    let texts = if errors.is_empty() {
        line.to_texts()
    } else {
        texts
    };
    Ok(StagedRow {
        row_no,
        texts,
        errors: cell_errors,
        duplicate_of: row.duplicate_of,
        other_merchant: crate::platform_cache::other_merchant_on(&store.conn, &line)?,
    })
}

fn rows_in(conn: &rusqlite::Connection, batch_id: i64, row_no: i64) -> Result<StagedRow> {
    let (line, raw, duplicate_of): (OrderLineDraft, Option<String>, Option<i64>) = conn
        .query_row(
            "SELECT * FROM import_rows WHERE batch_id = ?1 AND row_no = ?2",
            params![batch_id, row_no],
            |r| Ok((line_of_row(r)?, r.get("raw_json")?, r.get("duplicate_of")?)),
        )
        .optional()?
        .ok_or(StoreError::ImportRowNotFound {
            batch: batch_id,
            row: row_no,
        })?;
    let texts = raw
        .and_then(|r| serde_json::from_str(&r).ok())
        .unwrap_or_else(|| line.to_texts());
    Ok(StagedRow {
        row_no,
        texts,
        errors: errors_of(conn, batch_id, row_no)?,
        other_merchant: crate::platform_cache::other_merchant_on(conn, &line)?,
        duplicate_of,
    })
}

/// Accepts the valid rows into the order's lines, in sheet order after the existing lines,
/// in ONE transaction with one audit row for the import (and an outbox row per line when
/// the order is confirmed). Rows with problems are left out. The staging rows are then
/// dropped.
pub fn accept(store: &mut Store, actor: &str, batch_id: i64) -> Result<BatchSummary> {
    let summary = accept_with(store, actor, batch_id, &|_| {}, &AtomicBool::new(false))?;
    clear_decided(store)?;
    Ok(summary)
}

/// How far an accept is: lines added of the valid rows.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct AcceptProgress {
    pub done: i64,
    pub total: i64,
}

/// A draft's accepted rows copied into its lines, a range of sheet rows at a time (?3..?4).
const ACCEPT_COPY: &str =
    "INSERT INTO order_lines (uuid, order_id, position, procurement_no, merchant_name, mobile, order_month,
                              product_name, quantity, packages, amount_cents, note, created_at, updated_at,
                              import_batch_id)
     SELECT xinbao_line_uuid(), ?2, xinbao_next_position(), procurement_no, merchant_name, mobile,
            order_month, product_name, quantity, packages, amount_cents, note, ?5, ?5, ?1
     FROM import_rows WHERE batch_id = ?1 AND row_no >= ?3 AND row_no < ?4 AND error_count = 0
     ORDER BY row_no";

/// [`accept`], telling `progress` every few thousand lines; `cancel` set stops it and
/// nothing is kept (`import.cancelled`: the transaction is rolled back, the rows stay
/// staged).
pub fn accept_with(
    store: &mut Store,
    actor: &str,
    batch_id: i64,
    progress: &dyn Fn(AcceptProgress),
    cancel: &AtomicBool,
) -> Result<BatchSummary> {
    store
        .conn
        .pragma_update(None, "cache_size", crate::BULK_CACHE_KIB)?;
    // The commit does not copy the WAL into the database (a second of a million lines'
    // pages): the next commit with checkpoints on does, [`clear_decided`]'s in the app's
    // background job.
    store.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    let result = accept_rows(store, actor, batch_id, progress, cancel);
    store
        .conn
        .pragma_update(None, "cache_size", crate::DEFAULT_CACHE_KIB)?;
    store
        .conn
        .pragma_update(None, "wal_autocheckpoint", crate::WAL_AUTOCHECKPOINT_PAGES)?;
    result
}

fn accept_rows(
    store: &mut Store,
    actor: &str,
    batch_id: i64,
    progress: &dyn Fn(AcceptProgress),
    cancel: &AtomicBool,
) -> Result<BatchSummary> {
    let started = std::time::Instant::now();
    // XINBAO_IMPORT_TRACE=1 prints when each phase ends (for the benchmark's analysis).
    let trace = std::env::var_os("XINBAO_IMPORT_TRACE").is_some();
    let mark = |what: &str| {
        if trace {
            eprintln!("{:>8.3} s  accept: {what}", started.elapsed().as_secs_f64());
        }
    };
    let tx = store.conn.transaction()?;
    let batch = summary_of(&tx, batch_id)?;
    if batch.state != "staged" {
        return Err(StoreError::ImportDecided(batch_id));
    }
    let order = load_order(&tx, batch.order_id)?;
    order.state.allows(Action::EditLines)?;
    let confirmed = order.state == OrderState::Confirmed;
    let mut position: i64 = tx.query_row(
        "SELECT coalesce(max(position) + 1, 0) FROM order_lines WHERE order_id = ?1",
        [batch.order_id],
        |r| r.get(0),
    )?;
    let at = now();
    let mut added = 0i64;
    let base_rev = if confirmed {
        crate::orders::remote_rev(&tx, batch.order_id)?
    } else {
        None
    };
    if !confirmed {
        // A draft's lines are copied by SQL, a range of sheet rows at a time: nothing crosses
        // into Rust per line, and the columns are the ones the staging validated.
        let last_row: i64 = tx.query_row(
            "SELECT coalesce(max(row_no), 0) FROM import_rows WHERE batch_id = ?1",
            [batch_id],
            |r| r.get(0),
        )?;
        tx.create_scalar_function(
            "xinbao_line_uuid",
            0,
            rusqlite::functions::FunctionFlags::SQLITE_UTF8,
            |_| Ok(crate::orders::line_uuid()),
        )?;
        // The next line's position, counted as the copy writes (row_number() over the rows
        // buffered each of them in a temporary table: 0.6 s of a million lines). The rows
        // come in sheet order from the staging table's key, with no sort in between (a test
        // reads the plan), so the positions follow the sheet, invalid rows left out.
        let next = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(position));
        let counter = next.clone();
        tx.create_scalar_function(
            "xinbao_next_position",
            0,
            rusqlite::functions::FunctionFlags::SQLITE_UTF8,
            move |_| Ok(counter.fetch_add(1, Ordering::Relaxed)),
        )?;
        let mut copy = tx.prepare(ACCEPT_COPY)?;
        let mut from = 0i64;
        while from <= last_row {
            let to = from + PROGRESS_EVERY;
            added += copy.execute(params![batch_id, batch.order_id, from, to, at])? as i64;
            from = to;
            if cancel.load(Ordering::Relaxed) {
                return Err(StoreError::Cancelled);
            }
            progress(AcceptProgress {
                done: added,
                total: batch.rows_valid,
            });
        }
        debug_assert_eq!(
            next.load(Ordering::Relaxed),
            position + added,
            "one position a line"
        );
        position = next.load(Ordering::Relaxed);
        drop(copy);
        tx.remove_function("xinbao_next_position", 0)?;
        tx.remove_function("xinbao_line_uuid", 0)?;
    } else {
        // A confirmed order's lines each go to the platform too: one outbox row per line.
        let mut read = tx.prepare(
            "SELECT * FROM import_rows WHERE batch_id = ?1 AND error_count = 0 ORDER BY row_no",
        )?;
        let mut rows = read.query([batch_id])?;
        while let Some(r) = rows.next()? {
            let line = line_of_row(r)?;
            let (_, uuid) =
                insert_line_of(&tx, &at, batch.order_id, position, &line, Some(batch_id))?;
            outbox::enqueue(
                &tx,
                &at,
                batch.order_id,
                kind::LINE_UPSERT,
                &xinbao_wire::LineUpsertPayload {
                    order_uuid: order.uuid.clone(),
                    line: line_payload(&uuid, position, &line, &[]),
                    base_rev,
                },
            )?;
            position += 1;
            added += 1;
            if added % PROGRESS_EVERY == 0 {
                if cancel.load(Ordering::Relaxed) {
                    return Err(StoreError::Cancelled);
                }
                progress(AcceptProgress {
                    done: added,
                    total: batch.rows_valid,
                });
            }
        }
    }
    mark("lines written");
    // The import is one change: one audit row names the file and the lines it added (each
    // line carries the batch); lines changed by hand later have their own rows.
    if added > 0 {
        let file_hash: String = tx.query_row(
            "SELECT file_hash FROM import_batches WHERE id = ?1",
            [batch_id],
            |r| r.get(0),
        )?;
        audit::record(
            &tx,
            &at,
            Change {
                actor,
                order_id: batch.order_id,
                entity: Entity::Order,
                entity_id: batch.order_id.to_string(),
                action: "import",
                before: None,
                after: Some(serde_json::json!({
                    "batch": batch_id,
                    "file_name": batch.file_name,
                    "file_sha256": file_hash,
                    "rows": added,
                    "first_position": position - added,
                    "last_position": position - 1,
                })),
            },
        )?;
    }
    tx.execute(
        "UPDATE import_batches SET state = 'accepted', decided_at = ?2, lines_added = ?3 WHERE id = ?1",
        params![batch_id, at, added],
    )?;
    // The staging rows are dead now (every read of them asks for a staged batch); they are
    // deleted by [`clear_decided`] after the commit, so the lines reach the order sooner.
    if added > 0 {
        crate::orders::touch(&tx, batch.order_id, &at)?;
    }
    let summary = summary_of(&tx, batch_id)?;
    tx.commit()?;
    mark("committed");
    Ok(summary)
}

/// Deletes the staging rows of imports that were accepted or rejected; returns how many.
/// Run after an accept (the app runs it as a background job, the CLI after printing), and
/// at any time after: a crash in between leaves dead rows that no read returns.
pub fn clear_decided(store: &mut Store) -> Result<u64> {
    let tx = store.conn.transaction()?;
    let decided = "SELECT id FROM import_batches WHERE state <> 'staged'";
    tx.execute(
        &format!("DELETE FROM import_errors WHERE batch_id IN ({decided})"),
        [],
    )?;
    let rows = tx.execute(
        &format!("DELETE FROM import_rows WHERE batch_id IN ({decided})"),
        [],
    )?;
    tx.commit()?;
    Ok(rows as u64)
}

/// Rejects the whole import: nothing reaches the order, the staging rows are dropped.
pub fn reject(store: &mut Store, batch_id: i64) -> Result<BatchSummary> {
    let tx = store.conn.transaction()?;
    let batch = summary_of(&tx, batch_id)?;
    if batch.state != "staged" {
        return Err(StoreError::ImportDecided(batch_id));
    }
    tx.execute(
        "UPDATE import_batches SET state = 'rejected', decided_at = ?2 WHERE id = ?1",
        params![batch_id, now()],
    )?;
    tx.execute("DELETE FROM import_errors WHERE batch_id = ?1", [batch_id])?;
    tx.execute("DELETE FROM import_rows WHERE batch_id = ?1", [batch_id])?;
    let summary = summary_of(&tx, batch_id)?;
    tx.commit()?;
    Ok(summary)
}

/// Every row with problems, in sheet order, for the error export. Calls `f` per row so a
/// large import is never held in memory.
pub fn for_each_invalid_row<E: From<StoreError>>(
    store: &Store,
    batch_id: i64,
    mut f: impl FnMut(StagedRow) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let mut offset = 0;
    loop {
        let page = rows(store, batch_id, true, offset, 1000)?;
        if page.is_empty() {
            return Ok(());
        }
        offset += page.len() as i64;
        for row in page {
            f(row)?;
        }
    }
}

/// The column mapping a clerk confirmed before, remembered for this profile (account):
/// header text as the file has it → field.
pub fn remembered_mapping(store: &Store) -> Result<BTreeMap<String, String>> {
    Ok(crate::settings::get(store, "import.mapping")?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

pub fn remember_mapping(store: &Store, mapping: &BTreeMap<String, String>) -> Result<()> {
    let mut all = remembered_mapping(store)?;
    all.extend(mapping.iter().map(|(k, v)| (k.clone(), v.clone())));
    crate::settings::set(
        store,
        "import.mapping",
        &serde_json::to_string(&all).expect("serialisable"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The accept's positions are counted as the copy writes its rows: they follow the
    /// sheet only if the rows come from the staging table's key, with no sort between
    /// (a sort would have counted them in the order they were read, then reordered them).
    #[test]
    fn the_accept_copies_rows_in_sheet_order_without_a_sort() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::open(&dir.path().join("xinbao.sqlite3"), &crate::DbKey::random()).unwrap();
        let conn = store.connection();
        for name in ["xinbao_line_uuid", "xinbao_next_position"] {
            conn.create_scalar_function(
                name,
                0,
                rusqlite::functions::FunctionFlags::SQLITE_UTF8,
                |_| Ok(0),
            )
            .unwrap();
        }
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {ACCEPT_COPY}"))
            .unwrap();
        let plan = stmt
            .query_map(params![1, 1, 0, 5000, "now"], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap()
            .join("; ");
        assert!(
            plan.contains("USING PRIMARY KEY (batch_id=? AND row_no>? AND row_no<?)"),
            "{plan}"
        );
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }
}
