#![allow(dead_code)]
//! Real files for the import tests, written with rust_xlsxwriter (and patched with the zip
//! crate where a writer has no switch for it), and a real profile database.

use rust_xlsxwriter::{Format, Workbook};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use xinbao_domain::{LineForm, OrderForm};
use xinbao_import::{ImportError, ImportOptions, StageOutcome};
use xinbao_store::{orders, Store};

pub const HEADERS: [&str; 9] = [
    "商户采购号",
    "商户名",
    "手机号",
    "下单月份",
    "品名",
    "数量",
    "总件数",
    "总金额(美元)",
    "备注",
];

/// A cell to write.
#[derive(Clone)]
pub enum C {
    S(&'static str),
    St(String),
    N(f64),
    /// A date cell: its serial number with a date format.
    D(f64),
    /// A formula with a cached result.
    F(&'static str, &'static str),
    E,
}

pub fn write_xlsx(path: &Path, sheets: &[(&str, Vec<Vec<C>>)], merges: &[(u32, u16, u32, u16)]) {
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (si, (name, rows)) in sheets.iter().enumerate() {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                if si == 0
                    && merges.iter().any(|m| {
                        m.0 <= r && r <= m.2 && m.1 <= c && c <= m.3 && (r, c) != (m.0, m.1)
                    })
                {
                    continue;
                }
                match cell {
                    C::S(s) => drop(sheet.write_string(r, c, *s).unwrap()),
                    C::St(s) => drop(sheet.write_string(r, c, s).unwrap()),
                    C::N(n) => drop(sheet.write_number(r, c, *n).unwrap()),
                    C::D(d) => drop(sheet.write_number_with_format(r, c, *d, &date).unwrap()),
                    C::F(f, v) => {
                        sheet.write_formula(r, c, *f).unwrap();
                        sheet.set_formula_result(r, c, *v);
                    }
                    C::E => {}
                }
            }
        }
        if si == 0 {
            for (r1, c1, r2, c2) in merges {
                let value = match &rows[*r1 as usize][*c1 as usize] {
                    C::S(s) => s.to_string(),
                    C::St(s) => s.clone(),
                    _ => String::new(),
                };
                sheet
                    .merge_range(*r1, *c1, *r2, *c2, &value, &Format::new())
                    .unwrap();
            }
        }
    }
    book.save(path).unwrap();
}

/// Rewrites one part of a zip container (e.g. turning on the 1904 date system).
pub fn patch_zip(path: &Path, part: &str, f: impl Fn(String) -> String) {
    let bytes = std::fs::read(path).unwrap();
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..src.len() {
        let mut entry = src.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut content).unwrap();
        if name == part {
            content = f(String::from_utf8(content).unwrap()).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut out, &content).unwrap();
    }
    std::fs::write(path, out.finish().unwrap().into_inner()).unwrap();
}

pub fn header_row() -> Vec<C> {
    HEADERS.iter().map(|h| C::S(h)).collect()
}

/// A valid data row.
pub fn row(merchant: &'static str, mobile: &'static str, amount: f64) -> Vec<C> {
    vec![
        C::E,
        C::S(merchant),
        C::S(mobile),
        C::S("2026-03"),
        C::S("袜子"),
        C::N(100.0),
        C::N(2.0),
        C::N(amount),
        C::E,
    ]
}

pub struct Env {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub order: i64,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("db/xinbao.sqlite3"), &key()).unwrap();
        let order = orders::create_draft(
            &mut store,
            "test",
            &OrderForm {
                buyer_name: "Ivan".into(),
                ..Default::default()
            },
        )
        .unwrap();
        Env { dir, store, order }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn stage(&mut self, file: &Path) -> Result<StageOutcome, ImportError> {
        self.stage_with(file, &ImportOptions::default())
    }

    pub fn stage_with(
        &mut self,
        file: &Path,
        options: &ImportOptions,
    ) -> Result<StageOutcome, ImportError> {
        let mut options = options.clone();
        options.parser.get_or_insert_with(parser);
        xinbao_import::stage(
            &mut self.store,
            file,
            self.order,
            &options,
            &|_| {},
            &AtomicBool::new(false),
        )
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.store
            .connection()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    }

    /// Nothing of a failed import reached the store.
    pub fn assert_untouched(&self) {
        assert_eq!(
            self.count("SELECT count(*) FROM import_batches"),
            0,
            "no batch kept"
        );
        assert_eq!(
            self.count("SELECT count(*) FROM import_rows"),
            0,
            "no staged row kept"
        );
        assert_eq!(
            self.count("SELECT count(*) FROM order_lines"),
            0,
            "no line reached the order"
        );
    }

    pub fn complete_line() -> LineForm {
        LineForm::default()
    }
}

/// The key of the tests' databases: they reopen their files, and what they test is not the
/// key's secrecy (the encryption's own tests use random keys).
pub fn key() -> xinbao_store::DbKey {
    xinbao_store::DbKey::from_hex(&"5a".repeat(32)).unwrap()
}

/// The parser child the import starts: the crate's `xinbao-parse` binary (a test harness
/// cannot be started again as a parser; the app and the CLI are their own).
pub fn parser() -> std::path::PathBuf {
    env!("CARGO_BIN_EXE_xinbao-parse").into()
}

/// Default options, with the tests' parser child.
pub fn options() -> ImportOptions {
    ImportOptions {
        parser: Some(parser()),
        ..Default::default()
    }
}
