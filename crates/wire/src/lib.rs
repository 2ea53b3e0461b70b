//! The platform contract: the serde types of every request and response body of
//! `api/openapi.yaml` (versioned under [`API_BASE`]). The app's sync client and the reference
//! platform both use these, and a test round-trips every example of the OpenAPI file through
//! them, so the file and the code cannot drift apart unnoticed.
//!
//! Times are RFC 3339 UTC text; money is integer US cents; personal numbers travel in full
//! (over TLS only) and are masked by whoever shows them.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// Every path of the contract starts with this.
pub const API_BASE: &str = "/api/v1";
/// The contract's version, as `GET /api/v1/meta` reports it.
pub const CONTRACT_VERSION: &str = "1.1.0";
/// Header carrying the session token: `Authorization: Bearer <token>`.
pub const AUTH_SCHEME: &str = "Bearer";

/// The body of every error response (4xx and 5xx).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiError {
    /// Stable code the client branches on, e.g. `auth.locked`, `captcha.wrong`.
    pub code: String,
    /// Human-readable English explanation (clients show their own words for the code).
    pub message: String,
    /// The request field the error concerns, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Seconds until the request may succeed (lockouts, rate limits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u64>,
    /// Tries left before a lock (a wrong password or SMS code), so the client can say so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tries_left: Option<u32>,
}

/// `GET /updates/{target}/{arch}/{current_version}`: a newer release of the desktop app, in
/// the form tauri-plugin-updater reads (its "dynamic server" answer). No newer one: 204.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppRelease {
    /// Semantic version, `MAJOR.MINOR.PATCH`.
    pub version: String,
    pub notes: String,
    pub pub_date: String,
    /// Where the signed package is downloaded from (on this platform).
    pub url: String,
    /// The package's minisign signature (the `.sig` file the bundler writes), verified by
    /// the app against the public key its administrator configured.
    pub signature: String,
}

/// `GET /meta`: what the server is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub contract_version: String,
    pub server: String,
    pub server_time: String,
}

/// `POST /captcha`: a one-time captcha. The image is a PNG, base64 encoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Captcha {
    pub captcha_id: String,
    pub image_png_base64: String,
    pub expires_at: String,
}

/// `POST /registration/check` (manual §2.1 step 3): the business licence checked against the
/// company registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationCheck {
    pub company_name: String,
    pub uscc: String,
    pub legal_rep_name: String,
    pub legal_rep_id_no: String,
    /// A captcha, as for the login: the registry is not a free oracle of who a company's
    /// legal representative is.
    pub captcha_id: String,
    pub captcha_answer: String,
}

/// The answer to a passed registration check: a token that activation must present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationTicket {
    pub registration_token: String,
    pub expires_at: String,
}

/// `POST /registration/activate` (manual §2.1 step 4): the company profile and password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Activation {
    pub registration_token: String,
    pub contact_name: String,
    pub mobile: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_address: Option<String>,
    pub password: String,
}

/// How a clerk logs in (manual §2.2 step 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginMethod {
    /// 普通用户登录: the USCC or the procurement number (市场采购号).
    Account,
    /// 手机号码登录: the bound mobile.
    Mobile,
}

/// `POST /auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub method: LoginMethod,
    pub identifier: String,
    pub password: String,
    pub captcha_id: String,
    pub captcha_answer: String,
}

/// Real-name verification status (manual §2.3): 未认证 / 待审核 / 已通过 / 已驳回.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RealnameStatus {
    Unverified,
    Pending,
    Approved,
    Rejected,
}

impl RealnameStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RealnameStatus::Unverified => "unverified",
            RealnameStatus::Pending => "pending",
            RealnameStatus::Approved => "approved",
            RealnameStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<RealnameStatus> {
        Some(match s {
            "unverified" => RealnameStatus::Unverified,
            "pending" => RealnameStatus::Pending,
            "approved" => RealnameStatus::Approved,
            "rejected" => RealnameStatus::Rejected,
            _ => return None,
        })
    }
}

