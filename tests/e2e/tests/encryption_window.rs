//! The profile at rest, through the real app: what the app writes is encrypted (no passport
//! readable in the file, no SQLite header), and a profile whose key cannot be found is
//! shown as such, with its own message, and never opened as an empty one.

mod common;
use common::*;

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_window_keeps_its_profile_encrypted_and_refuses_it_without_its_key() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    let app = App::start(data.path(), &platform).await;
    app.quit().await;
    // An order the CLI saves into the app's profile (the same key, from the same keyring).
    cli(
        data.path(),
        &[
            "orders",
            "new",
            "--buyer-name",
            "Ivan Petrov",
            "--passport",
            "E12345678",
        ],
    );
    let db = data.path().join("profiles/default/xinbao.sqlite3");
    let key_id = data.path().join("profiles/default/key-id");
    let mut on_disk = std::fs::read(&db).unwrap();
    on_disk.extend(std::fs::read(format!("{}-wal", db.display())).unwrap_or_default());
    assert!(!on_disk.starts_with(b"SQLite format 3"));
    assert!(!contains(&on_disk, b"E12345678"));
    assert!(!contains(&on_disk, b"Ivan Petrov"));

    // The file alone, without what names its key (copied elsewhere, or the key-id lost).
    let id = std::fs::read(&key_id).unwrap();
    std::fs::remove_file(&key_id).unwrap();
    let before = std::fs::read(&db).unwrap();
    let app = App::start(data.path(), &platform).await;
    let shown = app
        .wait_until("[data-testid='store-error']", "the missing key", |t| {
            t.contains("钥匙串中没有此数据库的密钥")
        })
        .await;
    assert!(
        shown.contains(&data.path().display().to_string()),
        "{shown}"
    );
    app.screenshot("encryption-key-missing").await;
    app.quit().await;
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "never opened as empty, never overwritten"
    );
    assert!(!key_id.exists());

    // With it back, the app opens the profile and the order is there.
    std::fs::write(&key_id, id).unwrap();
    let app = App::start_logged_in(data.path(), &platform).await;
    assert!(app.find_all("[data-testid='store-error']").await.is_empty());
    app.wait_text("[data-testid='order-buyer']", "Ivan Petrov")
        .await;
    app.quit().await;
}

/// A plain profile as versions before the encryption left it, with `drafts` drafts.
fn older_plain_profile(path: &std::path::Path, drafts: usize) {
    let work = tempfile::tempdir().unwrap();
    let key = xinbao_store::DbKey::random();
    let source = work.path().join("source.sqlite3");
    let mut store = xinbao_store::Store::open(&source, &key).unwrap();
    for _ in 0..drafts {
        let form = xinbao_domain::OrderForm {
            buyer_name: "Ivan Petrov".into(),
            passport_no: "E12345678".into(),
            country: "RU".into(),
            ..Default::default()
        };
        xinbao_store::orders::create_draft(&mut store, "test", &form).unwrap();
    }
    let conn = store.connection();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    conn.execute(
        "ATTACH DATABASE ?1 AS plain KEY ''",
        [path.to_str().unwrap()],
    )
    .unwrap();
    conn.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
        .unwrap();
    conn.execute_batch(&format!(
        "PRAGMA plain.application_id = {};",
        xinbao_store::APPLICATION_ID
    ))
    .unwrap();
}

/// An older plain profile is encrypted at the app's start, and the keyring then cannot give
/// the key back (it kept it in memory only, a power cut): the next start does not call the
/// profile damaged; it offers the plain copy kept from before the encryption, in words, and
/// one click puts it back and opens it, every order there.
#[tokio::test(flavor = "multi_thread")]
async fn a_key_the_keyring_lost_is_answered_with_the_copy_from_before_the_encryption() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    let db = data.path().join("profiles/default/xinbao.sqlite3");
    older_plain_profile(&db, 2);
    let app = App::start(data.path(), &platform).await;
    app.wait_css("[data-testid='login-screen'], [data-testid='unlock-screen']")
        .await;
    app.quit().await;
    assert!(!std::fs::read(&db).unwrap().starts_with(b"SQLite format 3"));
    let copy = xinbao_store::plain_copy_path(&db);
    assert!(copy.exists(), "kept until a later start reads the key");

    // The keyring holds no key under the id beside the file.
    let key_id = data.path().join("profiles/default/key-id");
    std::fs::write(
        &key_id,
        "xinbao-db-key-v1 00000000-0000-4000-8000-000000000000\n",
    )
    .unwrap();
    let app = App::start(data.path(), &platform).await;
    let shown = app
        .wait_until("[data-testid='store-error']", "the copy offered", |t| {
            t.contains("加密前的副本仍保留在本机") && !t.contains("损坏")
        })
        .await;
    assert!(shown.contains("恢复加密前的副本"), "{shown}");
    app.screenshot("encryption-copy-offered").await;
    app.click("[data-testid='restore-copy']").await;
    let done = app
        .wait_until(
            "[data-testid='restore-copy-status']",
            "the copy back",
            |t| t.contains("副本已恢复"),
        )
        .await;
    assert!(done.contains("unreadable"), "{done}");
    app.click("[data-testid='restore-copy-continue']").await;
    app.log_in(&platform).await;
    app.wait_count("[data-testid='order-row']", 2).await;
    app.quit().await;
    assert!(!std::fs::read(&db).unwrap().starts_with(b"SQLite format 3"));
    let kept_aside = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .flatten()
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("xinbao.sqlite3.unreadable-")
                && e.path().join("xinbao.sqlite3").exists()
        });
    assert!(kept_aside, "the unreadable file is kept aside, not deleted");
}
