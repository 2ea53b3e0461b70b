//! The sync pass, repeated: on a timer, when poked ("sync now", a change was queued), and
//! after failures with exponential backoff and jitter. A lost network or a failing platform
//! is waited out; an expired session stops the loop until the clerk logs in again.

use crate::client::PlatformClient;
use crate::engine::{sync_once_with, Progress, SyncReport};
use crate::secrets::Secrets;
use crate::store_access::StoreAccess;
use crate::SyncError;
use rand::Rng;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

/// Where the background sync stands (the app's sync badge and panel show this).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncStatus {
    /// `idle`, `syncing`, `offline` (retrying), `auth_required`, `error`.
    pub state: String,
    pub last_report: Option<SyncReport>,
    /// The last pass that sent anything, with when it ended (UTC, RFC 3339): a pass that
    /// finds nothing to send must not hide what the one before it sent.
    pub last_push: Option<SyncReport>,
    pub last_push_at: Option<String>,
    /// Everything sent since this task started: an operation acknowledged once is never
    /// sent again, so `pushed` only grows by what was new.
    pub totals: SyncTotals,
    pub last_error_code: Option<String>,
    pub last_error: Option<String>,
    pub retry_in_s: Option<u64>,
    pub attempts: u32,
    /// How far the pull of the company's order book is, while it runs.
    pub order_book_pulling: Option<Progress>,
}

/// Running sums over the passes of one run of the task.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncTotals {
    pub passes: usize,
    pub pushed: usize,
    pub applied: usize,
    pub duplicates: usize,
    pub rejected: usize,
    pub pulled: usize,
}

impl SyncTotals {
    fn add(&mut self, r: &SyncReport) {
        self.passes += 1;
        self.pushed += r.pushed;
        self.applied += r.applied;
        self.duplicates += r.duplicates;
        self.rejected += r.rejected;
        self.pulled += r.pulled;
    }
}

impl SyncStatus {
    /// A pass ended well: it becomes the last report, counts in the totals, and is the
    /// last push if it sent anything. Errors of earlier passes are cleared.
    pub fn record_success(&mut self, report: SyncReport, now: String) {
        self.state = "idle".into();
        self.totals.add(&report);
        if report.pushed > 0 {
            self.last_push = Some(report.clone());
            self.last_push_at = Some(now);
        }
        self.last_report = Some(report);
        self.last_error_code = None;
        self.last_error = None;
        self.retry_in_s = None;
        self.attempts = 0;
    }
}

