//! Reading rows of cells from each format. Every reader hands rows, in order, to a sink
//! that may stop it; xlsx is streamed cell by cell, never loaded whole.

use crate::sniff::Format;
use crate::ImportError;
use calamine::{DataRef, Reader};
use std::io::BufReader;
use std::path::Path;

/// A cell as the file holds it, before any field's rules apply.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum RawCell {
    #[default]
    Empty,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A date cell as its serial number.
    Date(f64),
    /// A date written as ISO 8601 text by the file format (ods).
    DateIso(String),
    /// A formula error such as `#N/A`.
    Error(String),
}

impl RawCell {
    pub fn is_empty(&self) -> bool {
        match self {
            RawCell::Empty => true,
            RawCell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The text a header cell shows.
    pub fn header_text(&self) -> String {
        match self {
            RawCell::Text(s) | RawCell::DateIso(s) | RawCell::Error(s) => s.clone(),
            RawCell::Int(i) => i.to_string(),
            RawCell::Float(f) => f.to_string(),
            RawCell::Bool(b) => b.to_string(),
            RawCell::Date(d) => d.to_string(),
            RawCell::Empty => String::new(),
        }
    }
}

/// One row: the number the spreadsheet shows (1-based) and its cells by column.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    pub row_no: u32,
    pub cells: Vec<RawCell>,
}

/// What a reader knows before rows flow.
#[derive(Debug, Clone, Default)]
pub struct SheetInfo {
    pub sheet: Option<String>,
    pub sheets: Vec<String>,
    /// The last row the sheet claims to use, for progress.
    pub estimated_rows: Option<u64>,
    pub is_1904: bool,
    /// A CSV's text encoding as found (`UTF-8`, `GB18030`, `Big5`, …).
    pub encoding: Option<String>,
}

/// Whether the reader should go on.
pub type Keep = bool;

/// Where [`Workbook::read_lent`] hands each row: its number and its cells as lent.
pub type LentSink<'s> = dyn for<'a> FnMut(u32, &[DataRef<'a>]) -> Result<Keep, ImportError> + 's;

fn from_data_ref(d: DataRef<'_>) -> RawCell {
    match d {
        DataRef::Empty => RawCell::Empty,
        DataRef::String(s) => RawCell::Text(s),
        DataRef::SharedString(s) => RawCell::Text(s.to_string()),
        DataRef::Int(i) => RawCell::Int(i),
        DataRef::Float(f) => RawCell::Float(f),
        DataRef::Bool(b) => RawCell::Bool(b),
        DataRef::DateTime(dt) => RawCell::Date(dt.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => RawCell::DateIso(s),
        DataRef::Error(e) => RawCell::Error(e.to_string()),
    }
}

fn from_data(d: &calamine::Data) -> RawCell {
    use calamine::Data;
    match d {
        Data::Empty => RawCell::Empty,
        Data::String(s) => RawCell::Text(s.clone()),
        Data::Int(i) => RawCell::Int(*i),
        Data::Float(f) => RawCell::Float(*f),
        Data::Bool(b) => RawCell::Bool(*b),
        Data::DateTime(dt) => RawCell::Date(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => RawCell::DateIso(s.clone()),
        Data::Error(e) => RawCell::Error(e.to_string()),
    }
}

fn damaged(path: &Path, e: impl std::fmt::Display) -> ImportError {
    let detail = e.to_string();
    if detail.to_lowercase().contains("password") {
        return ImportError::Encrypted { path: path.into() };
    }
    ImportError::Damaged {
        path: path.into(),
        detail,
    }
}

/// Chooses the sheet: the one asked for, else the first.
fn pick_sheet(path: &Path, names: &[String], wanted: Option<&str>) -> Result<String, ImportError> {
    match wanted {
        Some(w) => names
            .iter()
            .find(|n| n.as_str() == w)
            .cloned()
            .ok_or_else(|| ImportError::SheetNotFound {
                path: path.into(),
                sheet: w.to_string(),
                available: names.join(", "),
            }),
        None => names
            .first()
            .cloned()
            .ok_or_else(|| ImportError::EmptySheet {
                path: path.into(),
                sheet: String::new(),
            }),
    }
}

/// An open file. Opening an xlsx parses its whole shared-string table, so an import opens
/// it once and reads every sheet it looks at from the same handle.
pub enum Workbook {
    Xlsx(calamine::Xlsx<BufReader<std::fs::File>>),
    Other(calamine::Sheets<BufReader<std::fs::File>>),
    Csv,
}

/// Runs a spreadsheet library's code on a file from a stranger: a panic in it (a truncated
/// .xls made calamine index past a sector, found by fuzzing) is the file's fault, and says
/// so as a damaged file, never as a crash.
fn contained<T>(path: &Path, f: impl FnOnce() -> Result<T, ImportError>) -> Result<T, ImportError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(damaged(path, "the spreadsheet's structure is broken")))
}

impl Workbook {
    pub fn open(path: &Path, format: Format) -> Result<Workbook, ImportError> {
        contained(path, || Workbook::open_unguarded(path, format))
    }

    fn open_unguarded(path: &Path, format: Format) -> Result<Workbook, ImportError> {
        Ok(match format {
            Format::Xlsx => Workbook::Xlsx(
                calamine::open_workbook(path).map_err(|e: calamine::XlsxError| damaged(path, e))?,
            ),
            Format::Xls | Format::Ods => {
                Workbook::Other(calamine::open_workbook_auto(path).map_err(|e| damaged(path, e))?)
            }
            Format::Csv => Workbook::Csv,
        })
    }

    /// Sheet names (a CSV has none).
    pub fn sheet_names(&self) -> Vec<String> {
        match self {
            Workbook::Xlsx(b) => b.sheet_names(),
            Workbook::Other(b) => b.sheet_names(),
            Workbook::Csv => Vec::new(),
        }
    }

    /// An xlsx workbook, which [`Workbook::read_lent`] reads when its sheet has no merged
    /// range to spread ([`spreads_merges`]; merged values are spread into owned cells by
    /// [`Workbook::read`]).
    pub fn is_xlsx(&self) -> bool {
        matches!(self, Workbook::Xlsx(_))
    }

    /// Reads an xlsx sheet ([`Workbook::is_xlsx`]) row by row into `sink`, each row's
    /// cells as calamine lends them: a shared string is not copied, a row allocates
    /// nothing. The import's parser child encodes them as they come.
    pub fn read_lent(
        &mut self,
        path: &Path,
        sheet: Option<&str>,
        on_info: &mut dyn FnMut(&SheetInfo),
        sink: &mut LentSink<'_>,
    ) -> Result<(), ImportError> {
        contained(path, || match self {
            Workbook::Xlsx(book) => {
                let (names, name) = xlsx_sheet(book, path, sheet)?;
                let mut reader = open_cells(book, path, names, name, on_info)?;
                stream_xlsx(&mut reader, path, sink)
            }
            _ => Err(damaged(path, "not an xlsx workbook")),
        })
    }

    /// Reads `sheet` (or the first) row by row into `sink`, which returns whether to go
    /// on. `on_info` learns the sheet before the first row. With `merges`, values of merged
    /// ranges are written into every cell of the range.
    pub fn read(
        &mut self,
        path: &Path,
        sheet: Option<&str>,
        merges: bool,
        on_info: &mut dyn FnMut(&SheetInfo),
        sink: &mut dyn FnMut(RawRow) -> Result<Keep, ImportError>,
    ) -> Result<(), ImportError> {
        contained(path, || match self {
            Workbook::Xlsx(book) => read_xlsx(book, path, sheet, merges, on_info, sink),
            Workbook::Other(book) => read_range(book, path, sheet, merges, on_info, sink),
            Workbook::Csv => read_csv(path, on_info, sink),
        })
    }
}

/// A merged range's value: written into every cell of the range.
struct Merge {
    first_row: u32,
    last_row: u32,
    first_col: u32,
    last_col: u32,
    value: Option<RawCell>,
}

impl From<calamine::Dimensions> for Merge {
    fn from(d: calamine::Dimensions) -> Merge {
        Merge {
            first_row: d.start.0,
            last_row: d.end.0,
            first_col: d.start.1,
            last_col: d.end.1,
            value: None,
        }
    }
}

/// Sheets whose XML inflates to more than this are not scanned for merged ranges.
const MERGE_SCAN_LIMIT: u64 = 128 << 20;

fn apply_merges(merges: &mut [Merge], row_no0: u32, cells: &mut [RawCell]) {
    for m in merges
        .iter_mut()
        .filter(|m| (m.first_row..=m.last_row).contains(&row_no0))
    {
        for col in m.first_col..=m.last_col {
            let Some(cell) = cells.get_mut(col as usize) else {
                break;
            };
            if row_no0 == m.first_row && col == m.first_col {
                m.value = Some(cell.clone());
            } else if cell.is_empty() {
                if let Some(v) = &m.value {
                    *cell = v.clone();
                }
            }
        }
    }
}

/// Whether an xlsx file's merged ranges are spread: hand-made lists, where merges occur,
/// are small; a machine export of a million rows is not read twice to find them (merged
/// ranges are stored after the cells).
pub fn spreads_merges(path: &Path) -> bool {
    crate::sniff::largest_worksheet_bytes(path).is_some_and(|n| n <= MERGE_SCAN_LIMIT)
        && crate::sniff::any_merged_range(path)
}

/// The workbook's sheet names and the one to read.
fn xlsx_sheet(
    book: &calamine::Xlsx<BufReader<std::fs::File>>,
    path: &Path,
    sheet: Option<&str>,
) -> Result<(Vec<String>, String), ImportError> {
    let names = book.sheet_names().to_vec();
    let name = pick_sheet(path, &names, sheet)?;
    Ok((names, name))
}

/// The sheet's cell reader, once `on_info` has learnt the sheet.
fn open_cells<'a>(
    book: &'a mut calamine::Xlsx<BufReader<std::fs::File>>,
    path: &Path,
    names: Vec<String>,
    name: String,
    on_info: &mut dyn FnMut(&SheetInfo),
) -> Result<calamine::XlsxCellReader<'a, BufReader<std::fs::File>>, ImportError> {
    let is_1904 = book.has_1904_epoch();
    let reader = book
        .worksheet_cells_reader(&name)
        .map_err(|e| damaged(path, e))?;
    let dims = reader.dimensions();
    on_info(&SheetInfo {
        sheet: Some(name),
        sheets: names,
        estimated_rows: Some(u64::from(dims.end.0) + 1),
        is_1904,
        encoding: None,
    });
    Ok(reader)
}

fn read_xlsx(
    book: &mut calamine::Xlsx<BufReader<std::fs::File>>,
    path: &Path,
    sheet: Option<&str>,
    merges_wanted: bool,
    on_info: &mut dyn FnMut(&SheetInfo),
    sink: &mut dyn FnMut(RawRow) -> Result<Keep, ImportError>,
) -> Result<(), ImportError> {
    let (names, name) = xlsx_sheet(book, path, sheet)?;
    let mut merges: Vec<Merge> = if merges_wanted && spreads_merges(path) {
        book.merge_cells_by_sheet_name(&name)
            .unwrap_or_default()
            .into_iter()
            .map(Merge::from)
            .collect()
    } else {
        Vec::new()
    };
    let mut reader = open_cells(book, path, names, name, on_info)?;
    stream_xlsx(&mut reader, path, &mut |row_no, cells| {
        let mut cells: Vec<RawCell> = cells.iter().cloned().map(from_data_ref).collect();
        if !merges.is_empty() {
            apply_merges(&mut merges, row_no - 1, &mut cells);
        }
        sink(RawRow { row_no, cells })
    })
}

/// The rows of an xlsx sheet, each as its number (1-based) and its cells by column as
/// calamine lends them, in one vector reused for every row.
fn stream_xlsx<'a>(
    reader: &mut calamine::XlsxCellReader<'a, BufReader<std::fs::File>>,
    path: &Path,
    sink: &mut LentSink<'_>,
) -> Result<(), ImportError> {
    let mut row_no: Option<u32> = None;
    // One row's cells, reused from row to row: the row is `cells[..width]`, every cell of
    // it either read in this row or emptied when a later column was read. (Clearing and
    // growing the vector cell by cell cost 4% of the read.)
    let mut cells: Vec<DataRef<'a>> = Vec::new();
    let mut width = 0usize;
    loop {
        let cell = match reader.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => return Err(damaged(path, e)),
        };
        let (r, c) = cell.get_position();
        if row_no != Some(r + 1) {
            if let Some(done) = row_no {
                if !sink(done, &cells[..width])? {
                    return Ok(());
                }
            }
            width = 0;
            row_no = Some(r + 1);
        }
        let c = c as usize;
        if c > 16_384 {
            continue;
        }
        if c >= width {
            if c >= cells.len() {
                cells.resize(c + 1, DataRef::Empty);
            }
            cells[width..c].fill(DataRef::Empty);
            width = c + 1;
        }
        cells[c] = cell.get_value().clone();
    }
    if let Some(done) = row_no {
        sink(done, &cells[..width])?;
    }
    Ok(())
}

