//! The commands the UI invokes. Each is a few lines over the crates; no business rule lives
//! here. Changes that may queue an operation for the platform wake the sync task.
//!
//! No command runs on the main thread (Tauri runs a plain `#[tauri::command] fn` there, and
//! the window with it would wait on the store): each is `async` or `#[tauri::command(async)]`.

use crate::{i18n, AppState, UiError};
use serde::Serialize;
use tauri::State;
use xinbao_domain::{countries, money, OrderForm};
use xinbao_store::orders::{self, ListQuery, OrderDetail, OrderPage, SaveOutcome};
use xinbao_store::unsaved::{self, Slot};
use xinbao_store::{audit, lines, links, matching, reveal};

type Res<T> = Result<T, UiError>;

#[derive(Serialize)]
pub struct AppInfo {
    version: &'static str,
    data_dir: String,
    profile: String,
    database: Option<String>,
    language: String,
    store_error: Option<UiError>,
    /// From how many lines an order is shown as pages ([`lines::PAGED_FROM_LINES`]).
    paged_from_lines: i64,
    max_dropped_bytes: u64,
}

#[tauri::command(async)]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    let language = state
        .with_store(|s| xinbao_store::settings::get(s, "language"))
        .ok()
        .flatten()
        .or_else(|| state.sealed.then(|| state.language_beside()).flatten())
        .filter(|l| i18n::table(l).is_some())
        .unwrap_or_else(|| i18n::DEFAULT_LANGUAGE.to_string());
    AppInfo {
        version: env!("CARGO_PKG_VERSION"),
        data_dir: state.data_dir.display().to_string(),
        profile: state.profile.clone(),
        database: state.store_arc().ok().map(|s| {
            s.lock()
                .map(|s| s.path().display().to_string())
                .unwrap_or_default()
        }),
        language,
        store_error: state.store_error(),
        paged_from_lines: lines::PAGED_FROM_LINES,
        max_dropped_bytes: xinbao_import::paste::MAX_DROPPED_BYTES,
    }
}

/// The error screen's 【恢复加密前的副本】 ([`AppState::restore_plain_copy`]): where the
/// unreadable encrypted file was kept.
#[tauri::command(async)]
pub fn restore_plain_copy(app: tauri::AppHandle, state: State<'_, AppState>) -> Res<String> {
    state.restore_plain_copy(&app)
}

/// The UI painted its first screen: log the cold-start time (measured from `main`).
#[tauri::command(async)]
pub fn ui_ready() {
    if let Some(started) = crate::STARTED.get() {
        log::info!(
            "first screen painted {} ms after start",
            started.elapsed().as_millis()
        );
    }
}

#[tauri::command(async)]
pub fn i18n_table(lang: String) -> Res<serde_json::Value> {
    let table = i18n::table(&lang).ok_or_else(|| {
        UiError::new(
            "i18n.unknown_language",
            format!("no translation table for {lang}"),
        )
    })?;
    serde_json::from_str(table).map_err(|e| UiError::new("i18n.broken_table", e.to_string()))
}

#[tauri::command(async)]
pub fn set_language(state: State<'_, AppState>, lang: String) -> Res<()> {
    if i18n::table(&lang).is_none() {
        return Err(UiError::new(
            "i18n.unknown_language",
            format!("no translation table for {lang}"),
        ));
    }
    if state.sealed {
        // For the login screen of the next run too, and until this login opens the profile.
        state.keep_language_beside(&lang);
        if !state.store_open() {
            return Ok(());
        }
    }
    state.with_store(|s| xinbao_store::settings::set(s, "language", &lang))
}

#[derive(Serialize)]
pub struct CountryOption {
    code: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
}

#[tauri::command(async)]
pub fn countries(query: String) -> Vec<CountryOption> {
    countries::search(&query)
        .into_iter()
        .map(|c| CountryOption {
            code: c.alpha2,
            name_zh: c.name_zh,
            name_en: c.name_en,
        })
        .collect()
}

#[tauri::command(async)]
pub fn list_orders(state: State<'_, AppState>, query: ListQuery) -> Res<OrderPage> {
    state.as_clerk(|s, _| orders::list(s, &query))
}

/// The home dashboard; `since` is the start of the oldest local month shown (UTC).
#[tauri::command(async)]
pub fn dashboard(
    state: State<'_, AppState>,
    since: String,
    offset_minutes: i32,
) -> Res<orders::Dashboard> {
    state.as_clerk(|s, _| orders::dashboard(s, &since, offset_minutes))
}

