//! Everything that touches wasmtime: the shared engines, the compiled guest,
//! guest instances and their calls, kills and snapshots.

mod abi;
mod cache;
mod console;
mod imports;
mod instance;
mod kill;
mod stack;
mod template;
mod wasi;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use wasmtime::{Config, Engine, InstancePre, Linker, Memory, OptLevel, StoreLimits};

pub(crate) use console::{Dropped, PrintFn};
pub(crate) use instance::{
    GuestFailure, GuestInstance, InstanceLimits, MemoryImage, RuntimeLimits, TrapKind,
};
pub(crate) use kill::KillSwitch;
pub(crate) use template::Template;

use crate::error::{Error, Result};
use crate::host_fn::HostFunctions;
use crate::modules::Modules;

/// The guest runtime, built by `build.rs`.
static GUEST_WASM: &[u8] = include_bytes!(env!("WARDEN_GUEST_WASM_PATH"));
/// A hash of [`GUEST_WASM`], computed at build time.
const GUEST_HASH: &str = env!("WARDEN_GUEST_HASH");

/// Memory limit of the instance that initialises the template (which needs
/// far less), on top of the stack region.
const TEMPLATE_MEMORY_LIMIT: usize = (64 << 20) + warden_abi::GUEST_STACK_REGION;

/// Per-store state visible to the host imports.
pub(crate) struct StoreData {
    /// The guest's linear memory, once instantiated.
    memory: Option<Memory>,
    limits: StoreLimits,
    host: Arc<HostFunctions>,
    modules: Arc<Modules>,
    print: PrintFn,
    /// The largest arguments a `host_call` may pass, in bytes of JSON.
    max_host_args: usize,
    /// The console output of the running call.
    console: console::ConsoleBudget,
    /// The result of the last `host_call`, until `host_take` copies it.
    pending: Vec<u8>,
    /// The sandbox's kill switch, which ends a guest's wait for a timer.
    kill: Arc<KillSwitch>,
}

/// An engine configured for one wasm stack size, with the guest compiled
/// and its imports resolved. Shared by every sandbox with that stack size.
pub(crate) struct SharedEngine {
    engine: Engine,
    pre: InstancePre<StoreData>,
    /// Native stack, in bytes, that a call into the guest runs with.
    call_stack: usize,
    /// The guest state right after its JavaScript runtime is initialised.
    /// Creating a context inside wasm costs a few hundred microseconds;
    /// writing the pages it changed into a new instance costs far less.
    template: OnceLock<Arc<Template>>,
}

impl SharedEngine {
    /// The engine for `max_wasm_stack`, created (and the guest compiled or
    /// loaded from the cache) on first use.
    pub(crate) fn get(max_wasm_stack: usize) -> Result<Arc<Self>> {
        static ENGINES: Mutex<BTreeMap<usize, Arc<SharedEngine>>> = Mutex::new(BTreeMap::new());
        let mut engines = ENGINES.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(engine) = engines.get(&max_wasm_stack) {
            return Ok(engine.clone());
        }
        let engine = Arc::new(Self::new(max_wasm_stack).map_err(|e| {
            Error::Internal(format!("cannot set up the WebAssembly engine: {e:#}"))
        })?);
        engines.insert(max_wasm_stack, engine.clone());
        Ok(engine)
    }

    fn new(max_wasm_stack: usize) -> wasmtime::Result<Self> {
        let _span = tracing::info_span!("warden.engine.create", max_wasm_stack).entered();
        let mut config = Config::new();
        config
            .epoch_interruption(true)
            .max_wasm_stack(max_wasm_stack)
            // Calls are synchronous; wasmtime still checks this bound.
            .async_stack_size(max_wasm_stack)
            .cranelift_opt_level(OptLevel::Speed);
        let engine = Engine::new(&config)?;
        let module = cache::load_module(&engine, GUEST_WASM, GUEST_HASH)?;
        let mut linker = Linker::new(&engine);
        abi::link_imports::<imports::WardenImports>(&mut linker)?;
        wasi::define(&mut linker, &module)?;
        let pre = linker.instantiate_pre(&module)?;
        Ok(Self {
            engine,
            pre,
            call_stack: max_wasm_stack + stack::HOST_STACK_MARGIN,
            template: OnceLock::new(),
        })
    }

    /// The initialised-runtime image new sandboxes start from, made on
    /// first use.
    pub(crate) fn template(self: &Arc<Self>) -> Result<Arc<Template>> {
        if let Some(template) = self.template.get() {
            return Ok(template.clone());
        }
        let _span = tracing::info_span!("warden.engine.template").entered();
        let fail = |what: &str, e: &dyn std::fmt::Debug| {
            Error::Internal(format!(
                "cannot initialise the guest runtime ({what}): {e:?}"
            ))
        };
        let gate = Arc::new(KillSwitch::new(self.engine.clone()));
        let print: PrintFn = Arc::new(|_, _| {});
        let mut instance = GuestInstance::instantiate(
            self.clone(),
            Arc::new(HostFunctions::default()),
            Arc::new(Modules::default()),
            print,
            gate,
            InstanceLimits {
                memory: TEMPLATE_MEMORY_LIMIT,
                host_args: 0,
                console: 0,
            },
        )
        .map_err(|e| fail("instantiate", &e))?;
        let fresh = instance.memory_copy();
        instance
            .init(crate::entropy::seed())
            .map_err(|e| fail("init", &e))?;
        let template = Arc::new(instance.capture_template(&fresh));
        tracing::debug!(
            pages = template.pages().len(),
            bytes = template.len(),
            memory = template.size(),
            "runtime template made"
        );
        Ok(self.template.get_or_init(|| template).clone())
    }

    /// The engine, for interrupt handles.
    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }
}
