//! A hop a message crosses: random loss, independent or bursty, and a delay.
//!
//! Bursty loss is the Gilbert-Elliott channel in its per-message form: before each message the
//! channel may switch state (good → bad with probability `enter`, bad → good with `leave`), then
//! the message is lost with the loss probability of the state it is in. The stationary share of
//! messages meeting the bad state is enter / (enter + leave) and a stay in it lasts 1 / leave
//! messages on average.

use rand::distr::{Bernoulli, Distribution};

use crate::engine::{DurationDist, Stream, Ticks};
use crate::scenario::LinkSpec;

/// A link compiled for the hot loop.
#[derive(Debug)]
pub struct Hop {
    /// Loss in the good state (or always, without bursts).
    loss: Bernoulli,
    lossy: bool,
    burst: Option<Burst>,
    latency: DurationDist,
    /// Losses of the degradation faults now holding, and their combined effect.
    degradations: Vec<f64>,
    extra: Option<Bernoulli>,
}

#[derive(Debug)]
struct Burst {
    enter: Bernoulli,
    leave: Bernoulli,
    loss: Bernoulli,
}

/// A probability already checked by the scenario layer; out-of-range values cannot reach here,
/// but if one did it would mean "never" rather than a panic.
fn bernoulli(p: f64) -> Bernoulli {
    Bernoulli::new(p).unwrap_or_else(|_| Bernoulli::new(0.0).expect("0 is a probability"))
}

impl Hop {
    pub fn new(spec: &LinkSpec) -> Hop {
        Hop {
            loss: bernoulli(spec.loss),
            lossy: spec.loss > 0.0,
            burst: spec.burst.map(|b| Burst {
                enter: bernoulli(b.enter),
                leave: bernoulli(b.leave),
                loss: bernoulli(b.loss),
            }),
            latency: spec.latency.clone(),
            degradations: vec![],
            extra: None,
        }
    }

    /// A degradation fault begins (`begins`) or ends: while it holds, the hop loses `loss` more
    /// of its messages. Overlapping degradations combine as independent losses.
    pub fn degrade(&mut self, loss: f64, begins: bool) {
        if begins {
            self.degradations.push(loss);
        } else if let Some(i) = self.degradations.iter().position(|&l| l == loss) {
            self.degradations.remove(i);
        }
        let kept: f64 = self.degradations.iter().map(|l| 1.0 - l).product();
        self.extra = (!self.degradations.is_empty()).then(|| bernoulli(1.0 - kept));
    }

    /// Whether the message survives, and its delay. `bad` is this hop's channel state for the
    /// sender. Draws the state change (bursty links only), then loss, then latency.
    #[inline(always)]
    pub fn cross(&self, rng: &mut Stream, bad: &mut bool) -> Option<Ticks> {
        let lost = match &self.burst {
            None => self.lossy && self.loss.sample(rng),
            Some(b) => {
                let switch = if *bad {
                    b.leave.sample(rng)
                } else {
                    b.enter.sample(rng)
                };
                *bad ^= switch;
                if *bad {
                    b.loss.sample(rng)
                } else {
                    self.lossy && self.loss.sample(rng)
                }
            }
        };
        if lost || self.extra.as_ref().is_some_and(|x| x.sample(rng)) {
            return None;
        }
        Some(self.latency.sample(rng))
    }
}
