//! A lane: the thread a sandbox runs on, and the way back to JavaScript.
//!
//! Every sandbox lineage (JSSandbox → LoadedJSSandbox → JSSandbox ...) owns
//! one worker thread that runs its jobs one at a time, so calls on one
//! sandbox are serialized and the Node.js event loop never runs guest code.
//! Everything the worker has for JavaScript — console lines, host-function
//! calls, finished jobs — goes through one ordered outbox, so a call's
//! console lines always arrive before its promise settles.
//!
//! Waking a sleeping thread costs tens of microseconds on some machines,
//! more than a whole small call. So both sides spin briefly before they
//! sleep: the worker for its next job, and the main thread, inside an async
//! method, for the job it just queued. A call that finishes within that
//! spin settles its promise without any thread being woken; a longer one
//! is handed off, and the worker wakes the event loop through a
//! thread-safe function when it is done.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::ffi::c_void;
use std::ptr;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use napi::{sys, Env};

use crate::host::HostRequest;
use crate::reply::Reply;

/// How long the main thread waits for a job it queued before handing it
/// off to the event loop.
const MAIN_SPIN: Duration = Duration::from_micros(50);
/// How long the worker waits for a next job before it sleeps.
const WORKER_SPIN: Duration = Duration::from_micros(200);
/// Native stack of worker threads: room for the largest wasm stack.
const WORKER_STACK: usize = 16 << 20;

/// What the worker owns: the sandbox in its current stage.
pub(crate) enum Stage {
    /// Handlers are being added.
    Js(warden::JSSandbox),
    /// Ready to serve calls.
    Loaded(warden::LoadedJSSandbox),
    /// Taken by a failed transition.
    Empty,
}

impl Stage {
    /// The sandbox, if handlers are being added.
    pub(crate) fn js(&mut self) -> Option<&mut warden::JSSandbox> {
        match self {
            Stage::Js(sandbox) => Some(sandbox),
            _ => None,
        }
    }

    /// The sandbox, if it is ready to serve calls.
    pub(crate) fn loaded(&mut self) -> Option<&mut warden::LoadedJSSandbox> {
        match self {
            Stage::Loaded(sandbox) => Some(sandbox),
            _ => None,
        }
    }
}

/// Work for the worker; its reply settles the job's promise.
pub(crate) type Job = Box<dyn FnOnce(&mut Stage) -> Reply + Send>;

/// Something the worker hands to JavaScript.
pub(crate) enum Message {
    /// A `console` line.
    Print(warden::LogLevel, String),
    /// A call to a JavaScript host function.
    HostCall(HostRequest),
    /// Job `ticket` finished.
    Done(u64, Reply),
}

/// The process-wide doorbell: a thread-safe function whose only job is to
/// wake the event loop and name the lane that has messages. It lives as
/// long as the process; lanes never create or release thread-safe
/// functions, which keeps them safe to drop at any time, even while Node.js
/// tears its environment down.
struct Doorbell(sys::napi_threadsafe_function);

// SAFETY: N-API thread-safe functions may be called from any thread.
unsafe impl Send for Doorbell {}
unsafe impl Sync for Doorbell {}

static DOORBELL: OnceLock<Doorbell> = OnceLock::new();
static NEXT_LANE: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The main thread's lanes with something to deliver, by id.
    static LANES: RefCell<HashMap<u64, Rc<Waiting>>> = RefCell::default();
    /// Jobs handed off to the event loop, across all lanes: while there are
    /// any, the doorbell keeps Node.js alive.
    static HANDED_OFF: Cell<usize> = const { Cell::new(0) };
}

/// Creates the doorbell (once, from `__init` on the main thread).
pub(crate) fn install_doorbell(env: &Env) -> napi::Result<()> {
    if DOORBELL.get().is_some() {
        return Ok(());
    }
    let name = env.create_string("warden-sandbox")?;
    let mut tsfn = ptr::null_mut();
    // SAFETY: valid env; no context, no finalizer needed.
    let status = unsafe {
        sys::napi_create_threadsafe_function(
            env.raw(),
            ptr::null_mut(),
            ptr::null_mut(),
            napi::bindgen_prelude::ToNapiValue::to_napi_value(env.raw(), name)?,
            0,
            1,
            ptr::null_mut(),
            None,
            ptr::null_mut(),
            Some(answer),
            &mut tsfn,
        )
    };
    if status != sys::Status::napi_ok {
        return Err(napi::Error::from_reason(
            "cannot create a thread-safe function",
        ));
    }
    // Idle sandboxes must not keep Node.js alive.
    // SAFETY: main thread, live function.
    unsafe { sys::napi_unref_threadsafe_function(env.raw(), tsfn) };
    let _ = DOORBELL.set(Doorbell(tsfn));
    Ok(())
}