/// The logged-in company as the platform knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub uscc: String,
    pub procurement_no: String,
    pub company_name: String,
    pub contact_name: String,
    pub mobile: String,
    pub realname_status: RealnameStatus,
    pub settlement_bound: bool,
}

/// A session: the token goes into the OS keyring, never into a file the app writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    pub token: String,
    pub expires_at: String,
    pub account: Account,
}

/// `POST /auth/password` (manual §3.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub old_password: String,
    pub new_password: String,
}

/// The largest real-name photo the platform takes.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;

/// A real-name photo's type by its content, never by its name or declared type: the
/// platform takes JPEG and PNG.
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// Nationality of the legal representative: decides which photos are asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nationality {
    /// 中国籍: ID card front and back.
    Chinese,
    /// 外国籍: passport and 商友卡 page.
    Foreign,
}

impl Nationality {
    /// The multipart parts (photos) this nationality must upload, besides `holding_id`.
    pub fn photo_parts(self) -> &'static [&'static str] {
        match self {
            Nationality::Chinese => &["id_front", "id_back"],
            Nationality::Foreign => &["passport", "merchant_card"],
        }
    }
}

/// `GET /realname`: where the verification stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RealnameState {
    pub status: RealnameStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<Nationality>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    /// Why it was rejected (已驳回).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One page of a feed. `next_cursor` goes into the next request; `has_more` says whether to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: i64,
    pub has_more: bool,
}

/// `GET /merchants`: the merchant directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Merchant {
    pub procurement_no: String,
    pub name: String,
    pub mobile: String,
    pub updated_at: String,
}

/// `GET /merchant-orders` (manual §3.2): a merchant order sent to this company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantOrder {
    pub id: String,
    #[serde(default)]
    pub procurement_no: Option<String>,
    pub merchant_name: String,
    pub mobile: String,
    pub order_month: String,
    #[serde(default)]
    pub buyer_name: Option<String>,
    #[serde(default)]
    pub product_name: Option<String>,
    #[serde(default)]
    pub quantity: Option<i64>,
    #[serde(default)]
    pub packages: Option<i64>,
    pub amount_cents: i64,
    pub sent_at: String,
    pub updated_at: String,
}

/// `GET /settlement/authorizations` (manual §3.3 step 2): settlement amounts locked per
/// transaction list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettlementAuthorization {
    pub id: String,
    pub merchant_order_id: String,
    pub merchant_name: String,
    #[serde(default)]
    pub procurement_no: Option<String>,
    pub amount_cents: i64,
    pub locked_at: String,
    pub updated_at: String,
}

/// Settlement entity type: 结汇个人 or 小微企业.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettlementEntityType {
    Individual,
    SmallEnterprise,
}

/// `POST /settlement/sms-code`: asks for a code sent to the mobile to be bound.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsCodeRequest {
    pub mobile: String,
}

/// The answer: when another code may be asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsCodeSent {
    pub expires_at: String,
    pub resend_after_s: u64,
}

/// `POST /settlement/binding` (manual §3.3 step 1). Bound for good: a second one is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettlementBindingRequest {
    pub entity_type: SettlementEntityType,
    pub name: String,
    pub uscc: String,
    pub legal_rep_name: String,
    pub legal_rep_id_no: String,
    pub mobile: String,
    pub sms_code: String,
}

/// `GET /settlement/binding`: the bound entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettlementBinding {
    pub entity_type: SettlementEntityType,
    pub name: String,
    pub uscc: String,
    pub legal_rep_name: String,
    pub legal_rep_id_no: String,
    pub mobile: String,
    pub bound_at: String,
}

/// Kinds of operations a device pushes (the app's outbox `kind` column).
pub mod kind {
    pub const ORDER_CONFIRM: &str = "order.confirm";
    pub const LINE_UPSERT: &str = "line.upsert";
    pub const LINE_DELETE: &str = "line.delete";
    pub const LINK_ADD: &str = "link.add";
    pub const LINK_REMOVE: &str = "link.remove";
    pub const ORDER_DECLARE: &str = "order.declare";
    pub const ALL: [&str; 6] = [
        ORDER_CONFIRM,
        LINE_UPSERT,
        LINE_DELETE,
        LINK_ADD,
        LINK_REMOVE,
        ORDER_DECLARE,
    ];
}

