//! An import from file to staging area: find the sheet, the header row and the columns,
//! then stream the rows, normalise and validate each, and stage them in one transaction.
//! Reading runs on its own thread; normalising, validating and writing on the caller's.

use crate::cells::field_text;
use crate::child::{ParserChild, Said};
use crate::columns::{self, COLUMNS};
use crate::sniff::{self, Format, Limits};
use crate::source::{RawCell, RawRow, SheetInfo, Workbook};
use crate::ImportError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Instant;
use xinbao_domain::normalize;
use xinbao_store::imports::{self, BatchMeta, BatchSummary, ColumnMap};
use xinbao_store::Store;

/// Rows looked at for the header.
const HEADER_SCAN_ROWS: u32 = 30;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportOptions {
    /// The sheet to read; by default the first sheet with a recognisable header.
    pub sheet: Option<String>,
    /// The header row as the spreadsheet numbers it; by default found.
    pub header_row: Option<u32>,
    /// Header text → field, as the clerk confirmed (remembered ones included).
    pub mapping: BTreeMap<String, String>,
    /// Most data rows accepted in one file.
    pub max_rows: u64,
    pub limits: Limits,
    /// The program that parses the file in a child process ([`crate::child`]): by default
    /// this very executable, whose `main` calls [`crate::child::serve_if_asked`].
    #[serde(skip)]
    pub parser: Option<std::path::PathBuf>,
    /// Most memory the parser child may use for data ([`crate::child::MEMORY_LIMIT_BYTES`]).
    #[serde(skip)]
    pub parser_memory_bytes: u64,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            sheet: None,
            header_row: None,
            mapping: BTreeMap::new(),
            max_rows: 1_048_576,
            limits: Limits::default(),
            parser: None,
            parser_memory_bytes: crate::child::MEMORY_LIMIT_BYTES,
        }
    }
}

/// How a column of the file was understood.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ColumnInfo {
    pub index: usize,
    pub header: String,
    pub field: Option<String>,
    /// `name`, `alias` or `mapping`; none for an ignored column.
    pub matched_by: Option<String>,
}

/// What the file holds, learnt from its first rows: for the sheet, header and mapping steps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileInfo {
    pub format: Format,
    pub sheets: Vec<String>,
    pub sheet: Option<String>,
    pub header_row: u32,
    pub columns: Vec<ColumnInfo>,
    /// Required fields no column provides.
    pub missing: Vec<String>,
    /// Headers of columns that are not read.
    pub ignored: Vec<String>,
    pub template_version: Option<u32>,
    pub template_outdated: bool,
    pub estimated_rows: Option<u64>,
    /// A CSV's text encoding as found, for the clerk to see (`GB18030`, `Big5`, …).
    pub encoding: Option<String>,
    #[serde(skip)]
    is_1904: bool,
}

impl FileInfo {
    /// Whether the workbook counts dates from 1904 (crosses from the parser child apart).
    pub(crate) fn is_1904(&self) -> bool {
        self.is_1904
    }

    pub(crate) fn set_1904(&mut self, is_1904: bool) {
        self.is_1904 = is_1904;
    }
}

impl FileInfo {
    fn field_columns(&self) -> [Option<usize>; 9] {
        let mut out = [None; 9];
        for (i, c) in COLUMNS.iter().enumerate() {
            out[i] = self
                .columns
                .iter()
                .find(|col| col.field.as_deref() == Some(c.field))
                .map(|col| col.index);
        }
        out
    }

    fn column_map(&self) -> ColumnMap {
        ColumnMap {
            fields: self
                .columns
                .iter()
                .filter_map(|c| c.field.clone().map(|f| (f, c.header.clone())))
                .collect(),
            ignored: self.ignored.clone(),
        }
    }
}

/// Progress of a running import.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Progress {
    pub rows_done: u64,
    pub estimated_total: Option<u64>,
}

