//! The export order (信保订单) and its life: Draft → Confirmed → Declared.
//!
//! ```text
//! Draft ──confirm──▶ Confirmed ──attach customs no.──▶ Declared
//!   (edit anything,     (buyer info frozen;              (everything frozen)
//!    delete allowed)     lines and links editable)
//! ```

use crate::code::{Code, FieldError, Invalid};
use crate::money::{self, Cents};
use crate::validate::{self, limits};
use crate::{countries, normalize};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    Draft,
    Confirmed,
    Declared,
}

impl OrderState {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Draft => "draft",
            OrderState::Confirmed => "confirmed",
            OrderState::Declared => "declared",
        }
    }

    pub fn parse(s: &str) -> Option<OrderState> {
        match s {
            "draft" => Some(OrderState::Draft),
            "confirmed" => Some(OrderState::Confirmed),
            "declared" => Some(OrderState::Declared),
            _ => None,
        }
    }

    /// Whether `action` is allowed in this state.
    pub fn allows(self, action: Action) -> Result<(), StateError> {
        use Action::*;
        use OrderState::*;
        let allowed = match (self, action) {
            (Draft, EditBuyer | EditLines | EditLinks | Delete | Confirm) => true,
            (Draft, AttachCustoms) => false,
            (Confirmed, EditLines | EditLinks | AttachCustoms) => true,
            (Confirmed, EditBuyer | Delete | Confirm) => false,
            (Declared, _) => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(StateError {
                state: self,
                action,
            })
        }
    }

    /// Every action this state allows: what the screens enable, and nothing else.
    pub fn actions(self) -> Vec<Action> {
        Action::ALL
            .into_iter()
            .filter(|a| self.allows(*a).is_ok())
            .collect()
    }

    /// The state after `action`, if the action is allowed.
    pub fn after(self, action: Action) -> Result<OrderState, StateError> {
        self.allows(action)?;
        Ok(match action {
            Action::Confirm => OrderState::Confirmed,
            Action::AttachCustoms => OrderState::Declared,
            _ => self,
        })
    }
}

/// Everything a clerk can do to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    EditBuyer,
    EditLines,
    EditLinks,
    Delete,
    Confirm,
    AttachCustoms,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::EditBuyer,
        Action::EditLines,
        Action::EditLinks,
        Action::Delete,
        Action::Confirm,
        Action::AttachCustoms,
    ];
}

/// An action the order's state forbids. `code()` is stable and names the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {} order does not allow {action:?}", state.as_str())]
pub struct StateError {
    pub state: OrderState,
    pub action: Action,
}

impl StateError {
    pub fn code(&self) -> &'static str {
        match (self.state, self.action) {
            (OrderState::Declared, _) => "order.declared_frozen",
            (OrderState::Confirmed, Action::EditBuyer) => "order.buyer_frozen",
            (OrderState::Confirmed, Action::Delete) => "order.delete_confirmed",
            (OrderState::Confirmed, Action::Confirm) => "order.already_confirmed",
            (OrderState::Draft, Action::AttachCustoms) => "order.customs_before_confirm",
            _ => "order.state",
        }
    }

    pub const ALL_CODES: &'static [&'static str] = &[
        "order.declared_frozen",
        "order.buyer_frozen",
        "order.delete_confirmed",
        "order.already_confirmed",
        "order.customs_before_confirm",
        "order.state",
    ];
}

/// The order form as typed: every field is text, exactly as the clerk left it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderForm {
    pub buyer_name: String,
    pub passport_no: String,
    pub country: String,
    pub total_amount: String,
    pub lines: Vec<LineForm>,
}

/// One row of the transaction list (交易清单) as typed. `id` is the stored line's id when
/// the row was loaded from the store, `None` for a new row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LineForm {
    pub id: Option<i64>,
    pub procurement_no: String,
    pub merchant_name: String,
    pub mobile: String,
    pub order_month: String,
    pub product_name: String,
    pub quantity: String,
    pub packages: String,
    pub amount: String,
    pub note: String,
}

/// The fields of a line, in the order of the template's columns.
pub const LINE_FIELDS: [&str; 9] = [
    "procurement_no",
    "merchant_name",
    "mobile",
    "order_month",
    "product_name",
    "quantity",
    "packages",
    "amount",
    "note",
];

/// The fields a complete line has (names as in [`LINE_FIELDS`]): a line must be complete
/// to be confirmed. The store finds incomplete lines in SQL by this same list.
pub const REQUIRED_LINE_FIELDS: [&str; 7] = [
    "merchant_name",
    "mobile",
    "order_month",
    "product_name",
    "quantity",
    "packages",
    "amount",
];

