//! The reference platform stands for the real one: it keeps its files to itself, writes
//! captcha answers and SMS codes nowhere unless it is a demo, and reads nothing of a
//! request's body before its session is known.

mod common;

use common::*;
use std::path::Path;
use std::time::Duration;

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
#[tokio::test]
async fn the_servers_files_are_its_own_and_the_sink_is_only_a_demos() {
    // A demo server: the sink is written (tests and the demo read codes there), privately.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("platform");
    let server = Server::start(&data);
    let client = server.client();
    let (id, answer) = server.captcha(&client).await;
    assert!(!id.is_empty() && !answer.is_empty());
    assert_eq!(mode(&data), 0o700);
    for file in [
        "platform.sqlite3",
        "platform.sqlite3-wal",
        "tls/server.key",
        "dev-sink.jsonl",
    ] {
        let path = data.join(file);
        if path.exists() || file != "tls/server.key" {
            assert_eq!(mode(&path), 0o600, "{file}");
        }
    }
    drop(server);

    // Not a demo: a captcha's answer goes nowhere but into the database as a hash.
    let plain_dir = tempfile::tempdir().unwrap();
    let plain = Server::start_plain(plain_dir.path());
    let c = plain.client().captcha().await.expect("a captcha");
    assert!(!c.captcha_id.is_empty());
    assert!(
        !plain_dir.path().join("dev-sink.jsonl").exists(),
        "no development sink without --demo"
    );
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test]
async fn a_large_body_without_a_session_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let before = peak_rss_kib(server.pid());
    // Four pushes of 60 MB at once, without a token: 240 MB if they were buffered.
    let body = std::sync::Arc::new(vec![b' '; 60 << 20]);
    let http = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(server.ca()).unwrap()).unwrap(),
        )
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut sends = Vec::new();
    for _ in 0..4 {
        let http = http.clone();
        let url = format!("{}/api/v1/sync/push", server.url());
        let body = body.clone();
        sends.push(tokio::spawn(async move {
            http.post(url)
                .header("content-type", "application/json")
                .body((*body).clone())
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    for s in sends {
        match s.await.unwrap() {
            // Refused at once: 401, or the connection closed under the rest of the upload.
            Ok(status) => assert_eq!(status, 401),
            Err(e) => assert!(!e.is_timeout(), "{e}"),
        }
    }
    let grown_mib = (peak_rss_kib(server.pid()) - before) / 1024;
    assert!(
        grown_mib < 40,
        "the server's peak memory grew by {grown_mib} MiB: bodies were read before the session"
    );
}

#[tokio::test]
async fn an_sms_code_survives_four_wrong_guesses_and_sends_are_limited() {
    use xinbao_wire::*;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = server.demo_token().await;
    let client = server.client();
    let mobile = "13805790002";
    client
        .sms_code(
            &token,
            &SmsCodeRequest {
                mobile: mobile.into(),
            },
        )
        .await
        .unwrap();
    let right = server.sink_code("sms", mobile);
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    let bind = |code: String| SettlementBindingRequest {
        entity_type: SettlementEntityType::Individual,
        name: "王建国".into(),
        uscc: xinbao_platform::demo::COMPANY_USCC.into(),
        legal_rep_name: "王建国".into(),
        legal_rep_id_no: "330782198001010012".into(),
        mobile: mobile.into(),
        sms_code: code,
    };
    let mut codes = Vec::new();
    for _ in 0..5 {
        let err = client
            .bind_settlement(&token, &bind(wrong.clone()))
            .await
            .unwrap_err();
        codes.push(err.code());
    }
    assert_eq!(
        codes,
        [
            "sms.wrong",
            "sms.wrong",
            "sms.wrong",
            "sms.wrong",
            "sms.too_many_tries"
        ]
    );
    // The right code after that binds nothing: the code is void.
    let err = client
        .bind_settlement(&token, &bind(right))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "sms.expired");
    assert!(matches!(
        client
            .settlement_binding(&token)
            .await
            .unwrap_err()
            .code()
            .as_str(),
        "settlement.unbound"
    ));
    // One session sending codes to one mobile after another: the company's limit stops it.
    let mut refused = None;
    for i in 0..10 {
        let to = format!("139057{:05}", 10 + i);
        if let Err(e) = client
            .sms_code(&token, &SmsCodeRequest { mobile: to })
            .await
        {
            refused = Some((i, e.code()));
            break;
        }
    }
    // One code was sent above; the company may send five an hour.
    assert_eq!(refused, Some((4, "sms.limit".to_string())));
}

/// A client of the platform connecting from `from` (any 127.x address is this machine).
fn http_from(server: &Server, from: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(server.ca()).unwrap()).unwrap(),
        )
        .local_address(from.parse::<std::net::IpAddr>().unwrap())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A login from that client: (status, code, message, seconds).
async fn login_from(
    server: &Server,
    http: &reqwest::Client,
    identifier: &str,
    password: &str,
) -> (u16, String, String, f64) {
    let c: xinbao_wire::Captcha = http
        .post(format!("{}/api/v1/captcha", server.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let answer = server.sink_code("captcha", &c.captcha_id);
    let t = std::time::Instant::now();
    let resp = http
        .post(format!("{}/api/v1/auth/login", server.url()))
        .json(&serde_json::json!({
            "method": "account", "identifier": identifier, "password": password,
            "captcha_id": c.captcha_id, "captcha_answer": answer,
        }))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: serde_json::Value = resp.json().await.unwrap();
    (
        status,
        body["code"].as_str().unwrap_or("").to_string(),
        body["message"].as_str().unwrap_or("").to_string(),
        t.elapsed().as_secs_f64(),
    )
}

#[tokio::test]
async fn a_stranger_who_knows_the_uscc_locks_out_only_themselves_and_unknown_accounts_look_alike() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let uscc = xinbao_platform::demo::COMPANY_USCC;
    let stranger = http_from(&server, "127.0.0.2");
    let clerk = http_from(&server, "127.0.0.1");

    // An unknown account and a known one with a wrong password: the same answer, the
    // same count, about the same time (both verify an argon2id hash).
    let known = login_from(&server, &stranger, uscc, "Wrong#2026").await;
    let unknown = login_from(&server, &stranger, "91330782MA2DXXXXXX", "Wrong#2026").await;
    assert_eq!((known.0, known.1.as_str()), (401, "auth.failed"));
    assert_eq!((unknown.0, unknown.1.as_str()), (401, "auth.failed"));
    assert_eq!(known.2, unknown.2, "the same words for both");
    assert!(known.2.contains("4 tries left"), "{}", known.2);
    assert!(
        unknown.3 > known.3 / 3.0,
        "an unknown account answered in {:.3} s, a known one in {:.3} s",
        unknown.3,
        known.3
    );

    // The stranger fails on: locked out, from their own address.
    let mut last = (0, String::new(), String::new(), 0.0);
    for _ in 0..4 {
        last = login_from(&server, &stranger, uscc, "Wrong#2026").await;
    }
    assert_eq!((last.0, last.1.as_str()), (423, "auth.locked"));
    let again = login_from(&server, &stranger, uscc, xinbao_platform::demo::PASSWORD).await;
    assert_eq!(
        again.1, "auth.locked",
        "the right password waits too, from there"
    );
    // The company's clerk, at their own computer, is not locked out.
    let ok = login_from(&server, &clerk, uscc, xinbao_platform::demo::PASSWORD).await;
    assert_eq!(ok.0, 200, "{ok:?}");

    // One address trying many accounts is throttled whatever the accounts.
    let sprayer = http_from(&server, "127.0.0.3");
    let mut codes = Vec::new();
    for i in 0..21 {
        let ident = format!("91330782MA2D{:06}", i / 4);
        codes.push(login_from(&server, &sprayer, &ident, "Wrong#2026").await.1);
    }
    assert!(
        codes.iter().filter(|c| *c == "auth.locked").count() >= 2,
        "{codes:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_flooding_the_platform_is_slowed_and_another_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let flood = http_from(&server, "127.0.0.4");
    let url = format!("{}/api/v1/meta", server.url());
    let mut sends = Vec::new();
    for _ in 0..600 {
        let (http, url) = (flood.clone(), url.clone());
        sends.push(tokio::spawn(async move {
            http.get(url).send().await.map(|r| r.status().as_u16())
        }));
    }
    // Meanwhile a clerk elsewhere is answered.
    let other = http_from(&server, "127.0.0.5");
    let status = other.get(&url).send().await.unwrap().status().as_u16();
    assert_eq!(status, 200);
    let mut limited = 0;
    for s in sends {
        if let Ok(Ok(429)) = s.await {
            limited += 1;
        }
    }
    assert!(
        limited > 0,
        "600 requests at once from one address were all served"
    );
    // Once the burst is over, that address is served again.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(flood.get(&url).send().await.unwrap().status().as_u16(), 200);
}

#[tokio::test]
async fn a_photo_is_decoded_and_encoded_again_so_only_the_picture_is_kept() {
    use xinbao_wire::Nationality;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = server.demo_token().await;
    let client = server.client();
    let submit = |holding: Vec<u8>| {
        let parts = vec![
            ("holding_id".to_string(), "holding.jpg".to_string(), holding),
            (
                "id_front".to_string(),
                "front.png".to_string(),
                png_bytes(100),
            ),
            (
                "id_back".to_string(),
                "back.png".to_string(),
                png_bytes(100),
            ),
        ];
        let client = &client;
        let token = token.clone();
        async move {
            client
                .realname_submit(&token, Nationality::Chinese, "义乌市福田街道", parts)
                .await
        }
    };
    // 55 bytes of JPEG magic, then a page: stored as image/jpeg before.
    let mut fake = vec![0xFF, 0xD8, 0xFF, 0xE0];
    fake.resize(55, 0);
    fake.extend_from_slice(b"<html><script>alert(1)</script></html>");
    let err = submit(fake).await.unwrap_err();
    assert_eq!(
        (err.code(), err.field()),
        ("upload.not_image".to_string(), Some("holding_id"))
    );
    // A real JPEG with a script behind its image: accepted, and kept without it.
    let mut polyglot = jpeg_bytes(0);
    polyglot.extend_from_slice(b"<script>alert(1)</script>");
    submit(polyglot).await.expect("a real photo");
    let (ct, stored): (String, Vec<u8>) = server
        .db()
        .query_row(
            "SELECT content_type, bytes FROM realname_photos WHERE part = 'holding_id'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(ct, "image/jpeg");
    assert!(
        !stored.windows(8).any(|w| w == b"<script>"),
        "the script stayed"
    );
    let decoded = image::load_from_memory(&stored).expect("what is kept is a picture");
    assert_eq!((decoded.width(), decoded.height()), (64, 48));
}

/// What a simple template matcher sees of a captcha: the inked span cut into five equal
/// cells, each as a 10×16 grid of ink fractions.
fn captcha_cells(png_base64: &str) -> Vec<Vec<f32>> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(png_base64)
        .unwrap();
    let img = image::load_from_memory(&bytes).unwrap().to_luma8();
    let (w, h) = img.dimensions();
    let ink = |x: u32, y: u32| img.get_pixel(x, y).0[0] < 110;
    let cols: Vec<u32> = (0..w)
        .filter(|&x| (0..h).filter(|&y| ink(x, y)).count() >= 3)
        .collect();
    let (left, right) = (
        *cols.first().unwrap_or(&0) as f32,
        *cols.last().unwrap_or(&(w - 1)) as f32 + 1.0,
    );
    let cell_w = (right - left) / 5.0;
    (0..5)
        .map(|i| {
            let mut grid = vec![0f32; 10 * 16];
            for gy in 0..16 {
                for gx in 0..10 {
                    let (x0, x1) = (
                        left + cell_w * (i as f32 + gx as f32 / 10.0),
                        left + cell_w * (i as f32 + (gx + 1) as f32 / 10.0),
                    );
                    let (y0, y1) = (gy * h / 16, (gy + 1) * h / 16);
                    let (mut n, mut inked) = (0, 0);
                    for y in y0..y1 {
                        for x in (x0 as u32)..(x1.ceil() as u32).min(w) {
                            n += 1;
                            inked += ink(x, y) as u32;
                        }
                    }
                    grid[gy as usize * 10 + gx] = inked as f32 / n.max(1) as f32;
                }
            }
            grid
        })
        .collect()
}

#[tokio::test]
async fn a_template_matcher_trained_on_100_captchas_reads_fewer_than_5_percent_of_200() {
    // The attack: a 60-line template matcher read 20 of 20 of the old captchas.
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let client = server.client();
    let sample = || {
        let client = &client;
        let server = &server;
        async move {
            let c = client.captcha().await.unwrap();
            let answer = server.sink_code("captcha", &c.captcha_id);
            (captcha_cells(&c.image_png_base64), answer)
        }
    };
    let mut sums = vec![vec![0f32; 160]; 10];
    let mut counts = [0f32; 10];
    for _ in 0..100 {
        let (cells, answer) = sample().await;
        for (cell, d) in cells.iter().zip(answer.bytes()) {
            let d = (d - b'0') as usize;
            counts[d] += 1.0;
            for (s, v) in sums[d].iter_mut().zip(cell) {
                *s += v;
            }
        }
    }
    let templates: Vec<Vec<f32>> = sums
        .iter()
        .zip(counts)
        .map(|(s, n)| s.iter().map(|v| v / n.max(1.0)).collect())
        .collect();
    let (mut whole, mut digits) = (0, 0);
    for _ in 0..200 {
        let (cells, answer) = sample().await;
        let read: String = cells
            .iter()
            .map(|cell| {
                let best = (0..10)
                    .min_by(|&a, &b| {
                        let dist = |t: &Vec<f32>| {
                            t.iter()
                                .zip(cell)
                                .map(|(x, y)| (x - y).powi(2))
                                .sum::<f32>()
                        };
                        dist(&templates[a]).total_cmp(&dist(&templates[b]))
                    })
                    .unwrap();
                char::from(b'0' + best as u8)
            })
            .collect();
        whole += (read == answer) as u32;
        digits += read
            .bytes()
            .zip(answer.bytes())
            .filter(|(a, b)| a == b)
            .count();
    }
    eprintln!("template matcher: {whole} of 200 captchas, {digits} of 1000 digits");
    assert!(whole < 10, "the matcher read {whole} of 200 captchas");
}
