//! The routes of `api/openapi.yaml`: each handler extracts, authenticates and calls one
//! plain function of the modules above on the database.

use crate::error::ApiErr;
use crate::realname::{self, Submission, MAX_PHOTO_BYTES, MAX_UPLOAD_BYTES};
use crate::{accounts, captcha, feeds, settlement, sync, Platform};
use axum::extract::rejection::JsonRejection;
use axum::extract::{
    ConnectInfo, DefaultBodyLimit, FromRequestParts, Multipart, Path, Query, State,
};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::net::SocketAddr;
use xinbao_wire::*;

/// The most items one page of a feed may ask for (the lines of one order: 10,000).
const LIMIT_MAX: i64 = 1000;
const LINES_LIMIT_MAX: i64 = 10_000;

const OPENAPI: &str = include_str!("../../../api/openapi.yaml");

pub fn router(platform: Platform, limits: crate::limits::Limits) -> Router {
    // Without a session nothing of a request's body is read: a push of 60 MB with no token
    // was buffered before its 401 (four at once held 400 MB).
    let protected = Router::new()
        .route("/auth/logout", post(logout))
        .route("/auth/password", post(change_password))
        .route("/account", get(account))
        .route(
            "/realname",
            get(realname_state)
                .post(realname_submit)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/merchants", get(merchants))
        .route("/merchant-orders", get(merchant_orders))
        .route("/settlement/authorizations", get(settlement_authorizations))
        .route("/settlement/sms-code", post(sms_code))
        .route(
            "/settlement/binding",
            get(settlement_binding).post(settlement_bind),
        )
        .route(
            "/sync/push",
            post(sync_push).layer(DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/sync/changes", get(sync_changes))
        .route("/sync/state", get(sync_state))
        .route(
            "/sync/chunks",
            post(sync_chunk).layer(DefaultBodyLimit::max(2 * MAX_CHUNK_BYTES)),
        )
        .route("/sync/orders", get(sync_orders))
        .route("/sync/orders/{uuid}", get(sync_order))
        .route("/sync/orders/{uuid}/lines", get(sync_order_lines))
        .route_layer(middleware::from_fn_with_state(
            platform.clone(),
            session_first,
        ));
    let api = Router::new()
        .route("/meta", get(meta))
        .route("/openapi.yaml", get(openapi))
        .route(
            "/updates/{target}/{arch}/{current_version}",
            get(app_update),
        )
        .route("/updates/files/{id}", get(app_update_file))
        .route("/captcha", post(new_captcha))
        .route("/registration/check", post(registration_check))
        .route("/registration/activate", post(registration_activate))
        .route("/auth/login", post(login))
        .merge(protected)
        .fallback(|| async { ApiErr::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint") });
    Router::new()
        .nest(API_BASE, api)
        .with_state(platform)
        .layer(middleware::from_fn_with_state(limits, crate::limits::limit))
}

/// A valid session before anything else of the request is looked at.
async fn session_first(
    State(p): State<Platform>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> Result<axum::response::Response, ApiErr> {
    auth(&p, request.headers()).await?;
    Ok(next.run(request).await)
}

fn body<T>(r: Result<Json<T>, JsonRejection>) -> Result<T, ApiErr> {
    r.map(|Json(t)| t)
        .map_err(|e| ApiErr::new(StatusCode::BAD_REQUEST, "request.invalid", e.body_text()))
}

fn bearer(headers: &HeaderMap) -> Result<String, ApiErr> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix(AUTH_SCHEME))
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiErr::new(StatusCode::UNAUTHORIZED, "auth.required", "log in first"))
}

/// The company of the request's session, and its token.
async fn auth(p: &Platform, headers: &HeaderMap) -> Result<(i64, String), ApiErr> {
    let token = bearer(headers)?;
    let t = token.clone();
    let id = p.db(move |c, _| accounts::authenticate(c, &t)).await?;
    Ok((id, token))
}

async fn meta() -> Json<Meta> {
    Json(Meta {
        contract_version: CONTRACT_VERSION.into(),
        server: format!("xinbao-platform {}", env!("CARGO_PKG_VERSION")),
        server_time: crate::db::rfc3339(crate::db::now_ms()),
    })
}

/// The update feed: 204 when `current_version` is the newest, else the newer release.
async fn app_update(
    State(p): State<Platform>,
    headers: HeaderMap,
    Path((target, arch, current)): Path<(String, String, String)>,
) -> Result<axum::response::Response, ApiErr> {
    // The package's address as the client reached this platform.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("127.0.0.1")
        .to_string();
    let base = format!("https://{host}{API_BASE}");
    match p
        .db(move |c, _| crate::updates::newer(c, &target, &arch, &current, &base))
        .await?
    {
        Some(release) => Ok(Json(release).into_response()),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

async fn app_update_file(
    State(p): State<Platform>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiErr> {
    // Taken as text: a rejection of axum's own would answer in plain text, not an ApiError.
    let id: i64 = id
        .parse()
        .map_err(|_| ApiErr::new(StatusCode::NOT_FOUND, "update.not_found", "no such release"))?;
    let bytes = p.db(move |c, _| crate::updates::package(c, id)).await?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes))
}

async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/yaml; charset=utf-8")],
        OPENAPI,
    )
}

async fn new_captcha(State(p): State<Platform>) -> Result<Json<Captcha>, ApiErr> {
    p.db(|c, sink| captcha::issue(c, sink)).await.map(Json)
}

async fn registration_check(
    State(p): State<Platform>,
    req: Result<Json<RegistrationCheck>, JsonRejection>,
) -> Result<Json<RegistrationTicket>, ApiErr> {
    let req = body(req)?;
    p.db(move |c, _| accounts::registration_check(c, &req))
        .await
        .map(Json)
}

async fn registration_activate(
    State(p): State<Platform>,
    req: Result<Json<Activation>, JsonRejection>,
) -> Result<Json<Account>, ApiErr> {
    let req = body(req)?;
    p.db(move |c, _| accounts::activate(c, &req))
        .await
        .map(Json)
}

async fn login(
    State(p): State<Platform>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Json<Session>, ApiErr> {
    let req = body(req)?;
    let ttl = p.session_ttl_s;
    let ip = peer.ip().to_string();
    p.db(move |c, _| accounts::login(c, &req, ttl, &ip))
        .await
        .map(Json)
}

async fn logout(State(p): State<Platform>, headers: HeaderMap) -> Result<StatusCode, ApiErr> {
    let token = bearer(&headers)?;
    p.db(move |c, _| accounts::logout(c, &token)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn change_password(
    State(p): State<Platform>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    req: Result<Json<PasswordChange>, JsonRejection>,
) -> Result<StatusCode, ApiErr> {
    let (id, token) = auth(&p, &headers).await?;
    let req = body(req)?;
    let ip = peer.ip().to_string();
    p.db(move |c, _| accounts::change_password(c, id, &token, &req, &ip))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn account(State(p): State<Platform>, headers: HeaderMap) -> Result<Json<Account>, ApiErr> {
    let (id, _) = auth(&p, &headers).await?;
    p.db(move |c, _| accounts::account(c, id)).await.map(Json)
}

async fn realname_state(
    State(p): State<Platform>,
    headers: HeaderMap,
) -> Result<Json<RealnameState>, ApiErr> {
    let (id, _) = auth(&p, &headers).await?;
    p.db(move |c, _| realname::state(c, id)).await.map(Json)
}

async fn realname_submit(
    State(p): State<Platform>,
    headers: HeaderMap,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Json<RealnameState>, ApiErr> {
    let (id, _) = auth(&p, &headers).await?;
    let mut form =
        form.map_err(|e| ApiErr::new(StatusCode::BAD_REQUEST, "request.invalid", e.body_text()))?;
    let too_large = || {
        ApiErr::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "upload.too_large",
            "the upload is larger than allowed",
        )
    };
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiErr::new(StatusCode::BAD_REQUEST, "request.invalid", e.body_text())
        }
    };
    let mut s = Submission::default();
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "nationality" => s.nationality = Some(field.text().await.map_err(bad)?),
            "office_address" => s.office_address = Some(field.text().await.map_err(bad)?),
            "holding_id" | "id_front" | "id_back" | "passport" | "merchant_card" => {
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    if bytes.len() + chunk.len() > MAX_PHOTO_BYTES {
                        return Err(realname::photo_too_large(&name));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                s.photos.push((name, bytes));
            }
            _ => {
                return Err(ApiErr::unprocessable(
                    "upload.unknown_part",
                    format!("unexpected form part `{name}`"),
                )
                .field(&name))
            }
        }
    }
    p.db(move |c, _| realname::submit(c, id, s)).await.map(Json)
}

/// A query string as the contract says it: malformed, it is answered as any other bad
/// request (400 `request.invalid`, the contract's error body), not with axum's plain text.
struct Q<T>(T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Q<T> {
    type Rejection = ApiErr;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiErr> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(t)| Q(t))
            .map_err(|e| ApiErr::new(StatusCode::BAD_REQUEST, "request.invalid", e.body_text()))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedQuery {
    #[serde(default)]
    cursor: i64,
    limit: Option<i64>,
}

impl FeedQuery {
    /// The cursor and limit within the contract's bounds (0 or more; 1 to `max`), else
    /// refused rather than bent into shape.
    fn checked(self, max: i64) -> Result<FeedQuery, ApiErr> {
        if self.cursor < 0 {
            return Err(ApiErr::new(
                StatusCode::BAD_REQUEST,
                "request.invalid",
                "cursor is 0 or more",
            )
            .field("cursor"));
        }
        if self.limit.is_some_and(|l| !(1..=max).contains(&l)) {
            return Err(ApiErr::new(
                StatusCode::BAD_REQUEST,
                "request.invalid",
                format!("limit is 1 to {max}"),
            )
            .field("limit"));
        }
        Ok(self)
    }
}

async fn merchants(
    State(p): State<Platform>,
    headers: HeaderMap,
    Q(q): Q<FeedQuery>,
) -> Result<Json<Page<Merchant>>, ApiErr> {
    let (id, _) = auth(&p, &headers).await?;
    let q = q.checked(LIMIT_MAX)?;
    p.db(move |c, _| feeds::merchants(c, id, q.cursor, q.limit))
        .await
        .map(Json)
}

async fn merchant_orders(
    State(p): State<Platform>,
    headers: HeaderMap,
    Q(q): Q<FeedQuery>,
) -> Result<Json<Page<MerchantOrder>>, ApiErr> {
    let (id, _) = auth(&p, &headers).await?;
    let q = q.checked(LIMIT_MAX)?;
    p.db(move |c, _| feeds::merchant_orders(c, id, q.cursor, q.limit))
        .await
        .map(Json)
}

async fn settlement_authorizations(
    State(p): State<Platform>,
    headers: HeaderMap,
    Q(q): Q<FeedQuery>,
) -> Result<Json<Page<SettlementAuthorization>>, ApiErr> {
    let (id, _) = auth(&p, &headers).await?;
    let q = q.checked(LIMIT_MAX)?;
    p.db(move |c, _| feeds::settlement_authorizations(c, id, q.cursor, q.limit))
        .await
        .map(Json)
}

async fn sms_code(
    State(p): State<Platform>,
    headers: HeaderMap,
    req: Result<Json<SmsCodeRequest>, JsonRejection>,
) -> Result<Json<SmsCodeSent>, ApiErr> {
    let (id, _) = auth(&p, &headers).await?;
    let req = body(req)?;
    p.db(move |c, sink| settlement::send_code(c, sink, id, &req))
        .await
        .map(Json)
}

async fn settlement_binding(
    State(p): State<Platform>,
    headers: HeaderMap,
) -> Result<Json<SettlementBinding>, ApiErr> {
    let (id, _) = auth(&p, &headers).await?;
    p.db(move |c, _| settlement::binding(c, id)).await.map(Json)
}

async fn settlement_bind(
    State(p): State<Platform>,
    headers: HeaderMap,
    req: Result<Json<SettlementBindingRequest>, JsonRejection>,
) -> Result<Json<SettlementBinding>, ApiErr> {
    let (id, _) = auth(&p, &headers).await?;
    let req = body(req)?;
    p.db(move |c, _| settlement::bind(c, id, &req))
        .await
        .map(Json)
}

async fn sync_push(
    State(p): State<Platform>,
    headers: HeaderMap,
    req: Result<Json<PushBatch>, JsonRejection>,
) -> Result<Json<PushResult>, ApiErr> {
    let (id, _) = auth(&p, &headers).await?;
    let req = body(req)?;
    let fault = p
        .faults
        .as_ref()
        .map(|f| f.lock().unwrap_or_else(|e| e.into_inner()).next_push());
    if fault == Some(crate::faults::PushFault::FailBefore) {
        return Err(ApiErr::internal("injected fault before applying"));
    }
    let result = p.db(move |c, _| sync::push(c, id, &req)).await?;
    if fault == Some(crate::faults::PushFault::FailAfter) {
        return Err(ApiErr::internal("injected fault after committing"));
    }
    Ok(Json(result))
}

async fn sync_changes(
    State(p): State<Platform>,
    headers: HeaderMap,
    Q(q): Q<FeedQuery>,
) -> Result<Json<Page<OrderChange>>, ApiErr> {
    let (id, _) = auth(&p, &headers).await?;
    let q = q.checked(LIMIT_MAX)?;
    p.db(move |c, _| feeds::order_changes(c, id, q.cursor, q.limit))
        .await
        .map(Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceQuery {
    device_id: String,
}

async fn sync_state(
    State(p): State<Platform>,
    headers: HeaderMap,
    Q(q): Q<DeviceQuery>,
) -> Result<Json<SyncStatus>, ApiErr> {
    let (id, _) = auth(&p, &headers).await?;
    p.db(move |c, _| sync::status(c, id, &q.device_id))
        .await
        .map(Json)
}

async fn sync_chunk(
    State(p): State<Platform>,
    headers: HeaderMap,
    req: Result<Json<PushChunk>, JsonRejection>,
) -> Result<StatusCode, ApiErr> {
    let (id, _) = auth(&p, &headers).await?;
    let req = body(req)?;
    p.db(move |c, _| sync::put_chunk(c, id, &req)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn sync_orders(
    State(p): State<Platform>,
    headers: HeaderMap,
    Q(q): Q<FeedQuery>,
) -> Result<Json<Page<BookOrder>>, ApiErr> {
    let (id, _) = auth(&p, &headers).await?;
    let q = q.checked(LIMIT_MAX)?;
    p.db(move |c, _| feeds::order_book(c, id, q.cursor, q.limit))
        .await
        .map(Json)
}

async fn sync_order(
    State(p): State<Platform>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
) -> Result<Json<BookOrder>, ApiErr> {
    let (id, _) = auth(&p, &headers).await?;
    p.db(move |c, _| feeds::book_order(c, id, &uuid))
        .await
        .map(Json)
}

async fn sync_order_lines(
    State(p): State<Platform>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
    Q(q): Q<FeedQuery>,
) -> Result<Json<Page<BookLine>>, ApiErr> {
    let (id, _) = auth(&p, &headers).await?;
    let q = q.checked(LINES_LIMIT_MAX)?;
    p.db(move |c, _| feeds::book_lines(c, id, &uuid, q.cursor, q.limit))
        .await
        .map(Json)
}
