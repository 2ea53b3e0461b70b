//! The customs broker's file for 批量补录报关单号 (.xlsx, .xls, .ods, .csv): read whole into
//! rows of text ([`xinbao_store::customs_bulk::CustomsRow`]), its template, and the file of
//! rejected rows with their reasons. The rows are judged by `xinbao_store::customs_bulk`.
//!
//! The file is small by nature (dozens of declarations), so it is read in this process, but
//! as a stranger's file: its size, its rows and its cells are bounded before any is kept.

use crate::cells::field_text;
use crate::columns::header_key;
use crate::sniff::{self, Limits};
use crate::source::{RawCell, RawRow, Workbook};
use crate::ImportError;
use rust_xlsxwriter::{Color, Format, Workbook as XlsxBook};
use std::path::Path;
use xinbao_store::customs_bulk::{CustomsRow, Preview, MAX_ROWS};

/// The largest file taken: ten thousand rows of five short cells are far below it.
pub const MAX_FILE_BYTES: u64 = 20 << 20;
/// The longest cell kept: the longest field (a buyer's name) is a few dozen characters.
const MAX_CELL_CHARS: usize = 200;
/// Rows looked at for the header before the file is called headless.
const HEADER_SCAN: u32 = 20;

/// A column of the file: the field it fills, the template's header, the other names.
struct Column {
    field: &'static str,
    header: &'static str,
    aliases: &'static [&'static str],
}

const COLUMNS: [Column; 5] = [
    Column {
        field: "order_no",
        header: "订单编号",
        aliases: &[
            "订单号",
            "外销订单编号",
            "信保订单编号",
            "order no",
            "order number",
            "order_no",
        ],
    },
    Column {
        field: "customs_no",
        header: "报关单号",
        aliases: &[
            "报关单编号",
            "报关单",
            "报关单号码",
            "報關單號",
            "customs no",
            "customs number",
            "declaration no",
            "customs_no",
        ],
    },
    Column {
        field: "buyer_name",
        header: "采购商姓名",
        aliases: &[
            "采购商",
            "买家",
            "买家姓名",
            "buyer",
            "buyer name",
            "buyer_name",
        ],
    },
    Column {
        field: "passport_no",
        header: "护照号",
        aliases: &["护照号码", "护照", "passport", "passport no", "passport_no"],
    },
    Column {
        field: "total",
        header: "总金额（美元）",
        aliases: &[
            "总金额",
            "订单总金额",
            "金额",
            "total",
            "total (usd)",
            "amount",
        ],
    },
];

fn column_for(text: &str) -> Option<usize> {
    let key = header_key(text);
    if key.is_empty() {
        return None;
    }
    COLUMNS
        .iter()
        .position(|c| header_key(c.header) == key || c.aliases.iter().any(|a| header_key(a) == key))
}

/// Reads the file's first sheet: a header row naming 报关单号 and either 订单编号 or the
/// three buyer columns, then one row per declaration (empty rows skipped).
pub fn read(path: &Path) -> Result<Vec<CustomsRow>, ImportError> {
    let size = std::fs::metadata(path)
        .map_err(|e| ImportError::Io {
            path: path.into(),
            source: e,
        })?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge {
            path: path.into(),
            max_bytes: MAX_FILE_BYTES,
        });
    }
    let format = sniff::detect(
        path,
        Limits {
            max_inflated_bytes: 64 << 20,
            ..Limits::default()
        },
    )?;
    let mut book = Workbook::open(path, format)?;
    let is_1904 = std::cell::Cell::new(false);
    let mut sheet_name = String::new();
    let mut header: Option<Vec<Option<usize>>> = None;
    let mut rows = Vec::new();
    let mut scanned = 0u32;
    book.read(
        path,
        None,
        false,
        &mut |info| {
            is_1904.set(info.is_1904);
            sheet_name = info.sheet.clone().unwrap_or_default();
        },
        &mut |row: RawRow| {
            if row.cells.iter().all(RawCell::is_empty) {
                return Ok(true);
            }
            let Some(columns) = &header else {
                scanned += 1;
                let found: Vec<Option<usize>> = row
                    .cells
                    .iter()
                    .map(|c| column_for(&c.header_text()))
                    .collect();
                if found.contains(&Some(1)) {
                    header = Some(found);
                    return Ok(true);
                }
                return Ok(scanned < HEADER_SCAN);
            };
            if rows.len() >= MAX_ROWS {
                return Err(ImportError::TooManyRows {
                    path: path.into(),
                    max: MAX_ROWS as u64,
                });
            }
            rows.push(customs_row(&row, columns, is_1904.get()));
            Ok(true)
        },
    )?;
    let Some(columns) = header else {
        return Err(ImportError::MissingColumns {
            path: path.into(),
            sheet: sheet_name,
            missing: format!(
                "{} (no row of the first {HEADER_SCAN} names it)",
                COLUMNS[1].header
            ),
        });
    };
    let has = |i: usize| columns.contains(&Some(i));
    let finds_orders = has(0) || (has(2) && has(3) && has(4));
    if !finds_orders {
        return Err(ImportError::MissingColumns {
            path: path.into(),
            sheet: sheet_name,
            missing: format!(
                "{}, or {} + {} + {} to find each order",
                COLUMNS[0].header, COLUMNS[2].header, COLUMNS[3].header, COLUMNS[4].header
            ),
        });
    }
    Ok(rows)
}

