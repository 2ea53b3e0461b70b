//! HTTPS to the platform. HTTPS only (plain http to loopback only, for development); an
//! extra CA may be trusted (the reference platform's), certificate checks are never off.

use crate::{Result, SyncError};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;
use xinbao_wire::*;

/// Where the platform is and whom to trust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ClientSettings {
    /// e.g. `https://127.0.0.1:8443` (the `/api/v1` is added).
    pub url: String,
    /// A PEM file of an extra CA to trust.
    pub ca_file: Option<PathBuf>,
    /// Whole-request timeout in seconds.
    pub timeout_s: u64,
}

pub const DEFAULT_TIMEOUT_S: u64 = 30;

#[derive(Clone)]
pub struct PlatformClient {
    base: String,
    /// `scheme://host:port`: a session token is only ever sent to the origin that issued it.
    origin: String,
    http: reqwest::Client,
}

/// The origin of a URL given as text, if it is one.
pub fn url_origin(url: &str) -> Option<String> {
    reqwest::Url::parse(url.trim()).ok().map(|u| origin_of(&u))
}

/// `scheme://host[:port]` of a URL, lower-cased: what a session token is bound to.
pub fn origin_of(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    match url.port_or_known_default() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

/// Whether `host` is this machine.
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl PlatformClient {
    pub fn new(settings: &ClientSettings) -> Result<PlatformClient> {
        let url = settings.url.trim().trim_end_matches('/');
        let (scheme, rest) = url.split_once("://").ok_or_else(|| {
            SyncError::Config(format!("`{url}` is not a URL (https://host:port)"))
        })?;
        let host = rest.split('/').next().unwrap_or_default();
        let host = match host.rsplit_once(':') {
            Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
            _ => host,
        };
        match scheme {
            "https" => {}
            "http" if is_loopback(host) => {}
            "http" => {
                return Err(SyncError::Config(
                    "plain http is allowed to this machine only: use https".into(),
                ))
            }
            other => {
                return Err(SyncError::Config(format!(
                    "unsupported scheme `{other}`: use https"
                )))
            }
        }
        if host.is_empty() {
            return Err(SyncError::Config(format!("`{url}` has no host")));
        }
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| SyncError::Config(format!("`{url}` is not a URL: {e}")))?;
        let origin = origin_of(&parsed);
        // Never follow a redirect to another origin (another host, port, or plain http):
        // the session token and the orders go to the platform the clerk set, or nowhere.
        let redirects = reqwest::redirect::Policy::custom(|attempt| {
            let first = attempt.previous().first().map(origin_of);
            if attempt.previous().len() > 5 {
                attempt.error("too many redirects")
            } else if first.as_deref() == Some(origin_of(attempt.url()).as_str()) {
                attempt.follow()
            } else {
                attempt.error("a redirect to another origin was refused")
            }
        });
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .redirect(redirects)
            .timeout(Duration::from_secs(settings.timeout_s.max(1)))
            .connect_timeout(Duration::from_secs(settings.timeout_s.clamp(1, 10)))
            .user_agent(concat!("xinbao-desk/", env!("CARGO_PKG_VERSION")));
        if let Some(ca) = &settings.ca_file {
            let pem = std::fs::read(ca)
                .map_err(|e| SyncError::Config(format!("trusted CA file {}: {e}", ca.display())))?;
            let cert = reqwest::Certificate::from_pem(&pem)
                .map_err(|e| SyncError::Config(format!("trusted CA file {}: {e}", ca.display())))?;
            builder = builder.add_root_certificate(cert);
        }
        let http = builder
            .build()
            .map_err(|e| SyncError::Config(e.to_string()))?;
        Ok(PlatformClient {
            base: format!("{url}{API_BASE}"),
            origin,
            http,
        })
    }

    /// The origin a session token from this client belongs to.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
    ) -> Result<T> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(network)?;
        decode(resp).await
    }

    pub async fn meta(&self) -> Result<Meta> {
        self.call::<(), _>(Method::GET, "/meta", None, None).await
    }

    pub async fn captcha(&self) -> Result<Captcha> {
        self.call::<(), _>(Method::POST, "/captcha", None, None)
            .await
    }

    pub async fn registration_check(&self, req: &RegistrationCheck) -> Result<RegistrationTicket> {
        self.call(Method::POST, "/registration/check", None, Some(req))
            .await
    }

    pub async fn activate(&self, req: &Activation) -> Result<Account> {
        self.call(Method::POST, "/registration/activate", None, Some(req))
            .await
    }

    pub async fn login(&self, req: &LoginRequest) -> Result<Session> {
        self.call(Method::POST, "/auth/login", None, Some(req))
            .await
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        self.call::<(), Empty>(Method::POST, "/auth/logout", Some(token), None)
            .await
            .map(|_| ())
    }

    pub async fn account(&self, token: &str) -> Result<Account> {
        self.call::<(), _>(Method::GET, "/account", Some(token), None)
            .await
    }

    pub async fn change_password(&self, token: &str, req: &PasswordChange) -> Result<()> {
        self.call::<_, Empty>(Method::POST, "/auth/password", Some(token), Some(req))
            .await
            .map(|_| ())
    }

    pub async fn realname_state(&self, token: &str) -> Result<RealnameState> {
        self.call::<(), _>(Method::GET, "/realname", Some(token), None)
            .await
    }

    /// Real-name upload: `photos` are (part name, file name, bytes).
    pub async fn realname_submit(
        &self,
        token: &str,
        nationality: Nationality,
        office_address: &str,
        photos: Vec<(String, String, Vec<u8>)>,
    ) -> Result<RealnameState> {
        let mut form = reqwest::multipart::Form::new()
            .text(
                "nationality",
                if nationality == Nationality::Chinese {
                    "chinese"
                } else {
                    "foreign"
                },
            )
            .text("office_address", office_address.to_string());
        for (part, name, bytes) in photos {
            form = form.part(part, reqwest::multipart::Part::bytes(bytes).file_name(name));
        }
        let resp = self
            .http
            .post(format!("{}/realname", self.base))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .map_err(network)?;
        decode(resp).await
    }

    pub async fn merchants(&self, token: &str, cursor: i64) -> Result<Page<Merchant>> {
        self.call::<(), _>(
            Method::GET,
            &format!("/merchants?cursor={cursor}"),
            Some(token),
            None,
        )
        .await
    }

    pub async fn merchant_orders(&self, token: &str, cursor: i64) -> Result<Page<MerchantOrder>> {
        self.call::<(), _>(
            Method::GET,
            &format!("/merchant-orders?cursor={cursor}"),
            Some(token),
            None,
        )
        .await
    }

    pub async fn settlement_authorizations(
        &self,
        token: &str,
        cursor: i64,
    ) -> Result<Page<SettlementAuthorization>> {
        self.call::<(), _>(
            Method::GET,
            &format!("/settlement/authorizations?cursor={cursor}"),
            Some(token),
            None,
        )
        .await
    }

    pub async fn sms_code(&self, token: &str, req: &SmsCodeRequest) -> Result<SmsCodeSent> {
        self.call(Method::POST, "/settlement/sms-code", Some(token), Some(req))
            .await
    }

    pub async fn settlement_binding(&self, token: &str) -> Result<SettlementBinding> {
        self.call::<(), _>(Method::GET, "/settlement/binding", Some(token), None)
            .await
    }

    pub async fn bind_settlement(
        &self,
        token: &str,
        req: &SettlementBindingRequest,
    ) -> Result<SettlementBinding> {
        self.call(Method::POST, "/settlement/binding", Some(token), Some(req))
            .await
    }

    pub async fn push(&self, token: &str, batch: &PushBatch) -> Result<PushResult> {
        self.call(Method::POST, "/sync/push", Some(token), Some(batch))
            .await
    }

    /// `GET /sync/state`: the platform's epoch and what it holds of this device.
    pub async fn sync_state(&self, token: &str, device_id: &str) -> Result<SyncStatus> {
        self.call::<(), _>(
            Method::GET,
            &format!("/sync/state?device_id={}", query_value(device_id)),
            Some(token),
            None,
        )
        .await
    }

    /// One piece of a large operation's payload.
    pub async fn put_chunk(&self, token: &str, chunk: &PushChunk) -> Result<()> {
        self.call::<_, Empty>(Method::POST, "/sync/chunks", Some(token), Some(chunk))
            .await
            .map(|_| ())
    }

    /// A page of the company's order book.
    pub async fn order_book(&self, token: &str, cursor: i64) -> Result<Page<BookOrder>> {
        self.call::<(), _>(
            Method::GET,
            // As many orders a page as the platform gives (it caps the lines of a page):
            // fewer, larger transactions on this computer.
            &format!("/sync/orders?cursor={cursor}&limit=1000"),
            Some(token),
            None,
        )
        .await
    }

    /// One order of the order book (`order.unknown`, 404, when the platform has none).
    pub async fn book_order(&self, token: &str, uuid: &str) -> Result<BookOrder> {
        self.call::<(), _>(
            Method::GET,
            &format!("/sync/orders/{}", query_value(uuid)),
            Some(token),
            None,
        )
        .await
    }

    /// A page of one order's lines.
    pub async fn book_lines(&self, token: &str, uuid: &str, cursor: i64) -> Result<Page<BookLine>> {
        self.call::<(), _>(
            Method::GET,
            &format!("/sync/orders/{}/lines?cursor={cursor}", query_value(uuid)),
            Some(token),
            None,
        )
        .await
    }
}

