//! The manners of a desktop program, in the real window: it opens where and as large as
//! the clerk left it.

mod common;
use common::{App, Platform};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn the_window_opens_as_large_as_it_was_left() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    let app = App::start(data.path(), &platform).await;
    let (w0, h0) = app.client.get_window_size().await.unwrap();
    assert_eq!(
        (w0, h0),
        (1280, 800),
        "the first run opens at the configured size"
    );
    app.client.set_window_size(1100, 700).await.unwrap();
    // Kept as soon as the window rests, not only at a clean exit.
    let state = data.path().join("window-state.json");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let kept = std::fs::read_to_string(&state).unwrap_or_default();
        if kept.contains("\"width\": 1100") {
            break;
        }
        assert!(Instant::now() < deadline, "not kept: {kept}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.quit().await;

    let app = App::start(data.path(), &platform).await;
    assert_eq!(app.client.get_window_size().await.unwrap(), (1100, 700));
    app.quit().await;
}
