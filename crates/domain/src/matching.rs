//! 自动匹配: proposing links from an order's lines to the company's merchant orders.
//!
//! Pure: the store hands in the lines not yet linked and the cached merchant orders, and
//! gets proposals back. The gate is hard: a proposal never crosses the domain's
//! [`same_merchant_by`] rule or the order month, and never uses a merchant order another
//! export order holds. Money is integer cents; exact means equal cents.
//!
//! Stages run cheapest first inside each merchant-month group, and what one stage settles
//! is out of the next: one line = one merchant order, the group's lines = one merchant
//! order, one line = the group's merchant orders, the whole group = the whole set (the
//! manual's way, §3.1 step 4), then a subset search bounded by [`SUBSET_MAX_ITEMS`] and
//! [`SUBSET_MAX_STEPS`], so no input can keep it running. What is left gets the nearest
//! merchant order as a suggestion, banded by how far off it is, or the reason there is none.
//!
//! Only [`Class::UniqueExact`] may be applied without the clerk: it is the only solution
//! the matcher found, its search was complete and no other group wanted its merchant orders.

use crate::order::same_merchant_by;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The most items (lines or merchant orders of one group) one subset search considers;
/// with more, a solution found is offered as ambiguous, never applied on its own.
pub const SUBSET_MAX_ITEMS: usize = 24;
/// The most steps of one subset search.
pub const SUBSET_MAX_STEPS: u64 = 100_000;
/// The most steps of all subset searches of one group together.
pub const GROUP_MAX_STEPS: u64 = 1_000_000;
/// The most alternatives an ambiguous proposal lists.
pub const MAX_CHOICES: usize = 5;

/// A line as the matcher reads it. The store passes only lines without links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchLine {
    pub id: i64,
    pub procurement_no: Option<String>,
    pub mobile: Option<String>,
    /// `YYYY-MM`, as the domain's month rule writes it.
    pub order_month: Option<String>,
    pub amount_cents: Option<i64>,
}

/// A cached merchant order as the matcher reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchCandidate {
    pub id: String,
    pub procurement_no: Option<String>,
    pub mobile: String,
    pub order_month: String,
    pub amount_cents: i64,
    /// The export order whose lines hold it already (this order's included): never proposed.
    pub taken_by: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// The only solution: may be applied automatically.
    UniqueExact,
    /// Several equal solutions: the clerk chooses among `choices`.
    Ambiguous,
    /// Close but not exact: `difference_cents` and `band` say how close.
    Suggestion,
    /// Nothing to propose; `why` says why.
    None,
}

/// Which stage found a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    OneToOne,
    LinesToOne,
    OneToMany,
    Group,
    Subset,
    Nearest,
}

/// How far off a suggestion is, of the lines' amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Within 1% (or 1 元).
    Close,
    /// Within 5%.
    Near,
}

impl Band {
    fn of(difference: i64, amount: i64) -> Option<Band> {
        let d = difference.unsigned_abs() as u128;
        let a = amount.unsigned_abs() as u128;
        if d * 100 <= a || d <= 100 {
            Some(Band::Close)
        } else if d * 20 <= a {
            Some(Band::Near)
        } else {
            None
        }
    }
}

/// Why a line has no proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum NoMatch {
    /// The line lacks its merchant (procurement number or mobile), month or amount.
    Incomplete { missing: Vec<&'static str> },
    /// No merchant order of this merchant in that month is cached.
    NoMerchantOrders,
    /// Every merchant order of this merchant in that month is held by these export orders.
    AllTaken { taken_by: Vec<i64> },
    /// The nearest merchant order left differs by this much (more than 5%).
    AmountsDiffer { nearest_off_cents: i64 },
    /// The group's merchant orders all went to its other lines.
    NoneLeft,
}

/// One alternative of an ambiguous proposal: these lines with these merchant orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub lines: Vec<i64>,
    pub merchant_orders: Vec<String>,
}

