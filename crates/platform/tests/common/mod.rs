//! The reference platform as a real process (real TLS on loopback, its own database), and
//! helpers to talk to it.
#![allow(dead_code)]

pub mod client;
pub mod proxy;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use xinbao_sync::{ClientSettings, PlatformClient};
use xinbao_wire::*;

pub const BIN: &str = env!("CARGO_BIN_EXE_xinbao-platform");

pub struct Server {
    pub dir: PathBuf,
    pub addr: SocketAddr,
    child: Child,
    extra: Vec<(String, String)>,
    args: Vec<String>,
}

impl Server {
    /// Starts a demo server in `dir` on a free port.
    pub fn start(dir: &Path) -> Server {
        Server::start_with(dir, &[], &[])
    }

    /// Starts a server without `--demo` (no demo data, no development sink).
    pub fn start_plain(dir: &Path) -> Server {
        Server::start_with(dir, &["--no-demo"], &[])
    }

    /// The server process, for what only the OS can tell (its memory).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn start_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let extra: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let (child, addr) = spawn(dir, "127.0.0.1:0", &args, &extra);
        Server {
            dir: dir.into(),
            addr,
            child,
            extra,
            args,
        }
    }

    /// SIGKILL: no graceful anything.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts again on the same data directory and port.
    pub fn restart(&mut self) {
        self.kill();
        let (child, addr) = spawn(&self.dir, &self.addr.to_string(), &self.args, &self.extra);
        self.child = child;
        self.addr = addr;
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    pub fn ca(&self) -> PathBuf {
        self.dir.join("tls/ca.pem")
    }

    pub fn settings(&self) -> ClientSettings {
        ClientSettings {
            url: self.url(),
            ca_file: Some(self.ca()),
            timeout_s: 10,
        }
    }

    pub fn client(&self) -> PlatformClient {
        PlatformClient::new(&self.settings()).expect("client")
    }

    pub fn sink_code(&self, kind: &str, to: &str) -> String {
        xinbao_platform::sink::last_code(&self.dir.join("dev-sink.jsonl"), kind, to)
            .unwrap_or_else(|| panic!("nothing delivered to {to}"))
    }

    /// `xinbao-platform admin ...` against this server's database.
    pub fn admin(&self, args: &[&str]) -> std::process::Output {
        Command::new(BIN)
            .arg("--data-dir")
            .arg(&self.dir)
            .arg("admin")
            .args(args)
            .output()
            .expect("admin command runs")
    }

    /// The server's database, read directly (the test's view of what the platform holds).
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.join("platform.sqlite3")).expect("platform db")
    }

    /// A solved captcha (the answer from the development sink).
    pub async fn captcha(&self, client: &PlatformClient) -> (String, String) {
        let c = client.captcha().await.expect("captcha");
        let answer = self.sink_code("captcha", &c.captcha_id);
        (c.captcha_id, answer)
    }

    pub async fn login(
        &self,
        client: &PlatformClient,
        method: LoginMethod,
        ident: &str,
        password: &str,
    ) -> Result<Session, xinbao_sync::SyncError> {
        let (captcha_id, captcha_answer) = self.captcha(client).await;
        client
            .login(&LoginRequest {
                method,
                identifier: ident.into(),
                password: password.into(),
                captcha_id,
                captcha_answer,
            })
            .await
    }

    pub async fn demo_token(&self) -> String {
        let client = self.client();
        self.login(
            &client,
            LoginMethod::Account,
            xinbao_platform::demo::COMPANY_USCC,
            xinbao_platform::demo::PASSWORD,
        )
        .await
        .expect("demo login")
        .token
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn spawn(
    dir: &Path,
    listen: &str,
    args: &[String],
    env: &[(String, String)],
) -> (Child, SocketAddr) {
    // The port may still be held for a moment after a kill: retry the bind briefly.
    // `--no-demo` is this helper's word for leaving `--demo` out.
    let demo = !args.iter().any(|a| a == "--no-demo");
    let args: Vec<&String> = args.iter().filter(|a| *a != "--no-demo").collect();
    for attempt in 0..50 {
        let mut child = Command::new(BIN)
            .arg("--data-dir")
            .arg(dir)
            .arg("--listen")
            .arg(listen)
            .args(demo.then_some("--demo"))
            .args(&args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("xinbao-platform starts");
        let mut line = String::new();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let _ = out.read_line(&mut line);
        if let Some(addr) = line.trim().strip_prefix("listening on https://") {
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in out.lines() {});
            return (child, addr.parse().expect("an address"));
        }
        let _ = child.kill();
        let _ = child.wait();
        std::thread::sleep(Duration::from_millis(100 + attempt * 20));
    }
    panic!("xinbao-platform did not start on {listen}");
}

/// A real PNG photo (a small gradient); past the platform's size limit, `len` bytes that
/// start like a PNG (the size is refused before anything is decoded).
pub fn png_bytes(len: usize) -> Vec<u8> {
    if len > xinbao_wire::MAX_PHOTO_BYTES {
        let mut v = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        v.resize(len, 7);
        return v;
    }
    let mut out = Vec::new();
    picture()
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// A real JPEG photo.
pub fn jpeg_bytes(_len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&picture().to_rgb8())
        .unwrap();
    out
}

fn picture() -> image::DynamicImage {
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, 128])
    }))
}
