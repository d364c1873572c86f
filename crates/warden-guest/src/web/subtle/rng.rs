//! The random numbers key generation, signing blinding and salts draw on:
//! fresh bytes from the host for every request, as `getRandomValues` has
//! them (see [`random`](super::super::random)).

use std::num::NonZeroU32;

use rand_core::{CryptoRng, Error, RngCore};

/// The error code of a request the host served no entropy for.
const NO_ENTROPY: NonZeroU32 = match NonZeroU32::new(Error::CUSTOM_START) {
    Some(code) => code,
    None => NonZeroU32::MIN,
};

/// A cryptographic generator over the host's entropy (WASI `random_get`
/// in the sandbox). It keeps no state, so sandboxes restored from one
/// snapshot never share a sequence.
pub(super) struct HostRng;

impl RngCore for HostRng {
    fn next_u32(&mut self) -> u32 {
        let mut bytes = [0; 4];
        self.fill_bytes(&mut bytes);
        u32::from_le_bytes(bytes)
    }

    fn next_u64(&mut self) -> u64 {
        let mut bytes = [0; 8];
        self.fill_bytes(&mut bytes);
        u64::from_le_bytes(bytes)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // The host always serves `random_get`; a failure there is a broken
        // sandbox, where carrying on without entropy would be worse.
        if let Err(error) = getrandom::fill(dest) {
            panic!("the host gave no entropy: {error}");
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        getrandom::fill(dest).map_err(|_| Error::from(NO_ENTROPY))
    }
}

impl CryptoRng for HostRng {}