/// What the matcher proposes for some lines of one merchant-month group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    pub class: Class,
    pub stage: Option<Stage>,
    /// The group: the line's merchant key (procurement number, else mobile) and month.
    pub merchant_key: Option<String>,
    pub order_month: Option<String>,
    pub lines: Vec<i64>,
    /// The proposed merchant orders (unique exact and suggestion): every line of `lines` is
    /// to be linked to every one of these.
    pub merchant_orders: Vec<String>,
    /// Ambiguous: the equal alternatives.
    pub choices: Vec<Choice>,
    pub lines_cents: i64,
    /// Suggestion: the merchant orders' total minus the lines' total.
    pub difference_cents: Option<i64>,
    pub band: Option<Band>,
    pub why: Option<NoMatch>,
}

impl Proposal {
    /// Every (line, merchant order) link the proposal makes when applied.
    pub fn links(&self) -> impl Iterator<Item = (i64, &str)> + '_ {
        self.lines
            .iter()
            .flat_map(move |&line| self.merchant_orders.iter().map(move |m| (line, m.as_str())))
    }
}

/// Lines by class: what the linking screen shows first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub unique_exact: usize,
    pub ambiguous: usize,
    pub suggestion: usize,
    pub none: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MatchPlan {
    /// In lines.
    pub counts: Counts,
    pub proposals: Vec<Proposal>,
}

impl MatchPlan {
    /// The links of every unique exact proposal: what 【全部关联】 applies.
    pub fn exact_links(&self) -> Vec<(i64, String)> {
        self.proposals
            .iter()
            .filter(|p| p.class == Class::UniqueExact)
            .flat_map(|p| p.links().map(|(l, m)| (l, m.to_string())))
            .collect()
    }
}

/// A merchant-month group's key: what a line's gate depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct GroupKey {
    procurement_no: Option<String>,
    mobile: Option<String>,
    month: String,
}

/// Proposes links for `lines` from `candidates`. Deterministic: the same input gives the
/// same plan, proposals in the order of their groups' first line.
pub fn plan(lines: &[MatchLine], candidates: &[MatchCandidate]) -> MatchPlan {
    let index = CandidateIndex::new(candidates);
    let mut proposals = Vec::new();
    let mut groups: BTreeMap<GroupKey, Vec<&MatchLine>> = BTreeMap::new();
    for line in lines {
        let missing = missing(line);
        if !missing.is_empty() {
            proposals.push(none(
                merchant_key(line),
                line.order_month.clone(),
                vec![line.id],
                line.amount_cents.unwrap_or(0),
                NoMatch::Incomplete { missing },
            ));
            continue;
        }
        let key = GroupKey {
            procurement_no: line.procurement_no.as_ref().map(|p| p.to_ascii_uppercase()),
            mobile: line.mobile.clone(),
            month: line.order_month.clone().unwrap_or_default(),
        };
        groups.entry(key).or_default().push(line);
    }
    // The gate of each group, and which merchant orders more than one group could use:
    // those are never applied without the clerk.
    let gates: Vec<(GroupKey, Vec<&MatchLine>, Vec<usize>)> = groups
        .into_iter()
        .map(|(key, lines)| {
            let gate = index.gate(&key);
            (key, lines, gate)
        })
        .collect();
    let mut wanted_by: HashMap<usize, usize> = HashMap::new();
    for (_, _, gate) in &gates {
        for &c in gate {
            *wanted_by.entry(c).or_default() += 1;
        }
    }
    for (key, lines, gate) in gates {
        let contested = |c: usize| wanted_by.get(&c).copied().unwrap_or(0) > 1;
        proposals.extend(match_group(&key, lines, &gate, candidates, &contested));
    }
    proposals.sort_by_key(|p| p.lines.iter().min().copied());
    let mut counts = Counts::default();
    for p in &proposals {
        let n = p.lines.len();
        match p.class {
            Class::UniqueExact => counts.unique_exact += n,
            Class::Ambiguous => counts.ambiguous += n,
            Class::Suggestion => counts.suggestion += n,
            Class::None => counts.none += n,
        }
    }
    MatchPlan { counts, proposals }
}

fn missing(line: &MatchLine) -> Vec<&'static str> {
    let mut m = Vec::new();
    if line.procurement_no.is_none() && line.mobile.is_none() {
        m.push("mobile");
    }
    if line.order_month.is_none() {
        m.push("order_month");
    }
    if line.amount_cents.is_none_or(|a| a <= 0) {
        m.push("amount");
    }
    m
}

