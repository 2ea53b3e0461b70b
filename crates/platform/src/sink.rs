//! The development sink: where the reference platform "delivers" SMS codes and writes
//! captcha answers, one JSON object per line in `dev-sink.jsonl` of its data directory.
//! A real platform sends SMS to phones; this one must never, and tests and the demo read
//! the codes from here.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

pub struct Sink {
    path: PathBuf,
    /// Only a demo or a development server writes codes anywhere (`--demo`, `--dev-sink`):
    /// otherwise captcha answers and SMS codes go nowhere but to their hash in the database.
    enabled: bool,
    lock: Mutex<()>,
}

impl Sink {
    pub fn new(path: PathBuf) -> Sink {
        Sink {
            path,
            enabled: true,
            lock: Mutex::new(()),
        }
    }

    /// A sink that writes nothing.
    pub fn off(path: PathBuf) -> Sink {
        Sink {
            enabled: false,
            ..Sink::new(path)
        }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Appends one delivery. A failing sink is logged, never fatal.
    pub fn deliver(&self, kind: &str, to: &str, code: &str) {
        if !self.enabled {
            return;
        }
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let line = serde_json::json!({
            "at": crate::db::rfc3339(crate::db::now_ms()), "kind": kind, "to": to, "code": code,
        });
        let mut open = std::fs::OpenOptions::new();
        open.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
        let written = open
            .open(&self.path)
            .and_then(|mut f| writeln!(f, "{line}"));
        if let Err(e) = written {
            tracing::warn!("dev sink {}: {e}", self.path.display());
        }
    }
}

/// The last code delivered to `to` of `kind`, read back from a sink file (tests, demo).
pub fn last_code(path: &std::path::Path, kind: &str, to: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["kind"] == kind && v["to"] == to)
        .and_then(|v| v["code"].as_str().map(String::from))
}
