//! [`GuestRuntime`]: one QuickJS runtime and context with its handlers.

use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use rquickjs::promise::PromiseState;
use rquickjs::{Context, Ctx, Function, Persistent, Runtime, Value};
use warden_abi::Status;

use crate::engine_patches::{collect_and_pin, seal_arenas, Collection};
use crate::errors::{Caught, GuestError};
use crate::event_loop;
use crate::guards::Guards;
use crate::handlers::{compile, Compiler};
use crate::host::Host;
use crate::memory::{HeapLimit, LimitedAllocator, ERROR_RESERVE};
use crate::modules::{HostBridge, HostModuleLoader};
use crate::random::SharedRng;
use crate::text::{self, TextReader};
use crate::web::Timers;
use crate::{builtins, web};

/// What a [`GuestRuntime`] may use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// The JavaScript heap, in bytes (0: no limit). Past it, allocations
    /// fail with a catchable `InternalError: out of memory`.
    pub heap: usize,
    /// The engine's stack, in bytes (0: the engine's default). Recursion
    /// past it throws a catchable `RangeError: Maximum call stack size
    /// exceeded`.
    pub stack: usize,
    /// The longest JSON text the runtime hands out: a result, or the
    /// arguments of one host-function call (0: no limit).
    pub max_json: usize,
}

/// A JavaScript runtime with a set of named handlers.
pub struct GuestRuntime {
    // Declared first so the handlers are released before the context and
    // runtime that own them.
    handlers: HashMap<String, Persistent<Function<'static>>>,
    guards: Guards,
    timers: Timers,
    context: Context,
    runtime: Runtime,
    rng: SharedRng,
    heap: HeapLimit,
    /// Bytes the heap held after the last full collection (see
    /// [`collect`](Self::collect)).
    pinned_heap: usize,
    limits: Limits,
    host: Rc<dyn Host>,
}