fn merchant_key(line: &MatchLine) -> Option<String> {
    line.procurement_no
        .as_ref()
        .map(|p| p.to_ascii_uppercase())
        .or_else(|| line.mobile.clone())
}

fn none(
    merchant_key: Option<String>,
    order_month: Option<String>,
    lines: Vec<i64>,
    lines_cents: i64,
    why: NoMatch,
) -> Proposal {
    Proposal {
        class: Class::None,
        stage: None,
        merchant_key,
        order_month,
        lines,
        merchant_orders: Vec::new(),
        choices: Vec::new(),
        lines_cents,
        difference_cents: None,
        band: None,
        why: Some(why),
    }
}

/// The candidates by (procurement number in capitals, month) and by (mobile, month).
struct CandidateIndex<'a> {
    candidates: &'a [MatchCandidate],
    by_procurement: HashMap<(String, &'a str), Vec<usize>>,
    by_mobile: HashMap<(&'a str, &'a str), Vec<usize>>,
}

impl<'a> CandidateIndex<'a> {
    fn new(candidates: &'a [MatchCandidate]) -> Self {
        let mut by_procurement: HashMap<(String, &str), Vec<usize>> = HashMap::new();
        let mut by_mobile: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (i, c) in candidates.iter().enumerate() {
            if let Some(p) = &c.procurement_no {
                by_procurement
                    .entry((p.to_ascii_uppercase(), c.order_month.as_str()))
                    .or_default()
                    .push(i);
            }
            by_mobile
                .entry((c.mobile.as_str(), c.order_month.as_str()))
                .or_default()
                .push(i);
        }
        CandidateIndex {
            candidates,
            by_procurement,
            by_mobile,
        }
    }

    /// Every candidate of the group's merchant in its month, taken or not, checked against
    /// the domain's rule itself.
    fn gate(&self, key: &GroupKey) -> Vec<usize> {
        let month = key.month.as_str();
        let mut out: Vec<usize> = Vec::new();
        if let Some(p) = &key.procurement_no {
            out.extend(
                self.by_procurement
                    .get(&(p.clone(), month))
                    .into_iter()
                    .flatten(),
            );
        }
        if let Some(m) = &key.mobile {
            out.extend(
                self.by_mobile
                    .get(&(m.as_str(), month))
                    .into_iter()
                    .flatten(),
            );
        }
        out.sort_unstable();
        out.dedup();
        out.retain(|&i| {
            let c = &self.candidates[i];
            c.order_month == key.month
                && same_merchant_by(
                    key.procurement_no.as_deref(),
                    key.mobile.as_deref(),
                    c.procurement_no.as_deref(),
                    &c.mobile,
                )
        });
        out
    }
}