impl LineForm {
    /// The nine texts, in [`LINE_FIELDS`] order.
    pub fn to_fields(&self) -> [&str; 9] {
        [
            &self.procurement_no,
            &self.merchant_name,
            &self.mobile,
            &self.order_month,
            &self.product_name,
            &self.quantity,
            &self.packages,
            &self.amount,
            &self.note,
        ]
    }

    /// A line from its nine texts, in [`LINE_FIELDS`] order.
    pub fn from_fields(texts: [String; 9]) -> LineForm {
        let [procurement_no, merchant_name, mobile, order_month, product_name, quantity, packages, amount, note] =
            texts;
        LineForm {
            id: None,
            procurement_no,
            merchant_name,
            mobile,
            order_month,
            product_name,
            quantity,
            packages,
            amount,
            note,
        }
    }
}

impl OrderLineDraft {
    /// The line's values as a clerk would type them, in [`LINE_FIELDS`] order.
    pub fn to_texts(&self) -> [String; 9] {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        let n = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        [
            s(&self.procurement_no),
            s(&self.merchant_name),
            s(&self.mobile),
            s(&self.order_month),
            s(&self.product_name),
            n(self.quantity),
            n(self.packages),
            self.amount_cents.map(Cents::plain).unwrap_or_default(),
            s(&self.note),
        ]
    }
}

/// A draft's content after parsing: a draft may be incomplete (暂存 any time), so every
/// field is optional, but whatever is filled in is valid and normalised.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDraft {
    pub buyer_name: Option<String>,
    pub passport_no: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub total_cents: Option<Cents>,
    pub lines: Vec<OrderLineDraft>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineDraft {
    pub id: Option<i64>,
    pub procurement_no: Option<String>,
    pub merchant_name: Option<String>,
    pub mobile: Option<String>,
    /// `YYYY-MM`.
    pub order_month: Option<String>,
    pub product_name: Option<String>,
    pub quantity: Option<i64>,
    pub packages: Option<i64>,
    pub amount_cents: Option<Cents>,
    pub note: Option<String>,
}

impl OrderLineDraft {
    /// The fields a complete line still lacks (names as in [`LineForm`]). A line must be
    /// complete to be confirmed, and stays complete once its order is confirmed.
    pub fn missing_fields(&self) -> Vec<&'static str> {
        REQUIRED_LINE_FIELDS
            .into_iter()
            .filter(|field| self.lacks(field))
            .collect()
    }

    /// Whether the field (a name of [`LINE_FIELDS`]) is empty.
    fn lacks(&self, field: &str) -> bool {
        match field {
            "procurement_no" => self.procurement_no.is_none(),
            "merchant_name" => self.merchant_name.is_none(),
            "mobile" => self.mobile.is_none(),
            "order_month" => self.order_month.is_none(),
            "product_name" => self.product_name.is_none(),
            "quantity" => self.quantity.is_none(),
            "packages" => self.packages.is_none(),
            "amount" => self.amount_cents.is_none(),
            "note" => self.note.is_none(),
            other => unreachable!("not a line field: {other}"),
        }
    }

    /// One `required` error per missing field of the line at `index`.
    pub fn completeness_errors(&self, index: usize) -> Vec<FieldError> {
        self.missing_fields()
            .into_iter()
            .map(|name| {
                Invalid::new(Code::Required, format!("line {} needs {name}", index + 1))
                    .at(format!("lines[{index}].{name}"))
            })
            .collect()
    }

    /// A row the clerk left entirely empty (ignored rather than stored).
    pub fn is_blank(&self) -> bool {
        LINE_FIELDS.iter().all(|field| self.lacks(field))
    }
}

/// Runs `f` on the field's text unless it is empty after normalisation.
/// One optional field: empty is none, else validated; an error is kept under the field's
/// path, which is only built then (this runs for every cell of an import).
fn opt<T>(
    errors: &mut Vec<FieldError>,
    path: &dyn Fn(&str) -> String,
    field: &str,
    raw: &str,
    f: impl FnOnce(&str) -> Result<T, Invalid>,
) -> Option<T> {
    normalize::compact_chars(raw).next()?;
    match f(raw) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(e.at(path(field)));
            None
        }
    }
}