impl fmt::Debug for GuestRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<_> = self.handlers.keys().collect();
        names.sort();
        f.debug_struct("GuestRuntime")
            .field("handlers", &names)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl GuestRuntime {
    /// Creates a runtime without a heap limit whose `Math.random` starts
    /// from `seed`.
    pub fn new(host: Rc<dyn Host>, seed: u64) -> Result<Self, GuestError> {
        let internal = |e: rquickjs::Error| GuestError::new(Status::Internal, e.to_string());
        crate::engine_patches::key_string_hash(seed);
        let heap = HeapLimit::default();
        let runtime =
            Runtime::new_with_alloc(LimitedAllocator::new(heap.clone())).map_err(internal)?;
        runtime.set_loader(HostModuleLoader, HostModuleLoader);
        let context = Context::full(&runtime).map_err(internal)?;
        let rng = SharedRng::default();
        rng.reseed(seed);
        let setup = || {
            context.with(|ctx| -> Result<(Guards, Timers), GuestError> {
                ctx.store_userdata(HostBridge::new(host.clone()))
                    .map_err(|e| GuestError::new(Status::Internal, e.to_string()))?;
                TextReader::install(&ctx).map_err(internal)?;
                crate::host_calls::install(&ctx).map_err(internal)?;
                builtins::install(&ctx, &host).map_err(internal)?;
                let timers = web::install(&ctx, &host)
                    .map_err(|e| Caught::from_error(&ctx, e).into_error(Status::Internal))?;
                rng.install(&ctx).map_err(internal)?;
                let guards = Guards::install(&ctx)
                    .map_err(|e| Caught::from_error(&ctx, e).into_error(Status::Internal))?;
                Ok((guards, timers))
            })
        };
        let (guards, timers) = crate::engine_patches::without_source(setup)?;
        // What setting up the runtime left behind is not copied into every
        // sandbox made from this state.
        context.with(|ctx| collect_and_pin(&ctx, Collection::Full));
        Ok(Self {
            pinned_heap: heap.used(),
            handlers: HashMap::new(),
            guards,
            timers,
            context,
            runtime,
            rng,
            heap,
            limits: Limits::default(),
            host,
        })
    }

    /// Declares a host function that handlers can import from
    /// `"host:<module>"`; an asynchronous one returns a promise. Must
    /// precede the handlers that import it.
    pub fn declare_host_function(&mut self, module: &str, function: &str, is_async: bool) {
        self.context.with(|ctx| {
            if let Some(bridge) = ctx.userdata::<HostBridge>() {
                bridge.declare(module, function, is_async);
            }
        });
    }

    /// Compiles and evaluates a handler module and registers its `handler`;
    /// its relative imports start from the root of the module tree.
    pub fn add_handler(&mut self, name: &str, source: &str) -> Result<(), GuestError> {
        self.add_handler_in(name, "/", source)
    }

    /// Like [`add_handler`](Self::add_handler), with the handler's relative
    /// imports of user modules starting from `directory`, a module path.
    pub fn add_handler_in(
        &mut self,
        name: &str,
        directory: &str,
        source: &str,
    ) -> Result<(), GuestError> {
        if self.handlers.contains_key(name) {
            return Err(GuestError::new(Status::HandlerExists, ""));
        }
        let handler = self.context.with(|ctx| {
            let bridge = ctx.userdata::<HostBridge>();
            if let Some(bridge) = &bridge {
                bridge.set_directory(name, directory);
            }
            let with = Compiler {
                guards: &self.guards,
                timers: &self.timers,
                host: &*self.host,
            };
            let compiled =
                compile(&ctx, &with, name, source).map(|function| Persistent::save(&ctx, function));
            if let Some(bridge) = &bridge {
                bridge.loaded();
            }
            compiled
        })?;
        self.handlers.insert(name.to_owned(), handler);
        Ok(())
    }

    /// Forgets a handler.
    pub fn remove_handler(&mut self, name: &str) -> Result<(), GuestError> {
        match self.handlers.remove(name) {
            Some(_) => Ok(()),
            None => Err(GuestError::new(Status::UnknownHandler, "")),
        }
    }

    /// Forgets every handler.
    pub fn clear_handlers(&mut self) {
        self.handlers.clear();
    }

    /// Whether a handler with this name is registered.
    pub fn has_handler(&self, name: &str) -> bool {
        self.handlers.contains_key(name)
    }

    /// Calls handler `name` with the event JSON; returns the result JSON.
    ///
    /// A returned promise is awaited by running the event loop (see
    /// `event_loop`): its jobs, and its timers, waiting for them. Pending
    /// jobs are always run before the call returns, and timers still set
    /// when it returns are cancelled. With `gc`, a full garbage collection
    /// follows the call.
    pub fn call(&mut self, name: &str, event: &[u8], gc: bool) -> Result<String, GuestError> {
        let handler = self
            .handlers
            .get(name)
            .ok_or_else(|| GuestError::new(Status::UnknownHandler, ""))?
            .clone();
        self.heap.clear();
        let result = self.context.with(|ctx| {
            let handler = handler
                .restore(&ctx)
                .map_err(|e| GuestError::new(Status::Internal, e.to_string()))?;
            let event = parse_event(&ctx, &self.guards, event)?;
            let returned = handler.call::<_, Value>((event,));
            // What follows is the runtime's own work: it may use the room
            // the heap limit keeps for one result, so that a handler that
            // filled the heap still gets its result or error reported.
            let room = 2 * self.limits.max_json + ERROR_RESERVE;
            self.heap.with_extra(room, || {
                let outcome = (|| {
                    let returned = returned
                        .map_err(|e| Caught::from_error(&ctx, e).into_error(Status::Threw))?;
                    let value = self.settle(&ctx, returned)?;
                    let max_json = match self.limits.max_json {
                        0 => usize::MAX,
                        limit => limit,
                    };
                    self.guards.quietly(&ctx, || to_json(&ctx, value, max_json))
                })();
                crate::host_calls::forget_all(&ctx);
                let cancelled = self
                    .timers
                    .cancel_all(&ctx)
                    .map_err(|e| Caught::from_error(&ctx, e).into_error(Status::Internal));
                cancelled.and(outcome)
            })
        });
        if gc {
            self.collect();
        }
        result.map_err(|e| self.out_of_memory_if_heap_exhausted(e))
    }

    /// Collects garbage after a call. Objects alive after the last full
    /// collection are pinned, and a collection skips them: it costs what
    /// the calls since made, not what the handlers loaded (mathjs: tens of
    /// thousands of objects). The collection is a full one, which frees
    /// garbage among the pinned objects too and pins what is left, once the
    /// heap has grown since the last full collection by what that left, or
    /// by half the room it left below the limit, or after a call that ran
    /// out of memory: garbage that old objects hold waits at most until then.
    fn collect(&mut self) {
        if !self.collect_if_grown() {
            self.runtime.run_gc();
        }
    }

    /// Ends loading: the handlers are loaded, and what they built lives as
    /// long as the sandbox. When that grew the heap as much as the
    /// collection after a call waits for, the full collection runs now;
    /// otherwise a collection of the objects made since the last full one
    /// (the pinned objects are its roots), which pins what survives. Either
    /// way it runs before any call, so that every call's collection (and
    /// every sandbox started from a snapshot of this state) skips what the
    /// loads built.
    pub fn loaded(&mut self) {
        if !self.collect_if_grown() {
            self.context
                .with(|ctx| collect_and_pin(&ctx, Collection::Young));
        }
    }

    /// Runs a full collection, and pins what is left, if the heap has grown
    /// since the last by what that left, or by half the room it left below
    /// the limit, or the last call ran out of memory. Whether it ran.
    fn collect_if_grown(&mut self) -> bool {
        let pinned = self.pinned_heap;
        let room = self.heap.limit().saturating_sub(pinned) / 2;
        let grown =
            self.heap.used().saturating_sub(pinned) > pinned.min(room) || self.heap.exhausted();
        if grown {
            self.context
                .with(|ctx| collect_and_pin(&ctx, Collection::Full));
            self.pinned_heap = self.heap.used();
        }
        grown
    }

    /// Runs the event loop, then unwraps a returned promise.
    fn settle<'js>(&self, ctx: &Ctx<'js>, value: Value<'js>) -> Result<Value<'js>, GuestError> {
        let promise = value.as_promise();
        // The handler's jobs and timers are its own work: no extra room for
        // them.
        self.heap.with_extra(0, || {
            event_loop::run(ctx, &self.timers, &*self.host, promise, Status::Threw)
        })?;
        let Some(promise) = promise else {
            return Ok(value);
        };
        match promise.state() {
            // A job the engine could not queue for lack of memory is lost,
            // and the promise waiting on it stays pending: that is running
            // out of memory, not a promise that can never settle.
            PromiseState::Pending if self.heap.exhausted() => {
                Err(GuestError::new(Status::OutOfMemory, "out of memory"))
            }
            PromiseState::Pending => Err(GuestError::new(
                Status::PromisePending,
                "the handler's promise can never settle: it is pending, and no job is \
                 queued and no timer set",
            )),
            PromiseState::Resolved | PromiseState::Rejected => match promise.result::<Value>() {
                Some(Ok(value)) => Ok(value),
                Some(Err(e)) => Err(Caught::from_error(ctx, e).into_error(Status::Threw)),
                None => Err(GuestError::new(
                    Status::Internal,
                    "settled promise has no result",
                )),
            },
        }
    }

    /// When the heap limit was hit, QuickJS may have been unable to allocate
    /// even its error object and thrown `null` instead.
    fn out_of_memory_if_heap_exhausted(&self, error: GuestError) -> GuestError {
        let null_thrown = error.status == Status::Threw
            && error
                .info()
                .is_some_and(|info| info.name.is_empty() && info.message == "null");
        if null_thrown && self.heap.exhausted() {
            GuestError::new(Status::OutOfMemory, "out of memory")
        } else {
            error
        }
    }

    /// Sets the runtime's limits; see [`Limits`].
    pub fn set_limits(&mut self, limits: Limits) {
        self.heap.set(limits.heap);
        self.context.with(|ctx| {
            if let Some(bridge) = ctx.userdata::<HostBridge>() {
                bridge.set_max_args(limits.max_json);
            }
        });
        if limits.stack != 0 {
            self.runtime.set_max_stack_size(limits.stack);
        }
        self.limits = limits;
    }

    /// Reseeds `Math.random`.
    pub fn reseed(&self, seed: u64) {
        self.rng.reseed(seed);
    }

    /// Ends the runtime's set-up: the small blocks it allocates from now on
    /// come from arenas of their own, not from the room the set-up left in
    /// its arenas (see `engine_patches::seal_arenas`).
    pub fn seal(&self) {
        self.context.with(|ctx| seal_arenas(&ctx));
    }
}