#[tauri::command(async)]
pub fn list_facets(state: State<'_, AppState>) -> Res<orders::ListFacets> {
    state.as_clerk(|s, _| orders::list_facets(s))
}

/// The cached merchant directory: a line's procurement number fills its merchant's name
/// and mobile, offline too.
#[tauri::command(async)]
pub fn merchant_lookup(
    state: State<'_, AppState>,
    procurement_no: String,
) -> Res<Option<xinbao_store::platform_cache::Merchant>> {
    state.as_clerk(|s, _| xinbao_store::platform_cache::merchant(s, &procurement_no))
}

/// 商户订单查询 (manual §3.2), from the local cache: it works offline.
#[tauri::command(async)]
pub fn merchant_orders(
    state: State<'_, AppState>,
    query: links::MerchantOrderQuery,
) -> Res<links::MerchantOrderPage> {
    state.as_clerk(|s, _| links::merchant_orders(s, &query))
}

#[tauri::command(async)]
pub fn merchant_order(state: State<'_, AppState>, id: String) -> Res<links::MerchantOrderDetail> {
    state.as_clerk(|s, _| links::merchant_order(s, &id))
}

#[tauri::command(async)]
pub fn get_order(state: State<'_, AppState>, id: i64) -> Res<OrderDetail> {
    state.as_clerk(|s, _| orders::get(s, id))
}

/// 暂存 of a new order; the form kept unsaved for it is then dropped.
/// An order's own fields without its lines (an order of a million lines opens with this).
#[tauri::command(async)]
pub fn order_header(state: State<'_, AppState>, id: i64) -> Res<OrderDetail> {
    state.as_clerk(|s, _| orders::get_header(s, id))
}

/// A page of an order's lines (keyset, filtered, or from a row number).
#[tauri::command(async)]
pub fn order_lines(
    state: State<'_, AppState>,
    id: i64,
    query: lines::LinesQuery,
) -> Res<lines::LinesPage> {
    state.as_clerk(|s, _| lines::page(s, id, &query))
}

/// The order's lines counted and summed in SQL, and how many the filters leave.
#[tauri::command(async)]
pub fn order_lines_summary(
    state: State<'_, AppState>,
    id: i64,
    query: lines::LinesQuery,
) -> Res<lines::LinesSummary> {
    state.as_clerk(|s, _| lines::summary(s, id, &query))
}

#[tauri::command(async)]
pub fn create_draft(state: State<'_, AppState>, form: OrderForm) -> Res<i64> {
    state.as_clerk(|s, actor| {
        let id = orders::create_draft(s, actor, &form)?;
        unsaved::discard(s, Slot::New).map(|_| id)
    })
}

#[tauri::command(async)]
pub fn save_order(state: State<'_, AppState>, id: i64, form: OrderForm) -> Res<SaveOutcome> {
    state
        .as_clerk(|s, actor| {
            let outcome = orders::save(s, actor, id, &form)?;
            unsaved::discard(s, Slot::Order(id)).map(|_| outcome)
        })
        .inspect(|_| state.platform.poke())
}

/// Saves the buyer of an order too large to send whole; false when nothing changed.
#[tauri::command(async)]
pub fn save_buyer(state: State<'_, AppState>, id: i64, form: OrderForm) -> Res<bool> {
    state.as_clerk(|s, actor| orders::save_buyer(s, actor, id, &form))
}

/// Adds a line at the end of an order too large to send whole; the new line's id.
#[tauri::command(async)]
pub fn add_line(state: State<'_, AppState>, id: i64, form: xinbao_domain::LineForm) -> Res<i64> {
    state
        .as_clerk(|s, actor| orders::add_line(s, actor, id, &form))
        .inspect(|_| state.platform.poke())
}

/// Removes one line of an order too large to send whole.
#[tauri::command(async)]
pub fn remove_line(state: State<'_, AppState>, id: i64, line_id: i64) -> Res<()> {
    state
        .as_clerk(|s, actor| orders::remove_line(s, actor, id, line_id))
        .inspect(|_| state.platform.poke())
}

/// Saves one line of an order too large to send whole (the window's pages); false when
/// nothing changed.
#[tauri::command(async)]
pub fn save_line(
    state: State<'_, AppState>,
    id: i64,
    line_id: i64,
    form: xinbao_domain::LineForm,
) -> Res<bool> {
    state
        .as_clerk(|s, actor| orders::save_line(s, actor, id, line_id, &form))
        .inspect(|_| state.platform.poke())
}

