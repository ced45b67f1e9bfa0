//! Random streams keyed by what they describe (invariant 2 in ARCHITECTURE.md).
//!
//! Every random process draws from its own stream, derived from (seed, replication, entity,
//! process). Entity keys are hashes of stable names (a carrier's id, a fleet's id and a device's
//! index in it), never positions in a list, so adding a gateway to a design does not reshuffle
//! carrier B's outages: two designs run on one seed see the same world.
//!
//! The generator is Xoshiro256++ (`rand_xoshiro`): portable, 32 bytes of state, statistically
//! strong for simulation. ChaCha8 would be the cryptographic choice, but its buffered state is
//! about 300 bytes, which a million devices with two streams each cannot afford.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// One random stream.
pub type Stream = Xoshiro256PlusPlus;

/// The coordinates of one random process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StreamKey {
    pub seed: u64,
    pub replication: u64,
    pub entity: u64,
    pub process: u64,
}

impl StreamKey {
    /// The stream for these coordinates: the same key always gives the same stream, and keys
    /// differing in any coordinate give streams that are independent for practical purposes.
    pub fn stream(&self) -> Stream {
        KeyPrefix::new(self.seed, self.replication).stream(self.entity, self.process)
    }
}

/// The derivation of a stream folded as far as a replication's seed and number: a part that
/// derives many streams of one replication (a device's lifecycle draws, one stream a draw)
/// keeps it and folds only the entity and process per stream, half the hashing, the same
/// streams as [`StreamKey::stream`].
#[derive(Clone, Copy, Debug)]
pub struct KeyPrefix {
    lanes: [u64; 4],
}

impl KeyPrefix {
    /// The prefix of every key of replication `replication` of seed `seed`.
    pub fn new(seed: u64, replication: u64) -> KeyPrefix {
        let mut lanes = [0u64; 4];
        for (lane, h) in lanes.iter_mut().enumerate() {
            *h = mix64(0x243F_6A88_85A3_08D3 ^ lane as u64);
            for word in [seed, replication] {
                *h = fold(*h, word);
            }
        }
        KeyPrefix { lanes }
    }

    /// The stream of `StreamKey { seed, replication, entity, process }`.
    #[inline]
    pub fn stream(&self, entity: u64, process: u64) -> Stream {
        let (entity, process) = (spread(entity), spread(process));
        let mut seed = [0u8; 32];
        for (chunk, h) in seed.chunks_exact_mut(8).zip(self.lanes) {
            let h = mix64(mix64(h ^ entity) ^ process);
            chunk.copy_from_slice(&h.to_le_bytes());
        }
        Xoshiro256PlusPlus::from_seed(seed)
    }
}

/// One coordinate folded into a lane of the derivation.
#[inline(always)]
fn fold(h: u64, word: u64) -> u64 {
    mix64(h ^ spread(word))
}

/// A coordinate as it enters every lane (computed once for the four lanes).
#[inline(always)]
fn spread(word: u64) -> u64 {
    mix64(word.wrapping_add(0x9E37_79B9_7F4A_7C15))
}

/// A stable 64-bit key for a named thing, e.g. `name_key("carrier", "A")`.
///
/// FNV-1a over the kind and the name, then a finaliser: stable across platforms, versions and
/// runs, unlike `std`'s randomly seeded hasher.
pub fn name_key(kind: &str, name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in kind.bytes().chain([0xff]).chain(name.bytes()) {
        h ^= byte as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix64(h)
}

/// The key of member `index` of a named group, e.g. device 17 of fleet "meters".
pub fn member_key(group: u64, index: u64) -> u64 {
    mix64(group ^ mix64(index.wrapping_add(0x632B_E59B_D9B4_E019)))
}

/// SplitMix64's finaliser: a bijective mix of 64 bits.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn key(entity: u64, process: u64) -> StreamKey {
        StreamKey {
            seed: 7,
            replication: 3,
            entity,
            process,
        }
    }

    fn first_draws(mut s: Stream) -> [u64; 4] {
        std::array::from_fn(|_| s.next_u64())
    }

    /// The derivation as first written, every coordinate folded into every lane in turn: the
    /// streams every recorded result was drawn from.
    fn folded_one_by_one(k: &StreamKey) -> Stream {
        let mut seed = [0u8; 32];
        for (lane, chunk) in seed.chunks_exact_mut(8).enumerate() {
            let mut h = mix64(0x243F_6A88_85A3_08D3 ^ lane as u64);
            for word in [k.seed, k.replication, k.entity, k.process] {
                h = mix64(h ^ mix64(word.wrapping_add(0x9E37_79B9_7F4A_7C15)));
            }
            chunk.copy_from_slice(&h.to_le_bytes());
        }
        Xoshiro256PlusPlus::from_seed(seed)
    }

    #[test]
    fn a_replications_prefix_gives_the_streams_of_its_keys() {
        for (seed, replication, entity, process) in [
            (7, 3, 1, 2),
            (0, 0, 0, 0),
            (u64::MAX, 9, 1 << 40, 5 | 7 << 32),
        ] {
            let k = StreamKey {
                seed,
                replication,
                entity,
                process,
            };
            let expected = first_draws(folded_one_by_one(&k));
            assert_eq!(first_draws(k.stream()), expected);
            let prefix = KeyPrefix::new(seed, replication);
            assert_eq!(first_draws(prefix.stream(entity, process)), expected);
        }
    }

    #[test]
    fn the_same_key_gives_the_same_stream() {
        assert_eq!(
            first_draws(key(1, 2).stream()),
            first_draws(key(1, 2).stream())
        );
    }

    #[test]
    fn every_coordinate_changes_the_stream() {
        let base = first_draws(key(1, 2).stream());
        let variants = [
            StreamKey {
                seed: 8,
                ..key(1, 2)
            },
            StreamKey {
                replication: 4,
                ..key(1, 2)
            },
            key(2, 2),
            key(1, 3),
            key(2, 1),
        ];
        for v in variants {
            assert_ne!(first_draws(v.stream()), base, "{v:?}");
        }
    }

    /// Golden values: if a dependency upgrade changes the generator or the derivation, every
    /// published result would change; this test makes that loud.
    #[test]
    fn golden_values() {
        let draws = first_draws(key(1, 2).stream());
        assert_eq!(draws, GOLDEN, "random stream derivation changed: {draws:?}");
        assert_eq!(name_key("carrier", "A"), GOLDEN_NAME_KEY);
    }
    const GOLDEN: [u64; 4] = [
        6961553282715645345,
        5512650531943495564,
        9810276401520926040,
        14190390425054458954,
    ];
    const GOLDEN_NAME_KEY: u64 = 5032672772302118346;
}