/// One queued operation as pushed. `payload` is one of the `*Payload` types, by `kind`.
///
/// The payload travels as raw JSON text: the client sends what its outbox holds without
/// re-encoding it, and the server decodes it once, straight into the type `kind` names.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushOperation {
    /// Per-device sequence: strictly increasing, never reused.
    #[serde(deserialize_with = "integral::i64")]
    pub seq: i64,
    /// Globally unique id (UUID): the platform applies an op id at most once.
    pub op_id: String,
    pub kind: String,
    /// The payload, or `null` when it was uploaded in `chunks` pieces first
    /// (`POST /sync/chunks`): one large operation never makes one large request.
    pub payload: Box<RawValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunks: Option<u32>,
}

impl PushOperation {
    /// An operation whose payload is `payload` encoded.
    pub fn new(seq: i64, op_id: String, kind: &str, payload: &impl Serialize) -> PushOperation {
        PushOperation {
            seq,
            op_id,
            kind: kind.into(),
            payload: serde_json::value::to_raw_value(payload)
                .expect("a payload type always encodes"),
            chunks: None,
        }
    }
}

/// `POST /sync/push`: a batch, applied in `seq` order in one transaction.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushBatch {
    pub device_id: String,
    pub operations: Vec<PushOperation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Applied now.
    Applied,
    /// Seen before (a retried batch): not applied again. `code`/`message` repeat a rejection.
    Duplicate,
    /// Refused for good; the operations behind it still apply.
    Rejected,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Applied => "applied",
            Verdict::Duplicate => "duplicate",
            Verdict::Rejected => "rejected",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationResult {
    pub seq: i64,
    pub op_id: String,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The answer to a batch: a verdict per operation and the device's last sequence the
/// platform holds (applied or rejected).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushResult {
    pub results: Vec<OperationResult>,
    pub last_seq: i64,
}

/// A line of an export order as it travels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinePayload {
    pub line_uuid: String,
    pub position: i64,
    #[serde(default)]
    pub procurement_no: Option<String>,
    pub merchant_name: Option<String>,
    pub mobile: Option<String>,
    pub order_month: Option<String>,
    pub product_name: Option<String>,
    pub quantity: Option<i64>,
    pub packages: Option<i64>,
    pub amount_cents: Option<i64>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub merchant_orders: Vec<String>,
}

/// `order.confirm`: the whole order, once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderConfirmPayload {
    pub order_uuid: String,
    pub buyer_name: String,
    pub passport_no: String,
    pub country: String,
    pub total_cents: i64,
    pub confirmed_at: String,
    pub lines: Vec<LinePayload>,
    /// Present when a device sends an order again from its own copy because the platform
    /// lost it (a new database or a restore from backup): see [`OrderRestore`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore: Option<OrderRestore>,
}

/// What a device knows of an order it sends again after the platform went back in time.
///
/// The platform inserts an order it does not hold (declaring it too when `customs_no` is
/// set). An order it holds at a revision at or above `known_rev` is left as it is (nothing
/// was lost); one it holds at a lower revision, still confirmed, takes the lines and links
/// of the payload and the customs number. A declared order never changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderRestore {
    /// The order's revision as the device last saw it on the platform.
    #[serde(default)]
    pub known_rev: Option<i64>,
    #[serde(default)]
    pub customs_no: Option<String>,
    #[serde(default)]
    pub declared_at: Option<String>,
    /// The device that first confirmed the order, when known.
    #[serde(default)]
    pub origin_device: Option<String>,
}

/// `line.upsert`: a line added or changed after confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineUpsertPayload {
    pub order_uuid: String,
    pub line: LinePayload,
    /// The order's revision the change was made on ([`BookOrder::rev`]); absent when the
    /// device has not yet seen the order back from the platform (its own confirmation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_rev: Option<i64>,
}

/// `line.delete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineDeletePayload {
    pub order_uuid: String,
    pub line_uuid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_rev: Option<i64>,
}

