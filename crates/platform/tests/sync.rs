//! Exactly-once sync against the real reference platform, through faults: connections cut
//! mid-request and mid-response, stalled answers past the timeout, injected 500s before and
//! after the commit, the server killed mid-batch and restarted, the client "killed" between
//! send and acknowledgement. After recovery the platform holds exactly the client's
//! operations, once each, in order, and the outbox is empty.

mod common;

use common::client::*;
use common::proxy::Proxy;
use common::*;
use std::time::Duration;
use xinbao_store::{orders, outbox};
use xinbao_sync::{engine, ClientSettings};
use xinbao_wire::*;

/// The platform's record of a device: (seq, op_id) in the order it received them.
fn platform_ops(server: &Server, device: &str) -> Vec<(i64, String)> {
    server
        .db()
        .prepare("SELECT seq, op_id FROM operations WHERE device_id = ?1 ORDER BY rowid")
        .unwrap()
        .query_map([device], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn count(server: &Server, sql: &str) -> i64 {
    server.db().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The invariant of every test here.
fn assert_exactly_once(server: &Server, device: &Device) {
    assert_eq!(device.pending(), 0, "the outbox is empty");
    let client_ops = device.all_ops();
    let server_ops = platform_ops(server, &device.id());
    assert_eq!(
        server_ops, client_ops,
        "the platform holds exactly the client's operations, once each, in order"
    );
    let rejected = count(
        server,
        "SELECT count(*) FROM operations WHERE verdict <> 'applied'",
    );
    assert_eq!(rejected, 0, "nothing was rejected");
}

async fn pulled_device(server: &Server, token: &str) -> Device {
    let device = Device::new();
    engine::sync_once(&device.store, &server.client(), token)
        .await
        .expect("first pull");
    device
}

#[tokio::test]
async fn confirmed_orders_reach_the_platform_once_and_the_list_says_synced() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = server.demo_token().await;
    let device = pulled_device(&server, &token).await;
    {
        let store = device.store.lock().unwrap();
        assert_eq!(
            xinbao_store::platform_cache::merchant_count(&store).unwrap(),
            8
        );
        assert_eq!(
            xinbao_store::platform_cache::authorizations(&store)
                .unwrap()
                .len(),
            8
        );
        let m = xinbao_store::platform_cache::merchant(&store, "3307820003")
            .unwrap()
            .unwrap();
        assert_eq!(m.name, "义乌市福田玩具店");
    }
    let ids: Vec<i64> = (0..12).map(|n| device.confirmed_order(n, 3)).collect();
    device.declare(ids[0], "292020260000012345");
    let report = engine::sync_once(&device.store, &server.client(), &token)
        .await
        .unwrap();
    assert_eq!(
        (
            report.pushed,
            report.applied,
            report.duplicates,
            report.rejected
        ),
        (13, 13, 0, 0)
    );
    assert_exactly_once(&server, &device);
    assert_eq!(count(&server, "SELECT count(*) FROM orders"), 12);
    assert_eq!(count(&server, "SELECT count(*) FROM order_lines"), 36);
    assert_eq!(count(&server, "SELECT count(*) FROM line_links"), 36);
    assert_eq!(count(&server, "SELECT count(*) FROM orders WHERE state = 'declared' AND customs_no = '292020260000012345'"), 1);
    {
        let store = device.store.lock().unwrap();
        let list = orders::list(&store, &Default::default()).unwrap();
        assert!(
            list.orders
                .iter()
                .all(|o| o.sync_state.as_str() == "synced"),
            "{:?}",
            list.orders
        );
        // The platform's copy came back with the pull: the same order, its revision noted.
        let detail = orders::get(&store, ids[0]).unwrap();
        assert_eq!(
            (detail.state.as_str(), detail.customs_no.as_deref()),
            ("declared", Some("292020260000012345"))
        );
        assert_eq!(
            detail.origin,
            xinbao_store::order_book::Origin::ThisComputer
        );
        assert!(xinbao_store::order_book::note(&store, ids[0])
            .unwrap()
            .remote_rev
            .is_some());
    }
    // Nothing to send twice.
    let again = engine::sync_once(&device.store, &server.client(), &token)
        .await
        .unwrap();
    assert_eq!((again.pushed, again.pulled), (0, 0));
    let status = xinbao_sync::status::status(&device.store.lock().unwrap()).unwrap();
    assert_eq!(status.pending, 0);
    assert!(status.last_sync.is_some());
}

#[tokio::test]
async fn the_platform_enforces_the_order_life_and_the_queue_moves_on() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = server.demo_token().await;
    // Two devices of one company: each is valid locally, together they conflict.
    let a = pulled_device(&server, &token).await;
    let b = pulled_device(&server, &token).await;
    let a1 = a.confirmed_order(1, 2);
    a.declare(a1, "292020260000000001");
    let b1 = b.confirmed_order(2, 2);
    b.declare(b1, "292020260000000001"); // the same customs number: refused by the platform
    let b2 = b.confirmed_order(3, 1); // behind the refused one: must still apply
    engine::sync_once(&a.store, &server.client(), &token)
        .await
        .unwrap();
    let report = engine::sync_once(&b.store, &server.client(), &token)
        .await
        .unwrap();
    assert_eq!((report.applied, report.rejected), (2, 1));
    {
        let store = b.store.lock().unwrap();
        let list = orders::list(&store, &Default::default()).unwrap();
        let o1 = list.orders.iter().find(|o| o.id == b1).unwrap();
        assert_eq!(
            (o1.sync_state.as_str(), o1.rejection.as_deref()),
            ("rejected", Some("customs_no.taken"))
        );
        let o2 = list.orders.iter().find(|o| o.id == b2).unwrap();
        assert_eq!(o2.sync_state.as_str(), "synced");
        let status = xinbao_sync::status::status(&store).unwrap();
        assert_eq!(status.pending, 0, "a rejected operation is not retried");
        assert_eq!(status.rejections.len(), 1);
        assert!(status.rejections[0].message.contains("292020260000000001"));
    }
    assert_eq!(b.pending(), 0);

    // Raw operations a buggy or hostile client might send.
    let client = server.client();
    let a1_uuid = orders::get(&a.store.lock().unwrap(), a1).unwrap().uuid;
    let confirm_again = a
        .store
        .lock()
        .unwrap()
        .connection()
        .query_row(
            "SELECT payload FROM outbox WHERE kind = 'order.confirm' AND order_id = ?1",
            [a1],
            |r| r.get::<_, String>(0),
        )
        .unwrap();
    let mut changed_buyer: serde_json::Value = serde_json::from_str(&confirm_again).unwrap();
    changed_buyer["buyer_name"] = "SOMEONE ELSE".into();
    let b2_uuid = orders::get(&b.store.lock().unwrap(), b2).unwrap().uuid;
    let op = |seq: i64, kind: &str, payload: serde_json::Value| {
        PushOperation::new(seq, format!("raw-{seq}"), kind, &payload)
    };
    let batch = PushBatch {
        device_id: "raw-device".into(),
        operations: vec![
            // A confirm after declaration (and with another buyer).
            op(1, "order.confirm", changed_buyer.clone()),
            // A line change of a declared order.
            op(
                2,
                "line.delete",
                serde_json::json!({"order_uuid": a1_uuid, "line_uuid": "x"}),
            ),
            // A customs number of another order, on a confirmed one.
            op(
                3,
                "order.declare",
                serde_json::json!({"order_uuid": b2_uuid, "customs_no": "292020260000000001", "declared_at": "2026-11-24T00:00:00.000Z"}),
            ),
            // A customs number that is an import declaration.
            op(
                4,
                "order.declare",
                serde_json::json!({"order_uuid": b2_uuid, "customs_no": "292020261000000009", "declared_at": "2026-11-24T00:00:00.000Z"}),
            ),
            // A payload that does not fit its kind.
            op(5, "link.add", serde_json::json!({"order_uuid": b2_uuid})),
            // An unknown order.
            op(
                6,
                "line.delete",
                serde_json::json!({"order_uuid": "nope", "line_uuid": "x"}),
            ),
            // And one good operation at the end: it applies.
            op(
                7,
                "order.declare",
                serde_json::json!({"order_uuid": b2_uuid, "customs_no": "292020260000000777", "declared_at": "2026-11-24T00:00:00.000Z"}),
            ),
        ],
    };
    let result = client.push(&token, &batch).await.unwrap();
    let codes: Vec<(Verdict, Option<&str>)> = result
        .results
        .iter()
        .map(|r| (r.verdict, r.code.as_deref()))
        .collect();
    assert_eq!(
        codes,
        [
            (Verdict::Rejected, Some("order.declared_frozen")),
            (Verdict::Rejected, Some("order.declared_frozen")),
            (Verdict::Rejected, Some("customs_no.taken")),
            (Verdict::Rejected, Some("customs.not_export")),
            (Verdict::Rejected, Some("sync.payload")),
            (Verdict::Rejected, Some("order.unknown")),
            (Verdict::Applied, None),
        ]
    );
    assert_eq!(result.last_seq, 7);
    // A confirmed (not declared) order confirmed again with another buyer.
    let b2_confirm: serde_json::Value = serde_json::from_str(
        &b.store
            .lock()
            .unwrap()
            .connection()
            .query_row(
                "SELECT payload FROM outbox WHERE kind = 'order.confirm' AND order_id = ?1",
                [b1],
                |r| r.get::<_, String>(0),
            )
            .unwrap(),
    )
    .unwrap();
    let mut other_buyer = b2_confirm.clone();
    other_buyer["buyer_name"] = "CHANGED".into();
    let r = client
        .push(
            &token,
            &PushBatch {
                device_id: "raw-device".into(),
                operations: vec![op(8, "order.confirm", other_buyer)],
            },
        )
        .await
        .unwrap();
    assert_eq!(
        r.results[0].code.as_deref(),
        Some("order.already_confirmed")
    );
    // The buyer is frozen in the platform's database itself too.
    let err = server
        .db()
        .execute("UPDATE orders SET buyer_name = 'X'", [])
        .unwrap_err();
    assert!(err.to_string().contains("order.buyer_frozen"), "{err}");
    // A sequence not above the device's last is refused, but a known op id is a duplicate.
    let r = client
        .push(
            &token,
            &PushBatch {
                device_id: "raw-device".into(),
                operations: vec![
                    op(7, "order.declare", serde_json::json!({})),
                    PushOperation {
                        op_id: "raw-new".into(),
                        ..op(8, "line.delete", serde_json::json!({}))
                    },
                ],
            },
        )
        .await
        .unwrap();
    assert_eq!(r.results[0].verdict, Verdict::Duplicate);
    assert_eq!(r.results[1].code.as_deref(), Some("sync.sequence"));
}

#[tokio::test]
async fn a_client_killed_between_send_and_acknowledgement_gets_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = server.demo_token().await;
    let device = pulled_device(&server, &token).await;
    for n in 0..30 {
        device.confirmed_order(n, 2);
    }
    // What a client that died after sending, before writing the verdicts, leaves behind:
    // the platform applied the batch, the outbox still holds it.
    let ops = outbox::next_batch(&device.store.lock().unwrap(), 20).unwrap();
    let batch = PushBatch {
        device_id: device.id(),
        operations: ops
            .iter()
            .map(|o| PushOperation {
                seq: o.seq,
                op_id: o.op_id.clone(),
                kind: o.kind.clone(),
                payload: serde_json::value::RawValue::from_string(o.payload.clone()).unwrap(),
                chunks: None,
            })
            .collect(),
    };
    let first = server.client().push(&token, &batch).await.unwrap();
    assert!(first.results.iter().all(|r| r.verdict == Verdict::Applied));
    assert_eq!(device.pending(), 30);
    let report = engine::sync_once(&device.store, &server.client(), &token)
        .await
        .unwrap();
    assert_eq!(
        (report.pushed, report.duplicates, report.applied),
        (30, 20, 10)
    );
    assert_exactly_once(&server, &device);
    assert_eq!(count(&server, "SELECT count(*) FROM orders"), 30);
}

