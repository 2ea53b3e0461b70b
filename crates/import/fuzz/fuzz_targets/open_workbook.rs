//! Any bytes as a spreadsheet file: detecting what it is, opening it and reading every row
//! of its first sheets must never panic, abort or allocate without bound (run with
//! libFuzzer's -rss_limit_mb / -malloc_limit_mb). Seeds: the real xlsx, xls, ods and CSV
//! fixtures of crates/import/tests/fixtures.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use xinbao_import::sniff::{self, Limits};
use xinbao_import::source::Workbook;

fn input_path() -> PathBuf {
    std::env::temp_dir().join(format!("xinbao-fuzz-open-{}", std::process::id()))
}

fuzz_target!(|data: &[u8]| {
    // The import contains a panic of the spreadsheet library (a damaged file); libFuzzer's
    // hook would abort on it anyway. A quiet hook lets it unwind to that containment; a
    // panic the import does not contain still reaches libfuzzer-sys's guard and is a crash.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let path = input_path();
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let Ok(format) = sniff::detect(&path, Limits::default()) else {
        return;
    };
    let Ok(mut book) = Workbook::open(&path, format) else {
        return;
    };
    let mut sheets: Vec<Option<String>> = book.sheet_names().into_iter().take(3).map(Some).collect();
    if sheets.is_empty() {
        sheets.push(None);
    }
    for sheet in sheets {
        let mut rows = 0u32;
        let _ = book.read(
            &path,
            sheet.as_deref(),
            true,
            &mut |_| {},
            &mut |_row| {
                rows += 1;
                Ok(rows < 100_000)
            },
        );
    }
});
