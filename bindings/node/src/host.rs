//! Host functions written in JavaScript.
//!
//! The guest calls them on the sandbox thread; they run on the main thread.
//! The sandbox thread queues the call in the outbox.
//!
//! For a function registered with `register`, it then waits for the answer
//! — briefly spinning, then sleeping in 1 ms steps while it checks whether
//! the call was killed, so a kill (say, from a wall-clock monitor) ends the
//! wait promptly even if the JavaScript promise never settles.
//!
//! A function registered with `registerAsync` is an asynchronous host
//! function of the sandbox: the guest gets a promise at once, and the
//! answer settles it through a future, so many calls can be in flight and
//! a kill drops the ones waiting.
//!
//! Either way an answer that arrives after its call ended is dropped.

use std::future::Future;
use std::sync::{mpsc, Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::lane::{Message, Outbox};

/// The answer of a host function: a JSON result or bytes, or an error
/// message.
pub(crate) type Answer = Result<warden::HostValue, String>;

/// Where an answer goes: to a sandbox thread that waits for it, or to the
/// future of an asynchronous call.
#[derive(Clone)]
pub(crate) enum AnswerTo {
    /// A synchronous call's waiting sandbox thread.
    Waiting(mpsc::Sender<Answer>),
    /// An asynchronous call's future (which takes the first answer).
    Future(Arc<Mutex<Option<oneshot::Sender<Answer>>>>),
}

impl AnswerTo {
    /// Delivers `answer`, or drops it when nobody waits any more.
    pub(crate) fn send(&self, answer: Answer) {
        match self {
            Self::Waiting(sender) => {
                let _ = sender.send(answer);
            }
            Self::Future(slot) => {
                let sender = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
                if let Some(sender) = sender {
                    let _ = sender.send(answer);
                }
            }
        }
    }
}

/// One call of a JavaScript host function.
pub(crate) struct HostRequest {
    /// Index of the function in the sandbox's table.
    pub(crate) function: usize,
    /// The arguments: a JSON array, and the binary ones beside it.
    pub(crate) args: warden::HostArgs,
    /// Where the answer goes.
    pub(crate) answer: AnswerTo,
}

/// The asynchronous Rust host function that forwards to JavaScript
/// function `function`: its future ends with the answer.
pub(crate) fn async_forwarder(
    function: usize,
    outbox: Arc<Outbox>,
) -> impl Fn(warden::HostArgs) -> std::pin::Pin<Box<dyn Future<Output = Answer> + Send>>
       + Send
       + Sync
       + 'static {
    move |args: warden::HostArgs| {
        if crate::lane::inline() {
            return Box::pin(std::future::ready(Err(INLINE_REFUSAL.to_owned())))
                as std::pin::Pin<Box<dyn Future<Output = Answer> + Send>>;
        }
        let (answer, answered) = oneshot::channel();
        outbox.push(Message::HostCall(HostRequest {
            function,
            args,
            answer: AnswerTo::Future(Arc::new(Mutex::new(Some(answer)))),
        }));
        Box::pin(async move {
            answered
                .await
                .unwrap_or_else(|_| Err("the host function was dropped".into()))
        })
    }
}

/// The head of a fetch handler's response, as `index.js` encodes it.
#[derive(serde::Deserialize)]
struct ResponseHead {
    status: u16,
    #[serde(rename = "statusText", default)]
    status_text: String,
    #[serde(default)]
    headers: Vec<(String, String)>,
}

/// The sandbox's fetch handler that forwards to JavaScript function
/// `function` (the builder's `fetchHandler`, wrapped by `index.js`): it gets
/// the request's head and body, and answers with the response's head as
/// JSON and its body, packed by `warden_abi::encode_blobs`.
pub(crate) fn fetch_forwarder(
    function: usize,
    outbox: Arc<Outbox>,
) -> impl Fn(warden::FetchRequest) -> warden::FetchFuture + Send + Sync + 'static {
    let forward = async_forwarder(function, outbox);
    move |request: warden::FetchRequest| {
        let head = serde_json::json!({
            "method": request.method,
            "url": request.url,
            "headers": request.headers,
        });
        let args = warden::HostArgs {
            json: format!("[{head},{{\"{}\":0}}]", warden_abi::BYTES_MARKER),
            blobs: vec![request.body],
        };
        let answer = forward(args);
        Box::pin(async move { fetch_response(answer.await?) })
    }
}

/// The response a fetch handler's answer encodes.
fn fetch_response(answer: warden::HostValue) -> Result<warden::FetchResponse, String> {
    let malformed = || "the fetch handler's answer is not a response".to_owned();
    let warden::HostValue::Bytes(frame) = answer else {
        return Err(malformed());
    };
    let parts = warden_abi::decode_blobs(&frame).ok_or_else(malformed)?;
    let [head, body] = parts[..] else {
        return Err(malformed());
    };
    let head: ResponseHead =
        serde_json::from_slice(head).map_err(|e| format!("{}: {e}", malformed()))?;
    Ok(warden::FetchResponse {
        status: head.status,
        status_text: head.status_text,
        headers: head.headers,
        body: body.to_vec(),
    })
}

/// What a JavaScript host function answers inside `callHandlerSync`, which
/// blocks the thread it would run on.
const INLINE_REFUSAL: &str =
    "a JavaScript host function cannot run inside callHandlerSync, which blocks the thread it runs on: use callHandler";

/// How long the sandbox thread spins for an answer before it polls.
const SPIN: Duration = Duration::from_micros(50);
/// How often a waiting sandbox thread checks whether its call was killed.
const POLL: Duration = Duration::from_millis(1);

/// The Rust host function that forwards to JavaScript function `function`.
pub(crate) fn forwarder(
    function: usize,
    outbox: Arc<Outbox>,
    interrupt: Arc<OnceLock<warden::InterruptHandle>>,
) -> impl Fn(warden::HostArgs) -> Answer + Send + Sync + 'static {
    move |args| {
        if crate::lane::inline() {
            return Err(INLINE_REFUSAL.to_owned());
        }
        let (answer, answers) = mpsc::channel();
        outbox.push(Message::HostCall(HostRequest {
            function,
            args,
            answer: AnswerTo::Waiting(answer),
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
