#![allow(dead_code)]
//! Starting the real app under tauri-driver, and small helpers to act like a clerk.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The app binary under test: `$XINBAO_APP_BIN`, else the workspace's debug build (in
/// `$CARGO_TARGET_DIR` when the tests run with one, as `scripts/test-all.sh` passes it on).
pub fn app_binary() -> PathBuf {
    std::env::var_os("XINBAO_APP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| repo_root().join("target"))
                .join("debug/xinbao-desk")
        })
}

pub fn cli_binary() -> PathBuf {
    app_binary().with_file_name("xinbao")
}

/// Runs the `xinbao` CLI on a data directory; its standard output (it must succeed).
pub fn cli(data: &Path, args: &[&str]) -> String {
    let out = Command::new(cli_binary())
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "xinbao {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn platform_binary() -> PathBuf {
    app_binary().with_file_name("xinbao-platform")
}

/// The demo company of the reference platform's `--demo` data.
pub const DEMO_USCC: &str = "91330782MA2D3M0A1E";
pub const DEMO_PASSWORD: &str = "Xinbao#2026";
pub const DEMO_COMPANY: &str = "义乌市信保示范贸易有限公司";

/// The reference platform with its demo data, on a free loopback port, over TLS.
pub struct Platform {
    pub dir: tempfile::TempDir,
    pub url: String,
    child: Child,
}

impl Platform {
    pub fn start() -> Platform {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(platform_binary())
            .arg("--data-dir")
            .arg(dir.path())
            .args(["--listen", "127.0.0.1:0", "--demo"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("xinbao-platform (cargo build --workspace)");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on https://")
            .unwrap_or_else(|| panic!("xinbao-platform said {line:?}"))
            .to_string();
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in out.lines() {});
        Platform {
            dir,
            url: format!("https://{addr}"),
            child,
        }
    }

    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("tls/ca.pem")
    }

    /// What the platform's development sink delivered (`captcha` answers, `sms` codes).
    pub fn sink_code(&self, kind: &str, to: &str) -> String {
        let out = self.admin(&["sink-code", "--kind", kind, "--to", to]);
        assert!(out.status.success(), "nothing delivered to {to}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    pub fn admin(&self, args: &[&str]) -> std::process::Output {
        Command::new(platform_binary())
            .arg("--data-dir")
            .arg(self.dir.path())
            .arg("admin")
            .args(args)
            .output()
            .unwrap()
    }

    /// Stops the platform: the app is offline from now on.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        self.stop();
    }
}

fn tauri_driver() -> PathBuf {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"));
    home.join("bin/tauri-driver")
}

/// Whether any process of the process group `group` still runs.
fn in_group(group: u32) -> bool {
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.flatten().any(|e| {
                std::fs::read_to_string(e.path().join("stat"))
                    .ok()
                    // The fields after the command's closing parenthesis: state, ppid, pgrp.
                    // A zombie holds nothing (and nobody may reap it here): not counted.
                    .and_then(|s| s.rsplit_once(')').map(|(_, rest)| rest.to_string()))
                    .is_some_and(|rest| {
                        let fields: Vec<&str> = rest.split_whitespace().collect();
                        fields.first() != Some(&"Z")
                            && fields.get(2) == Some(&group.to_string().as_str())
                    })
            })
        })
        .unwrap_or(false)
}