/// The stages over one merchant-month group.
fn match_group(
    key: &GroupKey,
    lines: Vec<&MatchLine>,
    gate: &[usize],
    candidates: &[MatchCandidate],
    contested: &dyn Fn(usize) -> bool,
) -> Vec<Proposal> {
    let merchant_key = key.procurement_no.clone().or_else(|| key.mobile.clone());
    let month = Some(key.month.clone());
    let amount = |l: &MatchLine| l.amount_cents.unwrap_or(0);
    let mut out = Vec::new();
    let mut pool: Vec<usize> = gate
        .iter()
        .copied()
        .filter(|&c| candidates[c].taken_by.is_none() && candidates[c].amount_cents > 0)
        .collect();
    pool.sort_by_key(|&c| (candidates[c].amount_cents, candidates[c].id.clone()));
    let mut left: Vec<&MatchLine> = lines;
    left.sort_by_key(|l| l.id);

    if pool.is_empty() {
        let why = if gate.is_empty() {
            NoMatch::NoMerchantOrders
        } else {
            let mut taken_by: Vec<i64> = gate
                .iter()
                .filter_map(|&c| candidates[c].taken_by)
                .collect();
            taken_by.sort_unstable();
            taken_by.dedup();
            NoMatch::AllTaken { taken_by }
        };
        for l in left {
            out.push(none(
                merchant_key.clone(),
                month.clone(),
                vec![l.id],
                amount(l),
                why.clone(),
            ));
        }
        return out;
    }

    let proposal = |class: Class, stage: Stage, lines: Vec<i64>, mos: Vec<usize>, cents: i64| {
        let class = if class == Class::UniqueExact && mos.iter().any(|&c| contested(c)) {
            Class::Ambiguous
        } else {
            class
        };
        let ids: Vec<String> = mos.iter().map(|&c| candidates[c].id.clone()).collect();
        Proposal {
            class,
            stage: Some(stage),
            merchant_key: merchant_key.clone(),
            order_month: month.clone(),
            choices: if class == Class::Ambiguous {
                vec![Choice {
                    lines: lines.clone(),
                    merchant_orders: ids.clone(),
                }]
            } else {
                Vec::new()
            },
            merchant_orders: if class == Class::Ambiguous {
                Vec::new()
            } else {
                ids
            },
            lines,
            lines_cents: cents,
            difference_cents: None,
            band: None,
            why: None,
        }
    };

    // 1. One line = one merchant order of the same amount.
    let mut lines_by_amount: BTreeMap<i64, Vec<&MatchLine>> = BTreeMap::new();
    for l in &left {
        lines_by_amount.entry(amount(l)).or_default().push(l);
    }
    let mut pool_by_amount: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for &c in &pool {
        pool_by_amount
            .entry(candidates[c].amount_cents)
            .or_default()
            .push(c);
    }
    let mut settled_lines: Vec<i64> = Vec::new();
    let mut used: Vec<usize> = Vec::new();
    for (a, ls) in &lines_by_amount {
        let Some(ms) = pool_by_amount.get(a) else {
            continue;
        };
        if ls.len() == 1 && ms.len() == 1 {
            out.push(proposal(
                Class::UniqueExact,
                Stage::OneToOne,
                vec![ls[0].id],
                vec![ms[0]],
                *a,
            ));
        } else {
            // Equal lines and equal merchant orders: which purchase is which is the clerk's.
            for l in ls {
                let mut p = proposal(
                    Class::Ambiguous,
                    Stage::OneToOne,
                    vec![l.id],
                    Vec::new(),
                    *a,
                );
                p.choices = ms
                    .iter()
                    .take(MAX_CHOICES)
                    .map(|&c| Choice {
                        lines: vec![l.id],
                        merchant_orders: vec![candidates[c].id.clone()],
                    })
                    .collect();
                out.push(p);
            }
        }
        settled_lines.extend(ls.iter().map(|l| l.id));
        used.extend(ms);
    }
    left.retain(|l| !settled_lines.contains(&l.id));
    pool.retain(|c| !used.contains(c));

    let total = |ls: &[&MatchLine]| ls.iter().map(|l| amount(l)).sum::<i64>();
    let pool_total = |p: &[usize]| p.iter().map(|&c| candidates[c].amount_cents).sum::<i64>();

    // 2. The group's lines = one merchant order; 3. one line = the group's merchant orders;
    // 4. the whole group = the whole set.
    if left.len() >= 2 && !pool.is_empty() {
        let t = total(&left);
        let same: Vec<usize> = pool
            .iter()
            .copied()
            .filter(|&c| candidates[c].amount_cents == t)
            .collect();
        if !same.is_empty() {
            let ids: Vec<i64> = left.iter().map(|l| l.id).collect();
            if same.len() == 1 {
                out.push(proposal(
                    Class::UniqueExact,
                    Stage::LinesToOne,
                    ids,
                    same.clone(),
                    t,
                ));
            } else {
                let mut p = proposal(
                    Class::Ambiguous,
                    Stage::LinesToOne,
                    ids.clone(),
                    Vec::new(),
                    t,
                );
                p.choices = same
                    .iter()
                    .take(MAX_CHOICES)
                    .map(|&c| Choice {
                        lines: ids.clone(),
                        merchant_orders: vec![candidates[c].id.clone()],
                    })
                    .collect();
                out.push(p);
            }
            left.clear();
            pool.retain(|c| !same.contains(c));
        }
    }
    if !left.is_empty() && pool.len() >= 2 {
        let t = pool_total(&pool);
        let same: Vec<&MatchLine> = left.iter().copied().filter(|l| amount(l) == t).collect();
        if same.len() == 1 {
            out.push(proposal(
                Class::UniqueExact,
                Stage::OneToMany,
                vec![same[0].id],
                pool.clone(),
                t,
            ));
            left.retain(|l| l.id != same[0].id);
            pool.clear();
        } else if same.len() > 1 {
            let ids: Vec<i64> = same.iter().map(|l| l.id).collect();
            let mut p = proposal(Class::Ambiguous, Stage::OneToMany, ids, Vec::new(), t);
            p.choices = same
                .iter()
                .take(MAX_CHOICES)
                .map(|l| Choice {
                    lines: vec![l.id],
                    merchant_orders: pool.iter().map(|&c| candidates[c].id.clone()).collect(),
                })
                .collect();
            out.push(p);
            left.retain(|l| !same.iter().any(|s| s.id == l.id));
            pool.clear();
        }
    }
    if left.len() >= 2 && pool.len() >= 2 && total(&left) == pool_total(&pool) {
        let ids: Vec<i64> = left.iter().map(|l| l.id).collect();
        out.push(proposal(
            Class::UniqueExact,
            Stage::Group,
            ids,
            pool.clone(),
            total(&left),
        ));
        left.clear();
        pool.clear();
    }

    // 5. Bounded subset searches: some lines = one merchant order, then one line = some
    // merchant orders.
    let mut budget = GROUP_MAX_STEPS;
    let mut i = pool.len();
    while i > 0 && left.len() >= 2 && budget > 0 {
        i -= 1;
        let c = pool[i];
        let target = candidates[c].amount_cents;
        let amounts: Vec<i64> = left.iter().map(|l| amount(l)).collect();
        let found = subset_search(&amounts, target, &mut budget);
        if found.solutions.is_empty() {
            continue;
        }
        let as_ids = |s: &Vec<usize>| s.iter().map(|&k| left[k].id).collect::<Vec<i64>>();
        if found.solutions.len() == 1 && found.complete {
            out.push(proposal(
                Class::UniqueExact,
                Stage::Subset,
                as_ids(&found.solutions[0]),
                vec![c],
                target,
            ));
        } else {
            let mut all: Vec<i64> = found.solutions.iter().flat_map(as_ids).collect();
            all.sort_unstable();
            all.dedup();
            let mut p = proposal(Class::Ambiguous, Stage::Subset, all, Vec::new(), target);
            p.choices = found
                .solutions
                .iter()
                .map(|s| Choice {
                    lines: as_ids(s),
                    merchant_orders: vec![candidates[c].id.clone()],
                })
                .collect();
            out.push(p);
        }
        let taken: Vec<i64> = out.last().map(|p| p.lines.clone()).unwrap_or_default();
        left.retain(|l| !taken.contains(&l.id));
        pool.remove(i);
        i = i.min(pool.len());
    }
    let mut j = left.len();
    while j > 0 && pool.len() >= 2 && budget > 0 {
        j -= 1;
        let l = left[j];
        let amounts: Vec<i64> = pool.iter().map(|&c| candidates[c].amount_cents).collect();
        let found = subset_search(&amounts, amount(l), &mut budget);
        if found.solutions.is_empty() {
            continue;
        }
        let as_mos = |s: &Vec<usize>| s.iter().map(|&k| pool[k]).collect::<Vec<usize>>();
        let reserved: Vec<usize> = if found.solutions.len() == 1 && found.complete {
            let mos = as_mos(&found.solutions[0]);
            out.push(proposal(
                Class::UniqueExact,
                Stage::Subset,
                vec![l.id],
                mos.clone(),
                amount(l),
            ));
            mos
        } else {
            let mut p = proposal(
                Class::Ambiguous,
                Stage::Subset,
                vec![l.id],
                Vec::new(),
                amount(l),
            );
            p.choices = found
                .solutions
                .iter()
                .map(|s| Choice {
                    lines: vec![l.id],
                    merchant_orders: as_mos(s)
                        .iter()
                        .map(|&c| candidates[c].id.clone())
                        .collect(),
                })
                .collect();
            out.push(p);
            found.solutions.iter().flat_map(as_mos).collect()
        };
        left.remove(j);
        pool.retain(|c| !reserved.contains(c));
        j = j.min(left.len());
    }

    // 6. What is left: the nearest merchant order left, as a suggestion or a reason.
    for l in left {
        let a = amount(l);
        let nearest = pool.iter().copied().min_by_key(|&c| {
            (
                (candidates[c].amount_cents - a).abs(),
                candidates[c].id.clone(),
            )
        });
        match nearest {
            None => out.push(none(
                merchant_key.clone(),
                month.clone(),
                vec![l.id],
                a,
                NoMatch::NoneLeft,
            )),
            Some(c) => {
                let d = candidates[c].amount_cents - a;
                match Band::of(d, a) {
                    Some(band) => {
                        let mut p =
                            proposal(Class::Suggestion, Stage::Nearest, vec![l.id], vec![c], a);
                        if p.class == Class::Suggestion {
                            p.difference_cents = Some(d);
                            p.band = Some(band);
                        }
                        out.push(p);
                    }
                    None => out.push(none(
                        merchant_key.clone(),
                        month.clone(),
                        vec![l.id],
                        a,
                        NoMatch::AmountsDiffer {
                            nearest_off_cents: d,
                        },
                    )),
                }
            }
        }
    }
    out
}

