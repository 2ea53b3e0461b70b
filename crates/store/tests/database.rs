//! The database on its own: freeze triggers hit with raw SQL (bypassing the domain code),
//! audit and outbox in the same transaction as the change, migrations from empty, and the
//! refusal of a database written by a newer version.

mod common;
use common::*;
use rusqlite::Connection;
use xinbao_store::{orders, outbox, supported_schema_version, Store, StoreError, APPLICATION_ID};

/// Runs raw SQL on a separate connection (as a buggy caller or a hand-edit would) and
/// returns SQLite's error message.
fn raw_refused(path: &std::path::Path, sql: &str) -> String {
    let conn = raw_connection(path);
    conn.pragma_update(None, "foreign_keys", true).unwrap();
    match conn.execute_batch(sql) {
        Ok(()) => panic!("raw SQL was allowed to change a frozen row: {sql}"),
        Err(e) => e.to_string(),
    }
}

fn raw_ok(path: &std::path::Path, sql: &str) {
    let conn = raw_connection(path);
    conn.pragma_update(None, "foreign_keys", true).unwrap();
    conn.execute_batch(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[test]
fn raw_sql_cannot_change_a_confirmed_orders_buyer_or_delete_it() {
    let (_dir, mut store) = temp_store();
    let (id, line_ids) = linked_order(&mut store);
    orders::confirm(&mut store, ACTOR, id).unwrap();
    let path = store.path().to_path_buf();
    for (sql, code) in [
        (
            format!("UPDATE export_orders SET buyer_name = 'X' WHERE id = {id}"),
            "order.buyer_frozen",
        ),
        (
            format!("UPDATE export_orders SET passport_no = 'E99999999' WHERE id = {id}"),
            "order.buyer_frozen",
        ),
        (
            format!("UPDATE export_orders SET country = 'US' WHERE id = {id}"),
            "order.buyer_frozen",
        ),
        (
            format!("UPDATE export_orders SET total_cents = 1 WHERE id = {id}"),
            "order.buyer_frozen",
        ),
        (
            format!("UPDATE export_orders SET state = 'draft' WHERE id = {id}"),
            "order.state",
        ),
        (
            format!("DELETE FROM export_orders WHERE id = {id}"),
            "order.delete_confirmed",
        ),
    ] {
        let msg = raw_refused(&path, &sql);
        assert!(msg.contains(code), "{sql}: {msg}");
    }
    // Lines and links of a confirmed order stay editable, also by raw SQL.
    raw_ok(
        &path,
        &format!(
            "UPDATE order_lines SET note = 'ok' WHERE id = {}",
            line_ids[0]
        ),
    );
    raw_ok(
        &path,
        &format!("UPDATE export_orders SET updated_at = updated_at WHERE id = {id}"),
    );
    assert_eq!(
        orders::get(&store, id).unwrap().buyer_name.as_deref(),
        Some("Ivan Petrov")
    );
}

#[test]
fn raw_sql_cannot_touch_a_declared_order_its_lines_or_its_links() {
    let (_dir, mut store) = temp_store();
    let (id, line_ids) = linked_order(&mut store);
    orders::confirm(&mut store, ACTOR, id).unwrap();
    orders::attach_customs_no(&mut store, ACTOR, id, "292920260000012345").unwrap();
    let path = store.path().to_path_buf();
    let line = line_ids[0];
    for sql in [
        format!("UPDATE export_orders SET updated_at = 'x' WHERE id = {id}"),
        format!("UPDATE export_orders SET customs_no = '292920260000099999' WHERE id = {id}"),
        format!("DELETE FROM export_orders WHERE id = {id}"),
        format!("UPDATE order_lines SET quantity = 1 WHERE id = {line}"),
        format!("DELETE FROM order_lines WHERE id = {line}"),
        format!(
            "INSERT INTO order_lines (uuid, order_id, position, created_at, updated_at) VALUES ('u', {id}, 9, 'now', 'now')"
        ),
        format!("DELETE FROM line_links WHERE line_id = {line}"),
        format!("UPDATE line_links SET created_at = 'x' WHERE line_id = {line}"),
        format!("INSERT INTO line_links (line_id, merchant_order_id, created_at) VALUES ({line}, 'MO-3', 'now')"),
    ] {
        let msg = raw_refused(&path, &sql);
        assert!(msg.contains("order.declared_frozen"), "{sql}: {msg}");
    }
    assert_eq!(count(&store, "SELECT count(*) FROM line_links"), 2);
    assert_eq!(
        count(
            &store,
            &format!("SELECT quantity FROM order_lines WHERE id = {line}")
        ),
        100
    );
}

#[test]
fn raw_sql_cannot_rewrite_history_or_the_queue() {
    let (_dir, mut store) = temp_store();
    let (id, _) = linked_order(&mut store);
    orders::confirm(&mut store, ACTOR, id).unwrap();
    let path = store.path().to_path_buf();
    assert!(raw_refused(&path, "UPDATE audit_log SET actor = 'x'").contains("audit.append_only"));
    assert!(raw_refused(&path, "DELETE FROM audit_log").contains("audit.append_only"));
    assert!(raw_refused(&path, "UPDATE outbox SET payload = '{}'").contains("outbox.immutable"));
    assert!(raw_refused(&path, "DELETE FROM outbox").contains("outbox.unacknowledged"));
    // Acknowledging is the one write allowed, and then the row may go.
    raw_ok(
        &path,
        "UPDATE outbox SET acked_at = 'now', verdict = 'applied'",
    );
    raw_ok(&path, "DELETE FROM outbox");
}

#[test]
fn trigger_refusals_read_as_stable_codes() {
    let (_dir, mut store) = temp_store();
    let (id, _) = linked_order(&mut store);
    orders::confirm(&mut store, ACTOR, id).unwrap();
    let err: StoreError = store
        .connection()
        .execute(
            "UPDATE export_orders SET buyer_name = 'X' WHERE id = ?1",
            [id],
        )
        .unwrap_err()
        .into();
    assert_eq!(err.code(), "order.buyer_frozen");
}

#[test]
fn a_failing_outbox_write_rolls_back_the_confirmation_and_its_audit() {
    let (_dir, mut store) = temp_store();
    let (id, _) = linked_order(&mut store);
    let audit_before = count(&store, "SELECT count(*) FROM audit_log");
    store
        .connection()
        .execute_batch(
            "CREATE TEMP TRIGGER break_outbox BEFORE INSERT ON main.outbox
             BEGIN SELECT RAISE(ABORT, 'test.injected: outbox write fails'); END;",
        )
        .unwrap();
    let err = orders::confirm(&mut store, ACTOR, id).unwrap_err();
    assert_eq!(err.code(), "test.injected");
    assert_eq!(
        orders::get(&store, id).unwrap().state,
        xinbao_domain::OrderState::Draft
    );
    assert_eq!(
        count(&store, "SELECT count(*) FROM audit_log"),
        audit_before,
        "no audit row without the change"
    );
    assert_eq!(count(&store, "SELECT count(*) FROM outbox"), 0);
    store
        .connection()
        .execute_batch("DROP TRIGGER temp.break_outbox")
        .unwrap();
    orders::confirm(&mut store, ACTOR, id).unwrap();
    assert_eq!(outbox::pending(&store).unwrap().len(), 1);
}

#[test]
fn a_failing_audit_write_rolls_back_the_change() {
    let (_dir, mut store) = temp_store();
    let id = orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
    store
        .connection()
        .execute_batch(
            "CREATE TEMP TRIGGER break_audit BEFORE INSERT ON main.audit_log
             BEGIN SELECT RAISE(ABORT, 'test.injected: audit write fails'); END;",
        )
        .unwrap();
    let mut form = form_of(&store, id);
    form.buyer_name = "Changed".into();
    form.lines.pop();
    assert!(orders::save(&mut store, ACTOR, id, &form).is_err());
    let d = orders::get(&store, id).unwrap();
    assert_eq!(
        (d.buyer_name.as_deref(), d.lines.len()),
        (Some("Ivan Petrov"), 2)
    );
    assert!(orders::create_draft(&mut store, ACTOR, &complete_form()).is_err());
    assert_eq!(count(&store, "SELECT count(*) FROM export_orders"), 1);
}

#[test]
fn migrates_an_empty_file_and_marks_it_ours() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.sqlite3");
    std::fs::write(&path, b"").unwrap();
    let store = Store::open(&path, &key()).unwrap();
    assert_eq!(
        count(&store, "SELECT max(version) FROM refinery_schema_history"),
        supported_schema_version()
    );
    assert_eq!(
        count(&store, "PRAGMA application_id"),
        i64::from(APPLICATION_ID)
    );
    assert_eq!(count(&store, "PRAGMA foreign_keys"), 1);
    let mode: String = store
        .connection()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    for table in [
        "export_orders",
        "order_lines",
        "merchant_orders",
        "line_links",
        "audit_log",
        "outbox",
        "device",
    ] {
        assert_eq!(
            count(
                &store,
                &format!("SELECT count(*) FROM sqlite_master WHERE name = '{table}'")
            ),
            1,
            "{table}"
        );
    }
}

#[test]
fn a_database_from_a_newer_version_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("xinbao.sqlite3");
    drop(Store::open(&path, &key()).unwrap());
    {
        let conn = raw_connection(&path);
        conn.execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (?1, 'future', 'x', '0')",
            [supported_schema_version() + 1],
        )
        .unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let bytes_before = std::fs::read(&path).unwrap();
    let err = Store::open(&path, &key())
        .err()
        .expect("a newer database must be refused");
    assert_eq!(err.code(), "store.database_too_new");
    assert!(err.to_string().contains("newer version"), "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes_before,
        "the refused file is byte for byte the same"
    );
    assert!(
        !path.with_extension("sqlite3-wal").exists(),
        "not even a WAL file was created"
    );
}

