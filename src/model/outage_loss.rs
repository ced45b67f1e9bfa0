//! Buffer loss per outage: how many messages a gateway's store-and-forward buffer loses in
//! each outage of its connectivity, so a designer sizing a buffer sees the share of outages
//! that lose anything and how bad the bad ones are (a total loss count hides both).
//!
//! An *outage* of a gateway with a buffer runs from the instant the gateway, up, can no longer
//! forward (the uplink in use is cut off, or none is left) to the instant it can again; a
//! gateway that fails starts no outage of its buffer (its messages are lost as `gateway_down`,
//! not to overflow). Its loss is the messages lost to overflow at that gateway meanwhile
//! (`buffer_overflow`, either drop policy). Only outages that ended before the horizon are
//! counted: an outage cut by the horizon has not shown its whole loss. A leaf: no world state.

/// Per gateway, the outage under way and its losses so far; the losses of finished outages.
#[derive(Clone, Debug)]
pub struct OutageLosses {
    /// Per gateway: `None` when it has no buffer or is not in an outage, else the messages its
    /// buffer has lost in the outage under way.
    open: Vec<Option<u64>>,
    /// Which gateways have a buffer (buffer_messages > 0).
    buffered: Vec<bool>,
    /// Each finished outage's loss, in the order they ended.
    pub finished: Vec<u64>,
}

impl OutageLosses {
    /// Tracking for gateways of which `buffered[g]` says whether they have a buffer.
    pub fn new(buffered: Vec<bool>) -> OutageLosses {
        OutageLosses {
            open: vec![None; buffered.len()],
            buffered,
            finished: vec![],
        }
    }

    /// Gateway `g`, up, can no longer forward.
    pub fn began(&mut self, g: usize) {
        if self.buffered[g] && self.open[g].is_none() {
            self.open[g] = Some(0);
        }
    }

    /// Gateway `g` can forward again: its outage, if one was under way, is finished.
    pub fn ended(&mut self, g: usize) {
        if let Some(lost) = self.open[g].take() {
            self.finished.push(lost);
        }
    }

    /// Gateway `g`'s buffer lost a message to overflow (counted if an outage is under way).
    pub fn overflowed(&mut self, g: usize) {
        if let Some(lost) = &mut self.open[g] {
            *lost += 1;
        }
    }

    /// The warm-up ends: outages finished before are forgotten; those under way go on whole.
    pub fn restart(&mut self) {
        self.finished.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_counts_the_overflows_between_its_start_and_end() {
        let mut o = OutageLosses::new(vec![true, false]);
        o.overflowed(0); // no outage: a busy server's overflow is not an outage's
        o.began(0);
        o.began(1); // no buffer: no outage of a buffer
        o.overflowed(0);
        o.overflowed(0);
        o.ended(0);
        o.began(0);
        o.ended(0);
        o.ended(1);
        o.began(0);
        o.overflowed(0); // cut by the horizon: not counted
        assert_eq!(o.finished, vec![2, 0]);
    }
}
