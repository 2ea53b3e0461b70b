//! The desktop app's update feed on the reference platform: a release published by the
//! administrator (package and signature) is offered to an older install in the form
//! tauri-plugin-updater reads, with its package to download; the newest install gets 204.

mod common;
use common::*;

#[tokio::test]
async fn a_published_release_is_offered_to_older_installs_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let package = dir.path().join("xinbao-desk_0.1.1_amd64.deb");
    let bytes: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&package, &bytes).unwrap();
    let signature = dir.path().join("xinbao-desk_0.1.1_amd64.deb.sig");
    std::fs::write(&signature, "dW50cnVzdGVkIGNvbW1lbnQ6IHNpZ25hdHVyZQ==\n").unwrap();
    let publish = |version: &str| {
        server.admin(&[
            "publish-release",
            "--target",
            "linux",
            "--arch",
            "x86_64",
            "--version",
            version,
            "--package",
            package.to_str().unwrap(),
            "--signature",
            signature.to_str().unwrap(),
            "--notes",
            "导入更快",
        ])
    };
    assert!(publish("0.1.1").status.success());
    assert!(
        publish("0.0.9").status.success(),
        "an older one does not win"
    );
    let refused = publish("1.2");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("update.version"));

    let http = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(server.ca()).unwrap()).unwrap(),
        )
        .build()
        .unwrap();
    let get = |path: String| http.get(format!("{}/api/v1{path}", server.url())).send();

    let offered = get("/updates/linux/x86_64/0.1.0".into()).await.unwrap();
    assert_eq!(offered.status(), 200);
    let release: xinbao_wire::AppRelease = offered.json().await.unwrap();
    assert_eq!(release.version, "0.1.1");
    assert_eq!(release.notes, "导入更快");
    assert_eq!(
        release.signature,
        "dW50cnVzdGVkIGNvbW1lbnQ6IHNpZ25hdHVyZQ=="
    );
    assert!(
        release.url.starts_with("https://127.0.0.1:"),
        "{}",
        release.url
    );
    let downloaded = http.get(&release.url).send().await.unwrap();
    assert_eq!(downloaded.status(), 200);
    assert_eq!(downloaded.bytes().await.unwrap().to_vec(), bytes);

    // The newest, a newer one than any, another architecture: nothing to offer.
    for current in ["0.1.1", "0.2.0", "10.0.0"] {
        let none = get(format!("/updates/linux/x86_64/{current}"))
            .await
            .unwrap();
        assert_eq!(none.status(), 204, "{current}");
    }
    assert_eq!(
        get("/updates/linux/aarch64/0.1.0".into())
            .await
            .unwrap()
            .status(),
        204
    );
    // Not a version: refused with its code.
    let bad = get("/updates/linux/x86_64/latest".into()).await.unwrap();
    assert_eq!(bad.status(), 422);
    let err: xinbao_wire::ApiError = bad.json().await.unwrap();
    assert_eq!(err.code, "update.version");
    assert_eq!(
        get("/updates/files/999".into()).await.unwrap().status(),
        404
    );
}
