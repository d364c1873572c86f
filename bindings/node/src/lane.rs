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
use std::sync::{mpsc, Arc, Mutex, RwLock};
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
    /// Taken by a failed transition, or freed by `dispose`.
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

    /// Takes the sandbox out, leaving `Empty`, if handlers are being added.
    pub(crate) fn take_js(&mut self) -> Option<warden::JSSandbox> {
        match std::mem::replace(self, Stage::Empty) {
            Stage::Js(sandbox) => Some(sandbox),
            other => {
                *self = other;
                None
            }
        }
    }

    /// Takes the sandbox out, leaving `Empty`, if it is ready to serve
    /// calls.
    pub(crate) fn take_loaded(&mut self) -> Option<warden::LoadedJSSandbox> {
        match std::mem::replace(self, Stage::Empty) {
            Stage::Loaded(sandbox) => Some(sandbox),
            other => {
                *self = other;
                None
            }
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

/// An environment's doorbell: a thread-safe function whose only job is to
/// wake that environment's event loop and name the lane that has messages.
/// Each environment (the main thread, every worker thread) has its own, and
/// its lanes ring only it. Lanes never create or release thread-safe
/// functions, which keeps them safe to drop at any time.
///
/// Node.js frees the function when its environment closes, while sandbox
/// threads may still be finishing jobs; so ringing holds a read lock, and
/// the function's finalizer takes the write lock and empties it. A lane of
/// a closed environment queues its messages for nobody, and never touches
/// freed memory.
struct Doorbell {
    function: RwLock<Option<RawFunction>>,
}

/// A raw thread-safe function.
#[derive(Clone, Copy)]
struct RawFunction(sys::napi_threadsafe_function);

// SAFETY: N-API thread-safe functions may be called from any thread; the
// doorbell's lock keeps every call before the function is freed.
unsafe impl Send for RawFunction {}
unsafe impl Sync for RawFunction {}

impl Doorbell {
    /// Wakes the event loop to deliver lane `id`'s messages.
    fn ring(&self, id: u64) {
        let function = self.function.read().unwrap_or_else(|p| p.into_inner());
        let Some(RawFunction(function)) = *function else {
            return;
        };
        let data = Box::into_raw(Box::new(id)) as *mut c_void;
        // SAFETY: the read lock keeps the function alive; the queue is
        // unbounded, so a non-blocking call only fails while the
        // environment closes, and then nobody will read the message anyway.
        let status = unsafe {
            sys::napi_call_threadsafe_function(
                function,
                data,
                sys::ThreadsafeFunctionCallMode::nonblocking,
            )
        };
        if status != sys::Status::napi_ok {
            // SAFETY: not handed over, still ours.
            drop(unsafe { Box::from_raw(data as *mut u64) });
        }
    }

    /// Refs the function (keeping the event loop alive) or unrefs it, on
    /// its environment's thread.
    fn keep_alive(&self, env: &Env, alive: bool) {
        let function = self.function.read().unwrap_or_else(|p| p.into_inner());
        if let Some(RawFunction(function)) = *function {
            // SAFETY: the environment's thread, live function.
            unsafe {
                if alive {
                    sys::napi_ref_threadsafe_function(env.raw(), function);
                } else {
                    sys::napi_unref_threadsafe_function(env.raw(), function);
                }
            }
        }
    }
}

static NEXT_LANE: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// This thread's environment's doorbell, once `__init` has run.
    static DOORBELL: RefCell<Option<Arc<Doorbell>>> = const { RefCell::new(None) };
    /// This environment's lanes with something to deliver, by id.
    static LANES: RefCell<HashMap<u64, Rc<Waiting>>> = RefCell::default();
    /// Jobs handed off to the event loop, across all lanes: while there are
    /// any, the doorbell keeps Node.js alive.
    static HANDED_OFF: Cell<usize> = const { Cell::new(0) };
}

/// Creates this environment's doorbell (once, from `__init`).
pub(crate) fn install_doorbell(env: &Env) -> napi::Result<()> {
    if DOORBELL.with_borrow(Option::is_some) {
        return Ok(());
    }
    let bell = Arc::new(Doorbell {
        function: RwLock::new(None),
    });
    let name = env.create_string("warden-sandbox")?;
    let mut function = ptr::null_mut();
    let finalize_data = Arc::into_raw(bell.clone()) as *mut c_void;
    // SAFETY: valid env; the finalizer gets back the `Arc` given here.
    let status = unsafe {
        sys::napi_create_threadsafe_function(
            env.raw(),
            ptr::null_mut(),
            ptr::null_mut(),
            napi::bindgen_prelude::ToNapiValue::to_napi_value(env.raw(), name)?,
            0,
            1,
            finalize_data,
            Some(freed),
            ptr::null_mut(),
            Some(answer),
            &mut function,
        )
    };
    if status != sys::Status::napi_ok {
        // SAFETY: the function was not made; the `Arc` is still ours.
        drop(unsafe { Arc::from_raw(finalize_data as *const Doorbell) });
        return Err(napi::Error::from_reason(
            "cannot create a thread-safe function",
        ));
    }
    *bell.function.write().unwrap_or_else(|p| p.into_inner()) = Some(RawFunction(function));
    // Idle sandboxes must not keep Node.js alive.
    bell.keep_alive(env, false);
    DOORBELL.with_borrow_mut(|slot| *slot = Some(bell));
    Ok(())
}

/// The doorbell's finalizer: Node.js frees the function once this returns.
unsafe extern "C" fn freed(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the `Arc` made in `install_doorbell`.
    let bell = unsafe { Arc::from_raw(data as *const Doorbell) };
    *bell.function.write().unwrap_or_else(|p| p.into_inner()) = None;
}

/// This environment's doorbell.
fn doorbell() -> napi::Result<Arc<Doorbell>> {
    DOORBELL.with_borrow(Option::clone).ok_or_else(|| {
        napi::Error::from_reason("the native module must be loaded through index.js")
    })
}

/// Keeps Node.js alive while `delta` more jobs are handed off (or fewer).
fn hand_off(env: &Env, delta: isize) {
    let before = HANDED_OFF.get();
    let after = before.saturating_add_signed(delta);
    HANDED_OFF.set(after);
    if (before == 0) != (after == 0) {
        if let Some(bell) = DOORBELL.with_borrow(Option::clone) {
            bell.keep_alive(env, after > 0);
        }
    }
}

/// The worker's way to JavaScript, shared by the worker, host functions
/// and the print function.
pub(crate) struct Outbox {
    id: u64,
    /// The doorbell of the environment that made the lane.
    bell: Arc<Doorbell>,
    queue: Mutex<VecDeque<Message>>,
    /// The main thread is spinning on this outbox and will see new messages.
    attended: AtomicBool,
    /// The doorbell has been rung and not yet answered.
    rung: AtomicBool,
}

impl Outbox {
    /// A new outbox, ringing the calling environment's doorbell.
    pub(crate) fn new() -> napi::Result<Arc<Self>> {
        Ok(Arc::new(Self {
            id: NEXT_LANE.fetch_add(1, Ordering::Relaxed),
            bell: doorbell()?,
            queue: Mutex::new(VecDeque::new()),
            attended: AtomicBool::new(false),
            rung: AtomicBool::new(false),
        }))
    }

    /// Queues a message, waking the event loop unless the main thread is
    /// already watching.
    pub(crate) fn push(&self, message: Message) {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(message);
        if !self.attended.load(Ordering::SeqCst) && !self.rung.swap(true, Ordering::SeqCst) {
            self.bell.ring(self.id);
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

/// The object a transition's promise resolves with: made when the
/// transition is asked for, and held by a strong reference until its job
/// has run. A reference never released (its environment closed first) is
/// freed by Node.js with the environment.
pub(crate) struct Successor(sys::napi_ref);

impl Successor {
    /// Holds `object` until the transition's job has run.
    pub(crate) fn new(env: &Env, object: sys::napi_value) -> napi::Result<Self> {
        let mut reference = ptr::null_mut();
        // SAFETY: main thread, valid value.
        let status = unsafe { sys::napi_create_reference(env.raw(), object, 1, &mut reference) };
        if status != sys::Status::napi_ok {
            return Err(napi::Error::from_reason("cannot create a reference"));
        }
        Ok(Self(reference))
    }

    /// Lets go of the object, returning it.
    fn release(self, env: &Env) -> napi::Result<sys::napi_value> {
        let mut object = ptr::null_mut();
        // SAFETY: main thread; the reference is live until deleted here.
        let status = unsafe {
            sys::napi_get_reference_value(env.raw(), self.0, &mut object);
            sys::napi_delete_reference(env.raw(), self.0)
        };
        if status != sys::Status::napi_ok || object.is_null() {
            return Err(napi::Error::from_reason("cannot read a reference"));
        }
        Ok(object)
    }
}

/// A promise waiting for its job.
struct Pending {
    deferred: sys::napi_deferred,
    /// Handed off to the event loop, which it keeps alive.
    handed_off: bool,
    /// For a transition: what the promise resolves with when the job
    /// succeeds.
    successor: Option<Successor>,
}

/// The main-thread half of a lane: promises waiting for jobs.
struct Waiting {
    outbox: Arc<Outbox>,
    deliver: Rc<dyn Deliver>,
    /// Pending promises by ticket.
    pending: RefCell<HashMap<u64, Pending>>,
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
                    let entry = self.pending.borrow_mut().remove(&ticket);
                    if let Some(pending) = entry {
                        self.settle(env, pending, reply);
                    }
                }
            }
        }
        self.forget_if_done();
    }

    /// Settles a promise with its job's reply: a transition that succeeded
    /// resolves with its successor.
    fn settle(&self, env: &Env, pending: Pending, reply: Reply) {
        if pending.handed_off {
            hand_off(env, -1);
        }
        let reply = match (pending.successor.map(|next| next.release(env)), reply) {
            (Some(Ok(object)), Reply::Unit) => {
                // SAFETY: main thread; each deferred is settled exactly once.
                unsafe { sys::napi_resolve_deferred(env.raw(), pending.deferred, object) };
                return;
            }
            (Some(Err(error)), Reply::Unit) => Reply::Internal(error.to_string()),
            (_, reply) => reply,
        };
        self.deliver.settle(env, pending.deferred, reply);
    }

    /// Drops the registration once the lane is gone and no promise waits.
    fn forget_if_done(&self) {
        if self.closed.get() && self.pending.borrow().is_empty() {
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
            pending: RefCell::default(),
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

    /// Queues `job` and returns a promise for its reply, or, for a
    /// transition, of its `successor` once the job succeeded. Waits a
    /// moment for the job to finish, delivering messages meanwhile, so
    /// short jobs settle without waking any thread.
    pub(crate) fn submit(
        &self,
        env: &Env,
        job: Job,
        successor: Option<Successor>,
    ) -> napi::Result<sys::napi_value> {
        let (deferred, promise) = create_promise(env)?;
        let ticket = self.next_ticket.get() + 1;
        self.next_ticket.set(ticket);
        let waiting = &self.waiting;
        let pending = Pending {
            deferred,
            handed_off: false,
            successor,
        };
        waiting.pending.borrow_mut().insert(ticket, pending);
        if self.jobs.send((ticket, job)).is_err() {
            if let Some(pending) = waiting.pending.borrow_mut().remove(&ticket) {
                let reply = Reply::Internal("the sandbox thread has stopped".into());
                waiting.settle(env, pending, reply);
            }
            return Ok(promise);
        }
        let outbox = &waiting.outbox;
        outbox.attended.store(true, Ordering::SeqCst);
        let start = Instant::now();
        loop {
            waiting.drain(env);
            let pending = waiting.pending.borrow().contains_key(&ticket);
            if !pending || start.elapsed() > MAIN_SPIN {
                break;
            }
            std::hint::spin_loop();
        }
        outbox.attended.store(false, Ordering::SeqCst);
        // A message pushed while the flag was still set rang no bell.
        waiting.drain(env);
        if let Some(pending) = waiting.pending.borrow_mut().get_mut(&ticket) {
            pending.handed_off = true;
            hand_off(env, 1);
        }
        Ok(promise)
    }

    /// Makes the worker refuse every job it has not started; it stops, and
    /// frees the sandbox, once the lane is dropped.
    pub(crate) fn dispose(&self) {
        self.disposed.store(true, Ordering::SeqCst);
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
/// refusing them once the lane is disposed. A failed transition ends it at
/// once: the sandbox is gone, and its successor is never handed out, so no
/// job can follow.
fn work(
    mut stage: Stage,
    inbox: mpsc::Receiver<(u64, Job)>,
    outbox: Arc<Outbox>,
    disposed: Arc<AtomicBool>,
) {
    while let Some((ticket, job)) = next_job(&inbox) {
        let refused = disposed.load(Ordering::SeqCst);
        let reply = if refused {
            // Free the sandbox at once, before the refusals are delivered.
            stage = Stage::Empty;
            Reply::Disposed
        } else {
            job(&mut stage)
        };
        outbox.push(Message::Done(ticket, reply));
        if !refused && matches!(stage, Stage::Empty) {
            return;
        }
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
