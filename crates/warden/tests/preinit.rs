//! New sandboxes start from the pre-initialised guest: the pages of its
//! initialised runtime are mapped copy-on-write, so a sandbox holds privately
//! only the pages it writes. One test in its own process, so that nothing
//! else allocates while it measures.

#[path = "common/mod.rs"]
mod common;

use common::{process::pss_bytes, ECHO};
use warden::LoadedJSSandbox;

/// Sandboxes alive at once while measuring.
const SANDBOXES: u64 = 50;

/// What one idle sandbox, after its first call, may add to the process's
/// proportional set size. Writing the initialised runtime into each new
/// instance cost about 520 KiB; mapping it, about 250 KiB; allocating what
/// a sandbox makes on pages of its own rather than in the free room of the
/// runtime's pages (the guest's allocator and sealed arenas), about
/// 140 KiB.
const BOUND: u64 = 192 << 10;

#[test]
fn an_idle_sandbox_holds_privately_only_the_pages_it_wrote() {
    let warm = common::loaded(&[("echo", ECHO)]);
    let Some(before) = pss_bytes() else {
        eprintln!("skipped: this system does not report proportional memory");
        return;
    };
    let sandboxes: Vec<LoadedJSSandbox> = (0..SANDBOXES)
        .map(|_| {
            let mut loaded = common::loaded(&[("echo", ECHO)]);
            assert_eq!(
                loaded.handle_event("echo", r#"{"n":1}"#, None).unwrap(),
                r#"{"n":1}"#
            );
            loaded
        })
        .collect();
    let per_sandbox = pss_bytes().unwrap().saturating_sub(before) / SANDBOXES;
    eprintln!("each idle sandbox adds {} KiB", per_sandbox >> 10);
    assert!(
        per_sandbox < BOUND,
        "each idle sandbox adds {} KiB (bound {} KiB)",
        per_sandbox >> 10,
        BOUND >> 10
    );
    drop((warm, sandboxes));
}
