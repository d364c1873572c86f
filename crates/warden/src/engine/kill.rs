//! Killing a guest call: the [`KillSwitch`] that says which call runs and
//! whether it must stop, and the epoch callback that stops it.
//!
//! A kill (from an `InterruptHandle`, or from a monitor's watch) flips the
//! switch and bumps the engine's epoch. Guest code checks the epoch at every
//! function entry and loop back-edge (one bulk-memory instruction, such as
//! `memory.copy` or `memory.fill`, runs to its end first, so a kill can wait
//! for it); the bump makes that check call [`arm`]'s callback, which finds the switch
//! flipped and traps with the [`Killed`] payload. The instance then reports
//! the trap as a kill.
//!
//! A kill is aimed at a call, never at a sandbox in general: a kill that
//! arrives while no call runs does nothing, and a monitor can only kill the
//! call it was started for. The state is one atomic word so the epoch
//! callback (which runs inside the guest) reads it without locking.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use wasmtime::{Engine, Store, UpdateDeadline};

use crate::error::Killer;

const RUNNING: u64 = 1;
const KILLED: u64 = 2;
const BY_MONITOR: u64 = 4;
const SEQ_SHIFT: u32 = 3;

/// The trap payload of a killed call: the error the epoch callback returns.
#[derive(Debug)]
pub(crate) struct Killed;

impl fmt::Display for Killed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the call was killed")
    }
}

impl std::error::Error for Killed {}

/// Makes `store`'s guest stop with [`Killed`] at its next epoch check once
/// `switch` is flipped; until then each check lets it run on.
pub(crate) fn arm<T: 'static>(store: &mut Store<T>, switch: Arc<KillSwitch>) {
    store.epoch_deadline_callback(move |_| {
        if switch.is_killed() {
            Err(Killed.into())
        } else {
            Ok(UpdateDeadline::Continue(1))
        }
    });
    store.set_epoch_deadline(1);
}

/// The call state of one sandbox, shared with its interrupt handles.
pub(crate) struct KillSwitch {
    /// `seq << SEQ_SHIFT | flags`: the number of the current (or last) call
    /// and whether it runs, was killed, and was killed by a monitor.
    word: AtomicU64,
    /// The monitor that killed call `seq`. Written under the lock before
    /// the kill becomes visible, read under the lock after it ended.
    monitor_kill: Mutex<Option<(u64, Killer)>>,
    poisoned: AtomicBool,
    /// The engines the sandbox's guest may run in.
    engines: Arc<[Engine]>,
    /// Held by a guest waiting for a timer while it checks for a kill, and
    /// by a kill while it wakes the waiter, so no wake-up is lost.
    nap: Mutex<()>,
    wake: Condvar,
}

impl KillSwitch {
    pub(crate) fn new(engines: Arc<[Engine]>) -> Self {
        Self {
            word: AtomicU64::new(0),
            monitor_kill: Mutex::new(None),
            poisoned: AtomicBool::new(false),
            engines,
            nap: Mutex::new(()),
            wake: Condvar::new(),
        }
    }

    /// Starts a call; returns its sequence number.
    pub(crate) fn begin(&self) -> u64 {
        let seq = (self.word.load(Ordering::Relaxed) >> SEQ_SHIFT) + 1;
        self.word
            .store(seq << SEQ_SHIFT | RUNNING, Ordering::SeqCst);
        seq
    }

    /// Ends the current call; returns what killed it, if anything.
    pub(crate) fn end(&self) -> Option<Killer> {
        let word = self.word.load(Ordering::Relaxed);
        let seq = word >> SEQ_SHIFT;
        let ended = self.word.swap(seq << SEQ_SHIFT, Ordering::SeqCst);
        if ended & KILLED == 0 {
            return None;
        }
        if ended & BY_MONITOR != 0 {
            let slot = self.monitor_kill.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((killed_seq, killer)) = slot.as_ref() {
                if *killed_seq == seq {
                    return Some(*killer);
                }
            }
        }
        Some(Killer::Handle)
    }

    /// Whether the running call has been killed.
    pub(crate) fn is_killed(&self) -> bool {
        self.word.load(Ordering::SeqCst) & KILLED != 0
    }

    /// The sequence number of the running call, if one runs.
    pub(crate) fn running(&self) -> Option<u64> {
        let word = self.word.load(Ordering::SeqCst);
        (word & RUNNING != 0).then_some(word >> SEQ_SHIFT)
    }

    /// Kills whatever call is running. Returns whether one was.
    pub(crate) fn kill(&self) -> bool {
        self.kill_if(|_| true, 0)
    }

    /// Kills call `seq` if it is still running, recording `killer`.
    pub(crate) fn kill_call(&self, seq: u64, killer: Killer) -> bool {
        let mut slot = self.monitor_kill.lock().unwrap_or_else(|p| p.into_inner());
        let killed = self.kill_if(|running| running == seq, BY_MONITOR);
        if killed {
            *slot = Some((seq, killer));
        }
        drop(slot);
        if killed {
            self.stop_guest();
        }
        killed
    }

    fn kill_if(&self, target: impl Fn(u64) -> bool, extra: u64) -> bool {
        let mut word = self.word.load(Ordering::SeqCst);
        loop {
            if word & RUNNING == 0 || word & KILLED != 0 || !target(word >> SEQ_SHIFT) {
                return false;
            }
            match self.word.compare_exchange_weak(
                word,
                word | KILLED | extra,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => break,
                Err(now) => word = now,
            }
        }
        if extra == 0 {
            // A monitor kill stops the guest after recording who killed.
            self.stop_guest();
        }
        true
    }