/// Seeds of the fault matrix; `XINBAO_FAULT_RUNS` runs more.
fn seeds() -> Vec<u64> {
    let n = std::env::var("XINBAO_FAULT_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6u64);
    let base = std::env::var("XINBAO_FAULT_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20261124u64);
    (base..base + n).collect()
}

#[tokio::test]
async fn fault_matrix_cuts_stalls_and_500s_never_lose_or_repeat_an_operation() {
    let mut failed_attempts_all = 0;
    for seed in seeds() {
        let dir = tempfile::tempdir().unwrap();
        let faults = format!("seed={seed},before=15,after=15");
        let server = Server::start_with(dir.path(), &[], &[("XINBAO_PLATFORM_FAULTS", &faults)]);
        let token = server.demo_token().await;
        let proxy = Proxy::start(server.addr, seed, 35, Duration::from_millis(2500)).await;
        let settings = ClientSettings {
            url: format!("https://127.0.0.1:{}", proxy.addr.port()),
            ca_file: Some(server.ca()),
            timeout_s: 2,
        };
        let device = Device::new();
        // The pull, through faults too.
        let mut failed_attempts = sync_until_done(&device, &settings, &token).await.0 - 1;
        let mut expected_orders = 0;
        // Rounds: the clerk keeps working while syncs fail and succeed.
        for round in 0..3 {
            for n in 0..15 {
                let id = device.confirmed_order(round * 100 + n, 1 + n % 3);
                if n % 5 == 0 {
                    device.declare(
                        id,
                        &format!(
                            "2920202600{:08}",
                            seed % 1000 * 1000 + (round * 100 + n) as u64
                        ),
                    );
                }
                expected_orders += 1;
            }
            failed_attempts += sync_until_done(&device, &settings, &token).await.0 - 1;
        }
        assert_exactly_once(&server, &device);
        assert_eq!(
            count(&server, "SELECT count(*) FROM orders"),
            expected_orders,
            "seed {seed}"
        );
        let seen = proxy.faults_seen.lock().unwrap().clone();
        let faulty = seen
            .iter()
            .filter(|f| !matches!(f, common::proxy::Fault::Pass))
            .count();
        eprintln!("seed {seed}: {failed_attempts} failed sync passes, {} connections, {faulty} cut or stalled", seen.len());
        failed_attempts_all += failed_attempts;
    }
    assert!(
        failed_attempts_all >= 3,
        "the faults hardly bit: the test proved little"
    );
}

#[tokio::test]
async fn the_server_killed_mid_batch_and_restarted_loses_and_repeats_nothing() {
    let mut killed_mid_stream = 0;
    // The kill comes this long after the first batch was acknowledged (not at fixed times
    // from the start: an idle machine pushed all 400 within the first 60 ms once).
    for (i, kill_after_ms) in [0u64, 5, 20].into_iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let mut server = Server::start(dir.path());
        let token = server.demo_token().await;
        let device = pulled_device(&server, &token).await;
        for n in 0..400 {
            device.confirmed_order(n, 4);
        }
        let settings = ClientSettings {
            timeout_s: 5,
            ..server.settings()
        };
        let killed = {
            let client = server.client();
            // Batches of 50: some are acknowledged before the kill, one is in flight.
            let sync = engine::push_all(&device.store, &client, &token, 50);
            tokio::pin!(sync);
            tokio::select! {
                r = &mut sync => { r.expect("finished before the kill"); false }
                _ = async {
                    while device.pending() == 400 {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                    tokio::time::sleep(Duration::from_millis(kill_after_ms)).await;
                } => {
                    server.kill();
                    // The request in flight fails; what the platform had not committed is gone.
                    assert!(sync.await.is_err());
                    true
                }
            }
        };
        let acked_before = 400 - device.pending();
        server.restart();
        let (_, report) = sync_until_done(&device, &settings, &token).await;
        assert_exactly_once(&server, &device);
        assert_eq!(count(&server, "SELECT count(*) FROM orders"), 400);
        assert_eq!(count(&server, "SELECT count(*) FROM order_lines"), 1600);
        eprintln!("run {i}: killed={killed} {kill_after_ms} ms after the first batch, {acked_before} acknowledged before, then {report:?}");
        if killed && acked_before > 0 {
            killed_mid_stream += 1;
        }
    }
    assert!(
        killed_mid_stream > 0,
        "no kill landed between batches: tune the kill times"
    );
}

#[test]
fn backoff_grows_exponentially_with_jitter_and_caps() {
    use xinbao_sync::background::Backoff;
    let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
    let delays: Vec<Duration> = (0..10).map(|_| b.next_delay()).collect();
    for (n, d) in delays.iter().enumerate() {
        let cap = Duration::from_millis(100 * (1 << n)).min(Duration::from_secs(5));
        assert!(
            *d <= cap && *d >= cap / 2,
            "retry {n}: {d:?} outside [{:?}, {cap:?}]",
            cap / 2
        );
    }
    b.reset();
    assert!(b.next_delay() <= Duration::from_millis(100));
}
