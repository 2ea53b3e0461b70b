//! Exports to .xlsx: the order list, one order's lines (with the template's headers, so an
//! export re-imports cleanly), and the rows of an import that have problems (with an added
//! error column, to fix in Excel and import again). Large exports use rust_xlsxwriter's
//! constant-memory mode: rows go to disk as they are written.

use crate::columns::COLUMNS;
use crate::template::SHEET;
use crate::ImportError;
use rust_xlsxwriter::{Color, Format, Workbook, Worksheet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use xinbao_domain::{countries, Cents};
use xinbao_store::orders::{self, ListQuery};
use xinbao_store::{imports, Store};

fn werr(path: &Path) -> impl Fn(rust_xlsxwriter::XlsxError) -> ImportError + '_ {
    move |e| ImportError::Write {
        path: path.into(),
        detail: e.to_string(),
    }
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDCE6F5))
}

fn write_line_header(
    sheet: &mut Worksheet,
    path: &Path,
    extra: &[&str],
) -> Result<(), ImportError> {
    let e = werr(path);
    let bold = header_format();
    for (col, c) in COLUMNS.iter().enumerate() {
        sheet
            .write_string_with_format(0, col as u16, c.header, &bold)
            .map_err(&e)?;
        sheet.set_column_width(col as u16, 14).map_err(&e)?;
    }
    for (i, h) in extra.iter().enumerate() {
        sheet
            .write_string_with_format(0, (COLUMNS.len() + i) as u16, *h, &bold)
            .map_err(&e)?;
    }
    Ok(())
}

/// Writes nine texts; numbers as numbers, the rest (mobiles, months) as text.
fn write_texts(
    sheet: &mut Worksheet,
    path: &Path,
    row: u32,
    texts: &[String; 9],
) -> Result<(), ImportError> {
    let e = werr(path);
    for (col, (c, text)) in COLUMNS.iter().zip(texts.iter()).enumerate() {
        let col = col as u16;
        if text.is_empty() {
            continue;
        }
        let number = match c.field {
            "quantity" | "packages" | "amount" => text.replace(',', "").parse::<f64>().ok(),
            _ => None,
        };
        match number {
            Some(n) => sheet.write_number(row, col, n).map_err(&e)?,
            None => sheet.write_string(row, col, text).map_err(&e)?,
        };
    }
    Ok(())
}

/// An export under way: told how many rows are written every few thousand, stopped when
/// `cancel` is set (`export.cancelled`; the file is not written: the workbook is saved only
/// at the end).
pub struct Job<'a> {
    pub progress: &'a dyn Fn(u64),
    pub cancel: &'a AtomicBool,
}

static NEVER: AtomicBool = AtomicBool::new(false);

impl Job<'_> {
    /// No one to tell, nothing to cancel (the CLI, the tests).
    pub fn quiet() -> Job<'static> {
        Job {
            progress: &|_| {},
            cancel: &NEVER,
        }
    }

    /// After each row: every 4,096 rows, the progress, and a stop if cancelled.
    fn tick(&self, rows: u64) -> Result<(), ImportError> {
        if rows % 4096 == 0 {
            if self.cancel.load(Ordering::Relaxed) {
                return Err(ImportError::ExportCancelled);
            }
            (self.progress)(rows);
        }
        Ok(())
    }
}

/// The order list as the list screen shows it (its filters and search; its paging is
/// ignored: every matching order), newest change first. Passport numbers masked, as in
/// every list.
pub fn orders(
    store: &Store,
    filter: &ListQuery,
    path: &Path,
    job: &Job,
) -> Result<u64, ImportError> {
    let e = werr(path);
    let mut book = Workbook::new();
    let sheet = book.add_worksheet_with_constant_memory().map_err(&e)?;
    sheet.set_name("信保订单").map_err(&e)?;
    let bold = header_format();
    let headers = [
        "订单编号",
        "订单状态",
        "采购商姓名",
        "护照号",
        "目的国",
        "总金额（美元）",
        "交易清单行数",
        "已关联行数",
        "报关单号",
        "同步状态",
        "最后修改(UTC)",
    ];
    for (col, h) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, col as u16, *h, &bold)
            .map_err(&e)?;
    }
    let mut row = 1u32;
    let mut offset = 0;
    loop {
        let page = orders::list(
            store,
            &ListQuery {
                limit: Some(1000),
                offset: Some(offset),
                ..filter.clone()
            },
        )?;
        if page.orders.is_empty() {
            break;
        }
        offset += page.orders.len() as u32;
        for o in &page.orders {
            sheet.write_string(row, 0, &o.order_no).map_err(&e)?;
            sheet.write_string(row, 1, o.state.as_str()).map_err(&e)?;
            sheet
                .write_string(row, 2, o.buyer_name.as_deref().unwrap_or(""))
                .map_err(&e)?;
            sheet
                .write_string(row, 3, o.passport_masked.as_deref().unwrap_or(""))
                .map_err(&e)?;
            let country = o
                .country
                .as_deref()
                .and_then(countries::by_alpha2)
                .map(|c| c.name_zh)
                .unwrap_or("");
            sheet.write_string(row, 4, country).map_err(&e)?;
            if let Some(t) = o.total_cents {
                sheet.write_number(row, 5, t as f64 / 100.0).map_err(&e)?;
            }
            sheet
                .write_number(row, 6, o.line_count as f64)
                .map_err(&e)?;
            sheet
                .write_number(row, 7, o.linked_line_count as f64)
                .map_err(&e)?;
            sheet
                .write_string(row, 8, o.customs_no.as_deref().unwrap_or(""))
                .map_err(&e)?;
            sheet
                .write_string(row, 9, o.sync_state.as_str())
                .map_err(&e)?;
            sheet.write_string(row, 10, &o.updated_at).map_err(&e)?;
            row += 1;
            job.tick(u64::from(row - 1))?;
        }
    }
    book.save(path).map_err(&e)?;
    Ok(u64::from(row - 1))
}

