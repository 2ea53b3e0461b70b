//! `xinbao` through its binary against the reference platform: platform settings, captcha,
//! login (password on stdin, token to the real keyring), `sync --json`, `status --json`,
//! and the error JSON once logged out. Runs under `scripts/with-keyring.sh`.

mod common;

use common::client::Device;
use common::*;
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use xinbao_platform::demo;

/// The CLI binary beside the platform's (`cargo build --workspace` builds both).
fn xinbao() -> PathBuf {
    let bin = std::path::Path::new(BIN).with_file_name("xinbao");
    assert!(
        bin.exists(),
        "build the workspace first: {} is missing",
        bin.display()
    );
    bin
}

struct Cli {
    dir: PathBuf,
    profile: String,
}

impl Cli {
    fn run(&self, args: &[&str], stdin: &str) -> (bool, String, String) {
        let mut child = Command::new(xinbao())
            .arg("--data-dir")
            .arg(&self.dir)
            .args(["--profile", &self.profile])
            .args(args)
            .env_remove("XINBAO_PLATFORM_URL")
            .env_remove("XINBAO_PLATFORM_CA")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    fn ok(&self, args: &[&str], stdin: &str) -> String {
        let (ok, out, err) = self.run(args, stdin);
        assert!(ok, "xinbao {args:?}: {err}");
        out
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args, "")).unwrap()
    }
}

#[test]
fn cli_logs_in_syncs_and_reports_as_json() {
    let server_dir = tempfile::tempdir().unwrap();
    let server = Server::start(server_dir.path());
    // A profile of its own: the keyring entries are per profile.
    let profile = format!("cli-{}", uuid::Uuid::new_v4().simple());
    let device = Device::profile(&profile);
    let cli = Cli {
        dir: device.dir.path().into(),
        profile,
    };

    cli.ok(
        &[
            "platform",
            "--url",
            &server.url(),
            "--ca",
            server.ca().to_str().unwrap(),
        ],
        "",
    );
    let status = cli.json(&["status", "--json"]);
    assert_eq!(status["pending"], 0);
    assert_eq!(status["last_sync"], Value::Null);

    // Not logged in yet: the error JSON carries the stable code.
    let (ok, out, _) = cli.run(&["sync", "--json"], "");
    assert!(!ok);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["code"],
        "auth.required"
    );

    let png = device.dir.path().join("captcha.png");
    let captcha_id = cli
        .ok(&["captcha", png.to_str().unwrap()], "")
        .trim()
        .to_string();
    assert_eq!(&std::fs::read(&png).unwrap()[..4], b"\x89PNG");
    let answer = server.sink_code("captcha", &captcha_id);
    let said = cli.ok(
        &[
            "login",
            "--account",
            demo::COMPANY_USCC,
            "--captcha-id",
            &captcha_id,
            "--captcha",
            &answer,
        ],
        &format!("{}\n", demo::PASSWORD),
    );
    assert!(said.contains(demo::COMPANY_USCC), "{said}");

    // The first sync pulls the directory: 8 merchants, 48 merchant orders, 8 authorizations.
    let report = cli.json(&["sync", "--json"]);
    assert_eq!(report["pushed"], 0);
    assert_eq!(report["pulled"], 64, "{report}");

    // Two confirmed orders made through the store, then pushed by the CLI: applied once.
    device.confirmed_order(1, 3);
    device.confirmed_order(2, 2);
    assert_eq!(cli.json(&["status", "--json"])["pending"], 2);
    let report = cli.json(&["sync", "--json"]);
    assert_eq!(
        (
            &report["pushed"],
            &report["applied"],
            &report["duplicates"],
            &report["rejected"]
        ),
        (
            &Value::from(2),
            &Value::from(2),
            &Value::from(0),
            &Value::from(0)
        ),
        "{report}"
    );
    let status = cli.json(&["status", "--json"]);
    assert_eq!(status["pending"], 0);
    assert!(status["last_sync"].is_string(), "{status}");
    assert_eq!(status["rejections"], Value::Array(vec![]));
    assert_eq!(status["account"]["uscc"], demo::COMPANY_USCC);
    let on_platform: i64 = server
        .db()
        .query_row("SELECT count(*) FROM order_lines", [], |r| r.get(0))
        .unwrap();
    assert_eq!(on_platform, 5);

    // Nothing left: a second sync sends nothing.
    assert_eq!(cli.json(&["sync", "--json"])["pushed"], 0);

    // The human-readable form says the same in words.
    let text = cli.ok(&["status"], "");
    assert!(text.contains("pending operations: 0"), "{text}");

    // Offline unlock from stdin, then logout and forget: sync needs a login again.
    cli.ok(&["unlock"], &format!("{}\n", demo::PASSWORD));
    cli.ok(&["logout", "--forget"], "");
    let (ok, out, _) = cli.run(&["sync", "--json"], "");
    assert!(!ok);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["code"],
        "auth.required"
    );
    let (ok, _, err) = cli.run(&["unlock"], &format!("{}\n", demo::PASSWORD));
    assert!(!ok);
    assert!(err.contains("[offline.unavailable]"), "{err}");
}