/// `link.add` / `link.remove`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkPayload {
    pub order_uuid: String,
    pub line_uuid: String,
    pub merchant_order_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_rev: Option<i64>,
}

/// `order.declare`: the customs declaration number (报关单号补录).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderDeclarePayload {
    pub order_uuid: String,
    pub customs_no: String,
    pub declared_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_rev: Option<i64>,
}

/// A payload decoded by its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    OrderConfirm(OrderConfirmPayload),
    LineUpsert(LineUpsertPayload),
    LineDelete(LineDeletePayload),
    LinkAdd(LinkPayload),
    LinkRemove(LinkPayload),
    OrderDeclare(OrderDeclarePayload),
}

impl Operation {
    /// Decodes `payload` as `kind` says. The error names what did not fit.
    pub fn decode(kind: &str, payload: &RawValue) -> Result<Operation, String> {
        fn de<T: serde::de::DeserializeOwned>(v: &RawValue) -> Result<T, String> {
            serde_json::from_str(v.get()).map_err(|e| e.to_string())
        }
        Ok(match kind {
            kind::ORDER_CONFIRM => Operation::OrderConfirm(de(payload)?),
            kind::LINE_UPSERT => Operation::LineUpsert(de(payload)?),
            kind::LINE_DELETE => Operation::LineDelete(de(payload)?),
            kind::LINK_ADD => Operation::LinkAdd(de(payload)?),
            kind::LINK_REMOVE => Operation::LinkRemove(de(payload)?),
            kind::ORDER_DECLARE => Operation::OrderDeclare(de(payload)?),
            other => return Err(format!("unknown operation kind `{other}`")),
        })
    }

    pub fn order_uuid(&self) -> &str {
        match self {
            Operation::OrderConfirm(p) => &p.order_uuid,
            Operation::LineUpsert(p) => &p.order_uuid,
            Operation::LineDelete(p) => &p.order_uuid,
            Operation::LinkAdd(p) | Operation::LinkRemove(p) => &p.order_uuid,
            Operation::OrderDeclare(p) => &p.order_uuid,
        }
    }
}

/// Order state as the platform holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemoteOrderState {
    Confirmed,
    Declared,
}

/// `GET /sync/changes`: an export order of this company changed on the platform after the
/// cursor (by any device of the company).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderChange {
    pub order_uuid: String,
    pub state: RemoteOrderState,
    #[serde(default)]
    pub customs_no: Option<String>,
    pub line_count: i64,
    pub lines_total_cents: i64,
    pub updated_at: String,
}

/// `POST /sync/chunks`: one piece of a large operation's payload text. The pieces of an
/// operation are `0..count`, each at most [`MAX_CHUNK_BYTES`]; sending a piece again
/// replaces it. The operation itself is then pushed with `chunks: count` and a `null`
/// payload, and applied in one transaction like any other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushChunk {
    pub device_id: String,
    pub op_id: String,
    #[serde(deserialize_with = "integral::u32")]
    pub index: u32,
    #[serde(deserialize_with = "integral::u32")]
    pub count: u32,
    pub data: String,
}

/// Integers as JSON Schema counts them: `22.0` is the integer 22 (a client written in a
/// language with one number type may send it so); `22.5` is not an integer.
mod integral {
    use serde::{de::Error, Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Int(i64),
        Float(f64),
    }

    pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        match Number::deserialize(d)? {
            Number::Int(n) => Ok(n),
            Number::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
            Number::Float(f) => Err(D::Error::custom(format!("{f} is not an integer"))),
        }
    }

    pub fn u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        let n = i64(d)?;
        u32::try_from(n).map_err(|_| D::Error::custom(format!("{n} is out of range")))
    }
}

/// Most pieces one operation may have (256 MiB of payload: an order of about 700,000
/// lines). A larger operation cannot be sent; the client says so on its order.
pub const MAX_CHUNKS: u32 = 256;

/// The largest piece of a chunked payload (1 MiB: even escaped six times over as JSON text
/// it stays within a request's limit).
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;