/// One run of the app: tauri-driver (and through it WebKitWebDriver and the app) with the
/// data directory given in the environment, and a WebDriver client.
pub struct App {
    pub client: Client,
    driver: Child,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl App {
    /// Starts the app and logs in to `platform` as the demo company (or unlocks, when
    /// this data directory remembers an earlier login).
    pub async fn start_logged_in(data_dir: &Path, platform: &Platform) -> App {
        let app = App::start(data_dir, platform).await;
        app.log_in(platform).await;
        app
    }

    /// Starts the app (it opens locked) trusting `platform`.
    pub async fn start(data_dir: &Path, platform: &Platform) -> App {
        App::start_with_env(data_dir, platform, &[]).await
    }

    /// As [`App::start`], with more of the environment set (a desktop's theme, say).
    pub async fn start_with_env(data_dir: &Path, platform: &Platform, env: &[(&str, &str)]) -> App {
        let app = app_binary();
        assert!(
            app.exists(),
            "build the app first: {} is missing",
            app.display()
        );
        let (port, native_port) = (free_port(), free_port());
        // Its own process group, so a failed test can end the driver, WebKitWebDriver and
        // the app together.
        use std::os::unix::process::CommandExt;
        let driver = Command::new(tauri_driver())
            .process_group(0)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("XINBAO_DATA_DIR", data_dir)
            // GTK keeps the file dialog's state (location bar, last folder) in GSettings:
            // in memory, each run starts from the same dialog whatever ran before.
            .env("GSETTINGS_BACKEND", "memory")
            .env("XINBAO_PLATFORM_URL", &platform.url)
            .env("XINBAO_PLATFORM_CA", platform.ca())
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tauri-driver (cargo install tauri-driver --locked)");
        let url = format!("http://127.0.0.1:{port}");
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), json!({ "application": app }));
        caps.insert("browserName".into(), json!("wry"));
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            match ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("could not start a WebDriver session: {e}"),
            }
        };
        let app = App { client, driver };
        app.wait_css("body[data-ready='true']").await;
        app
    }

    /// Logs in online with the demo account, or unlocks with its password when the
    /// screen offers unlocking.
    pub async fn log_in(&self, platform: &Platform) {
        let screen = self
            .wait_css("[data-testid='login-screen'], [data-testid='unlock-screen']")
            .await;
        if screen.attr("data-testid").await.unwrap().as_deref() == Some("unlock-screen") {
            self.fill("[data-testid='unlock-password']", DEMO_PASSWORD)
                .await;
            self.click("[data-testid='unlock-submit']").await;
        } else {
            self.submit_login(platform, DEMO_USCC, DEMO_PASSWORD).await;
        }
        self.wait_css("body:not(.locked) [data-testid='account-name']")
            .await;
        // The screen the login leads to is drawn after the lock lifts: a click before it
        // is done can land on a screen it then replaces.
        self.wait_css("body[data-ready='true']").await;
    }

    /// Fills the online login with `identifier` and `password`, answers the captcha from
    /// the platform's sink and submits; what follows is the caller's to wait for.
    pub async fn submit_login(&self, platform: &Platform, identifier: &str, password: &str) {
        self.fill("[data-testid='login-identifier']", identifier)
            .await;
        self.fill("[data-testid='login-password']", password).await;
        let captcha = self.captcha_id().await;
        let answer = platform.sink_code("captcha", &captcha);
        self.fill("[data-testid='login-captcha']", &answer).await;
        self.click("[data-testid='login-submit']").await;
    }

    /// The id of the captcha the login screen shows, once it has loaded.
    pub async fn captcha_id(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let img = self.wait_css("[data-testid='login-captcha-img']").await;
            if let Some(id) = img.attr("data-captcha-id").await.unwrap() {
                return id;
            }
            assert!(Instant::now() < deadline, "no captcha loaded");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Quits the app (the session's end closes its window and process).
    /// Quits the app (the session's end closes its window and process), then ends the
    /// driver's whole process group and waits until none of it is left: the next run of
    /// the app must not find this one still on the session bus (it is single-instance).
    pub async fn quit(mut self) {
        let _ = self.client.clone().close().await;
        let group = self.driver.id();
        // `--`: without it kill(1) takes the group's negative number for an option.
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{group}")])
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let deadline = Instant::now() + Duration::from_secs(10);
        while in_group(group) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Invokes a command from the page, as any script there could: `{ok: value}` or
    /// `{err: {code, message}}`.
    pub async fn invoke(&self, command: &str, args: serde_json::Value) -> serde_json::Value {
        self.client
            .execute_async(
                "const [cmd, args, done] = arguments;
                 window.__TAURI__.core.invoke(cmd, args).then(v => done({ ok: v ?? null }), e => done({ err: e }));",
                vec![json!(command), args],
            )
            .await
            .unwrap()
    }

    /// Waits until the merchant directory (cached by the first sync after login) knows the
    /// procurement number `no`.
    pub async fn wait_for_directory(&self, no: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self
            .invoke("merchant_lookup", json!({ "procurementNo": no }))
            .await["ok"]
            .is_null()
        {
            assert!(Instant::now() < deadline, "the directory never came");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// A new draft for `buyer`, saved, then 批量导入 with `file` chosen in the native dialog:
    /// the import dialog is open on it.
    pub async fn import_into_new_draft(&self, buyer: &str, file: &Path) {
        self.click("[data-testid='new-order']").await;
        self.fill("#buyer_name", buyer).await;
        self.click("[data-testid='save-draft']").await;
        self.wait_css("[data-testid='delete-draft']").await;
        self.click("[data-testid='import-open']").await;
        let path = file.to_path_buf();
        tokio::task::spawn_blocking(move || answer_file_dialog("选择要导入的表格", &path))
            .await
            .unwrap();
    }

    /// Goes to a screen by its address (`#/orders/7`), as a link in the window would.
    pub async fn go(&self, hash: &str) {
        self.client
            .execute("location.hash = arguments[0];", vec![json!(hash)])
            .await
            .unwrap();
    }

    /// The inputs matching `css` whose text is cut (wider than the box shows), by value.
    pub async fn cut_inputs(&self, css: &str) -> Vec<String> {
        let cut = self
            .client
            .execute(
                "return [...document.querySelectorAll(arguments[0])]
                   .filter(i => i.scrollWidth > i.clientWidth + 1).map(i => i.value);",
                vec![json!(css)],
            )
            .await
            .unwrap();
        serde_json::from_value(cut).unwrap()
    }

    pub async fn wait_css(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("waiting for {css}: {e}"))
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap()
    }

    /// Clicks the element `css` finds. A screen that repaints (the sync panel does on every
    /// pass) can replace the element between finding and clicking it: then the new one is
    /// found and clicked, as a person would click what is on screen now. (WebKitWebDriver
    /// reports an element detached mid-click as stale, as not found, or as an error with no
    /// words at all.)
    pub async fn click(&self, css: &str) {
        self.on_current(css, "click", |el| async move { el.click().await })
            .await
    }

    pub async fn type_into(&self, el: &Element, text: &str) {
        el.clear().await.unwrap();
        el.send_keys(text).await.unwrap();
    }

    /// Types `text` into the field `css` names, finding it again when the screen repainted
    /// it between the find and the typing.
    pub async fn fill(&self, css: &str, text: &str) {
        self.on_current(css, "fill", |el| async move {
            el.clear().await?;
            el.send_keys(text).await
        })
        .await
    }

    /// The text of what `css` finds; found again if the screen repainted it in between (as
    /// the editor does after a save).
    pub async fn text(&self, css: &str) -> String {
        self.on_current(css, "text of", |el| async move { el.text().await })
            .await
    }

    /// Does `op` to what `css` finds on screen now: when the element found was replaced
    /// before `op` reached it, the new one is found and `op` done to it (for up to 10 s).
    async fn on_current<T, F, Fut>(&self, css: &str, what: &str, op: F) -> T
    where
        F: Fn(Element) -> Fut,
        Fut: std::future::Future<Output = Result<T, fantoccini::error::CmdError>>,
    {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match op(self.wait_css(css).await).await {
                Ok(v) => return v,
                Err(e) if is_stale(&e) && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("{what} {css}: {e}"),
            }
        }
    }

    pub async fn value(&self, el: &Element) -> String {
        el.prop("value").await.unwrap().unwrap_or_default()
    }

    /// Waits until `css` shows exactly `expected`.
    pub async fn wait_text(&self, css: &str, expected: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let got = match self.client.find(Locator::Css(css)).await {
                Ok(el) => el.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if got == expected {
                return;
            }
            if Instant::now() > deadline {
                panic!("{css} shows {got:?}, expected {expected:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the text of `css` satisfies `ok` (30 s); returns that text.
    pub async fn wait_until(&self, css: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(el) => el.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if ok(&text) {
                return text;
            }
            assert!(Instant::now() < deadline, "{css}: {what}, shows {text:?}");
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Waits until `count` elements match `css`.
    pub async fn wait_count(&self, css: &str, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let n = self.find_all(css).await.len();
            if n == count {
                return;
            }
            if Instant::now() > deadline {
                panic!("{css}: {n} elements, expected {count}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves a PNG of the window once the next frame is painted.
    pub async fn screenshot(&self, name: &str) {
        let _ = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await;
        let png = self.client.screenshot().await.unwrap();
        let dir = std::env::var_os("XINBAO_SCREENSHOT_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join("target/screenshots"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

/// Whether WebDriver refused an element because the page replaced it.
fn is_stale(e: &fantoccini::error::CmdError) -> bool {
    let text = e.to_string();
    text.contains("was not found")
        || text.contains("stale element")
        // WebKitWebDriver's answer to a clear() of a field the page replaced meanwhile.
        || text.contains("Could not parse element editable state")
        || text.trim_end().ends_with("webdriver returned error:")
}

impl Drop for App {
    /// A test that failed half-way must not leave tauri-driver (and the app) running: the
    /// display and D-Bus session wrappers would wait for them for ever.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.wait();
    }
}

/// Answers a native GTK file dialog the way a person would: waits for the window with
/// `title`, opens the location bar (Ctrl+L), replaces what it holds with `path` and
/// presses Enter.
pub fn answer_file_dialog(title: &str, path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let window = loop {
        let out = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", title])
            .output()
            .expect("xdotool");
        let ids = String::from_utf8_lossy(&out.stdout);
        if let Some(id) = ids.lines().last().filter(|l| !l.is_empty()) {
            break id.to_string();
        }
        assert!(Instant::now() < deadline, "no dialog titled {title}");
        std::thread::sleep(Duration::from_millis(200));
    };
    std::thread::sleep(Duration::from_millis(500));
    let xdo = |args: &[&str]| {
        let ok = Command::new("xdotool")
            .args(args)
            .status()
            .unwrap()
            .success();
        assert!(ok, "xdotool {args:?}");
    };
    xdo(&["windowfocus", "--sync", &window]);
    xdo(&["key", "--window", &window, "--clearmodifiers", "ctrl+l"]);
    std::thread::sleep(Duration::from_millis(300));
    // The location bar may already hold text (GTK remembers its mode between dialogs):
    // the typed path replaces it rather than joining it.
    xdo(&["key", "--window", &window, "--clearmodifiers", "ctrl+a"]);
    xdo(&[
        "type",
        "--window",
        &window,
        "--delay",
        "20",
        path.to_str().unwrap(),
    ]);
    std::thread::sleep(Duration::from_millis(300));
    xdo(&["key", "--window", &window, "Return"]);
}

/// A transaction list of `rows` valid, distinct rows (merchant `商户{row % 977}`, quantity =
/// the row number, 2 dollars each), as a large trading company exports it.
pub fn big_list(path: &Path, rows: u32) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = [
        "商户名",
        "手机号",
        "下单月份",
        "品名",
        "数量",
        "总件数",
        "总金额(美元)",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..=rows {
        sheet
            .write_string(r, 0, format!("商户{}", r % 977))
            .unwrap();
        sheet.write_string(r, 1, "13800138000").unwrap();
        sheet.write_string(r, 2, "2026-03").unwrap();
        sheet.write_string(r, 3, "袜子").unwrap();
        sheet.write_number(r, 4, f64::from(r)).unwrap();
        sheet.write_number(r, 5, 1.0).unwrap();
        sheet.write_number(r, 6, 2.0).unwrap();
    }
    book.save(path).unwrap();
}

/// A draft made through the CLI on the app's own profile, with `file` imported into it
/// (`--accept`: into its lines; otherwise staged only): the draft's id and what
/// `import --json` said.
pub fn draft_with_import(
    data: &Path,
    buyer: &str,
    file: &Path,
    accept: bool,
) -> (i64, serde_json::Value) {
    let order: serde_json::Value = serde_json::from_str(&cli(
        data,
        &["orders", "new", "--buyer-name", buyer, "--json"],
    ))
    .unwrap();
    let id = order["id"].as_i64().unwrap();
    let id_text = id.to_string();
    let mut args = vec![
        "import",
        file.to_str().unwrap(),
        "--order",
        &id_text,
        "--json",
    ];
    if accept {
        args.push("--accept");
    }
    (id, serde_json::from_str(&cli(data, &args)).unwrap())
}
