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