/// The editor keeps what the clerk typed (not saved yet) a moment after each keystroke.
/// `id`: the stored order, or none for the new order being typed.
#[tauri::command(async)]
pub fn keep_unsaved(state: State<'_, AppState>, id: Option<i64>, form: OrderForm) -> Res<String> {
    state.as_clerk(|s, _| unsaved::keep(s, Slot::of(id), &form))
}

#[tauri::command(async)]
pub fn unsaved_form(state: State<'_, AppState>, id: Option<i64>) -> Res<Option<unsaved::Unsaved>> {
    state.as_clerk(|s, _| unsaved::get(s, Slot::of(id)))
}

#[tauri::command(async)]
pub fn discard_unsaved(state: State<'_, AppState>, id: Option<i64>) -> Res<()> {
    state.as_clerk(|s, _| unsaved::discard(s, Slot::of(id)))
}

/// The running totals under the lines grid, as typed: the lines' sum and the order's total
/// amount, read by the domain's own money rules (amounts it cannot read are counted, not
/// guessed).
#[derive(Debug, Serialize)]
pub struct FormTotals {
    lines_cents: i64,
    total_cents: Option<i64>,
    unreadable: usize,
}

#[tauri::command(async)]
pub fn form_totals(form: OrderForm) -> FormTotals {
    let mut unreadable = 0;
    let lines_cents = form
        .lines
        .iter()
        .filter(|l| !l.amount.trim().is_empty())
        .filter_map(|l| {
            money::parse(&l.amount)
                .inspect_err(|_| unreadable += 1)
                .ok()
        })
        .map(|c| c.0)
        .sum();
    FormTotals {
        lines_cents,
        total_cents: money::parse(&form.total_amount).ok().map(|c| c.0),
        unreadable,
    }
}

/// Every field of the form the domain cannot read, as a save would report them, without
/// saving: the grid marks a pasted block's bad cells at once.
#[tauri::command(async)]
pub fn check_form(form: OrderForm) -> Vec<xinbao_domain::FieldError> {
    form.parse().err().unwrap_or_default()
}

#[derive(Serialize)]
pub struct LineCheck {
    /// What keeps the row from being kept (【+】): unreadable or missing fields.
    errors: Vec<xinbao_domain::FieldError>,
    /// The directory's merchant, when the row's procurement number is another merchant's
    /// than its name and mobile: a warning on the cell, not a refusal.
    other_merchant: Option<xinbao_store::platform_cache::Merchant>,
}

/// One row of the grid checked as 【+】 keeps it, and against the merchant directory.
#[tauri::command(async)]
pub fn check_line(
    state: State<'_, AppState>,
    line: xinbao_domain::LineForm,
    index: usize,
) -> Res<LineCheck> {
    let (draft, errors) = line.keep_check(index);
    let other_merchant =
        state.as_clerk(|s, _| xinbao_store::platform_cache::other_merchant(s, &draft))?;
    Ok(LineCheck {
        errors,
        other_merchant,
    })
}

/// The full passport number of an order, on the clerk's explicit reveal (audited).
#[tauri::command(async)]
pub fn reveal_passport(state: State<'_, AppState>, id: i64) -> Res<Option<String>> {
    state.as_clerk(|s, actor| reveal::order_passport(s, actor, id))
}

/// The full mobile number of a merchant order, on the clerk's explicit reveal (audited).
#[tauri::command(async)]
pub fn reveal_merchant_mobile(state: State<'_, AppState>, id: String) -> Res<String> {
    state.as_clerk(|s, actor| reveal::merchant_order_mobile(s, actor, &id))
}

/// The order's latest history (the audit log), newest first.
#[tauri::command(async)]
pub fn order_history(state: State<'_, AppState>, id: i64) -> Res<audit::History> {
    state.as_clerk(|s, _| audit::latest_for_order(s, id, HISTORY_ROWS))
}

/// Whether the order can be confirmed now (every problem listed if not); confirms nothing.
/// On a connection of its own: a million-line order takes seconds to check, and the
/// window's other commands do not wait for it.
#[tauri::command(async)]
pub fn confirm_check(state: State<'_, AppState>, id: i64) -> Res<()> {
    state.as_clerk_job(|s, _| orders::confirm_check(s, id))
}

/// How many rows of an order's history the editor shows.
const HISTORY_ROWS: i64 = 200;

#[tauri::command(async)]
pub fn delete_draft(state: State<'_, AppState>, id: i64) -> Res<()> {
    state.as_clerk(|s, actor| orders::delete_draft(s, actor, id))
}