#[test]
fn a_foreign_or_corrupt_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("foreign.sqlite3");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    assert_eq!(
        Store::open(&foreign, &key()).err().unwrap().code(),
        "store.not_our_database"
    );
    let garbage = dir.path().join("garbage.sqlite3");
    std::fs::write(&garbage, b"this is not a database, it is a shopping list").unwrap();
    assert_eq!(
        Store::open(&garbage, &key()).err().unwrap().code(),
        "store.not_our_database"
    );
    assert_eq!(
        std::fs::read(&garbage).unwrap(),
        b"this is not a database, it is a shopping list"
    );
}

#[test]
fn profile_names_are_checked_before_they_become_folders() {
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::default();
    assert!(Store::open_profile(dir.path(), "91350100M000100Y43", &vault).is_ok());
    for bad in ["", "../etc", "a/b", "名字", &"x".repeat(65)] {
        assert_eq!(
            Store::open_profile(dir.path(), bad, &vault)
                .err()
                .unwrap()
                .code(),
            "store.bad_profile_name",
            "{bad}"
        );
    }
}

#[test]
fn acknowledged_operations_keep_no_personal_numbers_and_waiting_ones_never_change() {
    let (dir, store) = temp_store();
    let path = dir.path().join("profile/xinbao.sqlite3");
    // Two operations as an older version left them: one acknowledged (not yet redacted),
    // one still waiting.
    let payload =
        r#"{"order_uuid":"o","passport_no":"E12345678","lines":[{"mobile":"13900139000"}]}"#;
    store
        .connection()
        .execute_batch(&format!(
            "INSERT INTO export_orders (id, uuid, created_at, updated_at) VALUES (1, 'o', 'now', 'now');
             INSERT INTO outbox (op_id, kind, order_id, payload, created_at, acked_at, verdict)
                 VALUES ('a', 'order.confirm', 1, '{payload}', 'now', 'now', 'applied');
             INSERT INTO outbox (op_id, kind, order_id, payload, created_at)
                 VALUES ('b', 'order.confirm', 1, '{payload}', 'now');"
        ))
        .unwrap();
    drop(store);
    let store = Store::open(&path, &key()).unwrap();
    let payloads: Vec<String> = store
        .connection()
        .prepare("SELECT payload FROM outbox ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        payloads[0].contains("E1*****78") && payloads[0].contains("13*******00"),
        "{}",
        payloads[0]
    );
    assert!(!payloads[0].contains("E12345678") && !payloads[0].contains("13900139000"));
    assert_eq!(payloads[1], payload, "what waits is sent as it was queued");
    drop(store);
    assert!(
        raw_refused(&path, "UPDATE outbox SET payload = '{}' WHERE op_id = 'b'")
            .contains("outbox.immutable")
    );
    assert!(
        raw_refused(&path, "UPDATE outbox SET payload = '{}' WHERE op_id = 'a'")
            .contains("outbox.immutable"),
        "a redacted payload is final too"
    );
}

