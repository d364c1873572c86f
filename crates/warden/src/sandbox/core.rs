//! [`SandboxCore`]: a guest instance with its configuration, and the one
//! place where guest failures become [`Error`]s (a failure status through
//! [`Error::from_status`](crate::error::Error)).

use std::sync::Arc;

use warden_abi::LogLevel;

use super::config::SandboxConfig;
use super::snapshot::Compatibility;
use crate::engine::{
    GuestFailure, GuestInstance, InstanceLimits, KillSwitch, MemoryImage, RuntimeLimits,
    SharedEngine, Tenant, TrapKind,
};
use crate::entropy;
use crate::error::{Error, Killer, Limits, Result};
use crate::host_fn::HostFunctions;
use crate::metrics::SandboxGauge;
use crate::modules::Modules;
use crate::monitor::{Arming, CallCpu, Sealed, Watch};

/// A live guest: what `JSSandbox` and `LoadedJSSandbox` are made of.
pub(crate) struct SandboxCore {
    instance: GuestInstance,
    gate: Arc<KillSwitch>,
    config: Arc<SandboxConfig>,
    host: Arc<HostFunctions>,
    modules: Arc<Modules>,
    _gauge: SandboxGauge,
}

impl SandboxCore {
    /// Instantiates the engine's pre-initialised guest, reseeds its
    /// `Math.random`, sets the heap limit and declares the host functions.
    pub(crate) fn create(
        config: Arc<SandboxConfig>,
        engine: Arc<SharedEngine>,
        host: Arc<HostFunctions>,
        modules: Arc<Modules>,
    ) -> Result<Self> {
        Self::bare(config, engine, host, modules)?.set_up()
    }

    /// A core whose guest starts in `image`, a state captured from a core
    /// with the same configuration and host functions (which it was set up
    /// with already), reseeded.
    pub(crate) fn from_image(
        config: Arc<SandboxConfig>,
        engine: Arc<SharedEngine>,
        host: Arc<HostFunctions>,
        modules: Arc<Modules>,
        image: &MemoryImage,
    ) -> Result<Self> {
        let gate = engine.kill_switch();
        let mut core = Self::instantiate(config, engine, host, modules, gate, Some(image))?;
        core.restore(image)?;
        Ok(core)
    }

    /// A core whose guest is yet to be given a state (by
    /// [`restore`](Self::restore) or [`restore_with`](Self::restore_with)):
    /// instantiated, with a gate of its own, and not set up.
    pub(crate) fn bare(
        config: Arc<SandboxConfig>,
        engine: Arc<SharedEngine>,
        host: Arc<HostFunctions>,
        modules: Arc<Modules>,
    ) -> Result<Self> {
        let gate = engine.kill_switch();
        Self::instantiate(config, engine, host, modules, gate, None)
    }

    /// The engine's guest instantiated, not yet set up for this sandbox:
    /// in the pool if it has room, or, to be restored to `image`, as
    /// [`GuestInstance::for_image`] finds best.
    fn instantiate(
        config: Arc<SandboxConfig>,
        engine: Arc<SharedEngine>,
        host: Arc<HostFunctions>,
        modules: Arc<Modules>,
        gate: Arc<KillSwitch>,
        image: Option<&MemoryImage>,
    ) -> Result<Self> {
        gate.cure();
        let tenant = Tenant {
            host: host.clone(),
            modules: modules.clone(),
            print: config.print.clone(),
            gate: gate.clone(),
            limits: InstanceLimits {
                memory: config.linear_memory_limit(),
                host_args: config.max_result_size,
                console: config.max_console_output,
            },
        };
        let instance = match image {
            Some(image) => GuestInstance::for_image(engine, tenant, image),
            None => GuestInstance::instantiate(engine, tenant, true),
        }
        .map_err(|e| Error::Internal(format!("cannot instantiate the guest: {e:#}")))?;
        Ok(Self {
            instance,
            gate,
            config,
            host,
            modules,
            _gauge: SandboxGauge::new(),
        })
    }