/// Ids we make are UUIDs; anything else is percent-encoded rather than trusted in a URL.
fn query_value(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A 204's body.
struct Empty;

impl<'de> serde::Deserialize<'de> for Empty {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Empty, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Empty)
    }
}

fn network(e: reqwest::Error) -> SyncError {
    // Without the URL: it is ours anyway, and the message stays short.
    let e = e.without_url();
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        msg = format!("{msg}: {s}");
        source = s.source();
    }
    SyncError::Network(msg)
}

async fn decode<T: DeserializeOwned>(resp: reqwest::Response) -> Result<T> {
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(network)?;
    if status.is_success() {
        let bytes: &[u8] = if status == StatusCode::NO_CONTENT || bytes.is_empty() {
            b"null"
        } else {
            &bytes
        };
        return serde_json::from_slice(bytes).map_err(|e| SyncError::Contract(e.to_string()));
    }
    let error: Option<ApiError> = serde_json::from_slice(&bytes).ok();
    if status.is_server_error() || error.is_none() && !status.is_client_error() {
        return Err(SyncError::Server {
            status: status.as_u16(),
            message: error
                .map(|e| e.message)
                .unwrap_or_else(|| status.to_string()),
        });
    }
    let error = error.unwrap_or_else(|| ApiError {
        code: format!("http.{}", status.as_u16()),
        message: status.to_string(),
        field: None,
        retry_after_s: None,
        tries_left: None,
    });
    if status == StatusCode::UNAUTHORIZED && error.code != "auth.failed" {
        return Err(SyncError::AuthRequired(error.code));
    }
    Err(SyncError::Api {
        status: status.as_u16(),
        error,
    })
}