/// Parses the event with the engine's own JSON parser.
fn parse_event<'js>(
    ctx: &Ctx<'js>,
    guards: &Guards,
    event: &[u8],
) -> Result<Value<'js>, GuestError> {
    let refused = |reason: String| GuestError::new(Status::InvalidEvent, reason);
    // `contains` scans a word at a time; the offset is needed only when
    // there is a NUL.
    if event.contains(&0) {
        let at = event.iter().position(|&b| b == 0).unwrap_or_default();
        return Err(refused(format!(
            "it is not valid JSON (SyntaxError: a NUL byte at offset {at}, which JSON does not allow)"
        )));
    }
    guards
        .quietly(ctx, || ctx.json_parse(event))
        .map_err(|e| match Caught::from_error(ctx, e) {
            Caught::Thrown(info) if info.name == "RangeError" => refused(format!(
                "it is nested too deeply: past the parser's stack limit ({}: {})",
                info.name, info.message
            )),
            Caught::Thrown(info) => refused(format!(
                "it is not valid JSON ({}: {})",
                info.name, info.message
            )),
            other => other.into_error(Status::InvalidEvent),
        })
}

/// The engine's own `JSON.stringify`, immune to changes to the global
/// `JSON`; a result over `max_json` bytes is refused before it is copied.
fn to_json<'js>(ctx: &Ctx<'js>, value: Value<'js>, max_json: usize) -> Result<String, GuestError> {
    if value.is_undefined() {
        return Err(GuestError::new(
            Status::InvalidResult,
            "the handler did not return a value (its result is undefined, which has no JSON form)",
        ));
    }
    match ctx.json_stringify(value) {
        Ok(Some(json)) => text::whole_within(ctx, &json, max_json)
            .map_err(|size| GuestError::new(Status::ResultTooLarge, size.to_string())),
        Ok(None) => Err(GuestError::new(
            Status::InvalidResult,
            "the handler returned a function or a symbol, which have no JSON form",
        )),
        Err(e) => Err(Caught::from_error(ctx, e).into_message_error(Status::InvalidResult)),
    }
}