fn resolve_columns(
    header: &RawRow,
    mapping: &BTreeMap<String, String>,
) -> (Vec<ColumnInfo>, Vec<String>, Option<u32>) {
    let mapping: HashMap<String, &str> = mapping
        .iter()
        .map(|(h, f)| (columns::header_key(h), f.as_str()))
        .collect();
    let mut cols: Vec<ColumnInfo> = Vec::new();
    let mut ignored = Vec::new();
    let mut version = None;
    for (index, cell) in header.cells.iter().enumerate() {
        let text = normalize::text(&cell.header_text()).into_owned();
        if text.is_empty() {
            continue;
        }
        if let Some(v) = columns::template_version(&text) {
            version = Some(v);
            continue;
        }
        let found = match mapping
            .get(&columns::header_key(&text))
            .and_then(|f| columns::column(f))
        {
            Some(c) => Some((c.field, "mapping")),
            None => columns::field_for_header(&text).map(|c| {
                let how = if columns::header_key(c.header) == columns::header_key(&text) {
                    "name"
                } else {
                    "alias"
                };
                (c.field, how)
            }),
        };
        match found {
            Some((field, how)) if !cols.iter().any(|c| c.field.as_deref() == Some(field)) => cols
                .push(ColumnInfo {
                    index,
                    header: text,
                    field: Some(field.to_string()),
                    matched_by: Some(how.to_string()),
                }),
            _ => cols.push(ColumnInfo {
                index,
                header: text,
                field: None,
                matched_by: None,
            }),
        }
    }
    // Then the near misses, for the columns no name matched: a guess the mapping step
    // asks about (a clerk's own mapping of the header is never overridden).
    for i in 0..cols.len() {
        if cols[i].field.is_some() || mapping.contains_key(&columns::header_key(&cols[i].header)) {
            continue;
        }
        let taken: Vec<&str> = cols.iter().filter_map(|c| c.field.as_deref()).collect();
        if let Some(c) = columns::guess_for_header(&cols[i].header, &taken) {
            cols[i].field = Some(c.field.to_string());
            cols[i].matched_by = Some("guess".to_string());
        }
    }
    ignored.extend(
        cols.iter()
            .filter(|c| c.field.is_none())
            .map(|c| c.header.clone()),
    );
    (cols, ignored, version)
}

fn header_score(row: &RawRow, mapping: &BTreeMap<String, String>) -> usize {
    resolve_columns(row, mapping)
        .0
        .iter()
        .filter(|c| c.field.is_some())
        .count()
}

/// Finds the header in one sheet; `Ok(None)` when the sheet has none.
fn inspect_sheet(
    book: &mut Workbook,
    path: &Path,
    format: Format,
    sheet: Option<&str>,
    options: &ImportOptions,
) -> Result<Option<FileInfo>, ImportError> {
    let mut info = SheetInfo::default();
    let mut header: Option<RawRow> = None;
    let mut seen = 0u32;
    let mut any_cell = false;
    book.read(path, sheet, false, &mut |i| info = i.clone(), &mut |row| {
        let non_empty = row.cells.iter().any(|c| !c.is_empty());
        any_cell |= non_empty;
        if !non_empty {
            return Ok(true);
        }
        seen += 1;
        let chosen = match options.header_row {
            Some(h) => row.row_no == h,
            None => header_score(&row, &options.mapping) >= 3,
        };
        if chosen {
            header = Some(row);
            return Ok(false);
        }
        Ok(options.header_row.is_some_and(|h| row.row_no < h) || seen < HEADER_SCAN_ROWS)
    })?;
    let sheet_name = info.sheet.clone().unwrap_or_default();
    if !any_cell {
        return Err(ImportError::EmptySheet {
            path: path.into(),
            sheet: sheet_name,
        });
    }
    let Some(header) = header else {
        return Ok(None);
    };
    let (columns, ignored, template_version) = resolve_columns(&header, &options.mapping);
    let missing = COLUMNS
        .iter()
        .filter(|c| {
            c.required
                && !columns
                    .iter()
                    .any(|col| col.field.as_deref() == Some(c.field))
        })
        .map(|c| c.field.to_string())
        .collect();
    Ok(Some(FileInfo {
        format,
        sheets: info.sheets,
        sheet: info.sheet,
        header_row: header.row_no,
        columns,
        missing,
        ignored,
        template_version,
        template_outdated: template_version.is_some_and(|v| v < columns::TEMPLATE_VERSION),
        estimated_rows: info
            .estimated_rows
            .map(|n| n.saturating_sub(u64::from(header.row_no))),
        encoding: info.encoding.clone(),
        is_1904: info.is_1904,
    }))
}