#[cfg(unix)]
#[test]
fn the_profile_is_its_owners_alone_and_the_doctor_says_how_it_is() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, store) = temp_store();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let path = dir.path().join("profile/xinbao.sqlite3");
    assert_eq!(mode(&dir.path().join("profile")), 0o700);
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&dir.path().join("profile/xinbao.sqlite3-wal")), 0o600);
    let report = xinbao_store::doctor::examine(&store).unwrap();
    assert!(report.healthy(), "{report:?}");
    assert_eq!(report.integrity, ["ok"]);
    assert_eq!(report.schema_version, supported_schema_version());
    assert_eq!(report.file_mode.as_deref(), Some("600"));
    // A file an older version left readable is made private at open.
    drop(store);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = Store::open(&path, &key()).unwrap();
    assert_eq!(mode(&path), 0o600);
    // A line of no order, written behind the store's back: the doctor finds it.
    store
        .connection()
        .execute_batch(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO order_lines (uuid, order_id, position, created_at, updated_at)
                 VALUES ('orphan', 999, 0, 'now', 'now');
             PRAGMA foreign_keys = ON;",
        )
        .unwrap();
    let report = xinbao_store::doctor::examine(&store).unwrap();
    assert_eq!(report.foreign_key_violations, 1);
    assert!(!report.healthy());
}

#[test]
fn a_second_connection_reads_while_the_first_writes_and_a_blocked_write_is_store_busy() {
    let (_dir, mut store) = temp_store();
    let id = orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
    let job = store.open_another().unwrap();
    // The job holds the write lock, as a long accept does.
    job.connection()
        .execute_batch("BEGIN IMMEDIATE; UPDATE export_orders SET updated_at = 'job' WHERE id = 1;")
        .unwrap();
    // The app's connection reads on (WAL): the order as it was before the job's change.
    assert_eq!(
        orders::get(&store, id).unwrap().buyer_name.as_deref(),
        Some("Ivan Petrov")
    );
    // A write waits out the busy timeout, then says so with its own code.
    let err = orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap_err();
    assert_eq!(err.code(), "store.busy", "{err}");
    job.connection().execute_batch("COMMIT;").unwrap();
    drop(job);
    orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
}
