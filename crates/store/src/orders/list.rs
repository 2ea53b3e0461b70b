//! The order list: filters, search, sorting and paging at 100,000 orders, the dashboard's
//! figures and the filters' choices.

use super::*;

/// Filters, search and paging of the order list. Every filter is optional; together they
/// narrow the list (AND).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListQuery {
    pub state: Option<OrderState>,
    pub sync_state: Option<SyncState>,
    /// ISO 3166 alpha-2.
    pub country: Option<String>,
    /// Created at or after this UTC instant (the UI sends the start of a local month).
    pub created_from: Option<String>,
    /// Created before this UTC instant.
    pub created_to: Option<String>,
    /// Part of the buyer's name or customs number, a whole passport number or its first six
    /// characters or more, or part of a merchant's name or procurement number on any line.
    /// Case does not matter for Latin letters.
    pub search: Option<String>,
    /// The column the list is sorted by; by default the last change, newest first.
    pub sort: Option<ListSort>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// A column of the order list to sort by, and which way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListSort {
    pub by: SortColumn,
    #[serde(default)]
    pub descending: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortColumn {
    UpdatedAt,
    CreatedAt,
    /// In the order's life: draft, confirmed, declared.
    State,
    BuyerName,
    Country,
    TotalAmount,
}

impl SortColumn {
    /// The key's SQL (each has an index, V9): ties go by id, the same way.
    fn sql(self) -> &'static str {
        match self {
            SortColumn::UpdatedAt => "o.updated_at",
            SortColumn::CreatedAt => "o.created_at",
            SortColumn::State => {
                "(CASE o.state WHEN 'draft' THEN 0 WHEN 'confirmed' THEN 1 ELSE 2 END)"
            }
            SortColumn::BuyerName => "o.buyer_name",
            SortColumn::Country => "o.country",
            SortColumn::TotalAmount => "o.total_cents",
        }
    }
}

/// Where an order stands with the platform, as the list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncState {
    /// A draft: nothing of it is sent before confirmation.
    Local,
    /// Something of it waits in the outbox.
    Pending,
    /// Everything of it was acknowledged.
    Synced,
    /// The platform refused one of its operations (the reason is on the row).
    Rejected,
}

impl SyncState {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncState::Local => "local",
            SyncState::Pending => "pending",
            SyncState::Synced => "synced",
            SyncState::Rejected => "rejected",
        }
    }
}

