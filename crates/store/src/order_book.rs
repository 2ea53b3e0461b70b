//! The company's order book on this computer: confirmed and declared orders as the
//! platform holds them, kept beside the orders typed here (drafts never leave the computer
//! that made them).
//!
//! The platform decides. Its copy of an order replaces ours, in one transaction with one
//! audit row, unless something of the order still waits in our outbox: then the copy is
//! noted (`needs_refresh`) and fetched again once the queue has had the platform's verdict.
//! A refused operation marks its order the same way, so the clerk sees the platform's
//! version and, on the order, why theirs was refused.
//!
//! When the platform went back in time (a new database, or a restore from backup), every
//! order this computer holds is sent again from its own copy ([`resend_all`]); when this
//! computer's database is the older copy, its queue continues above what the platform
//! holds ([`continue_above`]).

use crate::audit::{self, Change, Entity};
use crate::orders::{confirm_payload, load_lines, load_links, load_order};
use crate::outbox::{self, kind};
use crate::{now, Result, Store, StoreError};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use xinbao_domain::order::OrderLineDraft;
use xinbao_domain::{mask, Cents, OrderState};
use xinbao_wire::{BookLine, BookOrder, OrderOrigin, OrderRestore, RemoteOrderState};

/// Who the audit log names for a change the platform made.
pub const PLATFORM_ACTOR: &str = "platform";

/// Where an order was entered, as the screens say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    ThisComputer,
    OtherComputer,
    PlatformWeb,
}

impl Origin {
    /// From an order's sync note (`origin`, `origin_device`) and this computer's device id.
    pub(crate) fn of(origin: Option<&str>, origin_device: Option<&str>, own: &str) -> Origin {
        match (origin, origin_device) {
            (Some("web"), _) => Origin::PlatformWeb,
            (_, Some(d)) if d != own => Origin::OtherComputer,
            _ => Origin::ThisComputer,
        }
    }
}

/// What one application of the platform's copies did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    /// Orders new to this computer.
    pub added: usize,
    /// Orders whose copy here changed.
    pub changed: usize,
    pub unchanged: usize,
    /// Orders left as they are until their queued changes have the platform's verdict.
    pub deferred: usize,
    /// Links to merchant orders not (yet) in the local cache.
    pub missing_links: usize,
}

/// Applies the platform's copies of orders (each with all its lines).
///
/// Written with `synchronous = NORMAL`: a page lost to a power cut is pulled again (its
/// cursor is written in the same transaction), so the wait for the disk buys nothing here.
pub fn apply(store: &mut Store, orders: &[BookOrder]) -> Result<ApplyReport> {
    let bulk = orders.iter().map(|o| o.lines.len()).sum::<usize>() > 1000;
    if bulk {
        store
            .conn
            .pragma_update(None, "cache_size", crate::BULK_CACHE_KIB)?;
    }
    store.conn.pragma_update(None, "synchronous", "NORMAL")?;
    let result = apply_all(store, orders);
    store.conn.pragma_update(None, "synchronous", "FULL")?;
    if bulk {
        store
            .conn
            .pragma_update(None, "cache_size", crate::DEFAULT_CACHE_KIB)?;
    }
    result
}

fn apply_all(store: &mut Store, orders: &[BookOrder]) -> Result<ApplyReport> {
    let own = store.device_id()?;
    let tx = store.conn.transaction()?;
    let mut report = ApplyReport::default();
    let at = now();
    tx.execute(
        "INSERT OR IGNORE INTO applying_platform_copy (id) VALUES (1)",
        [],
    )?;
    {
        let mut w = Writer {
            known: HashMap::new(),
            new_orders: Vec::new(),
            insert_line: tx.prepare_cached(
                "INSERT INTO order_lines (uuid, order_id, position, procurement_no, merchant_name, mobile,
                                          order_month, product_name, quantity, packages, amount_cents, note,
                                          created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
            )?,
            insert_link: tx.prepare_cached(
                "INSERT OR IGNORE INTO line_links (line_id, merchant_order_id, created_at) VALUES (?1, ?2, ?3)",
            )?,
        };
        for o in orders {
            apply_one(&tx, &own, &at, o, &mut w, &mut report)?;
        }
        index_new_orders(&tx, &w.new_orders)?;
    }
    tx.execute("DELETE FROM applying_platform_copy", [])?;
    tx.commit()?;
    Ok(report)
}