/// Looks at the file: its format, sheets, header row and how each column maps to a field.
/// Reads only the first rows, in a parser child ([`crate::child`]). Hostile files are
/// refused here, before anything is stored.
pub fn inspect(path: &Path, options: &ImportOptions) -> Result<FileInfo, ImportError> {
    let format = sniff::detect(path, options.limits)?;
    let mut child = ParserChild::start(path, format, options, false)?;
    match child.next()? {
        Said::Info(info) => Ok(*info),
        _ => Err(ImportError::Damaged {
            path: path.into(),
            detail: "the reader said nothing of the file".into(),
        }),
    }
}

pub(crate) fn inspect_open(
    book: &mut Workbook,
    path: &Path,
    format: Format,
    options: &ImportOptions,
) -> Result<FileInfo, ImportError> {
    let scanned = HEADER_SCAN_ROWS;
    if let Some(sheet) = options.sheet.as_deref() {
        return inspect_sheet(book, path, format, Some(sheet), options)?.ok_or_else(|| {
            ImportError::NoHeader {
                path: path.into(),
                sheet: sheet.to_string(),
                scanned,
            }
        });
    }
    let sheets = book.sheet_names();
    if sheets.is_empty() {
        return inspect_sheet(book, path, format, None, options)?.ok_or_else(|| {
            ImportError::NoHeader {
                path: path.into(),
                sheet: String::new(),
                scanned,
            }
        });
    }
    // The first sheet with a header; an empty or header-less sheet is passed over.
    let mut first_error = None;
    for sheet in &sheets {
        match inspect_sheet(book, path, format, Some(sheet), options) {
            Ok(Some(info)) => return Ok(info),
            Ok(None) => {
                first_error = first_error.or(Some(ImportError::NoHeader {
                    path: path.into(),
                    sheet: sheet.clone(),
                    scanned,
                }))
            }
            Err(ImportError::EmptySheet { .. }) => {
                first_error = first_error.or(Some(ImportError::EmptySheet {
                    path: path.into(),
                    sheet: sheet.clone(),
                }))
            }
            Err(e) => return Err(e),
        }
    }
    Err(first_error.unwrap_or(ImportError::EmptySheet {
        path: path.into(),
        sheet: String::new(),
    }))
}

/// What the reader thread (reading the parser child) hands the writer: first what it found
/// out, then the rows.
enum Msg {
    Info(Box<FileInfo>),
    Rows(Vec<RawRow>),
    /// The parser read the whole sheet. Without it the writer never commits: a reader that
    /// failed half-way (a sheet broken after many rows, a child killed) hangs up just as
    /// one that finished would.
    End,
}

/// The outcome of [`stage`].
#[derive(Debug, Clone, Serialize)]
pub struct StageOutcome {
    pub summary: BatchSummary,
    pub info: FileInfo,
    /// The same file content was imported into this order before.
    pub previous_import: Option<BatchSummary>,
    /// Rows below the data that are notes, not rows; and the template's example row.
    pub rows_skipped: u64,
    pub seconds: f64,
}

