//! Fault injection for integration tests of clients: with `XINBAO_PLATFORM_FAULTS` set
//! (e.g. `seed=7,before=20,after=20`), that percentage of sync pushes answer 500 before
//! applying anything, or after committing (the client then retries what was applied).
//! Off unless the variable is set; the demo and real use never set it.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const ENV: &str = "XINBAO_PLATFORM_FAULTS";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushFault {
    None,
    FailBefore,
    FailAfter,
}

pub struct Faults {
    rng: StdRng,
    before_pct: u32,
    after_pct: u32,
}

impl Faults {
    pub fn from_env() -> Option<Faults> {
        Faults::parse(&std::env::var(ENV).ok()?)
    }

    pub fn parse(spec: &str) -> Option<Faults> {
        let mut f = Faults {
            rng: StdRng::seed_from_u64(0),
            before_pct: 0,
            after_pct: 0,
        };
        for part in spec.split(',') {
            let (k, v) = part.split_once('=')?;
            let v: u64 = v.trim().parse().ok()?;
            match k.trim() {
                "seed" => f.rng = StdRng::seed_from_u64(v),
                "before" => f.before_pct = v.min(100) as u32,
                "after" => f.after_pct = v.min(100) as u32,
                _ => return None,
            }
        }
        tracing::warn!("fault injection on: {spec}");
        Some(f)
    }

    pub fn next_push(&mut self) -> PushFault {
        let roll = self.rng.gen_range(0..100);
        if roll < self.before_pct {
            PushFault::FailBefore
        } else if roll < self.before_pct + self.after_pct {
            PushFault::FailAfter
        } else {
            PushFault::None
        }
    }
}