struct Local {
    id: i64,
    remote_rev: Option<i64>,
    needs_refresh: bool,
    unacked: bool,
}

fn local(tx: &Transaction<'_>, uuid: &str) -> Result<Option<Local>> {
    Ok(tx
        .prepare_cached(
            "SELECT e.id, s.remote_rev, coalesce(s.needs_refresh, 0),
                    EXISTS (SELECT 1 FROM outbox x WHERE x.order_id = e.id AND x.acked_at IS NULL)
             FROM export_orders e LEFT JOIN order_sync s ON s.order_id = e.id WHERE e.uuid = ?1",
        )?
        .query_row([uuid], |r| {
            Ok(Local {
                id: r.get(0)?,
                remote_rev: r.get(1)?,
                needs_refresh: r.get(2)?,
                unacked: r.get(3)?,
            })
        })
        .optional()?)
}

fn note_refresh(tx: &Transaction<'_>, order_id: i64) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO order_sync (order_id, needs_refresh) VALUES (?1, 1)
         ON CONFLICT (order_id) DO UPDATE SET needs_refresh = 1",
    )?
    .execute([order_id])?;
    Ok(())
}

/// The origin as `order_sync.origin` keeps it.
fn origin_str(o: OrderOrigin) -> &'static str {
    match o {
        OrderOrigin::Desk => "desk",
        OrderOrigin::Web => "web",
    }
}

fn state_str(s: RemoteOrderState) -> &'static str {
    match s {
        RemoteOrderState::Confirmed => OrderState::Confirmed.as_str(),
        RemoteOrderState::Declared => OrderState::Declared.as_str(),
    }
}

fn line_of(l: &BookLine) -> OrderLineDraft {
    OrderLineDraft {
        id: None,
        procurement_no: l.procurement_no.clone(),
        merchant_name: Some(l.merchant_name.clone()),
        mobile: Some(l.mobile.clone()),
        order_month: Some(l.order_month.clone()),
        product_name: Some(l.product_name.clone()),
        quantity: Some(l.quantity),
        packages: Some(l.packages),
        amount_cents: Some(Cents(l.amount_cents)),
        note: l.note.clone(),
    }
}

/// The search index's rows for the orders this application inserted (its insert trigger
/// stands aside while the platform's copy is applied), a few hundred orders a statement.
fn index_new_orders(tx: &Transaction<'_>, ids: &[i64]) -> Result<()> {
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(",");
        tx.prepare_cached(&format!(
            "INSERT INTO order_text (rowid, buyer_name, customs_no)
             SELECT id, buyer_name, customs_no FROM export_orders WHERE id IN ({marks})"
        ))?
        .execute(rusqlite::params_from_iter(chunk))?;
    }
    Ok(())
}

/// What one application writes with again and again: a page's lines and links (held for
/// the page, not looked up per row), and whether each merchant order met is in the local
/// cache (a page's lines link to a handful of them).
struct Writer<'tx> {
    known: HashMap<String, bool>,
    /// Orders inserted by this application: the search index takes them at the end.
    new_orders: Vec<i64>,
    insert_line: rusqlite::CachedStatement<'tx>,
    insert_link: rusqlite::CachedStatement<'tx>,
}

impl Writer<'_> {
    fn merchant_order_cached(&mut self, tx: &Transaction<'_>, id: &str) -> Result<bool> {
        if let Some(&known) = self.known.get(id) {
            return Ok(known);
        }
        let known: bool = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM merchant_orders WHERE id = ?1)")?
            .query_row([id], |r| r.get(0))?;
        self.known.insert(id.to_string(), known);
        Ok(known)
    }
}