/// One row of the order list: personal numbers masked.
#[derive(Debug, Clone, Serialize)]
pub struct OrderSummary {
    pub id: i64,
    pub uuid: String,
    /// 订单编号 (the same on every computer: [`xinbao_domain::order_number`]).
    pub order_no: String,
    pub state: OrderState,
    pub buyer_name: Option<String>,
    pub passport_masked: Option<String>,
    pub country: Option<String>,
    pub total_cents: Option<i64>,
    pub line_count: i64,
    pub linked_line_count: i64,
    pub lines_total_cents: i64,
    pub customs_no: Option<String>,
    pub sync_state: SyncState,
    pub rejection: Option<String>,
    /// The platform's words for the latest refusal of an operation of this order.
    pub rejection_message: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// What the order's state allows (the domain's rule; the screens enable exactly these).
    pub actions: Vec<Action>,
    pub origin: Origin,
    /// Who changed it last on the platform, when it came from there.
    pub changed_by: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderPage {
    pub total: i64,
    pub orders: Vec<OrderSummary>,
}

/// How many orders the profile holds, drafts included.
pub fn count(store: &Store) -> Result<i64> {
    Ok(store
        .conn
        .query_row("SELECT count(*) FROM export_orders", [], |r| r.get(0))?)
}

/// A LIKE pattern matching `term` anywhere, with LIKE's own wildcards taken literally.
pub(crate) fn like_anywhere(term: &str) -> String {
    let mut p = String::with_capacity(term.len() + 2);
    p.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// A list query as SQL: the WHERE clause over `o` (export_orders), and, when one filter
/// narrows the list to few orders, the set of their ids to start from (`cand`): the query
/// then reads those rows and sorts them, instead of walking every order in date order and
/// testing each. Parameters are numbered `?1`, `?2`, … across both.
struct ListSql {
    candidates: Option<String>,
    filter: String,
    args: Vec<rusqlite::types::Value>,
}

/// Terms shorter than this cannot use the trigram index.
const TRIGRAM: usize = 3;

/// The shortest part of a passport number the list searches by: its beginning.
pub const PASSPORT_PREFIX: usize = 6;

/// A search term as passport numbers are stored: no spaces, Latin letters upper case.
fn passport_term(term: &str) -> String {
    term.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn list_sql(q: &ListQuery) -> ListSql {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    let mut bind = |v: String| {
        args.push(rusqlite::types::Value::Text(v));
        format!("?{}", args.len())
    };
    fn text(s: &Option<String>) -> Option<&str> {
        s.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    // Rejected and unacknowledged operations are few: each set is read once from a small
    // (partial) index.
    const REJECTED: &str = "SELECT order_id FROM outbox WHERE verdict = 'rejected'";
    const UNACKED: &str = "SELECT order_id FROM outbox WHERE acked_at IS NULL";
    let mut candidates = None;
    if let Some(term) = text(&q.search) {
        let like = bind(like_anywhere(term));
        // The merchant side: the few names and numbers that match, then their orders, each
        // pair checked against the order's lines (a line may have changed merchant since).
        let merchants = format!(
            "SELECT om.order_id FROM order_merchants om
             WHERE om.procurement_no IN (
                     SELECT procurement_no FROM merchant_names
                     WHERE name LIKE {like} ESCAPE '\\' OR procurement_no LIKE {like} ESCAPE '\\'
                     UNION SELECT procurement_no FROM merchants WHERE name LIKE {like} ESCAPE '\\')
               AND EXISTS (SELECT 1 FROM order_lines l
                           WHERE l.order_id = om.order_id AND l.procurement_no = om.procurement_no)"
        );
        let own = if term.chars().count() >= TRIGRAM {
            let phrase = bind(format!("\"{}\"", term.replace('"', "\"\"")));
            format!("SELECT rowid FROM order_text WHERE order_text MATCH {phrase}")
        } else {
            format!(
                "SELECT id FROM export_orders WHERE buyer_name LIKE {like} ESCAPE '\\'
                   OR customs_no LIKE {like} ESCAPE '\\'"
            )
        };
        // A passport: the whole number, or a prefix of PASSPORT_PREFIX characters or more,
        // never any part of it (parts would rebuild a number by probing).
        let passport = passport_term(term);
        let by_passport = if passport.chars().count() >= PASSPORT_PREFIX {
            let from = bind(passport.clone());
            let to = bind(format!("{passport}\u{10FFFF}"));
            format!(
                "SELECT id FROM export_orders WHERE passport_no >= {from} AND passport_no < {to}"
            )
        } else {
            let exact = bind(passport);
            format!("SELECT id FROM export_orders WHERE passport_no = {exact}")
        };
        let mut own = format!("{own} UNION {by_passport}");
        // 订单编号 as the broker quotes it: the order whose uuid starts so (its index).
        if let Ok(start) = xinbao_domain::order_number::parse(term) {
            let from = bind(start.as_str().into());
            let to = bind(format!("{}~", start.as_str()));
            own = format!(
                "{own} UNION SELECT id FROM export_orders WHERE uuid >= {from} AND uuid < {to}"
            );
        }
        candidates = Some(format!("{own} UNION {merchants}"));
    }
    if let Some(state) = q.state {
        clauses.push(format!("o.state = {}", bind(state.as_str().into())));
    }
    if let Some(country) = text(&q.country) {
        clauses.push(format!(
            "o.country = {}",
            bind(country.to_ascii_uppercase())
        ));
    }
    let from = text(&q.created_from).map(|v| bind(v.into()));
    let to = text(&q.created_to).map(|v| bind(v.into()));
    if let Some(from) = &from {
        clauses.push(format!("o.created_at >= {from}"));
    }
    if let Some(to) = &to {
        clauses.push(format!("o.created_at < {to}"));
    }
    match q.sync_state {
        None => {}
        Some(SyncState::Local) => clauses.push("o.state = 'draft'".into()),
        Some(SyncState::Rejected) => {
            clauses.push(format!("o.id IN ({REJECTED})"));
            candidates.get_or_insert_with(|| REJECTED.to_string());
        }
        Some(SyncState::Pending) => {
            clauses.push(format!(
                "o.state <> 'draft' AND o.id IN ({UNACKED}) AND o.id NOT IN ({REJECTED})"
            ));
            candidates.get_or_insert_with(|| UNACKED.to_string());
        }
        Some(SyncState::Synced) => clauses.push(format!(
            "o.state <> 'draft' AND o.id NOT IN ({UNACKED}) AND o.id NOT IN ({REJECTED})"
        )),
    }
    if candidates.is_none() && (from.is_some() || to.is_some()) {
        // A month is a few thousand orders of a hundred thousand: start from the dates.
        let range = [
            from.map(|f| format!("created_at >= {f}")),
            to.map(|t| format!("created_at < {t}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" AND ");
        candidates = Some(format!("SELECT id FROM export_orders WHERE {range}"));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!(" AND {}", clauses.join(" AND "))
    };
    ListSql {
        candidates,
        filter,
        args,
    }
}

impl ListSql {
    /// `SELECT <columns> FROM … WHERE …`: from the candidates when there are some (CROSS
    /// JOIN keeps SQLite from walking every order instead), else from every order.
    fn select(&self, columns: &str) -> String {
        match &self.candidates {
            Some(c) => format!(
                "WITH cand(id) AS ({c})
                 SELECT {columns} FROM cand CROSS JOIN export_orders o
                 WHERE o.id = cand.id{}",
                self.filter
            ),
            None => format!(
                "SELECT {columns} FROM export_orders o WHERE 1{}",
                self.filter
            ),
        }
    }
}

/// The order list, newest change first.
pub fn list(store: &Store, q: &ListQuery) -> Result<OrderPage> {
    let sql = list_sql(q);
    // From a candidate set, the total comes with the page (one pass over the candidates,
    // whose search may be the costly part); otherwise it is counted apart, cheaply.
    let windowed = sql.candidates.is_some();
    let n = sql.args.len();
    // The page's ids first, then its columns: sorting with the columns would compute the
    // per-order sums for every matching order, not only the fifty shown.
    let sort = q.sort.unwrap_or(ListSort {
        by: SortColumn::UpdatedAt,
        descending: true,
    });
    let dir = if sort.descending { "DESC" } else { "ASC" };
    let mut stmt = store.conn.prepare_cached(&format!(
        "WITH page AS ({} ORDER BY sort_key {dir}, o.id {dir} LIMIT ?{} OFFSET ?{})
         SELECT o.id, o.uuid, o.state, o.buyer_name, o.passport_no, o.country, o.total_cents, o.customs_no, o.updated_at,
            (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id),
            (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id
                AND EXISTS (SELECT 1 FROM line_links k WHERE k.line_id = l.id)),
            (SELECT coalesce(sum(amount_cents), 0) FROM order_lines l WHERE l.order_id = o.id),
            (SELECT x.rejection_code FROM outbox x WHERE x.order_id = o.id AND x.verdict = 'rejected' ORDER BY x.seq DESC LIMIT 1),
            EXISTS (SELECT 1 FROM outbox x WHERE x.order_id = o.id AND x.acked_at IS NULL),
            o.created_at, page.total, s.origin, s.origin_device, s.changed_by,
            (SELECT x.rejection_message FROM outbox x WHERE x.order_id = o.id AND x.verdict = 'rejected' ORDER BY x.seq DESC LIMIT 1)
         FROM page CROSS JOIN export_orders o LEFT JOIN order_sync s ON s.order_id = o.id WHERE o.id = page.id
         ORDER BY page.sort_key {dir}, page.id {dir}",
        sql.select(&if windowed {
            format!("o.id, {} AS sort_key, count(*) OVER () AS total", sort.by.sql())
        } else {
            format!("o.id, {} AS sort_key, NULL AS total", sort.by.sql())
        }),
        n + 1,
        n + 2
    ))?;
    let limit = q.limit.unwrap_or(50).min(1000);
    let mut all = sql.args.clone();
    all.push(rusqlite::types::Value::Integer(limit.into()));
    all.push(rusqlite::types::Value::Integer(
        q.offset.unwrap_or(0).into(),
    ));
    let mut counted: Option<i64> = None;
    let own = store.device_id()?;
    let rows = stmt.query_map(rusqlite::params_from_iter(all.iter()), |r| {
        counted = r.get(15)?;
        let state = OrderState::parse(&r.get::<_, String>(2)?).unwrap_or(OrderState::Declared);
        let passport: Option<String> = r.get(4)?;
        let rejection: Option<String> = r.get(12)?;
        let unacked: bool = r.get(13)?;
        let sync_state = match (state, &rejection, unacked) {
            (OrderState::Draft, _, _) => SyncState::Local,
            (_, Some(_), _) => SyncState::Rejected,
            (_, None, true) => SyncState::Pending,
            (_, None, false) => SyncState::Synced,
        };
        let uuid: String = r.get(1)?;
        Ok(OrderSummary {
            id: r.get(0)?,
            order_no: xinbao_domain::order_number::of(&uuid),
            uuid,
            state,
            buyer_name: r.get(3)?,
            passport_masked: passport.as_deref().map(mask::passport),
            country: r.get(5)?,
            total_cents: r.get(6)?,
            customs_no: r.get(7)?,
            updated_at: r.get(8)?,
            line_count: r.get(9)?,
            linked_line_count: r.get(10)?,
            lines_total_cents: r.get(11)?,
            sync_state,
            rejection,
            rejection_message: r.get(19)?,
            created_at: r.get(14)?,
            actions: state.actions(),
            origin: Origin::of(
                r.get::<_, Option<String>>(16)?.as_deref(),
                r.get::<_, Option<String>>(17)?.as_deref(),
                &own,
            ),
            changed_by: r.get(18)?,
        })
    })?;
    let orders: Vec<OrderSummary> = rows.collect::<Result<_, _>>()?;
    let total = match counted {
        Some(total) if windowed => total,
        // A page past the end has no row to carry the total.
        _ => list_total(store, q, &sql)?,
    };
    Ok(OrderPage { total, orders })
}

/// How many orders the query matches. "Synced" alone is most orders: counting them one by
/// one would read them all, so it is every sent order less the few pending or rejected
/// (the three sets do not overlap).
fn list_total(store: &Store, q: &ListQuery, sql: &ListSql) -> Result<i64> {
    let only_synced = q.sync_state == Some(SyncState::Synced)
        && ListQuery {
            sync_state: None,
            ..q.clone()
        }
        .is_unfiltered();
    let count = |sql: &ListSql| -> Result<i64> {
        Ok(store
            .conn
            .prepare_cached(&sql.select("count(*)"))?
            .query_row(rusqlite::params_from_iter(sql.args.iter()), |r| r.get(0))?)
    };
    if !only_synced {
        return count(sql);
    }
    let sent: i64 = store.conn.query_row(
        "SELECT count(*) FROM export_orders WHERE state IN ('confirmed', 'declared')",
        [],
        |r| r.get(0),
    )?;
    let of = |s: SyncState| {
        count(&list_sql(&ListQuery {
            sync_state: Some(s),
            ..Default::default()
        }))
    };
    Ok(sent - of(SyncState::Pending)? - of(SyncState::Rejected)?)
}

impl ListQuery {
    /// No filter and no search (paging aside).
    fn is_unfiltered(&self) -> bool {
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
        self.state.is_none()
            && self.sync_state.is_none()
            && blank(&self.country)
            && blank(&self.created_from)
            && blank(&self.created_to)
            && blank(&self.search)
    }
}

/// The home dashboard's figures: orders by state, by local month and state, by sync state.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub draft: i64,
    pub confirmed: i64,
    pub declared: i64,
    /// Local months since `since` that have orders, oldest first:
    /// (`YYYY-MM`, draft, confirmed, declared).
    pub by_month: Vec<(String, i64, i64, i64)>,
    pub sync_pending: i64,
    pub sync_rejected: i64,
}

/// `since` is the first instant (UTC) of the oldest month to show; `offset_minutes` the
/// clerk's time zone, so an order made at 07:00 in Yiwu on the 1st counts in that month.
pub fn dashboard(store: &Store, since: &str, offset_minutes: i32) -> Result<Dashboard> {
    let by_state = |state: &str| -> Result<i64> {
        Ok(store.conn.query_row(
            "SELECT count(*) FROM export_orders WHERE state = ?1",
            [state],
            |r| r.get(0),
        )?)
    };
    let mut stmt = store.conn.prepare_cached(
        "SELECT strftime('%Y-%m', created_at, ?2 || ' minutes') AS month,
                sum(state = 'draft'), sum(state = 'confirmed'), sum(state = 'declared')
         FROM export_orders WHERE created_at >= ?1 GROUP BY month ORDER BY month",
    )?;
    let by_month = stmt
        .query_map(params![since, offset_minutes], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    let count = |sync_state| {
        let q = ListQuery {
            sync_state: Some(sync_state),
            ..Default::default()
        };
        list_total(store, &q, &list_sql(&q))
    };
    Ok(Dashboard {
        draft: by_state("draft")?,
        confirmed: by_state("confirmed")?,
        declared: by_state("declared")?,
        by_month,
        sync_pending: count(SyncState::Pending)?,
        sync_rejected: count(SyncState::Rejected)?,
    })
}

/// What the list's filters can offer: the countries that occur and the first month.
#[derive(Debug, Clone, Serialize)]
pub struct ListFacets {
    pub countries: Vec<String>,
    /// The oldest order's creation time (UTC), if any.
    pub first_created_at: Option<String>,
}

pub fn list_facets(store: &Store) -> Result<ListFacets> {
    let mut stmt = store.conn.prepare_cached(
        "SELECT DISTINCT country FROM export_orders WHERE country IS NOT NULL ORDER BY country",
    )?;
    let countries = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let first_created_at =
        store
            .conn
            .query_row("SELECT min(created_at) FROM export_orders", [], |r| {
                r.get(0)
            })?;
    Ok(ListFacets {
        countries,
        first_created_at,
    })
}
