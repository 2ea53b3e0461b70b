//! The order list benchmark (a measurement, not a test): a profile of 100k orders and 1M
//! lines, then a page, a deep page, each filter and each kind of search through
//! `orders::list` (the query the app's list screen runs), 50 rows a page with the total.
//!
//!     cargo run --release -p xinbao-store --bin list-bench [-- --orders 100000 --lines 10]
//!
//! Target: each ≤ 30 ms. Rows are written with plain SQL in one transaction (the freeze and
//! search triggers of the schema stay on); the measured queries are the app's own. The
//! sent orders are the company's order book: each has its sync note (the platform's
//! revision), two in three entered on other computers.

use std::time::{Duration, Instant};
use xinbao_domain::OrderState;
use xinbao_store::lines::{self, LinesQuery};
use xinbao_store::orders::{self, ListQuery, ListSort, SortColumn, SyncState};
use xinbao_store::Store;

const COUNTRIES: [&str; 12] = [
    "RU", "NG", "KZ", "AE", "SA", "BR", "IN", "TR", "EG", "PK", "UZ", "GH",
];
const MERCHANTS: u32 = 2000;

fn arg(name: &str, default: u32) -> u32 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn fill(store: &Store, n_orders: u32, lines_per_order: u32) -> rusqlite::Result<()> {
    let conn = store.connection();
    conn.execute_batch("BEGIN")?;
    {
        let mut order = conn.prepare(
            "INSERT INTO export_orders (id, uuid, state, buyer_name, passport_no, country, total_cents,
                                        created_at, updated_at, confirmed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)",
        )?;
        let mut line = conn.prepare(
            "INSERT INTO order_lines (uuid, order_id, position, procurement_no, merchant_name, mobile,
                                      order_month, product_name, quantity, packages, amount_cents,
                                      created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '袜子', 100, 2, ?8, ?9, ?9)",
        )?;
        let mut declare = conn.prepare(
            "UPDATE export_orders SET state = 'declared', customs_no = ?2, declared_at = updated_at
             WHERE id = ?1",
        )?;
        let mut book = conn.prepare(
            "INSERT INTO order_sync (order_id, remote_rev, origin, origin_device, changed_by, changed_device)
             VALUES (?1, ?1, 'desk', ?2, '李丽', ?2)",
        )?;
        let mut outbox = conn.prepare(
            "INSERT INTO outbox (op_id, kind, order_id, payload, created_at, acked_at, verdict,
                                 rejection_code, rejection_message)
             VALUES (?1, 'order.confirm', ?2, '{}', ?3, ?4, ?5, ?6, ?7)",
        )?;
        for i in 1..=n_orders {
            let id = i as i64;
            // Two years of orders, oldest first; a tenth drafts, the rest confirmed, and
            // three in five of all declared.
            let day = (i as u64 * 730) / n_orders as u64;
            let at = time::OffsetDateTime::UNIX_EPOCH
                + time::Duration::days(20_400 + day as i64)
                + time::Duration::seconds((i % 86_400) as i64);
            let at = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
                at.year(),
                at.month() as u8,
                at.day(),
                at.hour(),
                at.minute(),
                at.second()
            );
            let draft = i % 10 == 0;
            let lines_cents = 12_345 * lines_per_order as i64;
            order.execute(rusqlite::params![
                id,
                format!("00000000-0000-4000-8000-{i:012}"),
                if draft { "draft" } else { "confirmed" },
                format!("Buyer{i} Surname{}", i % 997),
                format!("E{:08}", i * 7 % 100_000_000),
                COUNTRIES[(i % COUNTRIES.len() as u32) as usize],
                lines_cents,
                at,
                (!draft).then_some(&at),
            ])?;
            for p in 0..lines_per_order {
                let m = (i * 7 + p * 13) % MERCHANTS;
                line.execute(rusqlite::params![
                    format!("00000000-0000-4000-9000-{:012}", i as u64 * 100 + p as u64),
                    id,
                    p,
                    format!("YW2026{m:06}"),
                    format!("商户{m}号"),
                    format!("138{m:08}"),
                    &at[..7],
                    12_345,
                    at,
                ])?;
            }
            if !draft {
                // One acknowledged operation per sent order; one in a hundred rejected, one
                // in a hundred still waiting.
                let (acked, verdict, code) = match i % 100 {
                    1 => (Some(&at), Some("rejected"), Some("order.buyer_frozen")),
                    2 => (None, None, None),
                    _ => (Some(&at), Some("applied"), None),
                };
                outbox.execute(rusqlite::params![
                    format!("op-{i}"),
                    id,
                    at,
                    acked,
                    verdict,
                    code,
                    code.map(|_| "refused"),
                ])?;
                let device = match i % 3 {
                    0 => "this-computer",
                    1 => "office-pc-2",
                    _ => "documents-office",
                };
                book.execute(rusqlite::params![id, device])?;
                if i % 5 < 3 {
                    declare.execute(rusqlite::params![id, format!("2929{:014}", i)])?;
                }
            }
        }
    }
    conn.execute_batch("COMMIT; ANALYZE")?;
    Ok(())
}