impl OrderForm {
    /// Parses and validates what is filled in. Empty fields are allowed (a draft); every
    /// invalid field is reported, not only the first.
    pub fn parse(&self) -> Result<OrderDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let e = &mut errors;
        let same = |name: &str| name.to_string();
        let draft = OrderDraft {
            buyer_name: opt(e, &same, "buyer_name", &self.buyer_name, |s| {
                validate::text(s, limits::BUYER_NAME)
            }),
            passport_no: opt(
                e,
                &same,
                "passport_no",
                &self.passport_no,
                validate::passport,
            ),
            country: opt(e, &same, "country", &self.country, |s| {
                validate::country(s).map(|c| c.alpha2.to_string())
            }),
            total_cents: opt(
                e,
                &same,
                "total_amount",
                &self.total_amount,
                money::parse_positive,
            ),
            lines: self
                .lines
                .iter()
                .enumerate()
                .map(|(i, l)| l.parse(i, e))
                .filter(|l| !l.is_blank() || l.id.is_some())
                .collect(),
        };
        if errors.is_empty() {
            Ok(draft)
        } else {
            Err(errors)
        }
    }
}

impl LineForm {
    /// Validates a line that must be complete (an imported row, a line of a confirmed
    /// order). Errors name the bare field (`mobile`, `amount`, …); a field that is invalid
    /// is reported once, not also as missing.
    pub fn parse_complete(&self) -> (OrderLineDraft, Vec<FieldError>) {
        let mut errors = Vec::new();
        let line = self.parse_with(&mut errors, |name| name.to_string());
        for missing in line.missing_fields() {
            if !errors.iter().any(|e| e.field == missing) {
                errors.push(
                    Invalid::new(Code::Required, format!("{missing} is required")).at(missing),
                );
            }
        }
        (line, errors)
    }

    /// What 【+】 asks before it keeps the grid's row `index` and opens the next (manual
    /// §3.1: the line is entered whole, then kept): every field it cannot read and every
    /// required field still empty, under the grid's paths (`lines[2].mobile`). The line as
    /// read comes back too, for the checks that need the store.
    pub fn keep_check(&self, index: usize) -> (OrderLineDraft, Vec<FieldError>) {
        let mut errors = Vec::new();
        let line = self.parse(index, &mut errors);
        for missing in line.completeness_errors(index) {
            if !errors.iter().any(|e| e.field == missing.field) {
                errors.push(missing);
            }
        }
        (line, errors)
    }

    fn parse(&self, index: usize, e: &mut Vec<FieldError>) -> OrderLineDraft {
        self.parse_with(e, |name| format!("lines[{index}].{name}"))
    }

    fn parse_with(&self, e: &mut Vec<FieldError>, f: impl Fn(&str) -> String) -> OrderLineDraft {
        OrderLineDraft {
            id: self.id,
            procurement_no: opt(e, &f, "procurement_no", &self.procurement_no, |s| {
                validate::text(s, limits::PROCUREMENT_NO).map(|t| t.replace(' ', ""))
            }),
            merchant_name: opt(e, &f, "merchant_name", &self.merchant_name, |s| {
                validate::text(s, limits::MERCHANT_NAME)
            }),
            mobile: opt(e, &f, "mobile", &self.mobile, validate::mobile),
            order_month: opt(e, &f, "order_month", &self.order_month, |s| {
                validate::month(s).map(|m| m.to_text())
            }),
            product_name: opt(e, &f, "product_name", &self.product_name, |s| {
                validate::text(s, limits::PRODUCT_NAME)
            }),
            quantity: opt(e, &f, "quantity", &self.quantity, validate::positive_int),
            packages: opt(e, &f, "packages", &self.packages, validate::positive_int),
            amount_cents: opt(e, &f, "amount", &self.amount, money::parse_positive),
            note: opt(e, &f, "note", &self.note, |s| {
                validate::text(s, limits::NOTE)
            }),
        }
    }
}

/// A merchant order (商户交易订单) as far as linking needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantOrderRef {
    pub id: String,
    pub procurement_no: Option<String>,
    pub merchant_name: String,
    pub mobile: String,
}

/// A line and the merchant orders it is linked to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef<'a> {
    pub line: &'a OrderLineDraft,
    pub merchant_orders: Vec<&'a MerchantOrderRef>,
}

/// Which merchant a line is of, for grouping lines: its procurement number (any case),
/// else its mobile. The one rule the linking screen and the store group by.
pub fn merchant_key(line: &OrderLineDraft) -> Option<String> {
    match (&line.procurement_no, &line.mobile) {
        (Some(no), _) => Some(no.to_ascii_uppercase()),
        (None, Some(mobile)) => Some(mobile.clone()),
        (None, None) => None,
    }
}

