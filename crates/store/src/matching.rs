//! 自动匹配 against the local cache of merchant orders, and group linking (a merchant-month
//! group to the ticked merchant orders, manual §3.1 step 4). What the matcher proposes is
//! the domain's ([`xinbao_domain::matching`]); here it is read from the file and applied.
//!
//! Links applied together are a run: one transaction, every link recorded with how it was
//! made and its run, audited and queued as any link; 【撤销本次匹配】 removes that run's
//! links and nothing else while the order allows link edits.

use crate::links::{How, LinkWriter};
use crate::orders::load_order;
use crate::{Result, Store, StoreError};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use xinbao_domain::matching::{
    self, Class, Counts, MatchCandidate, MatchLine, MatchPlan, Proposal,
};
use xinbao_domain::{Code, Invalid};

/// The most links one run may make: a group link is every line times every merchant order
/// ticked, and a list sent by the page is a stranger's input.
pub const MAX_RUN_LINKS: usize = 2_000_000;

/// A run as it was written: its id (none when nothing was left to link) and its links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    pub id: Option<i64>,
    pub order_id: i64,
    pub links: usize,
}

/// A run as listed: who, when, how many links, whether it was undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    pub id: i64,
    pub actor: String,
    pub at: String,
    pub links: i64,
    pub undone_at: Option<String>,
}

/// What 【自动匹配】 shows: the order's lines without links against the cached merchant
/// orders. Changes nothing.
pub fn preview(store: &Store, order_id: i64) -> Result<MatchPlan> {
    load_order(&store.conn, order_id)?;
    plan_in(&store.conn, order_id)
}