fn customs_row(row: &RawRow, columns: &[Option<usize>], is_1904: bool) -> CustomsRow {
    let mut out = CustomsRow {
        row_no: row.row_no,
        ..CustomsRow::default()
    };
    for (cell, column) in row.cells.iter().zip(columns) {
        let Some(column) = column else { continue };
        let field = COLUMNS[*column].field;
        let text = match cell_text(field, cell, is_1904) {
            Ok(t) => t,
            Err(why) => {
                out.cell_problem.get_or_insert((field.to_string(), why));
                continue;
            }
        };
        let slot = match field {
            "order_no" => &mut out.order_no,
            "customs_no" => &mut out.customs_no,
            "buyer_name" => &mut out.buyer_name,
            "passport_no" => &mut out.passport_no,
            _ => &mut out.total,
        };
        *slot = text;
    }
    out
}

/// A cell's text for `field`, or why the cell cannot give it.
fn cell_text(field: &str, cell: &RawCell, is_1904: bool) -> Result<String, String> {
    // Excel keeps a typed 18-digit number as a float and rounds its last digits away: the
    // number that arrives is not the broker's, so it is refused rather than guessed.
    if let RawCell::Float(f) = cell {
        if f.abs() >= 1e15 && field != "total" {
            return Err(format!(
                "the cell holds {f:e} as a number, which Excel rounds after 15 digits; format the column as text and type the number again"
            ));
        }
    }
    let as_field = if field == "total" { "amount" } else { field };
    let text = field_text(as_field, cell, is_1904).map_err(|e| e.message)?;
    if text.chars().count() > MAX_CELL_CHARS {
        return Err(format!(
            "the cell holds {} characters; at most {MAX_CELL_CHARS}",
            text.chars().count()
        ));
    }
    Ok(text)
}

fn werr(path: &Path) -> impl Fn(rust_xlsxwriter::XlsxError) -> ImportError + '_ {
    move |e| ImportError::Write {
        path: path.into(),
        detail: e.to_string(),
    }
}

/// The template: the five columns as text (so an 18-digit number keeps its digits), an
/// example row the reader skips as it would any row of an unknown order, and how to fill it.
pub fn write_template(path: &Path) -> Result<(), ImportError> {
    let e = werr(path);
    let mut book = XlsxBook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("报关单号").map_err(&e)?;
    let bold = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDCE6F5));
    let text = Format::new().set_num_format("@");
    for (col, c) in COLUMNS.iter().enumerate() {
        sheet
            .write_string_with_format(0, col as u16, c.header, &bold)
            .map_err(&e)?;
        sheet
            .set_column_width(col as u16, if col < 2 { 24 } else { 16 })
            .map_err(&e)?;
        sheet.set_column_format(col as u16, &text).map_err(&e)?;
    }
    let help = book.add_worksheet();
    help.set_name("说明").map_err(&e)?;
    for (i, line) in xinbao_i18n::text("zh-CN", "customs_bulk.template_help")
        .unwrap_or_default()
        .lines()
        .chain(
            xinbao_i18n::text("en", "customs_bulk.template_help")
                .unwrap_or_default()
                .lines(),
        )
        .enumerate()
    {
        help.write_string(i as u32, 0, line).map_err(&e)?;
    }
    help.set_column_width(0, 100).map_err(&e)?;
    book.save(path).map_err(&e)?;
    Ok(())
}

/// The rows a preview rejected, as the file gave them, with their original row number and
/// why (in Chinese and English): fixed in Excel, the file is taken again as it is.
pub fn write_rejected(
    path: &Path,
    rows: &[CustomsRow],
    preview: &Preview,
) -> Result<u64, ImportError> {
    let e = werr(path);
    let mut book = XlsxBook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("未通过的行").map_err(&e)?;
    let bold = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDCE6F5));
    let red = Format::new().set_font_color(Color::RGB(0xB00020));
    let text = Format::new().set_num_format("@");
    let headers: Vec<&str> = COLUMNS
        .iter()
        .map(|c| c.header)
        .chain(["原行号", "未通过原因 Why"])
        .collect();
    for (col, h) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, col as u16, *h, &bold)
            .map_err(&e)?;
        sheet.set_column_width(col as u16, 18).map_err(&e)?;
    }
    sheet.set_column_width(6, 60).map_err(&e)?;
    let mut out = 1u32;
    for (row, verdict) in rows.iter().zip(&preview.rows) {
        if !verdict.status.rejected() {
            continue;
        }
        for (col, value) in [
            &row.order_no,
            &row.customs_no,
            &row.buyer_name,
            &row.passport_no,
            &row.total,
        ]
        .into_iter()
        .enumerate()
        {
            sheet
                .write_string_with_format(out, col as u16, value, &text)
                .map_err(&e)?;
        }
        sheet
            .write_number(out, 5, f64::from(row.row_no))
            .map_err(&e)?;
        let status = verdict.status.as_str();
        let words =
            xinbao_i18n::text("zh-CN", &format!("customs_bulk.status.{status}")).unwrap_or(status);
        sheet
            .write_string_with_format(out, 6, format!("{words}：{}", verdict.reason), &red)
            .map_err(&e)?;
        out += 1;
    }
    book.save(path).map_err(&e)?;
    Ok(u64::from(out - 1))
}