fn read_range(
    book: &mut calamine::Sheets<BufReader<std::fs::File>>,
    path: &Path,
    sheet: Option<&str>,
    merges_wanted: bool,
    on_info: &mut dyn FnMut(&SheetInfo),
    sink: &mut dyn FnMut(RawRow) -> Result<Keep, ImportError>,
) -> Result<(), ImportError> {
    let names = book.sheet_names().to_vec();
    let name = pick_sheet(path, &names, sheet)?;
    // .xls knows its merged ranges; .ods leaves covered cells empty (not filled here).
    let mut merges: Vec<Merge> = match &*book {
        calamine::Sheets::Xls(x) if merges_wanted => x
            .merge_cells_by_sheet_name(&name)
            .unwrap_or_default()
            .into_iter()
            .map(Merge::from)
            .collect(),
        _ => Vec::new(),
    };
    // An .xls says its date system in the workbook (DATEMODE: Excel for Mac wrote 1904);
    // .ods dates come as ISO text.
    let is_1904 = matches!(&*book, calamine::Sheets::Xls(x) if x.has_1904_epoch());
    let range = book.worksheet_range(&name).map_err(|e| damaged(path, e))?;
    let (start_row, start_col) = range.start().unwrap_or((0, 0));
    on_info(&SheetInfo {
        sheet: Some(name),
        sheets: names,
        estimated_rows: range.end().map(|(r, _)| u64::from(r) + 1),
        is_1904,
        encoding: None,
    });
    for (i, cells) in range.rows().enumerate() {
        let row_no0 = start_row + i as u32;
        let mut out = vec![RawCell::Empty; start_col as usize];
        out.extend(cells.iter().map(from_data));
        if !merges.is_empty() {
            apply_merges(&mut merges, row_no0, &mut out);
        }
        if !sink(RawRow {
            row_no: row_no0 + 1,
            cells: out,
        })? {
            break;
        }
    }
    Ok(())
}