/// One order: its lines on sheet 交易清单 with the template's headers (so the file imports
/// again as it is), the buyer on a second sheet.
pub fn order(store: &Store, order_id: i64, path: &Path, job: &Job) -> Result<u64, ImportError> {
    let e = werr(path);
    let mut book = Workbook::new();
    let sheet = book.add_worksheet_with_constant_memory().map_err(&e)?;
    sheet.set_name(SHEET).map_err(&e)?;
    write_line_header(sheet, path, &[])?;
    let mut row = 1u32;
    orders::for_each_line(store, order_id, |line| {
        write_texts(sheet, path, row, &line.to_texts())?;
        row += 1;
        job.tick(u64::from(row - 1))
    })?;
    let lines = u64::from(row - 1);
    let order = orders::get_header(store, order_id)?;
    let buyer = book.add_worksheet();
    buyer.set_name("采购商信息").map_err(&e)?;
    let bold = header_format();
    let country = order
        .country
        .as_deref()
        .and_then(countries::by_alpha2)
        .map(|c| c.name_zh.to_string());
    let rows: [(&str, Option<String>); 7] = [
        ("订单编号", Some(order.order_no.clone())),
        ("订单状态", Some(order.state.as_str().to_string())),
        ("采购商姓名", order.buyer_name.clone()),
        ("护照号", order.passport_no.clone()),
        ("目的国", country),
        (
            "总金额（美元）",
            order.total_cents.map(|c| Cents(c).to_string()),
        ),
        ("报关单号", order.customs_no.clone()),
    ];
    for (i, (k, v)) in rows.iter().enumerate() {
        buyer
            .write_string_with_format(i as u32, 0, *k, &bold)
            .map_err(&e)?;
        buyer
            .write_string(i as u32, 1, v.as_deref().unwrap_or(""))
            .map_err(&e)?;
    }
    buyer.set_column_width(0, 14).map_err(&e)?;
    buyer.set_column_width(1, 30).map_err(&e)?;
    book.save(path).map_err(&e)?;
    Ok(lines)
}

/// The rows of an import that have problems, as read, with the sheet's row number and an
/// error column. Fixed in Excel, the file imports again (the two added columns are ignored).
pub fn error_rows(
    store: &Store,
    batch_id: i64,
    path: &Path,
    job: &Job,
) -> Result<u64, ImportError> {
    let e = werr(path);
    let mut book = Workbook::new();
    let sheet = book.add_worksheet_with_constant_memory().map_err(&e)?;
    sheet.set_name(SHEET).map_err(&e)?;
    write_line_header(sheet, path, &["原行号", "错误说明 Problems"])?;
    let red = Format::new().set_font_color(Color::RGB(0xB00020));
    let mut row = 1u32;
    imports::for_each_invalid_row(store, batch_id, |r| {
        write_texts(sheet, path, row, &r.texts)?;
        let problems = r
            .errors
            .iter()
            .map(|x| format!("{}：{}（{}）", x.header, x.message_zh, x.message_en))
            .collect::<Vec<_>>()
            .join("；");
        sheet
            .write_number(row, COLUMNS.len() as u16, r.row_no as f64)
            .map_err(&e)?;
        sheet
            .write_string_with_format(row, COLUMNS.len() as u16 + 1, &problems, &red)
            .map_err(&e)?;
        row += 1;
        job.tick(u64::from(row - 1))
    })?;
    book.save(path).map_err(&e)?;
    Ok(u64::from(row - 1))
}