fn file_hash(path: &Path) -> Result<String, ImportError> {
    let mut file = std::fs::File::open(path).map_err(|e| ImportError::Io {
        path: path.into(),
        source: e,
    })?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(|e| ImportError::Io {
        path: path.into(),
        source: e,
    })?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The template's example row, which is skipped rather than imported.
fn is_example(texts: &[String; 9]) -> bool {
    texts[2] == crate::template::EXAMPLE[2]
        && texts
            .iter()
            .zip(crate::template::EXAMPLE.iter())
            .all(|(a, b)| normalize::text(a) == normalize::text(b))
}

/// Reads the file into the staging area of `order_id`. On any error, cancel included,
/// nothing is kept. `progress` is called every few thousand rows.
pub fn stage(
    store: &mut Store,
    path: &Path,
    order_id: i64,
    options: &ImportOptions,
    progress: &(dyn Fn(Progress) + Sync),
    cancel: &AtomicBool,
) -> Result<StageOutcome, ImportError> {
    let started = Instant::now();
    // XINBAO_IMPORT_TRACE=1 prints when each phase ends (for the benchmark's analysis).
    let trace = std::env::var_os("XINBAO_IMPORT_TRACE").is_some();
    let mark = |what: &str| {
        if trace {
            eprintln!("{:>8.3} s  {what}", started.elapsed().as_secs_f64());
        }
    };
    let format = sniff::detect(path, options.limits)?;
    let (tx, rx) = mpsc::sync_channel::<Msg>(4);

    std::thread::scope(|scope| {
        let reader = scope.spawn(move || -> Result<(), ImportError> {
            // The file is parsed in a child process; this thread only relays what it says.
            let mut child = ParserChild::start(path, format, options, true)?;
            loop {
                let msg = match child.next()? {
                    Said::Info(info) => Msg::Info(info),
                    Said::Rows(rows) => Msg::Rows(rows),
                    Said::End => {
                        let _ = tx.send(Msg::End);
                        break;
                    }
                };
                if tx.send(msg).is_err() {
                    // The writer hung up (error or cancel): dropping the child stops it.
                    return Ok(());
                }
            }
            mark("reader done");
            Ok(())
        });

        // `move`: the receiver goes with the closure, so an early return hangs up on the reader.
        let consumed = (move || -> Result<StageOutcome, ImportError> {
            let file_hash = file_hash(path)?;
            // The reader's first word is what it found; without it, the reader failed.
            let Ok(Msg::Info(info)) = rx.recv() else {
                return Err(ImportError::Cancelled);
            };
            let info = *info;
            if !info.missing.is_empty() {
                let missing = info
                    .missing
                    .iter()
                    .filter_map(|f| columns::column(f))
                    .map(|c| c.header)
                    .collect::<Vec<_>>()
                    .join("、");
                return Err(ImportError::MissingColumns {
                    path: path.into(),
                    sheet: info.sheet.clone().unwrap_or_default(),
                    missing,
                });
            }
            let field_columns = info.field_columns();
            let previous_import = imports::previous_import(store, order_id, &file_hash)?;
            let meta = BatchMeta {
                order_id,
                file_name: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                file_hash,
                format: info.format.as_str().to_string(),
                sheet: info.sheet.clone(),
                header_row: Some(i64::from(info.header_row)),
                columns: info.column_map(),
            };
            let mut writer = imports::begin(store, meta)?;
            mark("hashed, staging begun");
            // (row content hash, row number): sorted once at the end to find duplicates. Sized up
            // front, it costs 16 bytes a row where a hash map would cost 36 with its growth.
            let mut seen: Vec<(u64, u32)> =
                Vec::with_capacity(info.estimated_rows.unwrap_or(0).min(options.max_rows) as usize);
            let mut sparse: Vec<(u32, [String; 9], Vec<xinbao_domain::FieldError>)> = Vec::new();
            let mut skipped = 0u64;
            let mut dup = DupKey {
                hasher: Default::default(),
                key: Vec::with_capacity(256),
            };
            let mut read_whole = false;
            for msg in rx.iter() {
                if cancel.load(Ordering::Relaxed) {
                    return Err(ImportError::Cancelled);
                }
                let batch = match msg {
                    Msg::Rows(batch) => batch,
                    Msg::End => {
                        read_whole = true;
                        break;
                    }
                    Msg::Info(_) => continue,
                };
                for mut row in batch {
                    let mut texts: [String; 9] = Default::default();
                    let mut pre = Vec::new();
                    for (i, col) in field_columns.iter().enumerate() {
                        let Some(col) = col else { continue };
                        let cell = row
                            .cells
                            .get_mut(*col)
                            .map(std::mem::take)
                            .unwrap_or_default();
                        // Text moves into the field as it is: no copy on the hot path.
                        let cell = match cell {
                            RawCell::Text(t) => {
                                texts[i] = t;
                                continue;
                            }
                            other => other,
                        };
                        let cell = &cell;
                        match field_text(COLUMNS[i].field, cell, info.is_1904) {
                            Ok(t) => texts[i] = t,
                            Err(e) => {
                                texts[i] = cell.header_text();
                                pre.push(e);
                            }
                        }
                    }
                    let filled = texts.iter().filter(|t| !t.trim().is_empty()).count();
                    if filled == 0 && pre.is_empty() {
                        continue; // a blank row
                    }
                    if is_example(&texts) {
                        skipped += 1;
                        continue;
                    }
                    // A row with one filled cell may be a note below the data; it is a row
                    // only if data follows it.
                    if filled < 2 && pre.is_empty() {
                        sparse.push((row.row_no, texts, pre));
                        continue;
                    }
                    for (row_no, t, p) in sparse.drain(..) {
                        push(
                            &mut writer,
                            &mut seen,
                            &mut dup,
                            row_no,
                            t,
                            p,
                            options.max_rows,
                            path,
                        )?;
                    }
                    push(
                        &mut writer,
                        &mut seen,
                        &mut dup,
                        row.row_no,
                        texts,
                        pre,
                        options.max_rows,
                        path,
                    )?;
                }
                progress(Progress {
                    rows_done: writer.rows_read() as u64,
                    estimated_total: info.estimated_rows,
                });
            }
            if !read_whole {
                // The reader stopped half-way: nothing is committed, and its own error
                // (joined below) is the one the clerk is told.
                return Err(ImportError::Cancelled);
            }
            skipped += sparse.len() as u64;
            seen.sort_unstable();
            for pair in seen.windows(2) {
                let ((h0, _), (h1, row)) = (pair[0], pair[1]);
                if h0 == h1 {
                    let first = seen.partition_point(|(h, _)| *h < h1);
                    writer.mark_duplicate(i64::from(row), i64::from(seen[first].1))?;
                }
            }
            if writer.rows_read() == 0 {
                return Err(ImportError::EmptySheet {
                    path: path.into(),
                    sheet: info.sheet.clone().unwrap_or_default(),
                });
            }
            mark("all rows written");
            let summary = writer.finish()?;
            mark("committed");
            progress(Progress {
                rows_done: summary.rows_read as u64,
                estimated_total: Some(summary.rows_read as u64),
            });
            Ok(StageOutcome {
                summary,
                info,
                previous_import,
                rows_skipped: skipped,
                seconds: 0.0,
            })
        })();
        // On error the receiver is dropped here, so the reader stops at its next batch.
        let read = reader.join().unwrap_or_else(|_| {
            Err(ImportError::Damaged {
                path: path.into(),
                detail: "the reader stopped unexpectedly".into(),
            })
        });
        let mut outcome = match (consumed, read) {
            // The reader's error explains a writer that got no rows.
            (Err(_), Err(e)) | (Ok(_), Err(e)) => return Err(e),
            (Err(e), Ok(())) => return Err(e),
            (Ok(o), Ok(())) => o,
        };
        outcome.seconds = started.elapsed().as_secs_f64();
        Ok(outcome)
    })
}

/// What finds duplicate rows: a hasher seeded at random for each import (so a file cannot
/// be made to collide) and one buffer for the row's key.
struct DupKey {
    hasher: foldhash::fast::RandomState,
    key: Vec<u8>,
}

#[allow(clippy::too_many_arguments)]
fn push(
    writer: &mut imports::StagingWriter<'_>,
    seen: &mut Vec<(u64, u32)>,
    dup: &mut DupKey,
    row_no: u32,
    texts: [String; 9],
    pre: Vec<xinbao_domain::FieldError>,
    max_rows: u64,
    path: &Path,
) -> Result<(), ImportError> {
    if writer.rows_read() as u64 >= max_rows {
        return Err(ImportError::TooManyRows {
            path: path.into(),
            max: max_rows,
        });
    }
    // The row as compared: every field compacted, 0xFF between them (never in UTF-8).
    dup.key.clear();
    for t in &texts {
        dup.key.extend_from_slice(normalize::compact(t).as_bytes());
        dup.key.push(0xFF);
    }
    seen.push((dup.hasher.hash_one(&dup.key), row_no));
    writer.push(i64::from(row_no), texts, pre, None)?;
    Ok(())
}
