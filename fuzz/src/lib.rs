//! Helpers shared by the fuzz targets.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use warden::{Error, InterruptHandle};

/// Checks that `error` is a clean, typed error: formatting and classifying
/// it works, and it is not one of the variants that mean a bug inside
/// Warden or its guest runtime ([`Error::Internal`]) or a guest trap that
/// is not a kill, a stack overflow or running out of memory
/// ([`Error::GuestTrap`], e.g. a panic or abort inside the guest).
pub fn check_error(error: &Error) {
    let text = error.to_string();
    let _ = error.kind();
    let _ = error.poisons();
    let _ = error.killer();
    match error {
        Error::Internal(message) => panic!("internal error (a bug in Warden): {message}"),
        Error::GuestTrap(message) => panic!("the guest trapped: {message} ({text})"),
        Error::LoadAborted { cause, .. } => check_error(cause),
        _ => {}
    }
}

/// Kills whatever runs in a sandbox if it is still running after a
/// deadline. Disarmed (and its thread joined) when dropped, so it never
/// reaches a later call.
pub struct Watchdog {
    done: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<bool>>,
}

impl Watchdog {
    /// Kills through `handle` after `after`, unless disarmed first.
    pub fn arm(handle: InterruptHandle, after: Duration) -> Self {
        let (done, wait) = mpsc::channel::<()>();
        let thread = thread::spawn(move || match wait.recv_timeout(after) {
            Err(mpsc::RecvTimeoutError::Timeout) => handle.kill(),
            _ => false,
        });
        Self {
            done: Some(done),
            thread: Some(thread),
        }
    }

    /// Disarms the watchdog; returns whether it killed a call.
    pub fn disarm(mut self) -> bool {
        self.stop()
    }

    fn stop(&mut self) -> bool {
        drop(self.done.take());
        self.thread
            .take()
            .map(|t| t.join().expect("the watchdog thread panicked"))
            .unwrap_or(false)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `text` as a JavaScript string literal that uses only printable ASCII.
pub fn js_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for unit in text.encode_utf16() {
        match unit {
            0x22 => out.push_str("\\\""),
            0x5c => out.push_str("\\\\"),
            0x20..=0x7e => out.push(unit as u8 as char),
            _ => out.push_str(&format!("\\u{unit:04x}")),
        }
    }
    out.push('"');
    out
}
