//! The app's side: a real profile database, orders made through the store's operations,
//! and the sync engine's passes.

use std::sync::Mutex;
use xinbao_domain::{LineForm, OrderForm};
use xinbao_store::{links, orders, outbox, Store};
use xinbao_sync::{engine, ClientSettings, PlatformClient};

/// The key of the devices' own databases (the tests reopen them; a profile opened as the
/// app opens it takes its key from the OS keyring instead).
pub fn key() -> xinbao_store::DbKey {
    xinbao_store::DbKey::from_hex(&"c4".repeat(32)).unwrap()
}

pub struct Device {
    pub dir: tempfile::TempDir,
    pub store: Mutex<Store>,
}

impl Device {
    pub fn new() -> Device {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("profile.sqlite3"), &key()).unwrap();
        Device {
            dir,
            store: Mutex::new(store),
        }
    }

    /// A device whose store is the profile `profile` of a data directory, as the app and
    /// the `xinbao` CLI open it (`--data-dir DIR --profile NAME`).
    pub fn profile(profile: &str) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_profile(
            dir.path(),
            profile,
            &xinbao_sync::OsKeyring::database_keys(xinbao_store::paths::APP_IDENTIFIER),
        )
        .unwrap();
        Device {
            dir,
            store: Mutex::new(store),
        }
    }

    pub fn id(&self) -> String {
        self.store.lock().unwrap().device_id().unwrap()
    }

    pub fn pending(&self) -> usize {
        outbox::pending(&self.store.lock().unwrap()).unwrap().len()
    }

    /// Every queued operation, acknowledged or not: (seq, op_id).
    pub fn all_ops(&self) -> Vec<(i64, String)> {
        self.store
            .lock()
            .unwrap()
            .connection()
            .prepare("SELECT seq, op_id FROM outbox ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// A confirmed order of `lines` lines, each linked to a merchant order of its merchant.
    /// Needs the merchant orders pulled first. Returns the order id.
    pub fn confirmed_order(&self, n: usize, lines: usize) -> i64 {
        let mut store = self.store.lock().unwrap();
        const MERCHANTS: [(&str, &str, &str); 4] = [
            ("3307820001", "义乌市小商品经营部", "13905790001"),
            ("3307820002", "义乌市稠城饰品商行", "13905790002"),
            ("3307820003", "义乌市福田玩具店", "13905790003"),
            ("3307820004", "义乌市国际商贸城五金行", "13905790004"),
        ];
        let line_forms: Vec<LineForm> = (0..lines)
            .map(|i| {
                let (no, name, mobile) = MERCHANTS[(n + i) % 4];
                LineForm {
                    procurement_no: no.into(),
                    merchant_name: name.into(),
                    mobile: mobile.into(),
                    order_month: "2026-10".into(),
                    product_name: format!("商品{n}-{i}"),
                    quantity: "10".into(),
                    packages: "1".into(),
                    amount: format!("{}.{:02}", 100 + i, n % 100),
                    ..Default::default()
                }
            })
            .collect();
        let total: i64 = (0..lines)
            .map(|i| (100 + i as i64) * 100 + (n % 100) as i64)
            .sum();
        let form = OrderForm {
            buyer_name: format!("BUYER {n}"),
            passport_no: format!("E{:08}", n),
            country: "RU".into(),
            total_amount: xinbao_domain::Cents(total).plain(),
            lines: line_forms,
        };
        let id = orders::create_draft(&mut store, "test", &form).unwrap();
        for line in orders::get(&store, id).unwrap().lines {
            let mo = links::candidates_for_line(&store, line.id).unwrap();
            links::link(&mut store, "test", line.id, &mo[0].order.id).unwrap();
        }
        orders::confirm(&mut store, "test", id).unwrap();
        id
    }

    /// A confirmed order of `lines` lines of one merchant, each linked to one of its merchant
    /// orders: the lines written straight into the profile (a form of 200,000 lines would
    /// only test the form), then confirmed through the store like any order.
    pub fn big_confirmed_order(&self, lines: i64) -> i64 {
        let mut store = self.store.lock().unwrap();
        let mo: String = store
            .connection()
            .query_row(
                "SELECT id FROM merchant_orders WHERE procurement_no = '3307820001' ORDER BY id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let form = OrderForm {
            buyer_name: "BIG BUYER".into(),
            passport_no: "E99999999".into(),
            country: "AE".into(),
            total_amount: xinbao_domain::Cents(lines * 1234).plain(),
            lines: Vec::new(),
        };
        let id = orders::create_draft(&mut store, "test", &form).unwrap();
        store
            .connection()
            .execute_batch(&format!(
                "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {lines})
                 INSERT INTO order_lines (uuid, order_id, position, procurement_no, merchant_name, mobile, order_month,
                                          product_name, quantity, packages, amount_cents, created_at, updated_at)
                 SELECT lower(hex(randomblob(16))), {id}, i, '3307820001', '义乌市小商品经营部', '13905790001',
                        '2026-10', '圣诞装饰品 ' || i, 10, 1, 1234, '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z'
                 FROM n;
                 INSERT INTO line_links (line_id, merchant_order_id, created_at)
                 SELECT id, '{mo}', '2026-11-01T00:00:00.000Z' FROM order_lines WHERE order_id = {id};"
            ))
            .unwrap();
        orders::confirm(&mut store, "test", id).unwrap();
        id
    }

    pub fn declare(&self, order_id: i64, customs_no: &str) {
        orders::attach_customs_no(
            &mut self.store.lock().unwrap(),
            "test",
            order_id,
            customs_no,
        )
        .unwrap();
    }
}

/// Sync passes until one succeeds with nothing left to push; retryable failures are
/// retried at once (the backoff's waiting is the background task's business).
pub async fn sync_until_done(
    device: &Device,
    settings: &ClientSettings,
    token: &str,
) -> (usize, engine::SyncReport) {
    let mut total = engine::SyncReport::default();
    for attempt in 1..=400 {
        let client = PlatformClient::new(settings).unwrap();
        match engine::sync_once(&device.store, &client, token).await {
            Ok(r) => {
                total.pushed += r.pushed;
                total.applied += r.applied;
                total.duplicates += r.duplicates;
                total.rejected += r.rejected;
                if device.pending() == 0 {
                    return (attempt, total);
                }
            }
            Err(e) if e.is_retryable() => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            Err(e) => panic!("a permanent failure where only faults were injected: {e:?}"),
        }
    }
    panic!(
        "the outbox did not drain in 400 attempts ({} pending)",
        device.pending()
    );
}
