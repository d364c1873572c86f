//! Host entropy for the guest's seeds (`Math.random`, the engine's string
//! hash).

/// 64 bits of host entropy.
pub(crate) fn seed() -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS entropy: fall back to the clock mixed with an address.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        return nanos ^ (&bytes as *const _ as u64).rotate_left(32);
    }
    u64::from_le_bytes(bytes)
}