    /// Reseeds `Math.random`, sets the runtime's limits and declares the
    /// host functions.
    fn set_up(mut self) -> Result<Self> {
        let limits = RuntimeLimits {
            heap: self.config.js_heap_limit(),
            stack: self.config.js_stack_limit(),
            max_json: self.config.max_result_size,
        };
        self.internal(|guest| guest.reseed(entropy::seed()))?;
        self.internal(|guest| guest.configure(limits))?;
        let host = self.host.clone();
        for (module, function, is_async) in host.names() {
            self.internal(|guest| guest.declare_host_function(module, function, is_async))?;
        }
        Ok(self)
    }

    /// The user modules this core imports from.
    pub(crate) fn modules(&self) -> &Modules {
        &self.modules
    }

    /// A fresh core with the same configuration, host functions and user
    /// modules. It
    /// shares this core's gate, so existing interrupt handles reach it.
    pub(crate) fn recreate(&self) -> Result<Self> {
        Self::instantiate(
            self.config.clone(),
            self.instance.engine().clone(),
            self.host.clone(),
            self.modules.clone(),
            self.gate.clone(),
            None,
        )?
        .set_up()
    }

    /// Runs `op` in the guest as one call: refused when poisoned, killable
    /// through the gate, and poisoning on a trap. `op` receives the call's
    /// sequence number. `handler` names the handler in errors.
    pub(crate) fn guarded<R>(
        &mut self,
        handler: &str,
        op: impl FnOnce(&mut GuestInstance, u64) -> std::result::Result<R, GuestFailure>,
    ) -> Result<R> {
        if self.gate.is_poisoned() {
            return Err(Error::Poisoned);
        }
        let seq = self.gate.begin();
        let outcome = op(&mut self.instance, seq);
        let killer = self.gate.end();
        if let Some(dropped) = self.instance.finish_console() {
            (self.config.print)(LogLevel::Warn, &dropped.note());
        }
        outcome.map_err(|failure| self.failure_to_error(failure, handler, killer))
    }

    /// Runs `op` as one call watched by `monitors` (when there are any):
    /// every monitor starts on this thread first, and if one refuses, `op`
    /// never runs. The guest's CPU time is measured from the monitors'
    /// start, and returned (`None` unmonitored). A kill by a monitor is
    /// counted and logged here, once for every kind of call.
    pub(crate) fn monitored<R>(
        &mut self,
        handler: &str,
        monitors: Option<&dyn Sealed>,
        op: impl FnOnce(&mut GuestInstance) -> std::result::Result<R, GuestFailure>,
    ) -> (Result<R>, Option<CallCpu>) {
        let mut cpu = None;
        let race = match monitors.filter(|monitors| !monitors.is_empty()) {
            Some(monitors) => {
                let (reading, race) = CallCpu::start(|| monitors.start());
                cpu = reading;
                let armed = race.and_then(|race| match race {
                    Some(race) => Ok(Some((race, Arming::get()?))),
                    None => Ok(None),
                });
                match armed {
                    Ok(race) => race,
                    Err(error) => return (Err(error), cpu),
                }
            }
            None => None,
        };
        let gate = self.gate.clone();
        let result = self.guarded(handler, |guest, seq| {
            let watch = race.map(|(race, arming)| Watch::start(arming, race, gate.clone(), seq));
            let outcome = op(guest);
            match watch.and_then(Watch::finish) {
                // A monitor fired before the call ended, but its kill did not
                // reach the guest in time (its threads ran late): the call
                // still counts as killed.
                Some(fired) if !matches!(outcome, Err(GuestFailure::Trap(_))) => {
                    gate.kill_call(seq, fired);
                    Err(GuestFailure::Trap(TrapKind::Killed))
                }
                _ => outcome,
            }
        });
        if let Err(Error::Killed(Killer::Monitor { name, budget })) = &result {
            crate::metrics::record_kill(name);
            tracing::warn!(triggered_by = *name, budget = ?budget, "an execution monitor killed the handler");
        }
        (result, cpu)
    }

    /// Runs one of Warden's own steps in the guest (not a call: kills do
    /// not reach it, and it cannot loop).
    fn internal<R>(
        &mut self,
        op: impl FnOnce(&mut GuestInstance) -> std::result::Result<R, GuestFailure>,
    ) -> Result<R> {
        op(&mut self.instance).map_err(|failure| self.failure_to_error(failure, "", None))
    }

