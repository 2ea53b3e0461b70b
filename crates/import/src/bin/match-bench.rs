//! The matching benchmark (a measurement, not a test): an .xlsx of N lines of about 2,000
//! merchants over 12 months, imported into a draft (stage + accept, timed), the company's
//! cache filled with as many merchant orders (one of the same merchant, month and amount for
//! most lines, two equal ones for a tenth, none for a twentieth), then 自动匹配's preview and
//! 【全部关联】 timed through the store's own calls, and their sum set against the import's.
//!
//!     cargo run --release -p xinbao-import --bin match-bench [-- --rows 100000]
//!
//! Targets (issue 24): preview + apply ≤ 0.5× the import; peak memory ≤ 150 MiB at 1M.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const MERCHANTS: u32 = 2_000;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Line `i`: its merchant, month and amount in cents (every line its own amount).
fn line(i: u32) -> (u32, u32, i64) {
    (i % MERCHANTS, (i / MERCHANTS) % 12 + 1, 10_000 + i as i64)
}

fn generate(path: &Path, rows: u32) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    // The template's own headers, note left out.
    for (c, col) in xinbao_import::columns::COLUMNS[..8].iter().enumerate() {
        sheet.write_string(0, c as u16, col.header).unwrap();
    }
    for r in 1..=rows {
        let (m, month, cents) = line(r - 1);
        sheet.write_string(r, 0, format!("P{m:06}")).unwrap();
        sheet.write_string(r, 1, format!("商户{m}")).unwrap();
        sheet.write_string(r, 2, format!("139{m:08}")).unwrap();
        sheet
            .write_string(r, 3, format!("2026-{month:02}"))
            .unwrap();
        sheet.write_string(r, 4, "袜子").unwrap();
        sheet.write_number(r, 5, 10.0).unwrap();
        sheet.write_number(r, 6, 1.0).unwrap();
        sheet.write_number(r, 7, cents as f64 / 100.0).unwrap();
    }
    book.save(path).unwrap();
}

fn arg(name: &str, default: u32) -> u32 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // The import parses in a child: this binary itself.
    xinbao_import::child::serve_if_asked();
    let rows = arg("--rows", 100_000);
    let dir = std::env::temp_dir().join(format!("xinbao-match-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("lines.xlsx");
    let t = Instant::now();
    generate(&file, rows);
    eprintln!(
        "{rows} lines written to .xlsx in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let key = xinbao_store::DbKey::from_hex(&"b3".repeat(32)).unwrap();
    let mut store = xinbao_store::Store::open(&dir.join("profile.sqlite3"), &key).unwrap();
    let order =
        xinbao_store::orders::create_draft(&mut store, "bench", &Default::default()).unwrap();

    let t = Instant::now();
    let staged = xinbao_import::stage(
        &mut store,
        &file,
        order,
        &Default::default(),
        &|_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(staged.summary.rows_invalid, 0);
    xinbao_store::imports::accept_with(
        &mut store,
        "bench",
        staged.summary.id,
        &|_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let import = t.elapsed().as_secs_f64();
    xinbao_store::imports::clear_decided(&mut store).unwrap();

    // The cache, as sync would fill it: plain SQL in one transaction.
    {
        let conn = store.connection();
        conn.execute_batch("BEGIN").unwrap();
        let mut insert = conn
            .prepare(
                "INSERT INTO merchant_orders (id, procurement_no, merchant_name, mobile, order_month, amount_cents, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, '2026-12-01T00:00:00Z')",
            )
            .unwrap();
        for i in 0..rows {
            if i % 20 == 5 {
                continue; // unmatched
            }
            let (m, month, cents) = line(i);
            let copies = if i % 10 == 0 { 2 } else { 1 }; // ambiguous: two equal orders
            for c in 0..copies {
                insert
                    .execute((
                        format!("MO-{i:07}-{c}"),
                        format!("P{m:06}"),
                        format!("商户{m}"),
                        format!("139{m:08}"),
                        format!("2026-{month:02}"),
                        cents,
                    ))
                    .unwrap();
            }
        }
        drop(insert);
        conn.execute_batch("COMMIT").unwrap();
    }

    // The peak from here on is matching's own (the .xlsx writer held the sheet before).
    let before = peak_rss_mib();
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let t = Instant::now();
    let plan = xinbao_store::matching::preview(&store, order).unwrap();
    let preview = t.elapsed().as_secs_f64();
    let c = plan.counts;
    drop(plan);
    let t = Instant::now();
    let run = xinbao_store::matching::apply_exact(&mut store, "bench", order).unwrap();
    let apply = t.elapsed().as_secs_f64();
    println!(
        "{rows} lines: import (stage + accept) {import:.2} s; preview {preview:.2} s ({} exact, {} ambiguous, {} suggestion, {} none); \
         apply {apply:.2} s ({} links); (preview + apply) / import = {:.2}×; peak {:.0} MiB while matching ({before:.0} MiB before)",
        c.unique_exact,
        c.ambiguous,
        c.suggestion,
        c.none,
        run.links,
        (preview + apply) / import,
        peak_rss_mib()
    );
    // One link by hand on this order (a line the run left, to its merchant's order): it
    // reads its line, not the order's every line.
    let (line_id, mo): (i64, String) = store
        .connection()
        .query_row(
            "SELECT l.id, m.id FROM order_lines l JOIN merchant_orders m
               ON m.procurement_no = l.procurement_no AND m.order_month = l.order_month
             WHERE l.order_id = ?1 AND NOT EXISTS (SELECT 1 FROM line_links k WHERE k.line_id = l.id)
             LIMIT 1",
            [order],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let t = Instant::now();
    xinbao_store::links::link(&mut store, "bench", line_id, &mo).unwrap();
    let one = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    xinbao_store::links::unlink(&mut store, "bench", line_id, &mo).unwrap();
    println!(
        "one link by hand on it: {one:.2} ms, its unlink {:.2} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let _ = std::fs::remove_dir_all(&dir);
}
