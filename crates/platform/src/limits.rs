//! Limits in front of every route, so no one client can take the platform down: at most
//! [`GLOBAL_IN_FLIGHT`] requests at once (a request waits up to a second for a place), at
//! most [`PER_ADDRESS_IN_FLIGHT`] at once from one address, and a token bucket of
//! [`PER_ADDRESS_RATE`] requests a second (bursts of [`PER_ADDRESS_BURST`]) per address.
//! Over a limit: 429 `rate.limited` (503 `server.busy` when the whole server is full), with
//! `retry_after_s`.

use crate::error::ApiErr;
use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

pub const GLOBAL_IN_FLIGHT: usize = 128;
pub const PER_ADDRESS_IN_FLIGHT: u32 = 16;
pub const PER_ADDRESS_RATE: f64 = 200.0;
pub const PER_ADDRESS_BURST: f64 = 400.0;

#[derive(Clone)]
pub struct Limits {
    global: Arc<Semaphore>,
    addresses: Arc<Mutex<HashMap<IpAddr, Address>>>,
    /// Requests a second per address (and twice that in a burst).
    rate: f64,
}

struct Address {
    tokens: f64,
    refilled: Instant,
    in_flight: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::with_rate(PER_ADDRESS_RATE)
    }
}

impl Limits {
    /// Limits with another rate per address (the contract's fuzzing raises it: it tests the
    /// contract, not the limit).
    pub fn with_rate(rate: f64) -> Limits {
        Limits {
            global: Arc::new(Semaphore::new(GLOBAL_IN_FLIGHT)),
            addresses: Arc::default(),
            rate,
        }
    }
}

impl Limits {
    /// Takes a place for `ip`, or says why not.
    fn admit(&self, ip: IpAddr) -> Result<(), ApiErr> {
        let mut all = self.addresses.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if all.len() > 10_000 {
            // Forget idle addresses so the table itself stays small.
            all.retain(|_, a| a.in_flight > 0 || now - a.refilled < Duration::from_secs(60));
        }
        let burst = self.rate * PER_ADDRESS_BURST / PER_ADDRESS_RATE;
        let a = all.entry(ip).or_insert(Address {
            tokens: burst,
            refilled: now,
            in_flight: 0,
        });
        a.tokens = (a.tokens + (now - a.refilled).as_secs_f64() * self.rate).min(burst);
        a.refilled = now;
        if a.in_flight >= PER_ADDRESS_IN_FLIGHT || a.tokens < 1.0 {
            return Err(ApiErr::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate.limited",
                "too many requests from this address: slow down",
            )
            .retry_after(1));
        }
        a.tokens -= 1.0;
        a.in_flight += 1;
        Ok(())
    }

    fn release(&self, ip: IpAddr) {
        let mut all = self.addresses.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(a) = all.get_mut(&ip) {
            a.in_flight = a.in_flight.saturating_sub(1);
        }
    }
}

/// The middleware: the address's limits, then a place on the server.
pub async fn limit(
    axum::extract::State(limits): axum::extract::State<Limits>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Result<Response, ApiErr> {
    let ip = peer.ip();
    limits.admit(ip)?;
    struct Release<'a>(&'a Limits, IpAddr);
    impl Drop for Release<'_> {
        fn drop(&mut self) {
            self.0.release(self.1);
        }
    }
    let _release = Release(&limits, ip);
    let _place = match tokio::time::timeout(Duration::from_secs(1), limits.global.acquire()).await {
        Ok(Ok(place)) => place,
        _ => {
            return Err(ApiErr::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "server.busy",
                "the platform is busy: try again shortly",
            )
            .retry_after(1))
        }
    };
    Ok(next.run(request).await)
}