struct Found {
    /// At most two: one proves nothing about uniqueness unless `complete`.
    solutions: Vec<Vec<usize>>,
    /// The search saw every subset (no item or step limit cut it short).
    complete: bool,
}

/// Subsets of at least two of `amounts` (all positive) that sum to `target`: up to two
/// solutions (indexes into `amounts`), within [`SUBSET_MAX_ITEMS`] and [`SUBSET_MAX_STEPS`]
/// and what is left of the group's `budget`.
fn subset_search(amounts: &[i64], target: i64, budget: &mut u64) -> Found {
    let mut items: Vec<usize> = (0..amounts.len())
        .filter(|&k| amounts[k] > 0 && amounts[k] <= target)
        .collect();
    let mut complete = items.len() <= SUBSET_MAX_ITEMS;
    items.sort_by_key(|&k| std::cmp::Reverse(amounts[k]));
    items.truncate(SUBSET_MAX_ITEMS);
    let mut suffix = vec![0i64; items.len() + 1];
    for k in (0..items.len()).rev() {
        suffix[k] = suffix[k + 1] + amounts[items[k]];
    }
    let limit = SUBSET_MAX_STEPS.min(*budget);
    let mut s = Search {
        amounts,
        items: &items,
        suffix: &suffix,
        steps: 0,
        limit,
        cut: false,
        solutions: Vec::new(),
    };
    s.walk(0, target, &mut Vec::new());
    *budget -= s.steps.min(*budget);
    complete &= !s.cut;
    let mut solutions = s.solutions;
    for sol in &mut solutions {
        sol.sort_unstable();
    }
    Found {
        solutions,
        complete,
    }
}

struct Search<'a> {
    amounts: &'a [i64],
    items: &'a [usize],
    suffix: &'a [i64],
    steps: u64,
    limit: u64,
    cut: bool,
    solutions: Vec<Vec<usize>>,
}

impl Search<'_> {
    fn walk(&mut self, at: usize, rest: i64, chosen: &mut Vec<usize>) {
        if self.solutions.len() >= 2 || self.cut {
            return;
        }
        self.steps += 1;
        if self.steps > self.limit {
            self.cut = true;
            return;
        }
        if rest == 0 {
            if chosen.len() >= 2 {
                self.solutions.push(chosen.clone());
            }
            return;
        }
        if at == self.items.len() || self.suffix[at] < rest {
            return;
        }
        let k = self.items[at];
        if self.amounts[k] <= rest {
            chosen.push(k);
            self.walk(at + 1, rest - self.amounts[k], chosen);
            chosen.pop();
        }
        self.walk(at + 1, rest, chosen);
    }
}

#[cfg(test)]
mod tests;