/// `GET /sync/state`: where the platform stands for one device of the company. A client
/// compares it with what it remembers: another `epoch` means a new database; a `last_seq`
/// below what the platform had acknowledged means a restore from backup; a `last_seq` above
/// the client's own sequence means the client's database is the older copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncStatus {
    /// Made at random with the platform's database, never changed.
    pub epoch: String,
    /// The highest sequence of this device the platform holds (0: none).
    pub last_seq: i64,
    /// How many confirmed and declared orders the company has.
    pub orders: i64,
    /// The highest revision the platform has given out (every feed's cursor is one). A
    /// cursor above it means the platform went back: a restore from backup.
    pub head_rev: i64,
}

/// Where an order of the order book was entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderOrigin {
    /// Xinbao Desk on some computer of the company (`origin_device` says which).
    Desk,
    /// The platform's own web pages.
    Web,
}

/// A line of the order book: as pushed, with the revision it last changed at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookLine {
    pub line_uuid: String,
    pub position: i64,
    #[serde(default)]
    pub procurement_no: Option<String>,
    pub merchant_name: String,
    pub mobile: String,
    pub order_month: String,
    pub product_name: String,
    pub quantity: i64,
    pub packages: i64,
    pub amount_cents: i64,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub merchant_orders: Vec<String>,
    pub rev: i64,
}

/// `GET /sync/orders`: an order of the company's order book, whole. Lines come inline up
/// to [`BOOK_INLINE_LINES`]; a larger order says `lines_complete: false` and its lines are
/// paged with `GET /sync/orders/{uuid}/lines`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookOrder {
    pub order_uuid: String,
    pub state: RemoteOrderState,
    pub buyer_name: String,
    pub passport_no: String,
    pub country: String,
    pub total_cents: i64,
    #[serde(default)]
    pub customs_no: Option<String>,
    pub confirmed_at: String,
    #[serde(default)]
    pub declared_at: Option<String>,
    /// Grows with every applied change; operations on the order name the one they saw.
    pub rev: i64,
    pub origin: OrderOrigin,
    #[serde(default)]
    pub origin_device: Option<String>,
    /// Who changed it last (the company's contact, or the web user) and from which device.
    #[serde(default)]
    pub changed_by: Option<String>,
    #[serde(default)]
    pub changed_device: Option<String>,
    pub updated_at: String,
    pub line_count: i64,
    pub lines: Vec<BookLine>,
    pub lines_complete: bool,
}

/// Orders with more lines than this come without them in a page of the order book.
pub const BOOK_INLINE_LINES: usize = 2000;

/// `GET /openapi.yaml` is served too, so a client can check what it talks to.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.yaml";

/// The `code`s of the platform's own refusals (`ApiError.code`), beside the domain's field
/// codes (`xinbao_domain::Code`) that validation refusals carry. The app has words for each.
pub const API_ERROR_CODES: &[&str] = &[
    "auth.expired",
    "auth.failed",
    "auth.locked",
    "auth.required",
    "captcha.expired",
    "captcha.wrong",
    "company.unknown",
    "customs_no.taken",
    "email.format",
    "line.other_order",
    "line.unknown",
    "link.unknown_merchant_order",
    "merchant.unknown",
    "mobile.taken",
    "order.unknown",
    "order.stale",
    "order.uuid_taken",
    "password.old_wrong",
    "password.same",
    "rate.limited",
    "realname.approved",
    "realname.nationality",
    "realname.none_pending",
    "realname.pending",
    "registration.exists",
    "registration.mismatch",
    "registration.token",
    "registration.unknown_company",
    "request.invalid",
    "settlement.already_bound",
    "settlement.unbound",
    "sms.expired",
    "sms.limit",
    "sms.too_many_tries",
    "sms.too_soon",
    "sms.wrong",
    "sync.batch_too_large",
    "sync.chunks_missing",
    "sync.device",
    "sync.op_id",
    "sync.order",
    "sync.payload",
    "sync.sequence",
    "upload.missing",
    "upload.not_image",
    "upload.too_large",
    "upload.unknown_part",
];