/// Keeps Node.js alive while `delta` more jobs are handed off (or fewer).
fn hand_off(env: &Env, delta: isize) {
    let before = HANDED_OFF.get();
    let after = before.saturating_add_signed(delta);
    HANDED_OFF.set(after);
    if let Some(bell) = DOORBELL.get() {
        // SAFETY: main thread, live function.
        unsafe {
            if before == 0 && after > 0 {
                sys::napi_ref_threadsafe_function(env.raw(), bell.0);
            } else if before > 0 && after == 0 {
                sys::napi_unref_threadsafe_function(env.raw(), bell.0);
            }
        }
    }
}

/// The worker's way to JavaScript, shared by the worker, host functions
/// and the print function.
pub(crate) struct Outbox {
    id: u64,
    queue: Mutex<VecDeque<Message>>,
    /// The main thread is spinning on this outbox and will see new messages.
    attended: AtomicBool,
    /// The doorbell has been rung and not yet answered.
    rung: AtomicBool,
}

impl Outbox {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            id: NEXT_LANE.fetch_add(1, Ordering::Relaxed),
            queue: Mutex::new(VecDeque::new()),
            attended: AtomicBool::new(false),
            rung: AtomicBool::new(false),
        })
    }

    /// Queues a message, waking the event loop unless the main thread is
    /// already watching.
    pub(crate) fn push(&self, message: Message) {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(message);
        if !self.attended.load(Ordering::SeqCst) && !self.rung.swap(true, Ordering::SeqCst) {
            let Some(bell) = DOORBELL.get() else { return };
            let id = Box::into_raw(Box::new(self.id)) as *mut c_void;
            // SAFETY: the doorbell lives as long as the process; the queue
            // is unbounded, so a non-blocking call only fails while Node.js
            // is closing, and then nobody will read the message anyway.
            let status = unsafe {
                sys::napi_call_threadsafe_function(
                    bell.0,
                    id,
                    sys::ThreadsafeFunctionCallMode::nonblocking,
                )
            };
            if status != sys::Status::napi_ok {
                // SAFETY: not handed over, still ours.
                drop(unsafe { Box::from_raw(id as *mut u64) });
            }
        }
    }

    fn pop(&self) -> Option<Message> {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
    }
}

/// Turns one message into JavaScript effects, on the main thread.
pub(crate) trait Deliver {
    /// Handles a console line.
    fn print(&self, env: &Env, level: warden::LogLevel, line: String);
    /// Runs a host function.
    fn host_call(&self, env: &Env, request: HostRequest);
    /// Settles `deferred` with a job's reply.
    fn settle(&self, env: &Env, deferred: sys::napi_deferred, reply: Reply);
}

/// The main-thread half of a lane: promises waiting for jobs.
struct Waiting {
    outbox: Arc<Outbox>,
    deliver: Rc<dyn Deliver>,
    /// Pending promises by ticket, and whether each was handed off.
    deferreds: RefCell<HashMap<u64, (sys::napi_deferred, bool)>>,
    /// The lane is gone: forget it once nothing waits.
    closed: Cell<bool>,
}

impl Waiting {
    /// Delivers every queued message.
    fn drain(&self, env: &Env) {
        self.outbox.rung.store(false, Ordering::SeqCst);
        while let Some(message) = self.outbox.pop() {
            match message {
                Message::Print(level, line) => self.deliver.print(env, level, line),
                Message::HostCall(request) => self.deliver.host_call(env, request),
                Message::Done(ticket, reply) => {
                    let entry = self.deferreds.borrow_mut().remove(&ticket);
                    if let Some((deferred, handed_off)) = entry {
                        if handed_off {
                            hand_off(env, -1);
                        }
                        self.deliver.settle(env, deferred, reply);
                    }
                }
            }
        }
        self.forget_if_done();
    }

    /// Drops the registration once the lane is gone and no promise waits.
    fn forget_if_done(&self) {
        if self.closed.get() && self.deferreds.borrow().is_empty() {
            let id = self.outbox.id;
            // Removing may drop the last `Rc` of `self`: do it last.
            let removed = LANES.with_borrow_mut(|lanes| lanes.remove(&id));
            drop(removed);
        }
    }
}

/// A sandbox's worker thread and everything needed to talk to it.
pub(crate) struct Lane {
    jobs: mpsc::Sender<(u64, Job)>,
    waiting: Rc<Waiting>,
    next_ticket: Cell<u64>,
    /// Set by `dispose`: the worker refuses the jobs it has not started.
    disposed: Arc<AtomicBool>,
}

impl Lane {
    /// Starts the worker thread, owning `stage`.
    pub(crate) fn start(
        stage: Stage,
        outbox: Arc<Outbox>,
        deliver: Rc<dyn Deliver>,
    ) -> napi::Result<Self> {
        let waiting = Rc::new(Waiting {
            outbox: outbox.clone(),
            deliver,
            deferreds: RefCell::default(),
            closed: Cell::new(false),
        });
        LANES.with_borrow_mut(|lanes| lanes.insert(outbox.id, waiting.clone()));
        let (jobs, inbox) = mpsc::channel::<(u64, Job)>();
        let disposed = Arc::new(AtomicBool::new(false));
        let refuse = disposed.clone();
        std::thread::Builder::new()
            .name("warden-sandbox".into())
            .stack_size(WORKER_STACK)
            .spawn(move || work(stage, inbox, outbox, refuse))
            .map_err(|e| {
                napi::Error::from_reason(format!("cannot start the sandbox thread: {e}"))
            })?;
        Ok(Self {
            jobs,
            waiting,
            next_ticket: Cell::new(0),
            disposed,
        })
    }

