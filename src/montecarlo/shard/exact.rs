//! [`Exact`]: an `f64` that survives JSON bit for bit.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// An `f64` that survives JSON bit for bit: a finite value is a JSON number (shortest
/// round-trip form; read back exactly, serde_json's `float_roundtrip`), `f64::NAN` — the value
/// of an undefined metric — is `null`, and any other value JSON cannot hold (infinities, NaNs
/// with other bits) is a string of its bits in hex, `"0x7ff0000000000000"`.
#[derive(Clone, Copy, Debug)]
pub struct Exact(pub f64);

impl Serialize for Exact {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.is_finite() {
            s.serialize_f64(v)
        } else if v.to_bits() == f64::NAN.to_bits() {
            s.serialize_none()
        } else {
            s.serialize_str(&format!("0x{:016x}", v.to_bits()))
        }
    }
}

impl<'de> Deserialize<'de> for Exact {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Exact, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Exact;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, null (undefined) or a hex string of bits like \"0x7ff0000000000000\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Exact, E> {
                Ok(Exact(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Exact, E> {
                Ok(Exact(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Exact, E> {
                Ok(Exact(v as f64))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Exact, E> {
                Ok(Exact(f64::NAN))
            }
            fn visit_none<E: de::Error>(self) -> Result<Exact, E> {
                Ok(Exact(f64::NAN))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Exact, E> {
                s.strip_prefix("0x")
                    .filter(|h| h.len() == 16)
                    .and_then(|h| u64::from_str_radix(h, 16).ok())
                    .map(|bits| Exact(f64::from_bits(bits)))
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Str(s), &self))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(v: f64) -> f64 {
        let text = serde_json::to_string(&Exact(v)).unwrap();
        serde_json::from_str::<Exact>(&text).unwrap().0
    }

    #[test]
    fn every_f64_round_trips_bit_for_bit() {
        let odd_nan = f64::from_bits(0xfff8_0000_0000_0001);
        for v in [
            0.0,
            -0.0,
            1.0,
            0.1,
            1.0 / 3.0,
            f64::MIN_POSITIVE,
            f64::from_bits(1),
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            f64::NAN,
            -f64::NAN,
            odd_nan,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            assert_eq!(round_trip(v).to_bits(), v.to_bits(), "{v:e}");
        }
        assert_eq!(serde_json::to_string(&Exact(f64::NAN)).unwrap(), "null");
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bits_round_trip(bits: u64) {
            let v = f64::from_bits(bits);
            proptest::prop_assert_eq!(round_trip(v).to_bits(), bits);
        }
    }
}
