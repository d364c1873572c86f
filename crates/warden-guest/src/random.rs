//! `Math.random`, seeded by the host.
//!
//! QuickJS seeds its generator from the clock when a context is created, so
//! every sandbox restored from one snapshot would replay the same sequence.
//! Warden replaces `Math.random` with a generator whose state the host
//! reseeds on creation and on every restore.

use std::cell::Cell;
use std::rc::Rc;

use rquickjs::{Ctx, Function, Object};

/// A SplitMix64 generator: small, fast, and good enough for `Math.random`
/// (which is not meant to be cryptographic).
#[derive(Clone, Default)]
pub(crate) struct SharedRng(Rc<Cell<u64>>);

impl SharedRng {
    /// Replaces the generator state.
    pub(crate) fn reseed(&self, seed: u64) {
        self.0.set(seed);
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&self) -> u64 {
        let state = self.0.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.0.set(state);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A double uniformly distributed in `[0, 1)`.
    pub(crate) fn next_f64(&self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Installs this generator as `Math.random`.
    pub(crate) fn install(&self, ctx: &Ctx<'_>) -> rquickjs::Result<()> {
        let math: Object = ctx.globals().get("Math")?;
        let rng = self.clone();
        let random = Function::new(ctx.clone(), move || rng.next_f64())?.with_name("random")?;
        math.set("random", random)
    }
}

#[cfg(test)]
mod tests {
    use super::SharedRng;

    #[test]
    fn same_seed_same_sequence_different_seed_different_sequence() {
        let (a, b, c) = (
            SharedRng::default(),
            SharedRng::default(),
            SharedRng::default(),
        );
        a.reseed(7);
        b.reseed(7);
        c.reseed(8);
        let seq = |r: &SharedRng| (0..8).map(|_| r.next_u64()).collect::<Vec<_>>();
        let (sa, sb, sc) = (seq(&a), seq(&b), seq(&c));
        assert_eq!(sa, sb);
        assert_ne!(sa, sc);
    }

    #[test]
    fn doubles_are_in_unit_interval() {
        let rng = SharedRng::default();
        rng.reseed(u64::MAX);
        for _ in 0..10_000 {
            let x = rng.next_f64();
            assert!((0.0..1.0).contains(&x), "{x}");
        }
    }
}