    /// Queues `job` and returns a promise for its reply. Waits a moment
    /// for the job to finish, delivering messages meanwhile, so short jobs
    /// settle without waking any thread.
    pub(crate) fn submit(&self, env: &Env, job: Job) -> napi::Result<sys::napi_value> {
        let (deferred, promise) = create_promise(env)?;
        let ticket = self.next_ticket.get() + 1;
        self.next_ticket.set(ticket);
        let waiting = &self.waiting;
        waiting
            .deferreds
            .borrow_mut()
            .insert(ticket, (deferred, false));
        if self.jobs.send((ticket, job)).is_err() {
            waiting.deferreds.borrow_mut().remove(&ticket);
            let reply = Reply::Internal("the sandbox thread has stopped".into());
            waiting.deliver.settle(env, deferred, reply);
            return Ok(promise);
        }
        let outbox = &waiting.outbox;
        outbox.attended.store(true, Ordering::SeqCst);
        let start = Instant::now();
        loop {
            waiting.drain(env);
            let pending = waiting.deferreds.borrow().contains_key(&ticket);
            if !pending || start.elapsed() > MAIN_SPIN {
                break;
            }
            std::hint::spin_loop();
        }
        outbox.attended.store(false, Ordering::SeqCst);
        // A message pushed while the flag was still set rang no bell.
        waiting.drain(env);
        if let Some(entry) = waiting.deferreds.borrow_mut().get_mut(&ticket) {
            entry.1 = true;
            hand_off(env, 1);
        }
        Ok(promise)
    }

    /// Makes the worker refuse every job it has not started; it stops, and
    /// frees the sandbox, once the lane is dropped.
    pub(crate) fn dispose(&self) {
        self.disposed.store(true, Ordering::SeqCst);
    }

    /// Queues `job` without a promise (for transitions nobody awaits).
    pub(crate) fn post(&self, job: Job) {
        let _ = self.jobs.send((0, job));
    }
}

impl Drop for Lane {
    fn drop(&mut self) {
        // The job channel closes with `self.jobs`: the worker finishes the
        // queued jobs and stops. Their promises still settle: the lane stays
        // registered until then. No N-API call here, so dropping is safe
        // at any time, including while Node.js shuts down.
        self.waiting.closed.set(true);
        self.waiting.forget_if_done();
    }
}

/// The worker thread: runs jobs in order until every lane handle is gone,
/// refusing them once the lane is disposed.
fn work(
    mut stage: Stage,
    inbox: mpsc::Receiver<(u64, Job)>,
    outbox: Arc<Outbox>,
    disposed: Arc<AtomicBool>,
) {
    while let Some((ticket, job)) = next_job(&inbox) {
        let reply = if disposed.load(Ordering::SeqCst) {
            // Free the sandbox at once, before the refusals are delivered.
            stage = Stage::Empty;
            Reply::Disposed
        } else {
            job(&mut stage)
        };
        outbox.push(Message::Done(ticket, reply));
    }
}

/// The next job: spins a moment before sleeping.
fn next_job(inbox: &mpsc::Receiver<(u64, Job)>) -> Option<(u64, Job)> {
    let start = Instant::now();
    loop {
        match inbox.try_recv() {
            Ok(job) => return Some(job),
            Err(mpsc::TryRecvError::Disconnected) => return None,
            Err(mpsc::TryRecvError::Empty) if start.elapsed() < WORKER_SPIN => {
                std::hint::spin_loop()
            }
            Err(mpsc::TryRecvError::Empty) => return inbox.recv().ok(),
        }
    }
}

fn create_promise(env: &Env) -> napi::Result<(sys::napi_deferred, sys::napi_value)> {
    let (mut deferred, mut promise) = (ptr::null_mut(), ptr::null_mut());
    // SAFETY: valid env, out-pointers.
    let status = unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) };
    if status != sys::Status::napi_ok {
        return Err(napi::Error::from_reason("cannot create a promise"));
    }
    Ok((deferred, promise))
}

/// The doorbell's callback, on the main thread: deliver what lane `data`
/// has queued.
unsafe extern "C" fn answer(
    env: sys::napi_env,
    _js: sys::napi_value,
    _context: *mut c_void,
    data: *mut c_void,
) {
    if data.is_null() {
        return;
    }
    // SAFETY: `data` is the box made in `Outbox::push`.
    let id = *unsafe { Box::from_raw(data as *mut u64) };
    if env.is_null() {
        return;
    }
    let waiting = LANES.with_borrow(|lanes| lanes.get(&id).cloned());
    if let Some(waiting) = waiting {
        waiting.drain(&Env::from_raw(env));
    }
}