fn apply_one(
    tx: &Transaction<'_>,
    own: &str,
    at: &str,
    o: &BookOrder,
    w: &mut Writer<'_>,
    report: &mut ApplyReport,
) -> Result<()> {
    let existing = local(tx, &o.order_uuid)?;
    if let Some(l) = &existing {
        if l.unacked {
            // Our queued change goes first; the platform's verdict decides, then we look again.
            note_refresh(tx, l.id)?;
            report.deferred += 1;
            return Ok(());
        }
        if l.remote_rev == Some(o.rev) && !l.needs_refresh {
            report.unchanged += 1;
            return Ok(());
        }
    }
    let state = state_str(o.state);
    // One customs number belongs to one order: if ours gave it to another order (a refused
    // declaration not yet refreshed), the platform's word takes it back from that one.
    if let Some(no) = &o.customs_no {
        let holder: Option<i64> = tx
            .query_row(
                "SELECT id FROM export_orders WHERE customs_no = ?1 AND uuid <> ?2",
                params![no, o.order_uuid],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(other) = holder {
            tx.execute(
                "UPDATE export_orders SET state = 'confirmed', customs_no = NULL, declared_at = NULL WHERE id = ?1",
                [other],
            )?;
            note_refresh(tx, other)?;
        }
    }
    let (order_id, before, header_changed) = match &existing {
        None => {
            tx.prepare_cached(
                "INSERT INTO export_orders (uuid, state, buyer_name, passport_no, country, total_cents, customs_no,
                                            created_at, updated_at, confirmed_at, declared_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8, ?10)",
            )?
            .execute(params![
                o.order_uuid, state, o.buyer_name, o.passport_no, o.country, o.total_cents, o.customs_no,
                o.confirmed_at, at, o.declared_at
            ])?;
            let id = tx.last_insert_rowid();
            w.new_orders.push(id);
            (id, None, true)
        }
        Some(l) => {
            let row = load_order(tx, l.id)?;
            let before = json!({
                "state": row.state.as_str(),
                "customs_no": row.customs_no,
                "rev": l.remote_rev,
            });
            let changed = row.state.as_str() != state
                || row.customs_no != o.customs_no
                || row.draft.buyer_name.as_deref() != Some(o.buyer_name.as_str())
                || row.draft.passport_no.as_deref() != Some(o.passport_no.as_str())
                || row.draft.country.as_deref() != Some(o.country.as_str())
                || row.draft.total_cents != Some(Cents(o.total_cents));
            if changed {
                tx.execute(
                    "UPDATE export_orders SET state = ?2, buyer_name = ?3, passport_no = ?4, country = ?5,
                            total_cents = ?6, customs_no = ?7, confirmed_at = ?8, declared_at = ?9, updated_at = ?10
                     WHERE id = ?1",
                    params![
                        l.id, state, o.buyer_name, o.passport_no, o.country, o.total_cents, o.customs_no,
                        o.confirmed_at, o.declared_at, at
                    ],
                )?;
            }
            (l.id, Some(before), changed)
        }
    };
    let missing_before = report.missing_links;
    let lines = apply_lines(tx, at, order_id, existing.is_none(), o, w, report)?;
    tx.prepare_cached(
        "INSERT INTO order_sync (order_id, remote_rev, origin, origin_device, changed_by, changed_device,
                                 needs_refresh, not_on_platform, refreshed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, ?7)
         ON CONFLICT (order_id) DO UPDATE SET remote_rev = excluded.remote_rev, origin = excluded.origin,
             origin_device = excluded.origin_device, changed_by = excluded.changed_by,
             changed_device = excluded.changed_device, needs_refresh = 0, not_on_platform = 0,
             refreshed_at = excluded.refreshed_at",
    )?
    .execute(params![
        order_id,
        o.rev,
        origin_str(o.origin),
        o.origin_device,
        o.changed_by,
        o.changed_device,
        at
    ])?;
    if report.missing_links > missing_before {
        // A link to a merchant order not cached yet: fetched again once it is, so the link
        // is not lost here (nor in a later re-send of this computer's copy).
        note_refresh(tx, order_id)?;
    }
    let changed = header_changed || lines.any();
    if !changed {
        report.unchanged += 1;
        return Ok(());
    }
    if existing.is_some() && !header_changed {
        crate::orders::touch(tx, order_id, at)?;
    }
    if existing.is_none() {
        report.added += 1;
    } else {
        report.changed += 1;
    }
    audit::record(
        tx,
        at,
        Change {
            actor: PLATFORM_ACTOR,
            order_id,
            entity: Entity::Order,
            entity_id: order_id.to_string(),
            action: "platform",
            before,
            after: Some(json!({
                "state": state,
                "buyer_name": o.buyer_name,
                "passport_no": mask::passport(&o.passport_no),
                "customs_no": o.customs_no,
                "rev": o.rev,
                "changed_by": o.changed_by,
                "changed_device": o.changed_device,
                "origin": Origin::of(
                    Some(origin_str(o.origin)),
                    o.origin_device.as_deref(),
                    own,
                ),
                "lines_added": lines.added,
                "lines_changed": lines.changed,
                "lines_removed": lines.removed,
                "links_changed": lines.links_changed,
            })),
        },
    )?;
    Ok(())
}