#[tauri::command(async)]
pub fn confirm_order(state: State<'_, AppState>, id: i64) -> Res<()> {
    state
        .as_clerk(|s, actor| orders::confirm(s, actor, id))
        .inspect(|_| state.platform.poke())
}

/// 重新打开: an order whose confirmation the platform refused, and which it does not hold,
/// goes back to a draft.
#[tauri::command(async)]
pub fn reopen_order(state: State<'_, AppState>, id: i64) -> Res<()> {
    state.as_clerk(|s, actor| xinbao_store::order_book::reopen(s, actor, id))
}

#[tauri::command(async)]
pub fn attach_customs_no(state: State<'_, AppState>, id: i64, customs_no: String) -> Res<String> {
    state
        .as_clerk(|s, actor| orders::attach_customs_no(s, actor, id, &customs_no))
        .inspect(|_| state.platform.poke())
}

/// 关联商户订单: the merchant orders the line's merchant sent to this company (cached).
#[tauri::command(async)]
pub fn link_candidates(state: State<'_, AppState>, line_id: i64) -> Res<Vec<links::Candidate>> {
    state.as_clerk(|s, _| links::candidates_for_line(s, line_id))
}

#[tauri::command(async)]
pub fn link_line(state: State<'_, AppState>, line_id: i64, merchant_order_id: String) -> Res<bool> {
    state
        .as_clerk(|s, actor| links::link(s, actor, line_id, &merchant_order_id))
        .inspect(|_| state.platform.poke())
}

#[tauri::command(async)]
pub fn unlink_line(
    state: State<'_, AppState>,
    line_id: i64,
    merchant_order_id: String,
) -> Res<bool> {
    state
        .as_clerk(|s, actor| links::unlink(s, actor, line_id, &merchant_order_id))
        .inspect(|_| state.platform.poke())
}

/// 自动匹配: the counts by class, the proposals to walk, the latest runs. The matching
/// commands run on a connection of their own: a million-line plan or run keeps the app's
/// connection free, so the window answers meanwhile.
#[tauri::command(async)]
pub fn match_review(state: State<'_, AppState>, id: i64) -> Res<matching::Review> {
    state.as_clerk_job(|s, _| matching::review(s, id, MATCH_REVIEW_LIMIT))
}

/// 全部关联: the unique exact proposals, as one run.
#[tauri::command(async)]
pub fn match_apply_exact(state: State<'_, AppState>, id: i64) -> Res<matching::Run> {
    state
        .as_clerk_job(|s, actor| matching::apply_exact(s, actor, id))
        .inspect(|_| state.platform.poke())
}

/// A choice or a suggestion the clerk accepted, as one run.
#[tauri::command(async)]
pub fn match_apply_picked(
    state: State<'_, AppState>,
    id: i64,
    links: Vec<(i64, String)>,
    picked: matching::Picked,
) -> Res<matching::Run> {
    state
        .as_clerk_job(|s, actor| matching::apply_picked(s, actor, id, &links, picked))
        .inspect(|_| state.platform.poke())
}

/// 撤销本次匹配.
#[tauri::command(async)]
pub fn match_undo(state: State<'_, AppState>, id: i64, run: i64) -> Res<usize> {
    state
        .as_clerk_job(|s, actor| matching::undo_run(s, actor, id, run))
        .inspect(|_| state.platform.poke())
}

/// 关联商户订单 for a merchant-month group: every line to every ticked merchant order.
#[tauri::command(async)]
pub fn link_group(
    state: State<'_, AppState>,
    id: i64,
    line_ids: Vec<i64>,
    merchant_order_ids: Vec<String>,
) -> Res<matching::Run> {
    state
        .as_clerk_job(|s, actor| matching::link_group(s, actor, id, &line_ids, &merchant_order_ids))
        .inspect(|_| state.platform.poke())
}

/// The most proposals the linking screen lists at once (the counts are whole).
const MATCH_REVIEW_LIMIT: usize = 500;

#[cfg(test)]
mod tests {
    /// A plain `#[tauri::command]` on a `fn` would run on the main thread: none is left.
    #[test]
    fn no_command_runs_on_the_main_thread() {
        for (file, source) in [
            ("account.rs", include_str!("account.rs")),
            ("commands.rs", include_str!("commands.rs")),
            ("files.rs", include_str!("files.rs")),
            ("platform.rs", include_str!("platform.rs")),
        ] {
            let plain = concat!("#[tauri::command]\n", "pub fn ");
            assert!(
                !source.contains(plain),
                "{file} has a command that runs on the main thread"
            );
        }
    }
}
