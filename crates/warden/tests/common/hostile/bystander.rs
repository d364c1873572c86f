//! The bystander: another sandbox, on another thread, answering echo calls
//! for the whole length of an attack.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use super::generous;
use crate::common::{loaded, ECHO};

/// Another sandbox, on another thread, answering echo calls for the whole
/// length of an attack.
pub(super) struct Bystander {
    stop: Arc<AtomicBool>,
    calls: Arc<AtomicU64>,
    thread: thread::JoinHandle<Result<u64, String>>,
}

impl Bystander {
    /// Starts the bystander, and waits for its first answer.
    pub(super) fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let calls = Arc::new(AtomicU64::new(0));
        let (stop2, calls2) = (stop.clone(), calls.clone());
        let thread = thread::spawn(move || {
            let mut loaded = loaded(&[("echo", ECHO)]);
            let monitors = generous();
            let mut i = 0u64;
            while !stop2.load(Ordering::Relaxed) {
                let event = format!(r#"{{"i":{i},"who":"bystander","list":[1,2,{{"x":null}}]}}"#);
                match loaded.handle_event_with_monitor("echo", &event, &monitors, Some(false)) {
                    Ok(result) if result == event => {}
                    Ok(result) => return Err(format!("call {i}: wrong result {result}")),
                    Err(error) => return Err(format!("call {i}: {error:?}")),
                }
                if loaded.poisoned() {
                    return Err(format!("call {i}: the bystander is poisoned"));
                }
                i += 1;
                calls2.store(i, Ordering::Relaxed);
            }
            Ok(i)
        });
        let bystander = Self {
            stop,
            calls,
            thread,
        };
        bystander.wait_beyond(0);
        bystander
    }

    /// How many calls it has answered.
    pub(super) fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Waits until the bystander has made more than `n` calls (or stopped
    /// on a failure, which [`finish`](Self::finish) reports).
    fn wait_beyond(&self, n: u64) {
        let start = Instant::now();
        while self.calls() <= n && !self.thread.is_finished() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the bystander made no progress for 60 s"
            );
            thread::sleep(Duration::from_millis(1));
        }
    }

    /// Checks the bystander is still answering after the attack, stops it,
    /// and asserts every one of its calls succeeded.
    pub(super) fn finish(self, during: u64) {
        let now = self.calls();
        self.wait_beyond(now);
        self.stop.store(true, Ordering::Relaxed);
        let total = self
            .thread
            .join()
            .expect("the bystander thread panicked")
            .unwrap_or_else(|e| panic!("the bystander sandbox was affected: {e}"));
        assert!(total > now, "the bystander stopped answering");
        println!("    bystander: {total} echo calls, {during} of them during the attack");
    }
}