/// CSV in UTF-8 (with or without BOM), UTF-16 with BOM, GBK/GB18030 (what Chinese Excel
/// writes), or another legacy encoding (Big5 from Taiwan and Hong Kong, Shift_JIS,
/// windows-125x): see [`csv_encoding`].
fn read_csv(
    path: &Path,
    on_info: &mut dyn FnMut(&SheetInfo),
    sink: &mut dyn FnMut(RawRow) -> Result<Keep, ImportError>,
) -> Result<(), ImportError> {
    let io = |e| ImportError::Io {
        path: path.into(),
        source: e,
    };
    let mut sample = Vec::with_capacity(65_536);
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::open(path).map_err(io)?, 65_536),
        &mut sample,
    )
    .map_err(io)?;
    let whole = sample.len() < 65_536;
    let encoding = csv_encoding(&sample, whole);
    let delimiter = sniff_delimiter(&sample);
    let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .build(std::fs::File::open(path).map_err(io)?);
    let limited = RecordLimit::new(decoded, MAX_CSV_RECORD_BYTES);
    let too_long = limited.tripped.clone();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(std::io::BufReader::with_capacity(1 << 16, limited));
    on_info(&SheetInfo {
        sheet: None,
        sheets: Vec::new(),
        estimated_rows: None,
        is_1904: false,
        // Said as clerks know it: GBK is what Chinese Excel calls its CSV encoding.
        encoding: Some(if encoding == encoding_rs::GB18030 {
            "GB18030 (GBK)".to_string()
        } else {
            encoding.name().to_string()
        }),
    });
    let mut record = csv::StringRecord::new();
    let mut row_no = 0u32;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(_) if too_long.get().is_some() => {
                return Err(ImportError::RowTooLong {
                    path: path.into(),
                    row: too_long.get().unwrap_or_default(),
                    limit: MAX_CSV_RECORD_BYTES,
                })
            }
            Err(e) => {
                return Err(ImportError::Damaged {
                    path: path.into(),
                    detail: e.to_string(),
                })
            }
        }
        row_no += 1;
        let cells = record
            .iter()
            .map(|s| {
                let s = s.trim_start_matches('\u{FEFF}');
                if s.is_empty() {
                    RawCell::Empty
                } else {
                    RawCell::Text(s.to_string())
                }
            })
            .collect();
        if !sink(RawRow { row_no, cells })? {
            break;
        }
    }
    Ok(())
}