/// Whether a merchant order belongs to the line's merchant: same procurement number (any
/// case) when both have one, otherwise the same mobile number. The store's candidate
/// query (`links::candidates_for_line`) asks the same in SQL.
pub fn same_merchant(line: &OrderLineDraft, mo: &MerchantOrderRef) -> bool {
    same_merchant_by(
        line.procurement_no.as_deref(),
        line.mobile.as_deref(),
        mo.procurement_no.as_deref(),
        &mo.mobile,
    )
}

/// [`same_merchant`] over the four values it reads (the matcher has no drafts to hand).
pub fn same_merchant_by(
    line_procurement_no: Option<&str>,
    line_mobile: Option<&str>,
    mo_procurement_no: Option<&str>,
    mo_mobile: &str,
) -> bool {
    match (line_procurement_no, mo_procurement_no) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => line_mobile == Some(mo_mobile),
    }
}

/// Every reason the order cannot be confirmed yet, field by field. Empty means it can.
///
/// Requires: buyer name, passport number, destination country and total amount present and
/// valid; at least one line, each complete; every line linked to at least one merchant order
/// of the same merchant; the lines' amounts summing exactly to the total.
pub fn confirm_problems(order: &OrderDraft, links: &[LinkRef<'_>]) -> Vec<FieldError> {
    let mut p = Vec::new();
    let missing = |field: &str| {
        Invalid::new(
            Code::Required,
            format!("{field} is required before confirmation"),
        )
        .at(field)
    };
    if order.buyer_name.is_none() {
        p.push(missing("buyer_name"));
    }
    match &order.passport_no {
        None => p.push(missing("passport_no")),
        Some(v) => {
            if let Err(e) = validate::passport(v) {
                p.push(e.at("passport_no"));
            }
        }
    }
    match &order.country {
        None => p.push(missing("country")),
        Some(c) if countries::by_alpha2(c).is_none() => p.push(
            Invalid::new(Code::CountryUnknown, format!("'{c}' is not a country")).at("country"),
        ),
        Some(_) => {}
    }
    match order.total_cents {
        None => p.push(missing("total_amount")),
        Some(c) => {
            if let Err(e) = money::check_positive(c) {
                p.push(e.at("total_amount"));
            }
        }
    }
    if order.lines.is_empty() {
        p.push(
            Invalid::new(
                Code::ConfirmNoLines,
                "an order needs at least one line of its transaction list",
            )
            .at("lines"),
        );
    }
    // Each line's merchant orders, found by the line's address: one pass over the links,
    // not one per line (a 100,000-line order would take 10^10 comparisons).
    let mut by_line: std::collections::HashMap<*const OrderLineDraft, Vec<&MerchantOrderRef>> =
        std::collections::HashMap::with_capacity(links.len());
    for l in links {
        by_line
            .entry(l.line as *const OrderLineDraft)
            .or_default()
            .extend(l.merchant_orders.iter().copied());
    }
    for (i, line) in order.lines.iter().enumerate() {
        let f = |name: &str| format!("lines[{i}].{name}");
        p.extend(line.completeness_errors(i));
        let linked: &[&MerchantOrderRef] = by_line
            .get(&(line as *const OrderLineDraft))
            .map(Vec::as_slice)
            .unwrap_or_default();
        if linked.is_empty() {
            p.push(
                Invalid::new(
                    Code::ConfirmLineUnlinked,
                    format!("line {} is not linked to any merchant order", i + 1),
                )
                .at(f("links")),
            );
        }
        for mo in linked.iter().filter(|mo| !same_merchant(line, mo)) {
            p.push(
                Invalid::new(
                    Code::ConfirmLinkOtherMerchant,
                    format!(
                        "line {} is linked to merchant order {} of another merchant",
                        i + 1,
                        mo.id
                    ),
                )
                .at(f("links")),
            );
        }
    }
    if let Some(total) = order.total_cents {
        if !order.lines.is_empty() && order.lines.iter().all(|l| l.amount_cents.is_some()) {
            let sum: Cents = order.lines.iter().filter_map(|l| l.amount_cents).sum();
            if sum != total {
                p.push(
                    Invalid::new(
                        Code::ConfirmSumMismatch,
                        format!(
                            "the lines add up to {sum} USD but the order's total is {total} USD"
                        ),
                    )
                    .at("total_amount"),
                );
            }
        }
    }
    p
}
