//! Everything that touches wasmtime: the shared engines, the compiled guest,
//! guest instances and their calls, kills and snapshots.

mod abi;
mod cache;
mod console;
mod image;
mod imports;
mod instance;
mod kill;
mod layout;
mod parked;
mod pool;
mod preinit;
mod settings;
mod shared_image;
mod stack;
mod wasi;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use wasmtime::{Engine, Instance, InstancePre, Linker, Memory, Module, Store, StoreLimits};

pub(crate) use console::{Dropped, PrintFn};
pub(crate) use image::MemoryImage;
pub(crate) use instance::{
    GuestFailure, GuestInstance, InstanceLimits, RuntimeLimits, Tenant, TrapKind,
};
pub(crate) use kill::KillSwitch;

use crate::error::{Error, Result};
use crate::host_fn::HostFunctions;
use crate::modules::Modules;

/// The guest runtime, built by `build.rs`.
static GUEST_WASM: &[u8] = include_bytes!(env!("WARDEN_GUEST_WASM_PATH"));
/// The guest pre-initialised and compiled for the build machine by
/// `build.rs`, with the settings of [`settings::config`].
static GUEST_PRECOMPILED: &[u8] = include_bytes!(env!("WARDEN_GUEST_PRECOMPILED_PATH"));
/// A hash of [`GUEST_WASM`], computed at build time: what guest state
/// (snapshots) was made by.
pub(crate) const GUEST_HASH: &str = env!("WARDEN_GUEST_HASH");

/// Memory limit of the instance that initialises the runtime (which needs
/// far less), on top of the stack region.
const INIT_MEMORY_LIMIT: usize = (64 << 20) + warden_abi::GUEST_STACK_REGION;

/// Per-store state visible to the host imports.
pub(crate) struct StoreData {
    /// The guest's linear memory, once instantiated.
    memory: Option<Memory>,
    limits: StoreLimits,
    host: Arc<HostFunctions>,
    modules: Arc<Modules>,
    print: PrintFn,
    /// The largest arguments a host call may pass (and result it may
    /// return), in bytes of JSON and binary data together.
    max_host_args: usize,
    /// The console output of the running call.
    console: console::ConsoleBudget,
    /// The result of the last `host_call`, until `host_take` copies it.
    pending: Vec<u8>,
    /// The asynchronous host calls of the running call.
    calls: crate::host_fn::calls::HostCalls,
    /// Time the running call spent waiting on the host: in synchronous host
    /// functions, and for timers and asynchronous host calls.
    host_wait: std::time::Duration,
    /// The sandbox's kill switch, which ends a guest's wait for a timer.
    kill: Arc<KillSwitch>,
}

/// The engines for one wasm stack size, with the guest compiled and its
/// imports resolved. Shared by every sandbox with that stack size.
///
/// The guest it instantiates is pre-initialised (see [`preinit`]): a new
/// instance starts with its JavaScript runtime set up, mapping the memory
/// of that state copy-on-write rather than creating a runtime and a
/// context, which costs a few hundred microseconds inside wasm. Instances
/// go into the [`pool`] while it has room, and are made on demand after.
pub(crate) struct SharedEngine {
    /// The pooled engine, unless this system cannot reset slots in place.
    pooled: Option<Runner>,
    /// The engine that makes instances on demand.
    on_demand: Runner,
    /// Both engines, for kill switches (whose kills bump their epochs).
    engines: Arc<[Engine]>,
    /// Native stack, in bytes, that a call into the guest runs with.
    call_stack: usize,
}