#[derive(Default)]
struct LinesChanged {
    added: usize,
    changed: usize,
    removed: usize,
    links_changed: usize,
}

impl LinesChanged {
    fn any(&self) -> bool {
        self.added + self.changed + self.removed + self.links_changed > 0
    }
}

fn apply_lines(
    tx: &Transaction<'_>,
    at: &str,
    order_id: i64,
    new_order: bool,
    o: &BookOrder,
    w: &mut Writer<'_>,
    report: &mut ApplyReport,
) -> Result<LinesChanged> {
    let mut out = LinesChanged::default();
    // An order new to this computer has nothing to compare with.
    let (stored, links) = if new_order {
        (Vec::new(), HashMap::new())
    } else {
        (load_lines(tx, order_id)?, load_links(tx, order_id)?)
    };
    let by_uuid: HashMap<&str, &crate::orders::LineRow> =
        stored.iter().map(|l| (l.uuid.as_str(), l)).collect();
    let remote: HashSet<&str> = o.lines.iter().map(|l| l.line_uuid.as_str()).collect();
    for gone in stored.iter().filter(|l| !remote.contains(l.uuid.as_str())) {
        tx.prepare_cached("DELETE FROM order_lines WHERE id = ?1")?
            .execute([gone.line.id])?;
        out.removed += 1;
    }
    for l in &o.lines {
        let line = line_of(l);
        let line_id = match by_uuid.get(l.line_uuid.as_str()) {
            None => {
                w.insert_line.execute(params![
                    l.line_uuid,
                    order_id,
                    l.position,
                    line.procurement_no,
                    line.merchant_name,
                    line.mobile,
                    line.order_month,
                    line.product_name,
                    line.quantity,
                    line.packages,
                    l.amount_cents,
                    line.note,
                    at
                ])?;
                out.added += 1;
                tx.last_insert_rowid()
            }
            Some(s) => {
                let id = s.line.id.unwrap_or_default();
                let same = s.position == l.position
                    && OrderLineDraft {
                        id: None,
                        ..s.line.clone()
                    } == line;
                if !same {
                    tx.prepare_cached(
                        "UPDATE order_lines SET position = ?2, procurement_no = ?3, merchant_name = ?4, mobile = ?5,
                                order_month = ?6, product_name = ?7, quantity = ?8, packages = ?9, amount_cents = ?10,
                                note = ?11, updated_at = ?12 WHERE id = ?1",
                    )?
                    .execute(params![
                        id, l.position, line.procurement_no, line.merchant_name, line.mobile, line.order_month,
                        line.product_name, line.quantity, line.packages, l.amount_cents, line.note, at
                    ])?;
                    out.changed += 1;
                }
                id
            }
        };
        let mut have: Vec<&str> = links
            .get(&line_id)
            .map(|v| v.iter().map(|m| m.id.as_str()).collect())
            .unwrap_or_default();
        let mut want: Vec<&str> = l.merchant_orders.iter().map(String::as_str).collect();
        have.sort_unstable();
        want.sort_unstable();
        if have != want {
            if !have.is_empty() {
                tx.prepare_cached("DELETE FROM line_links WHERE line_id = ?1")?
                    .execute([line_id])?;
            }
            for mo in &want {
                if !w.merchant_order_cached(tx, mo)? {
                    report.missing_links += 1;
                    continue;
                }
                w.insert_link.execute(params![line_id, mo, at])?;
            }
            out.links_changed += 1;
        }
    }
    Ok(out)
}

