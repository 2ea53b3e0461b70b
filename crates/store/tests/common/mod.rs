#![allow(dead_code)]
//! Shared set-up of the store tests: a real database file in a temporary folder.

use xinbao_domain::{LineForm, OrderForm};
use xinbao_store::links::{self, MerchantOrder};
use xinbao_store::Store;

pub const ACTOR: &str = "91350100M000100Y43";

pub fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("profile/xinbao.sqlite3"), &key()).unwrap();
    (dir, store)
}

pub fn line(merchant: &str, mobile: &str, amount: &str) -> LineForm {
    LineForm {
        merchant_name: merchant.into(),
        mobile: mobile.into(),
        order_month: "2026-03".into(),
        product_name: "袜子".into(),
        quantity: "100".into(),
        packages: "2".into(),
        amount: amount.into(),
        ..Default::default()
    }
}

pub fn complete_form() -> OrderForm {
    OrderForm {
        buyer_name: "Ivan Petrov".into(),
        passport_no: "E12345678".into(),
        country: "RU".into(),
        total_amount: "1,500.00".into(),
        lines: vec![
            line("张三", "13800138000", "1000"),
            line("李四", "13900139000", "500"),
        ],
    }
}

pub fn merchant_order(id: &str, merchant: &str, mobile: &str, cents: i64) -> MerchantOrder {
    MerchantOrder {
        id: id.into(),
        procurement_no: None,
        merchant_name: merchant.into(),
        mobile: mobile.into(),
        order_month: "2026-03".into(),
        buyer_name: Some("Ivan Petrov".into()),
        product_name: Some("袜子".into()),
        quantity: Some(100),
        packages: Some(2),
        amount_cents: cents,
        sent_at: None,
    }
}

/// A complete order whose two lines are linked: ready to confirm. Returns (order, line ids).
/// A merchant order backs one export order, so each order after the first gets merchant
/// orders of its own (`MO-1`, `MO-2`, `MO-3` for the first, as the tests name them; then
/// `MO-1-2`, ...).
pub fn linked_order(store: &mut Store) -> (i64, Vec<i64>) {
    let taken = |id: &str| links::merchant_order(store, id).is_ok_and(|m| !m.linked.is_empty());
    let suffix = (1..)
        .map(|k: i32| {
            if k == 1 {
                String::new()
            } else {
                format!("-{k}")
            }
        })
        .find(|s| !taken(&format!("MO-1{s}")))
        .unwrap();
    let mo = |n: i32| format!("MO-{n}{suffix}");
    links::upsert_merchant_orders(
        store,
        &[
            merchant_order(&mo(1), "张三", "13800138000", 100_000),
            merchant_order(&mo(2), "李四", "13900139000", 50_000),
            merchant_order(&mo(3), "李四", "13900139000", 1_000),
        ],
    )
    .unwrap();
    let id = xinbao_store::orders::create_draft(store, ACTOR, &complete_form()).unwrap();
    let lines: Vec<i64> = xinbao_store::orders::get(store, id)
        .unwrap()
        .lines
        .iter()
        .map(|l| l.id)
        .collect();
    links::link(store, ACTOR, lines[0], &mo(1)).unwrap();
    links::link(store, ACTOR, lines[1], &mo(2)).unwrap();
    (id, lines)
}

pub fn count(store: &Store, sql: &str) -> i64 {
    store.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The form of a stored order, as the editor would send it back unchanged.
pub fn form_of(store: &Store, id: i64) -> OrderForm {
    let d = xinbao_store::orders::get(store, id).unwrap();
    OrderForm {
        buyer_name: d.buyer_name.unwrap_or_default(),
        passport_no: d.passport_no.unwrap_or_default(),
        country: d.country.unwrap_or_default(),
        total_amount: d
            .total_cents
            .map(|c| xinbao_domain::Cents(c).to_string())
            .unwrap_or_default(),
        lines: d
            .lines
            .iter()
            .map(|l| LineForm {
                id: Some(l.id),
                procurement_no: l.line.procurement_no.clone().unwrap_or_default(),
                merchant_name: l.line.merchant_name.clone().unwrap_or_default(),
                mobile: l.line.mobile.clone().unwrap_or_default(),
                order_month: l.line.order_month.clone().unwrap_or_default(),
                product_name: l.line.product_name.clone().unwrap_or_default(),
                quantity: l.line.quantity.map(|q| q.to_string()).unwrap_or_default(),
                packages: l.line.packages.map(|q| q.to_string()).unwrap_or_default(),
                amount: l
                    .line
                    .amount_cents
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                note: l.line.note.clone().unwrap_or_default(),
            })
            .collect(),
    }
}

/// The key of the tests' databases: they reopen their files, and what they test is not the
/// key's secrecy (the encryption's own tests use random keys).
pub fn key() -> xinbao_store::DbKey {
    xinbao_store::DbKey::from_hex(&"5a".repeat(32)).unwrap()
}

/// A connection of its own to a test database, keyed, bypassing the store (as a buggy
/// caller or a hand-edit with the key would).
pub fn raw_connection(path: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key().to_hex().as_str()))
        .unwrap();
    conn
}

/// A keyring of the tests' own, in memory: the store's tests check what the store does with
/// keys; the OS keyring's side is tested through the CLI and the app.
#[derive(Default)]
pub struct MemoryVault(std::cell::RefCell<std::collections::HashMap<String, String>>);

impl xinbao_store::KeyVault for MemoryVault {
    fn load(&self, key_id: &str) -> Result<Option<String>, String> {
        Ok(self.0.borrow().get(key_id).cloned())
    }
    fn save(&self, key_id: &str, key_hex: &str) -> Result<(), String> {
        self.0.borrow_mut().insert(key_id.into(), key_hex.into());
        Ok(())
    }
}