fn measure(store: &Store, what: &str, q: ListQuery) -> Duration {
    let mut times = Vec::new();
    let mut total = 0;
    for _ in 0..15 {
        let t = Instant::now();
        let page = orders::list(store, &q).expect("the list query");
        times.push(t.elapsed());
        total = page.total;
    }
    times.sort();
    let median = times[times.len() / 2];
    let worst = *times.last().unwrap();
    println!(
        "{what:<44} {:>8.2} ms {:>8.2} ms {total:>9}",
        median.as_secs_f64() * 1000.0,
        worst.as_secs_f64() * 1000.0
    );
    worst
}

/// The lines grid of one order of `n` lines (a draft, as an import leaves it): its pages,
/// a jump to the last row, the filters and the whole order's totals.
fn grid_of_a_big_order(store: &Store, id: i64, n: u32) -> rusqlite::Result<()> {
    let conn = store.connection();
    let t = Instant::now();
    conn.execute_batch("BEGIN")?;
    conn.execute(
        "INSERT INTO export_orders (id, uuid, state, buyer_name, created_at, updated_at)
         VALUES (?1, 'big-order', 'draft', 'Big Order', '2026-03-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z')",
        [id],
    )?;
    {
        let mut line = conn.prepare(
            "INSERT INTO order_lines (uuid, order_id, position, procurement_no, merchant_name, mobile,
                                      order_month, product_name, quantity, packages, amount_cents,
                                      created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, '2026-03', '袜子', 100, 2, 12345, 'now', 'now')",
        )?;
        for p in 0..n {
            let m = (p * 13) % MERCHANTS;
            line.execute(rusqlite::params![
                format!("big-{p}"),
                id,
                p,
                format!("YW2026{m:06}"),
                format!("商户{m}号"),
                format!("138{m:08}"),
            ])?;
        }
    }
    conn.execute_batch("COMMIT; ANALYZE")?;
    println!(
        "\nthe lines grid of one order of {n} lines (written in {:.1} s), 100 lines a page",
        t.elapsed().as_secs_f64()
    );
    let time = |what: &str, f: &dyn Fn() -> usize| {
        let mut times = Vec::new();
        let mut got = 0;
        for _ in 0..9 {
            let t = Instant::now();
            got = f();
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "{what:<44} {:>8.2} ms {:>8.2} ms {got:>9}",
            times[times.len() / 2].as_secs_f64() * 1000.0,
            times.last().unwrap().as_secs_f64() * 1000.0
        );
    };
    let page = |q: LinesQuery| lines::page(store, id, &q).expect("a page").lines.len();
    let q = || LinesQuery {
        limit: Some(100),
        ..Default::default()
    };
    time("first page", &|| page(q()));
    time("next page from the middle (keyset)", &|| {
        page(LinesQuery {
            after_position: Some(i64::from(n / 2)),
            ..q()
        })
    });
    time("previous page from the end (keyset)", &|| {
        page(LinesQuery {
            before_position: Some(i64::from(n)),
            ..q()
        })
    });
    time("jump to row 999,999", &|| {
        page(LinesQuery {
            from_row: Some(i64::from(n) - 1),
            ..q()
        })
    });
    time("filter: unlinked only", &|| {
        page(LinesQuery {
            unlinked_only: true,
            ..q()
        })
    });
    time("filter: one merchant", &|| {
        page(LinesQuery {
            merchant: Some("商户77号".into()),
            ..q()
        })
    });
    time("filter: with problems only", &|| {
        page(LinesQuery {
            problems_only: true,
            ..q()
        })
    });
    // The count the filter bar shows reads every line's problems: the whole order.
    time("count with problems only (whole order)", &|| {
        lines::summary(
            store,
            id,
            &LinesQuery {
                problems_only: true,
                ..q()
            },
        )
        .expect("count")
        .matching as usize
    });
    time("totals (lines, sum, unlinked)", &|| {
        lines::summary(store, id, &q()).expect("totals").lines as usize
    });
    Ok(())
}

