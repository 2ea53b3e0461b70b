//! One order as the editor reads it: its fields, its lines with their links (numbers
//! masked), where it came from and what the platform last refused.

use super::*;

/// One line with its links, as the editor shows it.
#[derive(Debug, Clone, Serialize)]
pub struct LineDetail {
    pub id: i64,
    pub uuid: String,
    pub position: i64,
    #[serde(flatten)]
    pub line: OrderLineDraft,
    pub merchant_order_ids: Vec<String>,
    /// The sum of the linked merchant orders' amounts (from the local cache): beside the
    /// line's own amount on the linking screens.
    pub linked_cents: i64,
    /// Which merchant the line is of (the domain's `merchant_key`): the linking screen
    /// groups by it.
    pub merchant_key: Option<String>,
}

/// One order in full, as the editor needs it.
#[derive(Debug, Clone, Serialize)]
pub struct OrderDetail {
    pub id: i64,
    pub uuid: String,
    /// 订单编号 (the same on every computer: [`xinbao_domain::order_number`]).
    pub order_no: String,
    pub state: OrderState,
    pub buyer_name: Option<String>,
    pub passport_no: Option<String>,
    pub country: Option<String>,
    pub total_cents: Option<i64>,
    pub customs_no: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub confirmed_at: Option<String>,
    pub declared_at: Option<String>,
    pub lines: Vec<LineDetail>,
    /// What the order's state allows (the domain's rule; the screens enable exactly these).
    pub actions: Vec<Action>,
    pub origin: Origin,
    pub changed_by: Option<String>,
    /// The platform's latest refusal of an operation of this order, in its words.
    pub rejection: Option<Refusal>,
    /// The platform refused the confirmation and holds no such order: it may be re-opened
    /// as a draft ([`crate::order_book::reopen`]).
    pub can_reopen: bool,
}

/// A refused operation as the order shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    pub kind: String,
    pub code: String,
    pub message: String,
}

/// Which merchant a line is of, as the page may see it: the procurement number, or for a
/// line known by its mobile alone a SHA-256 of the mobile keyed with this profile's own
/// random secret (equal for equal mobiles, stable, and not to be brute-forced from the
/// page: no command shows the secret).
pub(crate) fn merchant_key(line: &OrderLineDraft, secret: &str) -> Option<String> {
    use sha2::{Digest, Sha256};
    let key = xinbao_domain::order::merchant_key(line)?;
    if line.procurement_no.is_some() {
        return Some(key);
    }
    let digest = Sha256::new()
        .chain_update(secret.as_bytes())
        .chain_update([0u8])
        .chain_update(key.as_bytes())
        .finalize();
    Some(format!(
        "m:{}",
        digest[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ))
}

/// This profile's secret for [`merchant_key`], made once (at open, see `Store::open`).
pub(crate) fn grouping_secret(store: &Store) -> Result<String> {
    const KEY: &str = "privacy.grouping_secret";
    if let Some(s) = crate::settings::get(store, KEY)? {
        return Ok(s);
    }
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    crate::settings::set(store, KEY, &secret)?;
    Ok(secret)
}

/// One order's own fields, without its lines (cheap for an order of a million lines).
pub fn get_header(store: &Store, order_id: i64) -> Result<OrderDetail> {
    detail(store, order_id, false)
}

pub fn get(store: &Store, order_id: i64) -> Result<OrderDetail> {
    detail(store, order_id, true)
}

/// Stored lines as the screens get them: masked, with their links, linked amounts and
/// merchant keys (the editor's whole order and the large order's pages alike).
pub(crate) fn line_details(
    store: &Store,
    rows: Vec<LineRow>,
    links: &HashMap<i64, Vec<xinbao_domain::MerchantOrderRef>>,
) -> Result<Vec<LineDetail>> {
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.line.id).collect();
    let linked = linked_cents(&store.conn, &ids)?;
    let secret = grouping_secret(store)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let id = row.line.id.unwrap_or_default();
            let mut line = row.line;
            let merchant_key = merchant_key(&line, &secret);
            line.mobile = line.mobile.as_deref().map(mask::mobile);
            LineDetail {
                id,
                uuid: row.uuid,
                position: row.position,
                merchant_order_ids: link_ids(links, id),
                linked_cents: linked.get(&id).copied().unwrap_or(0),
                merchant_key,
                line,
            }
        })
        .collect())
}

/// The linked merchant orders' amounts summed per line, for some lines.
fn linked_cents(conn: &rusqlite::Connection, line_ids: &[i64]) -> Result<HashMap<i64, i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT k.line_id, sum(m.amount_cents) FROM line_links k
         JOIN merchant_orders m ON m.id = k.merchant_order_id
         WHERE k.line_id IN (SELECT value FROM json_each(?1)) GROUP BY k.line_id",
    )?;
    let rows = stmt.query_map(
        [serde_json::to_string(line_ids).expect("serialisable")],
        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
    )?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

fn detail(store: &Store, order_id: i64, with_lines: bool) -> Result<OrderDetail> {
    let conn = &store.conn;
    let order = load_order(conn, order_id)?;
    let (created_at, updated_at, declared_at): (String, String, Option<String>) = conn.query_row(
        "SELECT created_at, updated_at, declared_at FROM export_orders WHERE id = ?1",
        [order_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let links = if with_lines {
        load_links(conn, order_id)?
    } else {
        HashMap::new()
    };
    let stored = if with_lines {
        load_lines(conn, order_id)?
    } else {
        Vec::new()
    };
    // Personal numbers leave the store masked: the full value only through the audited
    // reveal (`reveal::order_passport`), or typed anew by the clerk.
    let lines = line_details(store, stored, &links)?;
    let note = crate::order_book::note(store, order_id)?;
    let rejection = conn
        .query_row(
            "SELECT kind, rejection_code, coalesce(rejection_message, '') FROM outbox
             WHERE order_id = ?1 AND verdict = 'rejected' ORDER BY seq DESC LIMIT 1",
            [order_id],
            |r| {
                Ok(Refusal {
                    kind: r.get(0)?,
                    code: r.get(1)?,
                    message: r.get(2)?,
                })
            },
        )
        .optional()?;
    Ok(OrderDetail {
        actions: order.state.actions(),
        origin: note.origin,
        changed_by: note.changed_by,
        rejection,
        can_reopen: note.can_reopen,
        id: order.id,
        order_no: xinbao_domain::order_number::of(&order.uuid),
        uuid: order.uuid,
        state: order.state,
        buyer_name: order.draft.buyer_name,
        passport_no: order.draft.passport_no.as_deref().map(mask::passport),
        country: order.draft.country,
        total_cents: order.draft.total_cents.map(|c| c.0),
        customs_no: order.customs_no,
        created_at,
        updated_at,
        confirmed_at: order.confirmed_at,
        declared_at,
        lines,
    })
}

/// Every line of an order in position order, one at a time (an export of a million lines
/// never holds them all). `f` may fail with its caller's own error type.
pub fn for_each_line<E: From<StoreError>>(
    store: &Store,
    order_id: i64,
    mut f: impl FnMut(&OrderLineDraft) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    load_order(&store.conn, order_id)?;
    let mut stmt = store.conn.prepare(LINES_SQL).map_err(StoreError::from)?;
    let mut rows = stmt.query([order_id]).map_err(StoreError::from)?;
    while let Some(r) = rows.next().map_err(StoreError::from)? {
        f(&line_row(r).map_err(StoreError::from)?.line)?;
    }
    Ok(())
}
