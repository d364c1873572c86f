//! Host functions written in JavaScript.
//!
//! The guest calls them on the sandbox thread; they run on the main thread.
//! The sandbox thread queues the call in the outbox and waits for the
//! answer — briefly spinning, then sleeping in 1 ms steps while it checks
//! whether the call was killed, so a kill (say, from a wall-clock monitor)
//! ends the wait promptly even if the JavaScript promise never settles. An
//! answer that arrives after that is dropped.

use std::sync::{mpsc, Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::lane::{Message, Outbox};

/// One call of a JavaScript host function.
pub(crate) struct HostRequest {
    /// Index of the function in the sandbox's table.
    pub(crate) function: usize,
    /// The arguments, as a JSON array.
    pub(crate) args: String,
    /// Where the answer goes: a JSON result, or an error message.
    pub(crate) answer: mpsc::Sender<Result<String, String>>,
}

/// How long the sandbox thread spins for an answer before it polls.
const SPIN: Duration = Duration::from_micros(50);
/// How often a waiting sandbox thread checks whether its call was killed.
const POLL: Duration = Duration::from_millis(1);

/// The Rust host function that forwards to JavaScript function `function`.
pub(crate) fn forwarder(
    function: usize,
    outbox: Arc<Outbox>,
    interrupt: Arc<OnceLock<warden::InterruptHandle>>,
) -> impl Fn(&str) -> Result<String, String> + Send + Sync + 'static {
    move |args| {
        let (answer, answers) = mpsc::channel();
        outbox.push(Message::HostCall(HostRequest {
            function,
            args: args.to_owned(),
            answer,
        }));
        let start = Instant::now();
        loop {
            match answers.try_recv() {
                Ok(answer) => return answer,
                Err(mpsc::TryRecvError::Disconnected) => {
                    return Err("the host function was dropped".into())
                }
                Err(mpsc::TryRecvError::Empty) if start.elapsed() < SPIN => std::hint::spin_loop(),
                Err(mpsc::TryRecvError::Empty) => break,
            }
        }
        loop {
            match answers.recv_timeout(POLL) {
                Ok(answer) => return answer,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err("the host function was dropped".into())
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if interrupt
                        .get()
                        .is_some_and(warden::InterruptHandle::kill_requested)
                    {
                        return Err(
                            "the call was killed while waiting for the host function".into()
                        );
                    }
                }
            }
        }
    }
}
