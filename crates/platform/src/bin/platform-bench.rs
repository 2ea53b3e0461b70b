//! Sync throughput: 10k confirmed orders with 100k lines pushed to the reference platform
//! over TLS on loopback (the client's batches, verdicts and all), against the same rows
//! inserted directly into a platform database in one transaction, in the same run. Then a
//! new computer (a child process with an empty profile) pulls the whole order book from
//! that server: its time against the push's, and its peak memory.
//!
//!     cargo run --release -p xinbao-platform --features bench --bin platform-bench [-- ORDERS LINES_PER_ORDER]

use std::time::Instant;
use xinbao_platform::{accounts, db, demo, sync, Config};
use xinbao_sync::{ClientSettings, PlatformClient};
use xinbao_wire::*;

fn main() {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    if raw.first().map(String::as_str) == Some("--pull") {
        return pull_child(&raw[1..]);
    }
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let orders = args.first().copied().unwrap_or(10_000);
    let lines = args.get(1).copied().unwrap_or(10);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(orders, lines));
}

fn setup(
    dir: &std::path::Path,
) -> (
    rusqlite::Connection,
    i64,
    Vec<(String, String, String, String)>,
) {
    let mut conn = db::open(&dir.join("platform.sqlite3")).unwrap();
    demo::seed(&mut conn).unwrap();
    let company: i64 = conn
        .query_row(
            "SELECT id FROM companies WHERE uscc = ?1",
            [demo::COMPANY_USCC],
            |r| r.get(0),
        )
        .unwrap();
    // One merchant order per merchant in 2026-10: (procurement no, name, mobile, mo id).
    let mos = demo::MERCHANTS
        .iter()
        .map(|(no, name, mobile)| {
            let id: String = conn
                .query_row("SELECT id FROM merchant_orders WHERE procurement_no = ?1 AND order_month = '2026-10'", [no], |r| r.get(0))
                .unwrap();
            (no.to_string(), name.to_string(), mobile.to_string(), id)
        })
        .collect();
    (conn, company, mos)
}

fn operations(
    orders: usize,
    lines: usize,
    mos: &[(String, String, String, String)],
) -> Vec<PushOperation> {
    (0..orders)
        .map(|n| {
            let line_payloads: Vec<LinePayload> = (0..lines)
                .map(|i| {
                    let (no, name, mobile, mo) = &mos[(n + i) % mos.len()];
                    LinePayload {
                        line_uuid: format!("l-{n}-{i}"),
                        position: i as i64,
                        procurement_no: Some(no.clone()),
                        merchant_name: Some(name.clone()),
                        mobile: Some(mobile.clone()),
                        order_month: Some("2026-10".into()),
                        product_name: Some(format!("商品 {i}")),
                        quantity: Some(10),
                        packages: Some(1),
                        amount_cents: Some(10_000 + i as i64),
                        note: None,
                        merchant_orders: vec![mo.clone()],
                    }
                })
                .collect();
            let total = line_payloads.iter().map(|l| l.amount_cents.unwrap()).sum();
            let payload = OrderConfirmPayload {
                order_uuid: format!("o-{n}"),
                buyer_name: format!("BUYER {n}"),
                passport_no: format!("E{n:08}"),
                country: "RU".into(),
                total_cents: total,
                confirmed_at: "2026-11-24T00:00:00.000Z".into(),
                lines: line_payloads,
                restore: None,
            };
            PushOperation::new(
                n as i64 + 1,
                format!("op-{n}"),
                kind::ORDER_CONFIRM,
                &payload,
            )
        })
        .collect()
}