/// Exponential backoff with full jitter: the n-th retry waits a random time up to
/// `min(max, base * 2^n)`, so many clients coming back at once do not stampede.
#[derive(Debug, Clone)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
    pub attempt: u32,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration) -> Backoff {
        Backoff {
            base,
            max,
            attempt: 0,
        }
    }

    pub fn next_delay(&mut self) -> Duration {
        let cap = self
            .base
            .saturating_mul(1u32 << self.attempt.min(16))
            .min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        let ms = cap.as_millis().max(1) as u64;
        Duration::from_millis(rand::thread_rng().gen_range(ms / 2..=ms))
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// How often to sync while all is well.
pub struct Schedule {
    pub interval: Duration,
    pub backoff: Backoff,
}

impl Default for Schedule {
    fn default() -> Schedule {
        Schedule {
            interval: Duration::from_secs(60),
            backoff: Backoff::new(Duration::from_secs(1), Duration::from_secs(300)),
        }
    }
}

/// Runs forever on the current tokio runtime. `client` is rebuilt each pass from
/// `make_client`, so changed platform settings take effect at once.
pub async fn run<A, C>(
    access: Arc<A>,
    secrets: Arc<dyn Secrets>,
    make_client: C,
    poke: Arc<Notify>,
    status: watch::Sender<SyncStatus>,
    mut schedule: Schedule,
) where
    A: StoreAccess + 'static,
    C: Fn(&A) -> crate::Result<PlatformClient>,
{
    loop {
        let client = match make_client(&access) {
            Ok(c) => c,
            Err(e) => {
                report_error(&status, &e, None);
                poke.notified().await;
                continue;
            }
        };
        // Only a token this platform issued: after a change of URL, nothing is sent until
        // the clerk logs in there.
        let token = match crate::account::token(&*secrets, &client) {
            Ok(t) => t,
            Err(SyncError::AuthRequired(code)) => {
                status.send_modify(|s| {
                    s.state = "auth_required".into();
                    s.last_error_code = Some(code);
                    s.retry_in_s = None;
                });
                poke.notified().await;
                continue;
            }
            Err(e) => {
                report_error(&status, &e, None);
                poke.notified().await;
                continue;
            }
        };
        status.send_modify(|s| s.state = "syncing".into());
        let progress = |p: Progress| status.send_modify(|s| s.order_book_pulling = Some(p));
        let outcome = sync_once_with(access.as_ref(), &client, &token, &progress).await;
        status.send_modify(|s| s.order_book_pulling = None);
        let wait = match outcome {
            Ok(report) => {
                schedule.backoff.reset();
                status.send_modify(|s| s.record_success(report, xinbao_store::now()));
                schedule.interval
            }
            Err(SyncError::AuthRequired(code)) => {
                let _ = secrets.delete(crate::secrets::SESSION);
                status.send_modify(|s| {
                    s.state = "auth_required".into();
                    s.last_error_code = Some(code);
                    s.retry_in_s = None;
                });
                poke.notified().await;
                continue;
            }
            Err(e) if e.is_retryable() => {
                let d = schedule.backoff.next_delay();
                report_error(&status, &e, Some(d));
                d
            }
            Err(e) => {
                // Settings or the store: retrying soon will not help; wait for a poke or long.
                let d = schedule.backoff.max;
                report_error(&status, &e, Some(d));
                d
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = poke.notified() => {}
        }
    }
}

fn report_error(status: &watch::Sender<SyncStatus>, e: &SyncError, retry: Option<Duration>) {
    status.send_modify(|s| {
        s.state = if e.is_retryable() {
            "offline".into()
        } else {
            "error".into()
        };
        s.last_error_code = Some(e.code());
        s.last_error = Some(e.to_string());
        s.retry_in_s = retry.map(|d| d.as_secs());
        s.attempts += 1;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(pushed: usize, applied: usize) -> SyncReport {
        SyncReport {
            pushed,
            applied,
            duplicates: pushed - applied,
            rejected: 0,
            pulled: 3,
            seconds: 0.1,
            ..Default::default()
        }
    }

    #[test]
    fn an_empty_pass_keeps_the_last_push_and_the_totals_only_grow() {
        let mut status = SyncStatus {
            state: "offline".into(),
            last_error_code: Some("net.unreachable".into()),
            attempts: 2,
            ..Default::default()
        };
        status.record_success(report(2, 2), "2026-11-24T08:00:00.000Z".into());
        status.record_success(report(0, 0), "2026-11-24T08:00:05.000Z".into());
        assert_eq!(status.state, "idle");
        assert_eq!(status.last_error_code, None);
        assert_eq!(status.attempts, 0);
        assert_eq!(status.last_report.as_ref().unwrap().pushed, 0);
        assert_eq!(status.last_push.as_ref().unwrap().pushed, 2);
        assert_eq!(
            status.last_push_at.as_deref(),
            Some("2026-11-24T08:00:00.000Z")
        );
        status.record_success(report(1, 0), "2026-11-24T08:00:09.000Z".into());
        assert_eq!(
            status.totals,
            SyncTotals {
                passes: 3,
                pushed: 3,
                applied: 2,
                duplicates: 1,
                rejected: 0,
                pulled: 9,
            }
        );
        assert_eq!(
            status.last_push_at.as_deref(),
            Some("2026-11-24T08:00:09.000Z")
        );
    }
}