    /// Makes a killed guest stop: at its next epoch check, or as soon as its
    /// wait for a timer ends, which this ends now.
    fn stop_guest(&self) {
        for engine in self.engines.iter() {
            engine.increment_epoch();
        }
        self.wake();
    }

    /// Ends a [`sleep`](Self::sleep) early if its `ready` now holds. Whoever
    /// makes `ready` hold calls this after.
    pub(crate) fn wake(&self) {
        drop(self.nap.lock().unwrap_or_else(PoisonError::into_inner));
        self.wake.notify_all();
    }

    /// Sleeps for `duration`, until `ready` holds (checked whenever
    /// [`wake`](Self::wake) is called), or until the running call is
    /// killed.
    pub(crate) fn sleep(&self, duration: Duration, ready: impl Fn() -> bool) {
        let deadline = Instant::now().checked_add(duration);
        let mut nap = self.nap.lock().unwrap_or_else(PoisonError::into_inner);
        while !self.is_killed() && !ready() {
            nap = match deadline {
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return;
                    }
                    self.wake
                        .wait_timeout(nap, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self.wake.wait(nap).unwrap_or_else(PoisonError::into_inner),
            };
        }
    }

    /// Marks the sandbox poisoned.
    pub(crate) fn poison(&self) {
        self.poisoned.store(true, Ordering::SeqCst);
    }

    /// Clears the poison (after a restore).
    pub(crate) fn cure(&self) {
        self.poisoned.store(false, Ordering::SeqCst);
    }

    /// Whether the sandbox is poisoned.
    pub(crate) fn is_poisoned(&self) -> bool {
        self.poisoned.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate() -> KillSwitch {
        KillSwitch::new(Arc::new([Engine::default()]))
    }

    #[test]
    fn a_kill_without_a_running_call_does_nothing() {
        let gate = gate();
        assert!(!gate.kill());
        gate.begin();
        assert!(!gate.is_killed());
        assert_eq!(gate.end(), None);
    }

    #[test]
    fn a_kill_hits_the_running_call_once() {
        let gate = gate();
        gate.begin();
        assert!(gate.kill());
        assert!(!gate.kill());
        assert!(gate.is_killed());
        assert_eq!(gate.end(), Some(Killer::Handle));
        gate.begin();
        assert!(!gate.is_killed());
        assert_eq!(gate.end(), None);
    }

    #[test]
    fn a_monitor_only_kills_its_own_call_and_is_named() {
        let gate = gate();
        let first = gate.begin();
        gate.end();
        let second = gate.begin();
        let killer = Killer::Monitor {
            name: "wall-clock",
            budget: None,
        };
        assert!(!gate.kill_call(first, killer));
        assert!(!gate.is_killed());
        assert!(gate.kill_call(second, killer));
        assert_eq!(gate.end(), Some(killer));
        // The record of that kill does not leak into the next call.
        gate.begin();
        gate.kill();
        assert_eq!(gate.end(), Some(Killer::Handle));
    }

    #[test]
    fn the_first_killer_wins() {
        let gate = gate();
        let seq = gate.begin();
        assert!(gate.kill());
        let monitor = Killer::Monitor {
            name: "cpu-time",
            budget: None,
        };
        assert!(!gate.kill_call(seq, monitor));
        assert_eq!(gate.end(), Some(Killer::Handle));
    }

    #[test]
    fn a_kill_ends_a_sleep_and_a_killed_call_does_not_sleep() {
        let gate = Arc::new(gate());
        gate.begin();
        let sleeper = {
            let gate = gate.clone();
            std::thread::spawn(move || {
                let start = Instant::now();
                gate.sleep(Duration::from_secs(600), || false);
                start.elapsed()
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(gate.kill());
        let slept = sleeper.join().expect("the sleeper panicked");
        assert!(slept < Duration::from_secs(300), "slept {slept:?}");
        let start = Instant::now();
        gate.sleep(Duration::from_secs(600), || false);
        assert!(start.elapsed() < Duration::from_secs(300));
    }

    #[test]
    fn a_sleep_without_a_kill_lasts_its_duration() {
        let gate = gate();
        gate.begin();
        let start = Instant::now();
        gate.sleep(Duration::from_millis(30), || false);
        assert!(start.elapsed() >= Duration::from_millis(30));
    }

    #[test]
    fn a_wake_ends_a_sleep_once_it_is_ready() {
        let gate = Arc::new(gate());
        gate.begin();
        let ready = Arc::new(AtomicBool::new(false));
        let sleeper = {
            let (gate, ready) = (gate.clone(), ready.clone());
            std::thread::spawn(move || {
                let start = Instant::now();
                gate.sleep(Duration::from_secs(600), || ready.load(Ordering::SeqCst));
                start.elapsed()
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        gate.wake(); // not ready yet: sleeps on
        std::thread::sleep(Duration::from_millis(50));
        assert!(!sleeper.is_finished());
        ready.store(true, Ordering::SeqCst);
        gate.wake();
        let slept = sleeper.join().expect("the sleeper panicked");
        assert!(slept < Duration::from_secs(300), "slept {slept:?}");
    }

    #[test]
    fn poison_is_sticky_until_cured() {
        let gate = gate();
        assert!(!gate.is_poisoned());
        gate.poison();
        gate.begin();
        gate.end();
        assert!(gate.is_poisoned());
        gate.cure();
        assert!(!gate.is_poisoned());
    }
}