/// The longest CSV record (a row) taken: nine cells of a transaction list are a few hundred
/// bytes; a file with a 256 MB line made the reader hold gigabytes.
pub const MAX_CSV_RECORD_BYTES: usize = 1 << 20;

/// Stops a CSV stream at the first record longer than `limit` bytes, before the CSV reader
/// buffers it. Records end at a newline outside quotes (a doubled quote toggles twice), so
/// a field with line breaks inside quotes still counts as one record. `tripped` says at
/// which record (from 1) it stopped.
struct RecordLimit<R> {
    inner: R,
    limit: usize,
    in_record: usize,
    in_quotes: bool,
    record: u64,
    tripped: std::rc::Rc<std::cell::Cell<Option<u64>>>,
}

impl<R> RecordLimit<R> {
    fn new(inner: R, limit: usize) -> RecordLimit<R> {
        RecordLimit {
            inner,
            limit,
            in_record: 0,
            in_quotes: false,
            record: 1,
            tripped: Default::default(),
        }
    }
}

impl<R: std::io::Read> std::io::Read for RecordLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.tripped.get().is_some() {
            return Err(std::io::Error::other("a record is too long"));
        }
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            match b {
                b'"' => self.in_quotes = !self.in_quotes,
                b'\n' if !self.in_quotes => {
                    self.in_record = 0;
                    self.record += 1;
                    continue;
                }
                _ => {}
            }
            self.in_record += 1;
            if self.in_record > self.limit {
                self.tripped.set(Some(self.record));
                return Err(std::io::Error::other("a record is too long"));
            }
        }
        Ok(n)
    }
}