/// The same rows, straight into the tables: no protocol, no validation, no verdicts.
fn direct_insert(conn: &mut rusqlite::Connection, company: i64, ops: &[PushOperation]) {
    let tx = conn.transaction().unwrap();
    {
        let mut order = tx
            .prepare("INSERT INTO orders (uuid, company_id, state, buyer_name, passport_no, country, total_cents, confirmed_at, rev, updated_at) VALUES (?1, ?2, 'confirmed', ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
            .unwrap();
        let mut line = tx
            .prepare("INSERT INTO order_lines (uuid, order_uuid, position, procurement_no, merchant_name, mobile, order_month, product_name, quantity, packages, amount_cents, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")
            .unwrap();
        let mut link = tx
            .prepare("INSERT INTO line_links (line_uuid, merchant_order_id) VALUES (?1, ?2)")
            .unwrap();
        for op in ops {
            let p: OrderConfirmPayload = serde_json::from_str(op.payload.get()).unwrap();
            let rev = db::next_rev(&tx).unwrap();
            order
                .execute(rusqlite::params![
                    p.order_uuid,
                    company,
                    p.buyer_name,
                    p.passport_no,
                    p.country,
                    p.total_cents,
                    p.confirmed_at,
                    rev,
                    db::now_ms()
                ])
                .unwrap();
            for l in &p.lines {
                line.execute(rusqlite::params![
                    l.line_uuid,
                    p.order_uuid,
                    l.position,
                    l.procurement_no,
                    l.merchant_name,
                    l.mobile,
                    l.order_month,
                    l.product_name,
                    l.quantity,
                    l.packages,
                    l.amount_cents,
                    l.note
                ])
                .unwrap();
                for mo in &l.merchant_orders {
                    link.execute(rusqlite::params![l.line_uuid, mo]).unwrap();
                }
            }
        }
    }
    tx.commit().unwrap();
}

async fn run(orders: usize, lines: usize) {
    let tmp = std::env::temp_dir().join(format!("xinbao-bench-{}", std::process::id()));
    let (direct_dir, inproc_dir, server_dir) =
        (tmp.join("direct"), tmp.join("inproc"), tmp.join("server"));
    for d in [&direct_dir, &inproc_dir, &server_dir] {
        std::fs::create_dir_all(d).unwrap();
    }

    // (1) Direct inserts.
    let (mut conn, company, mos) = setup(&direct_dir);
    let ops = operations(orders, lines, &mos);
    let t = Instant::now();
    direct_insert(&mut conn, company, &ops);
    let direct = t.elapsed().as_secs_f64();

    // (2) The sync apply in-process, in the client's batches (no HTTP, no TLS).
    let (mut conn, company, _) = setup(&inproc_dir);
    let t = Instant::now();
    for chunk in ops.chunks(xinbao_sync::engine::BATCH) {
        let r = sync::push(
            &mut conn,
            company,
            &PushBatch {
                device_id: "bench".into(),
                operations: chunk.to_vec(),
            },
        )
        .unwrap();
        assert!(
            r.results.iter().all(|r| r.verdict == Verdict::Applied),
            "{:?}",
            r.results.iter().find(|r| r.verdict != Verdict::Applied)
        );
    }
    let inproc = t.elapsed().as_secs_f64();

    // (3) Over TLS on loopback: the real server, the real client.
    {
        let (conn, _, _) = setup(&server_dir);
        let (token, hash) = accounts::new_token();
        conn.execute(
            "INSERT INTO sessions (token_hash, company_id, expires_at) SELECT ?1, id, ?2 FROM companies WHERE uscc = ?3",
            rusqlite::params![hash, db::now_ms() + 3_600_000, demo::COMPANY_USCC],
        )
        .unwrap();
        drop(conn);
        let running = xinbao_platform::start(Config {
            data_dir: server_dir.clone(),
            listen: "127.0.0.1:0".parse().unwrap(),
            demo: false,
            session_ttl_s: 3600,
            dev_sink: false,
            rate_per_address: xinbao_platform::limits::PER_ADDRESS_RATE,
        })
        .await
        .unwrap();
        let client = PlatformClient::new(&ClientSettings {
            url: format!("https://{}", running.addr),
            ca_file: Some(running.ca_path.clone()),
            timeout_s: 120,
        })
        .unwrap();
        let t = Instant::now();
        for chunk in ops.chunks(xinbao_sync::engine::BATCH) {
            let r = client
                .push(
                    &token,
                    &PushBatch {
                        device_id: "bench".into(),
                        operations: chunk.to_vec(),
                    },
                )
                .await
                .unwrap();
            assert!(r.results.iter().all(|r| r.verdict == Verdict::Applied));
        }
        let tls = t.elapsed().as_secs_f64();

        // (4) A new computer pulls the whole order book from that server.
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .arg("--pull")
            .arg(format!("https://{}", running.addr))
            .arg(&running.ca_path)
            .arg(&token)
            .arg(tmp.join("client"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pulled = String::from_utf8(out.stdout).unwrap();
        let mut fields = pulled.split_whitespace();
        let pull: f64 = fields.next().unwrap().parse().unwrap();
        let peak_kib: f64 = fields.next().unwrap().parse().unwrap();
        let got: usize = fields.next().unwrap().parse().unwrap();
        assert_eq!(got, orders, "the new computer holds every order");
        let bytes: usize = ops.iter().map(|o| o.payload.get().len()).sum();
        println!(
            "{orders} orders, {} lines, {:.1} MB of payload, batches of {}",
            orders * lines,
            bytes as f64 / 1e6,
            xinbao_sync::engine::BATCH
        );
        println!("direct SQL inserts (one transaction):   {direct:7.2} s");
        println!(
            "sync apply in-process (no HTTP/TLS):    {inproc:7.2} s  ({:.2}x direct)",
            inproc / direct
        );
        println!(
            "push over TLS on loopback (client→server): {tls:7.2} s  ({:.2}x direct)  target <= 2x",
            tls / direct
        );
        println!(
            "pull by a new computer over TLS:        {pull:7.2} s  ({:.2}x the push)  target <= 2x; peak {:.0} MiB (target <= 150)",
            pull / tls,
            peak_kib / 1024.0
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

/// The new computer: an empty profile pulls everything; prints seconds, peak resident KiB
/// (VmHWM) and the orders it then holds.
fn pull_child(args: &[String]) {
    let [url, ca, token, dir] = args else {
        panic!("--pull URL CA TOKEN DIR");
    };
    let store = xinbao_store::Store::open(
        &std::path::Path::new(dir).join("profile.sqlite3"),
        &xinbao_store::DbKey::random(),
    )
    .unwrap();
    let access = std::sync::Mutex::new(store);
    let client = PlatformClient::new(&ClientSettings {
        url: url.clone(),
        ca_file: Some(ca.into()),
        timeout_s: 120,
    })
    .unwrap();
    // As the app and the CLI run it: two workers.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let t = Instant::now();
    rt.block_on(xinbao_sync::engine::sync_once(&access, &client, token))
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    let peak = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .map(|v| v.trim().trim_end_matches("kB").trim().to_string())
        .unwrap_or_else(|| "0".into());
    let orders = xinbao_store::order_book::company_orders(&access.lock().unwrap()).unwrap();
    println!("{secs} {peak} {orders}");
}