fn main() {
    let n_orders = arg("--orders", 100_000);
    let lines = arg("--lines", 10);
    let dir = std::env::temp_dir().join(format!("xinbao-list-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir.join("xinbao.sqlite3"), &xinbao_store::DbKey::random())
        .expect("a new store");
    let t = Instant::now();
    fill(&store, n_orders, lines).expect("filling the store");
    let size = std::fs::metadata(dir.join("xinbao.sqlite3"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "{n_orders} orders, {} lines written in {:.1} s; database {:.0} MB",
        n_orders as u64 * lines as u64,
        t.elapsed().as_secs_f64(),
        size as f64 / 1e6
    );
    println!(
        "{:<44} {:>11} {:>11} {:>9}",
        "query (50 rows and the total)", "median", "worst", "matches"
    );
    let q = ListQuery::default;
    let sorted = |by: SortColumn, descending: bool| ListQuery {
        sort: Some(ListSort { by, descending }),
        ..q()
    };
    let search = |s: &str| ListQuery {
        search: Some(s.into()),
        ..q()
    };
    let mut worst = Duration::ZERO;
    for (what, query) in [
        ("first page", q()),
        (
            "page 1000 (offset 50,000)",
            ListQuery {
                offset: Some(50_000),
                ..q()
            },
        ),
        (
            "filter: state 已确认",
            ListQuery {
                state: Some(OrderState::Confirmed),
                ..q()
            },
        ),
        (
            "filter: country NG",
            ListQuery {
                country: Some("NG".into()),
                ..q()
            },
        ),
        (
            "filter: one month",
            ListQuery {
                created_from: Some("2026-03-01T00:00:00.000Z".into()),
                created_to: Some("2026-04-01T00:00:00.000Z".into()),
                ..q()
            },
        ),
        (
            "filter: sync 被拒绝",
            ListQuery {
                sync_state: Some(SyncState::Rejected),
                ..q()
            },
        ),
        (
            "filter: sync 待同步",
            ListQuery {
                sync_state: Some(SyncState::Pending),
                ..q()
            },
        ),
        (
            "filter: sync 已同步",
            ListQuery {
                sync_state: Some(SyncState::Synced),
                ..q()
            },
        ),
        (
            "filter: country + month + state",
            ListQuery {
                country: Some("RU".into()),
                created_from: Some("2026-03-01T00:00:00.000Z".into()),
                created_to: Some("2026-04-01T00:00:00.000Z".into()),
                state: Some(OrderState::Declared),
                ..q()
            },
        ),
        ("search: buyer name (many match)", search("surname99")),
        ("search: buyer name (one matches)", search("Buyer77777")),
        ("search: passport number", search("E0054")),
        ("search: customs number", search("29290000000004242")),
        ("search: merchant name", search("商户1234号")),
        ("search: procurement number", search("YW2026001999")),
        ("search: nothing matches", search("zzzz")),
        (
            "search + filter: NG, 已报关, surname",
            ListQuery {
                country: Some("NG".into()),
                state: Some(OrderState::Declared),
                ..search("surname1")
            },
        ),
        ("sort: buyer A→Z", sorted(SortColumn::BuyerName, false)),
        (
            "sort: buyer Z→A, page 1000",
            ListQuery {
                offset: Some(50_000),
                ..sorted(SortColumn::BuyerName, true)
            },
        ),
        (
            "sort: total, largest first",
            sorted(SortColumn::TotalAmount, true),
        ),
        ("sort: country", sorted(SortColumn::Country, false)),
        (
            "sort: state (draft first)",
            sorted(SortColumn::State, false),
        ),
        (
            "sort: created, oldest first",
            sorted(SortColumn::CreatedAt, false),
        ),
        (
            "sort: total + filter 已报关",
            ListQuery {
                state: Some(OrderState::Declared),
                ..sorted(SortColumn::TotalAmount, true)
            },
        ),
        (
            "sort: buyer + filter 已同步",
            ListQuery {
                sync_state: Some(SyncState::Synced),
                ..sorted(SortColumn::BuyerName, false)
            },
        ),
        (
            "sort: buyer + search surname",
            ListQuery {
                sort: sorted(SortColumn::BuyerName, false).sort,
                ..search("surname1")
            },
        ),
    ] {
        worst = worst.max(measure(&store, what, query));
    }
    println!(
        "worst of all: {:.2} ms (target ≤ 30 ms)",
        worst.as_secs_f64() * 1000.0
    );
    grid_of_a_big_order(&store, n_orders as i64 + 1, arg("--grid-lines", 1_000_000))
        .expect("the big order");
    drop(store);
    if std::env::var_os("XINBAO_BENCH_KEEP").is_some() {
        println!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