/// Comma, semicolon or tab: whichever the first line uses most.
/// The encoding of a CSV from its first bytes (`whole`: the sample is the whole file): a
/// BOM says it; valid UTF-8 is UTF-8; anything else is guessed by chardetng, as Firefox
/// guesses an unlabelled page. No top-level domain is hinted: `.cn` took Big5, Shift_JIS
/// and windows-1252 lists for GBK. Its GBK is read as GB18030, GBK's superset.
pub fn csv_encoding(sample: &[u8], whole: bool) -> &'static encoding_rs::Encoding {
    if let Some((encoding, _)) = encoding_rs::Encoding::for_bom(sample) {
        return encoding;
    }
    match std::str::from_utf8(sample) {
        Ok(_) => return encoding_rs::UTF_8,
        // Cut in the middle of a character at the sample's end: still UTF-8.
        Err(e) if e.error_len().is_none() && !whole => return encoding_rs::UTF_8,
        Err(_) => {}
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(sample, whole);
    match detector.guess(None, false) {
        e if e == encoding_rs::GBK => encoding_rs::GB18030,
        e => e,
    }
}

fn sniff_delimiter(sample: &[u8]) -> u8 {
    let first_line = sample.split(|b| *b == b'\n').next().unwrap_or(sample);
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.iter().filter(|b| *b == d).count())
        .filter(|d| first_line.contains(d))
        .unwrap_or(b',')
}
