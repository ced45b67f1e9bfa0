//! A hop a message crosses: random loss, independent or bursty, and a delay.
//!
//! Bursty loss is the Gilbert-Elliott channel in its per-message form: before each message the
//! channel may switch state (good → bad with probability `enter`, bad → good with `leave`), then
//! the message is lost with the loss probability of the state it is in. The stationary share of
//! messages meeting the bad state is enter / (enter + leave) and a stay in it lasts 1 / leave
//! messages on average.

use rand::distr::{Bernoulli, Distribution};

use crate::engine::{DurationDist, Stream, Ticks};
use crate::model::fluid::binomial;
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
    /// The same probabilities as plain numbers, for flow mode's binomial counts.
    p_loss: f64,
    p_burst: Option<(f64, f64, f64)>,
    p_extra: f64,
}

#[derive(Debug)]
struct Burst {
    enter: Bernoulli,
    leave: Bernoulli,
    loss: Bernoulli,
}

/// A probability already checked by the scenario layer; out-of-range values cannot reach here,
/// but if one did it would mean "never" rather than a panic.
#[expect(
    clippy::expect_used,
    reason = "0 is a probability; compile refuses every other bad value before a run"
)]
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
            p_loss: spec.loss,
            p_burst: spec.burst.map(|b| (b.enter, b.leave, b.loss)),
            p_extra: 0.0,
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
        self.p_extra = if self.degradations.is_empty() {
            0.0
        } else {
            1.0 - kept
        };
    }

    /// Flow mode: how many of `n` messages crossing now survive, drawn as binomial counts.
    /// On a bursty link the messages meeting the bad state are drawn from the channel's
    /// stationary distribution (enter / (enter + leave)), then each state loses its own share;
    /// a degradation holding now takes its share of the survivors.
    pub fn survivors(&self, rng: &mut Stream, n: u64) -> u64 {
        self.survivors_from(rng, n, None)
    }

    /// As [`Hop::survivors`], for messages a device sends as its `k0`-th to `k1`-th over the
    /// link (`span`, fleet averages; `None`: the stationary share). Each device starts in the
    /// good state, as packet mode's do, so message j meets the bad state with probability
    /// π(1 − r^j), π = enter / (enter + leave), r = 1 − enter − leave: averaged over
    /// j ∈ (k0, k1], π(1 − r^(k0+1)(1 − r^(k1−k0)) / ((1 − r)(k1 − k0))).
    pub fn survivors_from(&self, rng: &mut Stream, n: u64, span: Option<(f64, f64)>) -> u64 {
        let kept = match self.p_burst {
            None => n - binomial(rng, n, self.p_loss),
            Some((enter, leave, bad_loss)) => {
                let stationary = if enter + leave > 0.0 {
                    enter / (enter + leave)
                } else {
                    0.0
                };
                let r = 1.0 - enter - leave;
                let bad_share = match span {
                    Some((k0, k1)) if enter + leave > 0.0 && r > 0.0 && k1 > k0 => {
                        let start =
                            r.powf(k0 + 1.0) * (1.0 - r.powf(k1 - k0)) / ((1.0 - r) * (k1 - k0));
                        stationary * (1.0 - start.clamp(0.0, 1.0))
                    }
                    _ => stationary,
                };
                let bad = binomial(rng, n, bad_share);
                let good = n - bad;
                (bad - binomial(rng, bad, bad_loss)) + (good - binomial(rng, good, self.p_loss))
            }
        };
        kept - binomial(rng, kept, self.p_extra)
    }

    /// The hop's delay law.
    pub fn latency(&self) -> &DurationDist {
        &self.latency
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
