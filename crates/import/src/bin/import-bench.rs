//! The import benchmark (a measurement, not a test): generates 100k- and 1M-row .xlsx
//! files and, in the same run, times
//!   (a) a bare calamine streaming read of every cell, and
//!   (b) our full import to staging (parse, normalise, validate, persist with indexes),
//! then (c) the export of the accepted 1M lines. Each step runs in a child process so its
//! peak memory (VmHWM) is its own.
//!
//!     cargo run --release -p xinbao-import --bin import-bench [-- --rows 100000,1000000]

use calamine::Reader;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn generate(path: &Path, rows: u32) {
    // The standard mode writes a shared-string table, as Excel, WPS and LibreOffice do
    // (the constant-memory mode would write inline strings, which readers handle differently).
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let headers = [
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
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let products = [
        "袜子", "手套", "帽子", "围巾", "饰品", "玩具", "文具", "箱包",
    ];
    for r in 1..=rows {
        let i = r as u64;
        sheet
            .write_string(r, 0, format!("P{:06}", i % 50_000))
            .unwrap();
        sheet
            .write_string(r, 1, format!("商户{}", i % 5_000))
            .unwrap();
        sheet
            .write_string(r, 2, format!("138{:08}", i % 100_000_000))
            .unwrap();
        sheet
            .write_string(r, 3, format!("2026-{:02}", i % 12 + 1))
            .unwrap();
        sheet
            .write_string(r, 4, products[(i % 8) as usize])
            .unwrap();
        sheet.write_number(r, 5, (i % 997 + 1) as f64).unwrap();
        sheet.write_number(r, 6, (i % 31 + 1) as f64).unwrap();
        sheet
            .write_number(r, 7, ((i % 100_000) + 1) as f64 / 100.0 + 10.0)
            .unwrap();
        if i % 10 == 0 {
            sheet.write_string(r, 8, "加急").unwrap();
        }
    }
    book.save(path).unwrap();
}

/// (a): every cell through calamine's streaming reader, nothing else.
fn bare_read(path: &Path) -> u64 {
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let name = book.sheet_names()[0].clone();
    let mut reader = book.worksheet_cells_reader(&name).unwrap();
    let mut cells = 0u64;
    while let Some(cell) = reader.next_cell().unwrap() {
        std::hint::black_box(cell.get_value());
        cells += 1;
    }
    cells
}

/// The benchmark's databases are encrypted like every profile's, with a fixed key: the
/// steps reopen them in child processes, and what is measured is the cipher's cost.
fn bench_key() -> xinbao_store::DbKey {
    xinbao_store::DbKey::from_hex(&"b3".repeat(32)).expect("64 hex digits")
}

/// (b): the whole import into a fresh profile database; (c) then accept and export.
/// Timed from the call of `stage` (the profile and its draft exist before a clerk imports,
/// so creating them is not): staging seconds, and with `export` (accept, export) seconds.
fn full_import(path: &Path, db: &Path, export: Option<&Path>) -> (u64, f64, Option<(f64, f64)>) {
    let _ = std::fs::remove_file(db);
    let mut store = xinbao_store::Store::open(db, &bench_key()).unwrap();
    let order =
        xinbao_store::orders::create_draft(&mut store, "bench", &Default::default()).unwrap();
    let started = Instant::now();
    let out = xinbao_import::stage(
        &mut store,
        path,
        order,
        &Default::default(),
        &|_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(out.summary.rows_invalid, 0);
    let rows = out.summary.rows_read as u64;
    let staged = started.elapsed().as_secs_f64();
    let export_result = export.map(|x| {
        let t = Instant::now();
        xinbao_store::imports::accept_with(
            &mut store,
            "bench",
            out.summary.id,
            &|_| {},
            &AtomicBool::new(false),
        )
        .unwrap();
        let accept = t.elapsed().as_secs_f64();
        // The staging rows are deleted after the lines are in the order (the app does it
        // in the background); timed apart.
        let t = Instant::now();
        xinbao_store::imports::clear_decided(&mut store).unwrap();
        eprintln!("staging rows cleared in {:.3} s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        xinbao_import::export::order(&store, order, x, &xinbao_import::export::Job::quiet())
            .unwrap();
        (accept, t.elapsed().as_secs_f64())
    });
    (rows, staged, export_result)
}

fn child(step: &str, file: &Path, extra: &[&str]) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .arg(step)
        .arg(file)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn main() {
    // The import parses in a child: this binary itself.
    xinbao_import::child::serve_if_asked();
    let args: Vec<String> = std::env::args().collect();
    // Child steps: print "seconds count peak_mib [extra]".
    if args.len() >= 3 && args[1] == "export-only" {
        // Export alone, from the database the "export" step left behind.
        let store = xinbao_store::Store::open(Path::new(&args[2]), &bench_key()).unwrap();
        let t = Instant::now();
        let n = xinbao_import::export::order(
            &store,
            1,
            Path::new(&args[3]),
            &xinbao_import::export::Job::quiet(),
        )
        .unwrap();
        println!(
            "{:.3} {} {:.1}",
            t.elapsed().as_secs_f64(),
            n,
            peak_rss_mib()
        );
        return;
    }
    if args.len() >= 4 && args[1] == "accept" {
        // The accept alone: a copy of the database a "stage" step left (its one staged
        // batch), so the step can run again and again (and be profiled apart).
        let work = Path::new(&args[3]);
        let _ = std::fs::remove_file(work);
        std::fs::copy(&args[2], work).unwrap();
        let mut store = xinbao_store::Store::open(work, &bench_key()).unwrap();
        // For the analysis only: what costs what (a trigger or an index dropped first).
        if let Ok(sql) = std::env::var("XINBAO_BENCH_BEFORE_ACCEPT") {
            store.connection().execute_batch(&sql).unwrap();
        }
        let t = Instant::now();
        let summary = xinbao_store::imports::accept_with(
            &mut store,
            "bench",
            1,
            &|_| {},
            &AtomicBool::new(false),
        )
        .unwrap();
        println!(
            "{:.3} {} {:.1}",
            t.elapsed().as_secs_f64(),
            summary.rows_valid,
            peak_rss_mib()
        );
        return;
    }
    if args.len() >= 3 && (args[1] == "read" || args[1] == "stage" || args[1] == "export") {
        let file = PathBuf::from(&args[2]);
        let t = Instant::now();
        match args[1].as_str() {
            "read" => {
                let n = bare_read(&file);
                println!(
                    "{:.3} {} {:.1}",
                    t.elapsed().as_secs_f64(),
                    n,
                    peak_rss_mib()
                );
            }
            "stage" => {
                let (n, staged, _) = full_import(&file, Path::new(&args[3]), None);
                println!("{staged:.3} {n} {:.1}", peak_rss_mib());
            }
            _ => {
                // Stage, accept and export; the peak printed is the whole process's.
                let (n, staged, times) =
                    full_import(&file, Path::new(&args[3]), Some(Path::new(&args[4])));
                let (accept, export) = times.unwrap();
                println!(
                    "{export:.3} {n} {:.1} {accept:.3} {staged:.3}",
                    peak_rss_mib()
                );
            }
        }
        return;
    }
    let sizes: Vec<u32> = args
        .iter()
        .position(|a| a == "--rows")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.split(',').map(|n| n.parse().unwrap()).collect())
        .unwrap_or_else(|| vec![100_000, 1_000_000]);
    let dir = std::env::temp_dir().join("xinbao-import-bench");
    std::fs::create_dir_all(&dir).unwrap();
    println!(
        "{:>9}  {:>8}  {:>10}  {:>10}  {:>7}  {:>10}  {:>10}",
        "rows", "file MB", "(a) read s", "(b) stage s", "b/a", "(a) peak MB", "(b) peak MB"
    );
    for rows in sizes {
        let file = dir.join(format!("lines-shared-{rows}.xlsx"));
        if !file.exists() {
            generate(&file, rows);
        }
        let mb = std::fs::metadata(&file).unwrap().len() as f64 / 1e6;
        let db = dir.join(format!("bench-{rows}.sqlite3"));
        // Warm the page cache once, then alternate so neither side gets a colder disk.
        child("read", &file, &[]);
        let parse =
            |s: String| -> Vec<f64> { s.split_whitespace().map(|x| x.parse().unwrap()).collect() };
        let mut best_a = vec![f64::MAX, 0.0, 0.0];
        let mut best_b = vec![f64::MAX, 0.0, 0.0];
        for _ in 0..3 {
            let a = parse(child("read", &file, &[]));
            if a[0] < best_a[0] {
                best_a = a;
            }
            let b = parse(child("stage", &file, &[db.to_str().unwrap()]));
            if b[0] < best_b[0] {
                best_b = b;
            }
        }
        println!(
            "{rows:>9}  {mb:>8.1}  {:>10.3}  {:>11.3}  {:>7.2}  {:>11.1}  {:>11.1}",
            best_a[0],
            best_b[0],
            best_b[0] / best_a[0],
            best_a[2],
            best_b[2]
        );
        // The whole import: file to lines in the order, with its audit (staging, then accept).
        let export = dir.join(format!("export-{rows}.xlsx"));
        let c = parse(child(
            "export",
            &file,
            &[db.to_str().unwrap(), export.to_str().unwrap()],
        ));
        println!(
            "{rows:>9}  whole import (stage {:.3} s + accept {:.3} s) = {:.3} s, {:.2}x the bare read",
            c[4],
            c[3],
            c[4] + c[3],
            (c[4] + c[3]) / best_a[0]
        );
        if rows >= 1_000_000 {
            println!(
                "export of {} lines: {:.3} s, accept into the order {:.3} s, peak of the stage+accept+export process {:.1} MB",
                c[1], c[0], c[3], c[2]
            );
            let e = parse(child("export-only", &db, &[export.to_str().unwrap()]));
            println!(
                "export alone (a fresh process): {:.3} s, {} lines, peak {:.1} MB",
                e[0], e[1], e[2]
            );
        }
    }
}
