//! The arena: the attacked sandbox, its pristine snapshot, and the
//! bystander.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use warden::{Error, LoadedJSSandbox, SandboxBuilder, Snapshot};

use super::bystander::Bystander;
use super::{generous, host_is_fine, WATCHDOG};
use crate::common::{loaded_with, ECHO};

/// The attacked sandbox, its pristine snapshot, and the bystander.
pub(crate) struct Arena {
    /// The attacked sandbox.
    pub(crate) loaded: LoadedJSSandbox,
    snapshot: Snapshot,
    bystander: Bystander,
    limit: usize,
    during: u64,
}

/// The outcome of one attack call.
pub(crate) struct Outcome {
    /// What the call returned.
    pub(crate) result: warden::Result<String>,
    /// How long it took.
    pub(crate) elapsed: Duration,
}

impl Arena {
    /// A sandbox with `echo` and the given handlers, a snapshot of it, and a
    /// running bystander.
    pub(crate) fn new(handlers: &[(&str, &str)]) -> Self {
        Self::with(
            SandboxBuilder::new(),
            warden::DEFAULT_GUEST_MEMORY_LIMIT,
            handlers,
        )
    }

    /// A sandbox built with `builder`, whose guest memory limit is `limit`,
    /// with `echo` and the given handlers, a snapshot of it, and a running
    /// bystander.
    pub(crate) fn with(builder: SandboxBuilder, limit: usize, handlers: &[(&str, &str)]) -> Self {
        let mut all = vec![("echo", ECHO)];
        all.extend_from_slice(handlers);
        let mut loaded = loaded_with(builder, &all);
        let snapshot = loaded.snapshot().unwrap();
        Self {
            loaded,
            snapshot,
            bystander: Bystander::start(),
            limit,
            during: 0,
        }
    }

    /// Calls `name` watched by `monitors`, counting the bystander's calls
    /// made meanwhile.
    pub(crate) fn call<M: warden::MonitorSet>(
        &mut self,
        name: &str,
        event: &str,
        monitors: &M,
    ) -> Outcome {
        let before = self.bystander.calls();
        let start = Instant::now();
        let result = self
            .loaded
            .handle_event_with_monitor(name, event, monitors, None);
        let elapsed = start.elapsed();
        self.during += self.bystander.calls() - before;
        self.check_memory();
        Outcome { result, elapsed }
    }

    /// Calls `name` with no monitor at all. A watchdog thread kills the call
    /// after [`WATCHDOG`] so a hang fails the test instead of blocking the
    /// run; the returned flag says whether it had to.
    pub(crate) fn call_unmonitored(&mut self, name: &str, event: &str) -> (Outcome, bool) {
        let handle = self.loaded.interrupt_handle();
        let (done, wait) = mpsc::channel::<()>();
        let watchdog = thread::spawn(move || match wait.recv_timeout(WATCHDOG) {
            Err(RecvTimeoutError::Timeout) => handle.kill(),
            _ => false,
        });
        let before = self.bystander.calls();
        let start = Instant::now();
        let result = self.loaded.handle_event(name, event, None);
        let elapsed = start.elapsed();
        self.during += self.bystander.calls() - before;
        let _ = done.send(());
        let hung = watchdog.join().unwrap();
        self.check_memory();
        (Outcome { result, elapsed }, hung)
    }

    /// Guest memory never exceeds the configured limit.
    fn check_memory(&self) {
        let used = self.loaded.status().guest_memory_bytes;
        assert!(
            used <= self.limit,
            "guest memory {used} bytes is over the {} byte limit",
            self.limit
        );
    }

    /// Calls `echo` on the attacked sandbox and checks the answer.
    fn echo_works(&mut self) {
        let event = r#"{"after":"attack","n":[1,2.5,"three",null,true,{"deep":{}}]}"#;
        let result = self
            .loaded
            .handle_event_with_monitor("echo", event, &generous(), None);
        assert_eq!(result.unwrap(), event);
        assert!(!self.loaded.poisoned());
    }

    /// After an attack that must not poison: the sandbox answers at once.
    pub(crate) fn usable(&mut self) {
        assert!(!self.loaded.poisoned(), "the sandbox was poisoned");
        self.echo_works();
    }

    /// After an attack that must poison: calls are refused until a restore,
    /// after which the sandbox answers again.
    pub(crate) fn poisoned_then_restored(&mut self) {
        assert!(self.loaded.poisoned(), "the sandbox was not poisoned");
        assert!(self.loaded.status().poisoned);
        assert!(matches!(
            self.loaded.handle_event("echo", "{}", None),
            Err(Error::Poisoned)
        ));
        self.loaded.restore(&self.snapshot).unwrap();
        self.echo_works();
    }

    /// Restores the pristine snapshot (between variants of one attack).
    pub(crate) fn reset(&mut self) {
        self.loaded.restore(&self.snapshot).unwrap();
        assert!(!self.loaded.poisoned());
    }

    /// The closing checks: the sandbox is usable, the host is fine, and the
    /// bystander was never affected.
    pub(crate) fn finish(mut self) {
        self.usable();
        host_is_fine();
        self.bystander.finish(self.during);
    }
}