/// An engine and the guest, ready to instantiate in it.
struct Runner {
    engine: Engine,
    pre: InstancePre<StoreData>,
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
        let engine = Arc::new(Self::new(max_wasm_stack, pool::SLOTS).map_err(|e| {
            Error::Internal(format!("cannot set up the WebAssembly engine: {e:#}"))
        })?);
        engines.insert(max_wasm_stack, engine.clone());
        Ok(engine)
    }

    /// The engines for `max_wasm_stack`, with a pool of `slots` instances.
    fn new(max_wasm_stack: usize, slots: u32) -> wasmtime::Result<Self> {
        let _span = tracing::info_span!("warden.engine.create", max_wasm_stack).entered();
        let mut config = settings::config(max_wasm_stack);
        let compiled = Arc::new(cache::CompiledFunctions::default());
        config.enable_incremental_compilation(compiled.clone())?;
        let engine = Engine::new(&config)?;
        let module = match Self::precompiled(&engine) {
            Some(module) => module,
            None => {
                let name = format!("guest-{GUEST_HASH}-initialised-{}", preinit::FORMAT);
                let module = cache::load_or_make(&engine, &name, || {
                    Self::initialised_module(&engine, max_wasm_stack)
                });
                compiled.clear();
                module?
            }
        };
        let pooled = Self::pooled(max_wasm_stack, slots, &module).unwrap_or_else(|error| {
            tracing::info!(%error, "making every instance on demand: no instance pool");
            None
        });
        Ok(Self::from_runners(
            pooled,
            Runner::new(engine, &module)?,
            max_wasm_stack,
        ))
    }

    /// The engines of `pooled` (if any) and `on_demand`, whose calls run
    /// wasm with up to `max_wasm_stack` bytes of stack.
    fn from_runners(pooled: Option<Runner>, on_demand: Runner, max_wasm_stack: usize) -> Self {
        let engines = pooled
            .iter()
            .chain([&on_demand])
            .map(|runner| runner.engine.clone())
            .collect();
        Self {
            pooled,
            on_demand,
            engines,
            call_stack: max_wasm_stack + stack::HOST_STACK_MARGIN,
        }
    }

    /// An engine with a pool of `slots` instances running `module` (compiled
    /// with the same settings), if this system supports the pool.
    fn pooled(
        max_wasm_stack: usize,
        slots: u32,
        module: &Module,
    ) -> wasmtime::Result<Option<Runner>> {
        let Some(strategy) = pool::strategy(slots) else {
            return Ok(None);
        };
        let mut config = settings::config(max_wasm_stack);
        config.allocation_strategy(strategy);
        let engine = Engine::new(&config)?;
        let module = match Self::precompiled(&engine) {
            Some(module) => module,
            // SAFETY: the bytes were serialized by wasmtime just now, from
            // a module compiled with these settings.
            None => unsafe { Module::deserialize(&engine, module.serialize()?)? },
        };
        Runner::new(engine, &module).map(Some)
    }

    /// The guest `build.rs` pre-initialised and compiled, unless `engine`
    /// cannot run it: on a processor without a feature of the build
    /// machine's, the guest is compiled at run time instead (and cached).
    fn precompiled(engine: &Engine) -> Option<Module> {
        // SAFETY: the bytes are what `Engine::precompile_module` produced in
        // this crate's build script, embedded unchanged; wasmtime checks
        // that they were made by this version with compatible settings.
        match unsafe { Module::deserialize(engine, GUEST_PRECOMPILED) } {
            Ok(module) => Some(module),
            Err(error) => {
                tracing::info!(%error, "compiling the guest: the precompiled one does not fit this engine");
                None
            }
        }
    }

    /// A new instance of the guest in a store holding `data`, set up by
    /// `prepare`: in the pool if `pool` and it has room, or else on demand.
    /// Also returns whether the instance is in the pool.
    fn instantiate(
        &self,
        mut data: StoreData,
        pool: bool,
        prepare: impl Fn(&mut Store<StoreData>),
    ) -> wasmtime::Result<(Store<StoreData>, Instance, bool)> {
        if let Some(pooled) = self.pooled.as_ref().filter(|_| pool) {
            let mut store = Store::new(&pooled.engine, data);
            prepare(&mut store);
            match pooled.pre.instantiate(&mut store) {
                Ok(instance) => return Ok((store, instance, true)),
                Err(error) if pool::is_full(&error) => data = store.into_data(),
                Err(error) => return Err(error),
            }
        }
        let mut store = Store::new(&self.on_demand.engine, data);
        prepare(&mut store);
        let instance = self.on_demand.pre.instantiate(&mut store)?;
        Ok((store, instance, false))
    }

    /// Compiles the guest as built, initialises its runtime in an instance
    /// of it, and compiles the guest rewritten to start in that state (its
    /// functions come from the first compilation).
    fn initialised_module(engine: &Engine, max_wasm_stack: usize) -> wasmtime::Result<Module> {
        let _span = tracing::info_span!("warden.engine.initialise").entered();
        let built = Module::new(engine, GUEST_WASM)?;
        let built = Arc::new(Self::from_runners(
            None,
            Runner::new(engine.clone(), &built)?,
            max_wasm_stack,
        ));
        let limits = InstanceLimits {
            memory: INIT_MEMORY_LIMIT,
            host_args: 0,
            console: 0,
        };
        let tenant = Tenant::inert(&built, limits);
        let mut instance = GuestInstance::instantiate(built, tenant, false)?;
        instance.init(crate::entropy::seed()).map_err(|e| {
            wasmtime::Error::msg(format!("the guest runtime failed to start: {e:?}"))
        })?;
        let (memory, live_from) = instance.initialised_state()?;
        let wasm = preinit::rewrite(GUEST_WASM, memory, live_from)?;
        tracing::debug!(
            memory = memory.len(),
            module = wasm.len(),
            "guest pre-initialised"
        );
        Module::new(engine, &wasm)
    }

    /// A new kill switch for an instance of these engines (a kill bumps
    /// both engines' epochs).
    pub(crate) fn kill_switch(&self) -> Arc<KillSwitch> {
        Arc::new(KillSwitch::new(self.engines.clone()))
    }
}

impl Runner {
    /// `engine` running `module`, its imports resolved.
    fn new(engine: Engine, module: &Module) -> wasmtime::Result<Self> {
        let mut linker = Linker::new(&engine);
        abi::link_imports::<imports::WardenImports>(&mut linker)?;
        wasi::define(&mut linker, module)?;
        let pre = linker.instantiate_pre(module)?;
        Ok(Self { engine, pre })
    }
}

#[cfg(test)]
mod tests {
    use super::{settings, SharedEngine};
    use wasmtime::Engine;

    #[test]
    fn the_precompiled_guest_fits_every_engine_whatever_its_stack() {
        for stack in [1 << 20, 64 << 20, 256 << 20] {
            let mut config = settings::config(stack);
            let compiled = std::sync::Arc::new(super::cache::CompiledFunctions::default());
            config.enable_incremental_compilation(compiled).unwrap();
            let engine = Engine::new(&config).unwrap();
            assert!(SharedEngine::precompiled(&engine).is_some(), "{stack}");
        }
    }
}