fn plan_in(conn: &rusqlite::Connection, order_id: i64) -> Result<MatchPlan> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, l.procurement_no, l.mobile, l.order_month, l.amount_cents
         FROM order_lines l
         WHERE l.order_id = ?1 AND NOT EXISTS (SELECT 1 FROM line_links k WHERE k.line_id = l.id)
         ORDER BY l.id",
    )?;
    let lines = stmt
        .query_map([order_id], |r| {
            Ok(MatchLine {
                id: r.get(0)?,
                procurement_no: r.get(1)?,
                mobile: r.get(2)?,
                order_month: r.get(3)?,
                amount_cents: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    // The merchant orders of the months the order's lines name, with the export order (this
    // one included) already holding each.
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.procurement_no, m.mobile, m.order_month, m.amount_cents,
                (SELECT l.order_id FROM line_links k JOIN order_lines l ON l.id = k.line_id
                 WHERE k.merchant_order_id = m.id ORDER BY l.order_id LIMIT 1)
         FROM merchant_orders m
         WHERE m.order_month IN (SELECT DISTINCT order_month FROM order_lines
                                 WHERE order_id = ?1 AND order_month IS NOT NULL)",
    )?;
    let candidates = stmt
        .query_map([order_id], |r| {
            Ok(MatchCandidate {
                id: r.get(0)?,
                procurement_no: r.get(1)?,
                mobile: r.get(2)?,
                order_month: r.get(3)?,
                amount_cents: r.get(4)?,
                taken_by: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(matching::plan(&lines, &candidates))
}

/// 【全部关联】: the unique exact proposals, planned again inside the transaction that
/// applies them (a merchant order gone from the cache since the preview is simply not
/// proposed), as one run.
pub fn apply_exact(store: &mut Store, actor: &str, order_id: i64) -> Result<Run> {
    apply_exact_planned(store, actor, order_id).map(|(run, _)| run)
}

/// [`apply_exact`], with the plan it applied (what the CLI prints: planned once, not twice).
pub fn apply_exact_planned(
    store: &mut Store,
    actor: &str,
    order_id: i64,
) -> Result<(Run, MatchPlan)> {
    let tx = store.conn.transaction()?;
    load_order(&tx, order_id)?;
    let plan = plan_in(&tx, order_id)?;
    let run = write_run(
        &tx,
        actor,
        order_id,
        &plan.exact_links(),
        How::Exact,
        Planned::Here,
    )?;
    tx.commit()?;
    Ok((run, plan))
}

/// Whether a run's links were planned by the matcher in the run's own transaction (then
/// not checked again link by link) or come from outside it (the clerk, the page).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Planned {
    Here,
    Elsewhere,
}

/// Links as one run: all of them or, at the first that cannot be made, none.
fn apply_links(
    store: &mut Store,
    actor: &str,
    order_id: i64,
    links: &[(i64, String)],
    how: How,
) -> Result<Run> {
    let tx = store.conn.transaction()?;
    let run = write_run(&tx, actor, order_id, links, how, Planned::Elsewhere)?;
    tx.commit()?;
    Ok(run)
}

/// 【关联商户订单】 on a group: every line given to every merchant order ticked, one run.
pub fn link_group(
    store: &mut Store,
    actor: &str,
    order_id: i64,
    line_ids: &[i64],
    merchant_order_ids: &[String],
) -> Result<Run> {
    let required = |field: &str, what: &str| {
        Invalid::new(Code::Required, format!("a group link needs {what}")).at(field)
    };
    let mut missing = Vec::new();
    if line_ids.is_empty() {
        missing.push(required("lines", "at least one line of the group"));
    }
    if merchant_order_ids.is_empty() {
        missing.push(required(
            "merchant_orders",
            "at least one merchant order ticked",
        ));
    }
    if !missing.is_empty() {
        return Err(StoreError::Invalid(missing));
    }
    too_many(line_ids.len().saturating_mul(merchant_order_ids.len()))?;
    let links: Vec<(i64, String)> = line_ids
        .iter()
        .flat_map(|&l| merchant_order_ids.iter().map(move |m| (l, m.clone())))
        .collect();
    apply_links(store, actor, order_id, &links, How::Group)
}

fn too_many(links: usize) -> Result<()> {
    if links > MAX_RUN_LINKS {
        return Err(StoreError::Invalid(vec![Invalid::new(
            Code::TooLong,
            format!("{links} links in one run; at most {MAX_RUN_LINKS}"),
        )
        .at("links")]));
    }
    Ok(())
}

fn write_run(
    tx: &Transaction<'_>,
    actor: &str,
    order_id: i64,
    links: &[(i64, String)],
    how: How,
    planned: Planned,
) -> Result<Run> {
    too_many(links.len())?;
    let mut writer = LinkWriter::new(tx, actor, order_id)?;
    tx.execute(
        "INSERT INTO match_runs (order_id, actor, at, links) VALUES (?1, ?2, ?3, 0)",
        params![order_id, actor, writer.at()],
    )?;
    let run = tx.last_insert_rowid();
    for (line, merchant_order) in links {
        match planned {
            Planned::Here => writer.add_planned(*line, merchant_order, how, run)?,
            Planned::Elsewhere => writer.add(*line, merchant_order, how, Some(run))?,
        };
    }
    let written = writer.finish()?;
    crate::crash::point("match.written");
    if written == 0 {
        tx.execute("DELETE FROM match_runs WHERE id = ?1", [run])?;
        return Ok(Run {
            id: None,
            order_id,
            links: 0,
        });
    }
    tx.execute(
        "UPDATE match_runs SET links = ?2 WHERE id = ?1",
        params![run, written as i64],
    )?;
    Ok(Run {
        id: Some(run),
        order_id,
        links: written,
    })
}

/// 【撤销本次匹配】: removes the run's links (audited and queued as any unlink) and nothing
/// else; links made by hand since, or by other runs, stay. Returns how many were removed.
pub fn undo_run(store: &mut Store, actor: &str, order_id: i64, run: i64) -> Result<usize> {
    let tx = store.conn.transaction()?;
    let undone: Option<Option<String>> = tx
        .query_row(
            "SELECT undone_at FROM match_runs WHERE id = ?1 AND order_id = ?2",
            params![run, order_id],
            |r| r.get(0),
        )
        .optional()?;
    match undone {
        None => {
            load_order(&tx, order_id)?;
            return Err(StoreError::RunNotFound {
                order: order_id,
                run,
            });
        }
        Some(Some(_)) => return Err(StoreError::RunUndone(run)),
        Some(None) => {}
    }
    let mut writer = LinkWriter::new(&tx, actor, order_id)?;
    let links: Vec<(i64, String)> = tx
        .prepare("SELECT line_id, merchant_order_id FROM line_links WHERE run_id = ?1")?
        .query_map([run], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (line, merchant_order) in &links {
        writer.remove(*line, merchant_order)?;
    }
    tx.execute(
        "UPDATE match_runs SET undone_at = ?2 WHERE id = ?1",
        params![run, writer.at()],
    )?;
    let removed = writer.finish()?;
    tx.commit()?;
    Ok(removed)
}

/// The order's runs, newest first.
pub fn runs(store: &Store, order_id: i64) -> Result<Vec<RunSummary>> {
    load_order(&store.conn, order_id)?;
    let mut stmt = store.conn.prepare_cached(
        "SELECT id, actor, at, links, undone_at FROM match_runs WHERE order_id = ?1 ORDER BY id DESC",
    )?;
    let rows = stmt.query_map([order_id], |r| {
        Ok(RunSummary {
            id: r.get(0)?,
            actor: r.get(1)?,
            at: r.get(2)?,
            links: r.get(3)?,
            undone_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The lines of a merchant-month group (the manual's left column): the lines whose
/// merchant (procurement number in any case, else mobile) is `merchant` and whose month is
/// `month` (any form the domain's month rule reads).
pub fn group_lines(store: &Store, order_id: i64, merchant: &str, month: &str) -> Result<Vec<i64>> {
    load_order(&store.conn, order_id)?;
    let month = xinbao_domain::validate::month(month)
        .map_err(|e| StoreError::Invalid(vec![e.at("month")]))?
        .to_text();
    let mut stmt = store.conn.prepare_cached(
        "SELECT id FROM order_lines
         WHERE order_id = ?1 AND order_month = ?3
           AND (CASE WHEN procurement_no IS NOT NULL THEN upper(procurement_no) ELSE mobile END) = upper(?2)
         ORDER BY position, id",
    )?;
    let rows = stmt.query_map(params![order_id, merchant.trim(), month], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What the clerk picked of a review: a choice among equal solutions, or a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Picked {
    Choice,
    Suggestion,
}

/// Links picked from a review, as one run recorded as picked.
pub fn apply_picked(
    store: &mut Store,
    actor: &str,
    order_id: i64,
    links: &[(i64, String)],
    picked: Picked,
) -> Result<Run> {
    too_many(links.len())?;
    let tx = store.conn.transaction()?;
    load_order(&tx, order_id)?;
    // Only what the matcher proposes now may be recorded as picked from it: a link from a
    // preview gone stale (or made up by the page) is refused, nothing of the run kept.
    let plan = plan_in(&tx, order_id)?;
    let (how, offered): (How, std::collections::HashSet<(i64, &str)>) = match picked {
        Picked::Choice => (
            How::Choice,
            plan.proposals
                .iter()
                .filter(|p| p.class == Class::Ambiguous)
                .flat_map(|p| p.choices.iter())
                .flat_map(|c| {
                    c.lines
                        .iter()
                        .flat_map(move |&l| c.merchant_orders.iter().map(move |m| (l, m.as_str())))
                })
                .collect(),
        ),
        Picked::Suggestion => (
            How::Suggestion,
            plan.proposals
                .iter()
                .filter(|p| p.class == Class::Suggestion)
                .flat_map(|p| p.links())
                .collect(),
        ),
    };
    if let Some((line, mo)) = links
        .iter()
        .find(|(l, m)| !offered.contains(&(*l, m.as_str())))
    {
        return Err(StoreError::Invalid(vec![Invalid::new(
            Code::Required,
            format!("line {line} with merchant order {mo} is not among the proposals now (the order or the merchant orders changed): run 自动匹配 again"),
        )
        .at("links")]));
    }
    let run = write_run(&tx, actor, order_id, links, how, Planned::Here)?;
    tx.commit()?;
    Ok(run)
}

/// What the linking screen shows of a plan: the counts first, then the proposals the clerk
/// walks (ambiguous, suggestions, none; at most `limit`, in line order), and the order's
/// latest runs (the newest not undone is what 【撤销本次匹配】 undoes).
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub counts: Counts,
    pub review: Vec<Proposal>,
    pub review_total: usize,
    pub runs: Vec<RunSummary>,
}

pub fn review(store: &Store, order_id: i64, limit: usize) -> Result<Review> {
    let plan = preview(store, order_id)?;
    let mut walk: Vec<Proposal> = plan
        .proposals
        .into_iter()
        .filter(|p| p.class != Class::UniqueExact)
        .collect();
    let review_total = walk.len();
    walk.truncate(limit);
    let mut runs = runs(store, order_id)?;
    runs.truncate(5);
    Ok(Review {
        counts: plan.counts,
        review: walk,
        review_total,
        runs,
    })
}