    fn failure_to_error(
        &self,
        failure: GuestFailure,
        handler: &str,
        killer: Option<Killer>,
    ) -> Error {
        match failure {
            GuestFailure::Trap(kind) => {
                self.gate.poison();
                match kind {
                    TrapKind::Killed => Error::Killed(killer.unwrap_or(Killer::Handle)),
                    TrapKind::StackOverflow => Error::StackOverflow,
                    TrapKind::OutOfMemory => Error::OutOfMemory {
                        limit: self.config.memory_limit,
                        poisoned: true,
                    },
                    TrapKind::Other(message) => Error::GuestTrap(message),
                }
            }
            GuestFailure::OutputTooLarge(size) => Error::ResultTooLarge {
                size,
                limit: self.config.max_result_size,
            },
            GuestFailure::Status(status, detail) => Error::from_status(
                status,
                &detail,
                handler,
                Limits {
                    memory: self.config.memory_limit,
                    result: self.config.max_result_size,
                },
            ),
        }
    }

    /// Ends loading: the guest collects what the loads left behind, when
    /// they grew its heap enough to be worth it (see `GuestRuntime::loaded`).
    pub(crate) fn loaded(&mut self) -> Result<()> {
        self.internal(GuestInstance::loaded)
    }

    /// Time the last call or load spent waiting on the host (zero when it
    /// never entered the guest).
    pub(crate) fn take_host_wait(&mut self) -> std::time::Duration {
        self.instance.take_host_wait()
    }

    /// Captures the guest state.
    pub(crate) fn capture(&mut self) -> MemoryImage {
        self.instance.capture()
    }

    /// Puts a captured state back, reseeds `Math.random` and clears poison.
    /// A restore that fails part way poisons the sandbox: its memory is in
    /// no state to run.
    pub(crate) fn restore(&mut self, image: &MemoryImage) -> Result<()> {
        let restored = self.instance.restore(image);
        self.poison_unless_restored(restored)?;
        self.restored()
    }

    /// `restored`, the outcome of a restore, as this crate's error; a
    /// failure poisons the sandbox.
    fn poison_unless_restored<T>(&self, restored: wasmtime::Result<T>) -> Result<T> {
        restored.map_err(|e| {
            self.gate.poison();
            Error::Internal(format!("cannot restore the guest memory: {e:#}"))
        })
    }

    /// Puts back a state that `fill` writes into linear memory of `size`
    /// bytes, from the stack pointer `stack_pointer` to its end (which
    /// [`MemoryImage::check`] accepted), then reseeds `Math.random` and
    /// clears poison. `Ok(false)` when `fill` fails, which leaves the guest
    /// in no state to run: restore it again before any call.
    pub(crate) fn restore_with(
        &mut self,
        size: usize,
        stack_pointer: i32,
        fill: impl FnOnce(&mut [u8]) -> bool,
    ) -> Result<bool> {
        let filled = self.instance.restore_with(size, stack_pointer, fill);
        let filled = self.poison_unless_restored(filled)?;
        if filled {
            self.restored()?;
        }
        Ok(filled)
    }

    /// After a restore: reseeds `Math.random` and clears poison.
    fn restored(&mut self) -> Result<()> {
        let seed = entropy::seed();
        self.internal(|guest| guest.reseed(seed))?;
        self.gate.cure();
        Ok(())
    }

    /// What a snapshot must share with this sandbox to be restored into it.
    pub(crate) fn compatibility(&self) -> Compatibility {
        Compatibility::of(&self.config, &self.host)
    }

    /// Why a snapshot made with `compatibility` cannot be restored into
    /// this sandbox, if it cannot.
    pub(crate) fn mismatch(&self, compatibility: &Compatibility) -> Option<String> {
        compatibility.mismatch(&self.config, &self.host)
    }

    /// The call gate (for interrupt handles and monitors).
    pub(crate) fn gate(&self) -> &Arc<KillSwitch> {
        &self.gate
    }

    /// The sandbox configuration.
    pub(crate) fn config(&self) -> &SandboxConfig {
        &self.config
    }

    /// Current size of guest linear memory in bytes, not counting the
    /// stack region (which is address space; see `GUEST_STACK_REGION`).
    pub(crate) fn memory_size(&self) -> usize {
        self.instance.memory_size()
    }
}