/// Orders whose platform copy must be fetched again now: noted for a refresh, with
/// nothing of theirs waiting in the outbox. Their ids on the platform.
pub fn due_for_refresh(store: &Store) -> Result<Vec<String>> {
    let mut stmt = store.conn.prepare_cached(
        "SELECT e.uuid FROM order_sync s JOIN export_orders e ON e.id = s.order_id
         WHERE s.needs_refresh = 1
           AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.order_id = e.id AND x.acked_at IS NULL)
         ORDER BY e.id",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The platform holds no such order. If it refused the order's confirmation, the clerk
/// may re-open it as a draft ([`reopen`]); either way there is nothing to fetch.
pub fn not_on_platform(store: &mut Store, uuid: &str) -> Result<()> {
    let tx = store.conn.transaction()?;
    tx.execute(
        "UPDATE order_sync SET needs_refresh = 0,
             not_on_platform = EXISTS (
                 SELECT 1 FROM outbox x WHERE x.order_id = order_sync.order_id AND x.kind = ?2
                    AND x.verdict = 'rejected'
                    AND x.seq = (SELECT max(seq) FROM outbox y WHERE y.order_id = order_sync.order_id AND y.kind = ?2))
         WHERE order_id = (SELECT id FROM export_orders WHERE uuid = ?1)",
        params![uuid, kind::ORDER_CONFIRM],
    )?;
    tx.commit()?;
    Ok(())
}

/// 重新打开: an order whose confirmation the platform refused, and which the platform does
/// not hold, goes back to a draft so the clerk can fix it and confirm it again. The clerk
/// is never left with a frozen order the platform does not have.
pub fn reopen(store: &mut Store, actor: &str, order_id: i64) -> Result<()> {
    let tx = store.conn.transaction()?;
    let order = load_order(&tx, order_id)?;
    let allowed: bool = tx
        .query_row(
            "SELECT not_on_platform = 1 AND NOT EXISTS (
                 SELECT 1 FROM outbox x WHERE x.order_id = ?1 AND x.acked_at IS NULL)
             FROM order_sync WHERE order_id = ?1",
            [order_id],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(false);
    if !allowed || order.state == OrderState::Draft {
        return Err(StoreError::NotReopenable(order_id));
    }
    let at = now();
    tx.execute(
        "INSERT OR IGNORE INTO applying_platform_copy (id) VALUES (1)",
        [],
    )?;
    tx.execute(
        "UPDATE export_orders SET state = 'draft', customs_no = NULL, declared_at = NULL, confirmed_at = NULL,
                updated_at = ?2 WHERE id = ?1",
        params![order_id, at],
    )?;
    tx.execute("DELETE FROM applying_platform_copy", [])?;
    tx.execute(
        "UPDATE order_sync SET not_on_platform = 0, needs_refresh = 0, remote_rev = NULL WHERE order_id = ?1",
        [order_id],
    )?;
    audit::record(
        &tx,
        &at,
        Change {
            actor,
            order_id,
            entity: Entity::Order,
            entity_id: order_id.to_string(),
            action: "reopen",
            before: Some(json!({ "state": order.state.as_str(), "customs_no": order.customs_no })),
            after: Some(json!({ "state": OrderState::Draft.as_str() })),
        },
    )?;
    tx.commit()?;
    Ok(())
}

/// What sync knows of one order, for its detail and summary.
#[derive(Debug, Clone, Serialize)]
pub struct OrderSyncNote {
    pub origin: Origin,
    pub changed_by: Option<String>,
    pub remote_rev: Option<i64>,
    pub can_reopen: bool,
}

pub fn note(store: &Store, order_id: i64) -> Result<OrderSyncNote> {
    let own = store.device_id()?;
    type Note = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i64>,
        bool,
    );
    let row: Option<Note> = store
        .conn
        .query_row(
            "SELECT s.origin, s.origin_device, s.changed_by, s.remote_rev,
                    s.not_on_platform = 1 AND e.state <> 'draft'
             FROM order_sync s JOIN export_orders e ON e.id = s.order_id WHERE s.order_id = ?1",
            [order_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let (origin, device, changed_by, remote_rev, can_reopen) =
        row.unwrap_or((None, None, None, None, false));
    Ok(OrderSyncNote {
        origin: Origin::of(origin.as_deref(), device.as_deref(), &own),
        changed_by,
        remote_rev,
        can_reopen,
    })
}

/// How many confirmed and declared orders this computer holds.
pub fn company_orders(store: &Store) -> Result<i64> {
    Ok(store.conn.query_row(
        "SELECT count(*) FROM export_orders WHERE state <> 'draft'",
        [],
        |r| r.get(0),
    )?)
}

/// The platform went back in time: every confirmed and declared order this computer holds
/// is queued again from its own copy (`order.confirm` with `restore`), ahead of whatever
/// was already waiting, whose sequence moves up behind them. Orders whose confirmation
/// still waits to be sent need nothing. Returns how many orders were queued.
pub fn resend_all(store: &mut Store) -> Result<usize> {
    let own = store.device_id()?;
    let tx = store.conn.transaction()?;
    let waiting: Vec<i64> = tx
        .prepare("SELECT seq FROM outbox WHERE acked_at IS NULL ORDER BY seq")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let ids: Vec<i64> = tx
        .prepare(
            "SELECT e.id FROM export_orders e WHERE e.state <> 'draft'
               AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.order_id = e.id AND x.kind = ?1
                               AND x.acked_at IS NULL)
             ORDER BY e.id",
        )?
        .query_map([kind::ORDER_CONFIRM], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let at = now();
    for &id in &ids {
        let order = load_order(&tx, id)?;
        let lines = load_lines(&tx, id)?;
        let links = load_links(&tx, id)?;
        let (known_rev, origin_device): (Option<i64>, Option<String>) = tx
            .query_row(
                "SELECT remote_rev, origin_device FROM order_sync WHERE order_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .unwrap_or((None, None));
        let declared_at: Option<String> = tx.query_row(
            "SELECT declared_at FROM export_orders WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?;
        let restore = OrderRestore {
            known_rev,
            customs_no: order.customs_no.clone(),
            declared_at,
            origin_device: origin_device.or_else(|| Some(own.clone())),
        };
        let payload = confirm_payload(
            &order,
            &lines,
            &links,
            order.confirmed_at.as_deref().unwrap_or(&at),
            Some(restore),
        );
        outbox::enqueue(&tx, &at, id, kind::ORDER_CONFIRM, &payload)?;
    }
    // What waited before goes behind the orders sent again, in its own order.
    outbox::move_to_end(&tx, &waiting)?;
    // The platform gives out revisions again from an older number: the ones remembered
    // here mean nothing now, and every order is taken again from the platform's word.
    tx.execute("UPDATE order_sync SET remote_rev = NULL", [])?;
    tx.commit()?;
    Ok(ids.len())
}

/// This computer's database is older than what the platform holds of it: operations not
/// yet acknowledged, numbered at or below `platform_last_seq`, move above it (in their own
/// order) and new ones are numbered above it. Returns how many moved.
pub fn continue_above(store: &mut Store, platform_last_seq: i64) -> Result<usize> {
    let tx = store.conn.transaction()?;
    let waiting: Vec<i64> = tx
        .prepare("SELECT seq FROM outbox WHERE acked_at IS NULL ORDER BY seq")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let moved = if waiting.first().is_some_and(|&s| s <= platform_last_seq) {
        outbox::move_to_end_above(&tx, &waiting, platform_last_seq)?;
        waiting.len()
    } else {
        0
    };
    outbox::number_above(&tx, platform_last_seq)?;
    tx.commit()?;
    Ok(moved)
}
