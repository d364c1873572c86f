//! [`GuestInstance`]: one instantiated guest and the calls into it.

use std::mem::ManuallyDrop;
use std::sync::Arc;
use std::time::Duration;

use warden_abi::{unpack_region, Status, CALL_FLAG_GC, HOST_FN_ASYNC, HOST_FN_SYNC};
use wasmtime::{Global, Memory, Store, StoreLimitsBuilder, Trap, Val};

use super::abi::GuestExports;
use super::console::PrintFn;
use super::image::{beyond_stack, MemoryImage};
use super::kill::{self, KillSwitch};
use super::parked::{Parked, Parking};
use super::shared_image::{self, SharedImage};
use super::wasi::ProcExit;
use super::{SharedEngine, StoreData};
use crate::host_fn::calls::HostCalls;
use crate::host_fn::HostFunctions;
use crate::modules::Modules;

/// Why a guest call did not succeed.
#[derive(Debug)]
pub(crate) enum GuestFailure {
    /// The guest returned an error status with its output.
    Status(Status, Vec<u8>),
    /// The guest's output is larger than the caller allows.
    OutputTooLarge(usize),
    /// The guest trapped; it must be restored before it is used again.
    Trap(TrapKind),
}

/// The cause of a trap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TrapKind {
    /// The call's kill flag was set.
    Killed,
    /// The wasm stack or the guest's shadow stack overflowed.
    StackOverflow,
    /// Linear memory is at its limit (the guest aborted on a failed
    /// allocation).
    OutOfMemory,
    /// Anything else, described.
    Other(String),
}

/// What one guest instance may use.
#[derive(Clone, Copy, Debug)]
pub(crate) struct InstanceLimits {
    /// All of its linear memory, in bytes.
    pub(crate) memory: usize,
    /// The arguments (and result) of one host-function call, in bytes of
    /// JSON and binary data together.
    pub(crate) host_args: usize,
    /// The console output of one call, in bytes.
    pub(crate) console: usize,
}

/// The limits the guest runtime enforces itself.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RuntimeLimits {
    /// The JavaScript heap, in bytes.
    pub(crate) heap: usize,
    /// The engine's stack, in bytes of the shadow stack.
    pub(crate) stack: usize,
    /// The longest JSON text the guest hands out, in bytes.
    pub(crate) max_json: usize,
}

/// What a sandbox gives the instance its guest runs in.
#[derive(Clone)]
pub(crate) struct Tenant {
    /// The host functions the guest may call.
    pub(crate) host: Arc<HostFunctions>,
    /// The user modules the guest may import.
    pub(crate) modules: Arc<Modules>,
    /// Where the guest's console goes.
    pub(crate) print: PrintFn,
    /// The sandbox's kill switch.
    pub(crate) gate: Arc<KillSwitch>,
    /// What the instance may use.
    pub(crate) limits: InstanceLimits,
}

impl Tenant {
    /// A tenant with no host functions, no modules and no console, and a
    /// kill switch of its own for `engine`.
    pub(crate) fn inert(engine: &SharedEngine, limits: InstanceLimits) -> Self {
        Self {
            host: Arc::default(),
            modules: Arc::default(),
            print: Arc::new(|_, _| {}),
            gate: engine.kill_switch(),
            limits,
        }
    }
}

/// One guest instance in its own store.
pub(crate) struct GuestInstance {
    engine: Arc<SharedEngine>,
    /// Taken only when the instance is dropped, to be parked.
    store: ManuallyDrop<Store<StoreData>>,
    memory: Memory,
    stack_pointer: Global,
    exports: GuestExports,
    gate: Arc<KillSwitch>,
    limits: InstanceLimits,
    /// The stack pointer of a fresh instance: the top of the shadow stack.
    stack_top: u32,
    /// Whether the instance lives in the engine's pool (whose slots only
    /// the pool may remap), not made on demand.
    pooled: bool,
    /// Whether the guest has not run since the instance was made.
    new: bool,
    /// The [`MemoryImage::id`] of the image whose file linear memory is a
    /// mapping of (see [`shared_image`]): its pages are that image's, or
    /// the guest's own since it wrote them; a copy would fault them in one
    /// by one.
    mapped: Option<u64>,
    /// The [`MemoryImage::id`] of the image last copied into linear memory.
    copied: Option<u64>,
    /// Where the instance is parked when it is dropped (see
    /// [`parked`](super::parked)): set once its memory maps an image's file.
    parking: Option<Parking>,
}

impl GuestInstance {
    /// Instantiates the guest for `tenant` (without initialising its
    /// runtime), in the pool if `pool` and it has room.
    pub(crate) fn instantiate(
        engine: Arc<SharedEngine>,
        tenant: Tenant,
        pool: bool,
    ) -> wasmtime::Result<Self> {
        let limits = tenant.limits;
        Self::instantiate_with(engine, Self::store_data(tenant), limits, pool)
    }

    /// An instance for `tenant` to restore `image` into: one parked with it
    /// (see [`parked`](super::parked)), whose memory a restore resets in
    /// place, or a new one, in the pool unless the image maps into new
    /// instances.
    pub(crate) fn for_image(
        engine: Arc<SharedEngine>,
        tenant: Tenant,
        image: &MemoryImage,
    ) -> wasmtime::Result<Self> {
        let Some(parked) = image.lot().take(&engine) else {
            let pool = !image.maps_into_new();
            return Self::instantiate(engine, tenant, pool);
        };
        let (gate, limits) = (tenant.gate.clone(), tenant.limits);
        let mut store = parked.store;
        Self::hand_over(&mut store, parked.memory, tenant);
        Ok(Self {
            engine,
            store: ManuallyDrop::new(store),
            memory: parked.memory,
            stack_pointer: parked.stack_pointer,
            exports: parked.exports,
            gate,
            limits,
            stack_top: parked.stack_top,
            pooled: false,
            new: false,
            mapped: Some(image.id()),
            copied: None,
            parking: Some(parked.parking),
        })
    }

    /// Gives `store`, whose guest's memory is `memory`, to `tenant`: its
    /// host functions, modules, console, kill switch and limits.
    fn hand_over(store: &mut Store<StoreData>, memory: Memory, tenant: Tenant) {
        let gate = tenant.gate.clone();
        *store.data_mut() = Self::store_data(tenant);
        store.data_mut().memory = Some(memory);
        kill::arm(store, gate);
    }

    /// A fresh instance with this one's engine and tenant; in the pool
    /// only if `pool`.
    fn respawn(&self, pool: bool) -> wasmtime::Result<Self> {
        let data = self.store.data();
        let tenant = Tenant {
            host: data.host.clone(),
            modules: data.modules.clone(),
            print: data.print.clone(),
            gate: self.gate.clone(),
            limits: self.limits,
        };
        Self::instantiate(self.engine.clone(), tenant, pool)
    }

    /// The state of a new instance's store for `tenant`.
    fn store_data(tenant: Tenant) -> StoreData {
        let Tenant {
            host,
            modules,
            print,
            gate,
            limits,
        } = tenant;
        let store_limits = StoreLimitsBuilder::new()
            .memory_size(limits.memory)
            .memories(1)
            .instances(1)
            .tables(1)
            .build();
        StoreData {
            memory: None,
            limits: store_limits,
            host,
            modules,
            print,
            max_host_args: limits.host_args,
            console: super::console::ConsoleBudget::new(limits.console),
            pending: Vec::new(),
            host_wait: Duration::ZERO,
            calls: HostCalls::new({
                let gate = gate.clone();
                Arc::new(move || gate.wake())
            }),
            kill: gate,
        }
    }

    /// Instantiates the guest in a store holding `data` (made with
    /// `limits`), in the pool if `pool` and it has room.
    fn instantiate_with(
        engine: Arc<SharedEngine>,
        data: StoreData,
        limits: InstanceLimits,
        pool: bool,
    ) -> wasmtime::Result<Self> {
        let gate = data.kill.clone();
        let (mut store, instance, pooled) = engine.instantiate(data, pool, |store| {
            store.limiter(|data| &mut data.limits);
            kill::arm(store, gate.clone());
        })?;
        let (memory, stack_pointer) = super::layout::state(&mut store, &instance)?;
        let exports = GuestExports::new(&mut store, &instance)?;
        store.data_mut().memory = Some(memory);
        let stack_top = stack_pointer.get(&mut store).i32().unwrap_or(0) as u32;
        Ok(Self {
            engine,
            store: ManuallyDrop::new(store),
            memory,
            stack_pointer,
            exports,
            gate,
            limits,
            stack_top,
            pooled,
            new: true,
            mapped: None,
            copied: None,
            parking: None,
        })
    }

    /// Runs `f` inside the guest. A kill that landed before this point is
    /// honoured here, without entering; one that lands later reaches the
    /// guest through the epoch deadline.
    fn enter<R>(
        &mut self,
        f: impl FnOnce(&mut Store<StoreData>, &GuestExports) -> wasmtime::Result<R>,
    ) -> Result<R, GuestFailure> {
        self.new = false;
        self.store.set_epoch_deadline(1);
        if self.gate.is_killed() {
            return Err(GuestFailure::Trap(TrapKind::Killed));
        }
        let (store, exports) = (&mut *self.store, &self.exports);
        super::stack::with_stack(self.engine.call_stack, || f(store, exports))
            .map_err(|e| GuestFailure::Trap(self.classify(e)))
    }

    fn classify(&mut self, error: wasmtime::Error) -> TrapKind {
        // A kill that lands while the guest traps for another reason still
        // counts as the kill: the caller asked for it.
        if error.is::<kill::Killed>() || self.gate.is_killed() {
            return TrapKind::Killed;
        }
        if let Some(exit) = error.downcast_ref::<ProcExit>() {
            return TrapKind::Other(exit.to_string());
        }
        match error.downcast_ref::<Trap>() {
            Some(Trap::StackOverflow) => TrapKind::StackOverflow,
            Some(Trap::MemoryOutOfBounds) if self.shadow_stack_exhausted() => {
                TrapKind::StackOverflow
            }
            Some(Trap::UnreachableCodeReached | Trap::MemoryOutOfBounds)
                if self.memory_exhausted() =>
            {
                TrapKind::OutOfMemory
            }
            Some(trap) => TrapKind::Other(trap.to_string()),
            None => TrapKind::Other(format!("{error:#}")),
        }
    }

    /// The shadow stack grows down from `stack_top` to 0; after an overflow
    /// the stack pointer has run into its last pages or wrapped below 0.
    fn shadow_stack_exhausted(&mut self) -> bool {
        let sp = self.stack_pointer.get(&mut *self.store).i32().unwrap_or(0) as u32;
        sp < 16 * 1024 || sp > self.stack_top
    }

    fn memory_exhausted(&self) -> bool {
        self.memory.data_size(&*self.store) + 2 * 65536 > self.limits.memory
    }

    /// Runs a status-returning export; on success returns nothing, on
    /// failure the status and output.
    fn status(&mut self, code: u32) -> Result<(), GuestFailure> {
        match Status::from_u32(code) {
            Some(Status::Ok) => Ok(()),
            Some(status) => Err(GuestFailure::Status(status, self.output(usize::MAX)?)),
            None => Err(GuestFailure::Status(
                Status::Internal,
                format!("unknown status {code}").into_bytes(),
            )),
        }
    }

    /// Copies the output of the last export, refusing more than `limit`
    /// bytes.
    fn output(&mut self, limit: usize) -> Result<Vec<u8>, GuestFailure> {
        let packed = self.enter(|store, exports| exports.warden_output.call(store, ()))?;
        let (ptr, len) = unpack_region(packed);
        let (ptr, len) = (ptr as usize, len as usize);
        if len > limit {
            return Err(GuestFailure::OutputTooLarge(len));
        }
        self.memory
            .data(&*self.store)
            .get(ptr..ptr + len)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| {
                GuestFailure::Trap(TrapKind::Other("guest output outside its memory".into()))
            })
    }

    /// Writes the pieces back to back into the guest's input buffer.
    fn write_input(&mut self, pieces: &[&[u8]]) -> Result<(), GuestFailure> {
        let total: usize = pieces.iter().map(|p| p.len()).sum();
        let total = u32::try_from(total).map_err(|_| GuestFailure::Trap(TrapKind::OutOfMemory))?;
        let mut at =
            self.enter(|store, exports| exports.warden_reserve.call(store, (total,)))? as usize;
        if at == 0 && total > 0 {
            return Err(GuestFailure::Status(
                Status::OutOfMemory,
                b"cannot allocate the input".to_vec(),
            ));
        }
        let data = self.memory.data_mut(&mut *self.store);
        for piece in pieces {
            let Some(dest) = data.get_mut(at..at + piece.len()) else {
                return Err(GuestFailure::Trap(TrapKind::Other(
                    "guest input outside its memory".into(),
                )));
            };
            dest.copy_from_slice(piece);
            at += piece.len();
        }
        Ok(())
    }

    /// Creates the guest's JavaScript runtime, without a heap limit.
    pub(crate) fn init(&mut self, seed: u64) -> Result<(), GuestFailure> {
        let code = self.enter(|store, exports| exports.warden_init.call(store, (seed,)))?;
        self.status(code)
    }

    /// Sets the guest runtime's limits: its JavaScript heap and stack, and
    /// the longest JSON text it hands out.
    pub(crate) fn configure(&mut self, limits: RuntimeLimits) -> Result<(), GuestFailure> {
        let args = (
            limits.heap as u64,
            u32::try_from(limits.stack).unwrap_or(u32::MAX),
            u32::try_from(limits.max_json).unwrap_or(u32::MAX),
        );
        let code = self.enter(|store, exports| exports.warden_configure.call(store, args))?;
        self.status(code)
    }

    /// Declares a host function, asynchronous or not, to the guest.
    pub(crate) fn declare_host_function(
        &mut self,
        module: &str,
        function: &str,
        is_async: bool,
    ) -> Result<(), GuestFailure> {
        self.write_input(&[module.as_bytes(), function.as_bytes()])?;
        let kind = if is_async {
            HOST_FN_ASYNC
        } else {
            HOST_FN_SYNC
        };
        let lens = (module.len() as u32, function.len() as u32, kind);
        let code =
            self.enter(|store, exports| exports.warden_register_host_fn.call(store, lens))?;
        self.status(code)
    }

    /// Compiles and evaluates a handler whose relative imports start from
    /// `directory`, a module path.
    pub(crate) fn add_handler(
        &mut self,
        name: &str,
        directory: &str,
        source: &str,
    ) -> Result<(), GuestFailure> {
        let source_len = u32::try_from(source.len())
            .map_err(|_| GuestFailure::Status(Status::OutOfMemory, Vec::new()))?;
        self.write_input(&[name.as_bytes(), directory.as_bytes(), source.as_bytes()])?;
        let lens = (name.len() as u32, directory.len() as u32, source_len);
        self.store.data_mut().host_wait = Duration::ZERO;
        let code = self.enter(|store, exports| exports.warden_add_handler.call(store, lens));
        // Whatever the outcome, host calls still in flight are dropped.
        self.store.data_mut().calls.cancel_all();
        self.status(code?)
    }

    /// Forgets a handler.
    pub(crate) fn remove_handler(&mut self, name: &str) -> Result<(), GuestFailure> {
        self.write_input(&[name.as_bytes()])?;
        let len = name.len() as u32;
        let code =
            self.enter(|store, exports| exports.warden_remove_handler.call(store, (len,)))?;
        self.status(code)
    }

    /// Forgets every handler.
    pub(crate) fn clear_handlers(&mut self) -> Result<(), GuestFailure> {
        let code = self.enter(|store, exports| exports.warden_clear_handlers.call(store, ()))?;
        self.status(code)
    }

    /// Calls a handler; returns its result JSON, at most `max_result` bytes.
    pub(crate) fn call(
        &mut self,
        name: &str,
        event: &[u8],
        gc: bool,
        max_result: usize,
    ) -> Result<Vec<u8>, GuestFailure> {
        self.write_input(&[name.as_bytes(), event])?;
        let args = (
            name.len() as u32,
            event.len() as u32,
            if gc { CALL_FLAG_GC } else { 0 },
        );
        self.store.data_mut().host_wait = Duration::ZERO;
        let code = self.enter(|store, exports| exports.warden_call.call(store, args));
        // Whatever the outcome, host calls still in flight are dropped.
        self.store.data_mut().calls.cancel_all();
        self.status(code?)?;
        self.output(max_result)
    }

    /// Reseeds the guest's `Math.random`.
    pub(crate) fn reseed(&mut self, seed: u64) -> Result<(), GuestFailure> {
        let code = self.enter(|store, exports| exports.warden_reseed.call(store, (seed,)))?;
        self.status(code)
    }

    /// Tells the guest its handlers are loaded (which may run a full
    /// collection).
    pub(crate) fn loaded(&mut self) -> Result<(), GuestFailure> {
        let code = self.enter(|store, exports| exports.warden_loaded.call(store, ()))?;
        self.status(code)
    }

    /// Copies the live guest state.
    pub(crate) fn capture(&mut self) -> MemoryImage {
        let stack_pointer = self.stack_pointer.get(&mut *self.store).i32().unwrap_or(0);
        let data = self.memory.data(&*self.store);
        let base = (stack_pointer as u32 as usize).min(data.len());
        MemoryImage::copied(&data[base..], data.len(), stack_pointer)
    }

    /// Linear memory after [`init`](Self::init), and the offset its live
    /// part starts at: the stack pointer, which initialisation must leave
    /// where a new instance has it.
    pub(crate) fn initialised_state(&mut self) -> wasmtime::Result<(&[u8], usize)> {
        let stack_pointer = self.stack_pointer.get(&mut *self.store).i32().unwrap_or(0) as u32;
        if stack_pointer != self.stack_top {
            return Err(wasmtime::Error::msg(format!(
                "the guest runtime started with its stack pointer at {} and left it at {stack_pointer}",
                self.stack_top
            )));
        }
        Ok((self.memory.data(&*self.store), stack_pointer as usize))
    }

    /// Puts `image` back. Linear memory cannot shrink, so when it has grown
    /// past the image's size the instance is replaced by a fresh one first.
    /// A large image is mapped (see [`shared_image`]), into an instance
    /// made on demand for it; a smaller one is copied, and mapped instead
    /// when it is put back into the same instance a second time in a row.
    /// Into memory mapped from the image already, only the pages written
    /// since are copied back.
    pub(crate) fn restore(&mut self, image: &MemoryImage) -> wasmtime::Result<()> {
        let (size, stack_pointer) = (image.linear_size(), image.stack_pointer());
        self.check_fits(size)?;
        if self.mapped == Some(image.id()) && self.memory.data_size(&*self.store) == size {
            if let Some(shared) = image.file() {
                let base = self.memory.data_ptr(&*self.store);
                // SAFETY: `map` mapped this image's file over the memory at
                // `base`, which has kept its size; the guest is not running,
                // and the borrow of the store ended.
                match unsafe { shared.reset_over(base) } {
                    Ok(()) => {
                        self.stack_pointer
                            .set(&mut *self.store, Val::I32(stack_pointer))?;
                        return Ok(());
                    }
                    Err(error) => {
                        tracing::debug!(%error, "resetting a mapped image in place failed: mapping it again");
                    }
                }
            }
        }
        let repeated = self.copied == Some(image.id()) && shared_image::resets_in_place();
        let shared = match repeated {
            true => image.file_for_reuse(),
            false => image.shared(self.new || self.mapped.is_some()),
        };
        if let Some(shared) = shared {
            if self.map(shared, image)? {
                return Ok(());
            }
        }
        self.restore_with(size, stack_pointer, |dest| {
            dest.copy_from_slice(image.image());
            true
        })?;
        self.copied = Some(image.id());
        Ok(())
    }

    /// Maps `shared`, the file of `image`, over this instance's memory.
    /// `false` (with a fresh instance in place) when it cannot be mapped.
    fn map(&mut self, shared: &SharedImage, image: &MemoryImage) -> wasmtime::Result<bool> {
        let (size, stack_pointer) = (image.linear_size(), image.stack_pointer());
        // Slots of the pool are the pool's to remap.
        if self.pooled || self.memory.data_size(&*self.store) > size {
            *self = self.respawn(false)?;
        }
        self.grow_to(size)?;
        let base = self.memory.data_ptr(&*self.store);
        // A failed map may leave a hole in the memory: until the instance is
        // replaced, it counts as mapped, so that no copy lands in it.
        self.mapped = Some(image.id());
        self.copied = None;
        self.parking = None;
        // SAFETY: `base` starts this store's linear memory, which is `size`
        // bytes now. An instance made on demand has its memory in a mapping
        // of its own, which wasmtime unmaps whole when the store is dropped;
        // the guest is not running, and no reference into the memory is
        // live (the borrow of the store ended).
        if let Err(error) = unsafe { shared.map_over(base) } {
            tracing::warn!(%error, "copying a memory image: mapping it failed");
            *self = self.respawn(true)?;
            return Ok(false);
        }
        self.parking = Some(Parking {
            lot: Arc::downgrade(image.lot()),
            size,
            start: shared.start(),
        });
        self.stack_pointer
            .set(&mut *self.store, Val::I32(stack_pointer))?;
        Ok(true)
    }

    /// Makes linear memory `size` bytes, as [`restore`](Self::restore)
    /// does, has `fill` write its bytes from the stack pointer
    /// `stack_pointer` to its end, and sets the stack pointer. `size` and
    /// `stack_pointer` must have passed [`MemoryImage::check`]. Returns
    /// what `fill` returns: `false` leaves the memory in no state to run.
    pub(crate) fn restore_with(
        &mut self,
        size: usize,
        stack_pointer: i32,
        fill: impl FnOnce(&mut [u8]) -> bool,
    ) -> wasmtime::Result<bool> {
        self.check_fits(size)?;
        // Memory mapped from an image is replaced rather than copied over
        // page fault by page fault.
        if self.mapped.is_some() || self.memory.data_size(&*self.store) > size {
            *self = self.respawn(true)?;
        }
        self.copied = None;
        self.grow_to(size)?;
        let base = (stack_pointer as u32 as usize).min(size);
        if !fill(&mut self.memory.data_mut(&mut *self.store)[base..size]) {
            return Ok(false);
        }
        self.stack_pointer
            .set(&mut *self.store, Val::I32(stack_pointer))?;
        Ok(true)
    }

    /// Refuses a state whose linear memory of `size` bytes is over this
    /// instance's limit, before anything changes.
    fn check_fits(&self, size: usize) -> wasmtime::Result<()> {
        if size > self.limits.memory {
            return Err(wasmtime::Error::msg(format!(
                "a memory of {size} bytes is over the limit of {}",
                self.limits.memory
            )));
        }
        Ok(())
    }

    /// Grows linear memory to `size` bytes, from at most that.
    fn grow_to(&mut self, size: usize) -> wasmtime::Result<()> {
        let current = self.memory.data_size(&*self.store);
        if current < size {
            let page = self.memory.page_size(&*self.store) as usize;
            self.memory
                .grow(&mut *self.store, ((size - current) / page) as u64)?;
        }
        Ok(())
    }

    /// Ends the console accounting of a call: what it could not print, if
    /// anything.
    pub(crate) fn finish_console(&mut self) -> Option<super::Dropped> {
        self.store.data_mut().console.finish()
    }

    /// Current size of linear memory in bytes, not counting the stack
    /// region (address space that only deep calls touch).
    pub(crate) fn memory_size(&self) -> usize {
        beyond_stack(self.memory.data_size(&*self.store))
    }

    /// Time spent waiting on the host since the last time this was asked
    /// (or the last handler call or load started).
    pub(crate) fn take_host_wait(&mut self) -> Duration {
        std::mem::take(&mut self.store.data_mut().host_wait)
    }

    /// The engine this instance runs on.
    pub(crate) fn engine(&self) -> &Arc<SharedEngine> {
        &self.engine
    }
}

impl Drop for GuestInstance {
    /// Parks the instance with the image its memory maps, if it still maps
    /// it whole (see [`parked`](super::parked)), with inert host state;
    /// drops it otherwise.
    fn drop(&mut self) {
        // SAFETY: the store is taken once, here, and not used after.
        let mut store = unsafe { ManuallyDrop::take(&mut self.store) };
        let Some(parking) = self.parking.take() else {
            return;
        };
        let Some(lot) = parking.lot.upgrade() else {
            return;
        };
        if self.memory.data_size(&store) != parking.size {
            return;
        }
        let base = self.memory.data_ptr(&store);
        // SAFETY: the memory is this store's, at least `start` bytes long,
        // and nothing runs in it or refers to it.
        if let Err(error) = unsafe { shared_image::clear_written(base, parking.start) } {
            tracing::debug!(%error, "not parking an instance: its stack cannot be cleared");
            return;
        }
        let inert = Tenant::inert(&self.engine, self.limits);
        Self::hand_over(&mut store, self.memory, inert);
        lot.park(Parked {
            parking,
            engine: self.engine.clone(),
            store,
            memory: self.memory,
            stack_pointer: self.stack_pointer,
            exports: self.exports.clone(),
            stack_top: self.stack_top,
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::{GuestFailure, GuestInstance, InstanceLimits, Tenant, TrapKind};
    use crate::engine::{KillSwitch, SharedEngine};
    use crate::host_fn::HostFunctions;

    const LIMITS: InstanceLimits = InstanceLimits {
        memory: 64 << 20,
        host_args: 1 << 20,
        console: 0,
    };

    fn instance(engine: &Arc<SharedEngine>) -> (GuestInstance, Arc<KillSwitch>) {
        let tenant = Tenant::inert(engine, LIMITS);
        let gate = tenant.gate.clone();
        let instance = GuestInstance::instantiate(engine.clone(), tenant, true).unwrap();
        (instance, gate)
    }

    fn contents(instance: &GuestInstance) -> Vec<u8> {
        instance.memory.data(&*instance.store).to_vec()
    }

    #[test]
    fn a_reused_slot_holds_nothing_of_the_instance_before() {
        let engine = Arc::new(SharedEngine::new(1 << 20, 1).unwrap());
        let (mut first, _) = instance(&engine);
        let image = contents(&first);
        first.memory.data_mut(&mut *first.store).fill(0xab);
        first.memory.grow(&mut *first.store, 4).unwrap();
        first.memory.data_mut(&mut *first.store).fill(0xcd);
        drop(first);
        let (mut second, _) = instance(&engine);
        assert!(contents(&second) == image, "the memory is not the image");
        second.memory.grow(&mut *second.store, 4).unwrap();
        let grown = contents(&second);
        assert!(grown[image.len()..].iter().all(|&b| b == 0));
    }

    #[test]
    fn instances_beyond_the_pool_run_and_can_be_killed() {
        let engine = Arc::new(SharedEngine::new(1 << 20, 1).unwrap());
        let (_pooled, _) = instance(&engine);
        let (mut spare, gate) = instance(&engine);
        spare
            .add_handler("spin", "/", "function handler() { while (true) {} }")
            .unwrap();
        let killer = {
            let gate = gate.clone();
            std::thread::spawn(move || {
                while gate.running().is_none() || !gate.kill() {
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        };
        gate.begin();
        let outcome = spare.call("spin", b"null", false, 1 << 20);
        gate.end();
        killer.join().unwrap();
        assert!(
            matches!(outcome, Err(GuestFailure::Trap(TrapKind::Killed))),
            "{outcome:?}"
        );
    }

    /// The line of `/proc/self/maps` whose range holds `address`, if any.
    #[cfg(target_os = "linux")]
    fn mapping_at(address: usize) -> Option<String> {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        maps.lines()
            .find(|line| {
                let range = line.split(' ').next().unwrap();
                let (start, end) = range.split_once('-').unwrap();
                let start = usize::from_str_radix(start, 16).unwrap();
                let end = usize::from_str_radix(end, 16).unwrap();
                (start..end).contains(&address)
            })
            .map(str::to_owned)
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_large_image_is_mapped_into_each_instance_and_written_privately() {
        let engine = Arc::new(SharedEngine::new(1 << 20, 4).unwrap());
        let (mut source, _) = instance(&engine);
        source.memory.grow(&mut *source.store, 80).unwrap();
        let grown = contents(&source).len() - 80 * 65536;
        let data = source.memory.data_mut(&mut *source.store);
        for (i, byte) in data[grown..].iter_mut().enumerate() {
            *byte = (i % 251) as u8 + 1;
        }
        let image = source.capture();
        let expected = contents(&source);
        assert!(image.len() > 5 << 20, "{}", image.len());
        assert!(image.maps_into_new());
        assert!(image.image() == &expected[expected.len() - image.len()..]);
        drop(source);

        let (mut first, _) = instance(&engine);
        let (mut second, _) = instance(&engine);
        first.restore(&image).unwrap();
        second.restore(&image).unwrap();
        for guest in [&first, &second] {
            let base = guest.memory.data_ptr(&*guest.store) as usize;
            let mapping = mapping_at(base + expected.len() - 1).unwrap();
            assert!(mapping.contains("memfd:warden-snapshot"), "{mapping}");
            assert!(contents(guest) == expected, "the memory is not the image");
        }
        // What one writes, neither the other nor the image sees.
        first.memory.data_mut(&mut *first.store)[grown..].fill(0);
        assert!(
            contents(&second) == expected,
            "a write reached another guest"
        );
        second.restore(&image).unwrap();
        assert!(contents(&second) == expected);
        first.restore(&image).unwrap();
        assert!(contents(&first) == expected, "a restore kept a write");

        // Both guests still run. A dropped instance is parked with the
        // image (see `parked`), and the mapping goes with the image.
        first.reseed(7).unwrap();
        second.reseed(8).unwrap();
        let base = first.memory.data_ptr(&*first.store) as usize;
        drop(first);
        let parked = mapping_at(base + expected.len() - 1);
        assert!(
            parked.is_some_and(|line| line.contains("memfd:warden-snapshot")),
            "a dropped instance was not parked"
        );
        drop((second, image));
        let after = mapping_at(base + expected.len() - 1);
        assert!(
            !after.is_some_and(|line| line.contains("memfd:warden-snapshot")),
            "the mapping outlived its image"
        );
    }

    /// An instance made for `image` as a sandbox's is, with `host`.
    #[cfg(target_os = "linux")]
    fn for_image(
        engine: &Arc<SharedEngine>,
        image: &super::MemoryImage,
        host: &Arc<HostFunctions>,
    ) -> GuestInstance {
        let tenant = Tenant {
            host: host.clone(),
            ..Tenant::inert(engine, LIMITS)
        };
        let mut instance = GuestInstance::for_image(engine.clone(), tenant, image).unwrap();
        instance.restore(image).unwrap();
        instance
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_instance_dropped_while_it_maps_a_large_image_is_reset_for_the_next() {
        let engine = Arc::new(SharedEngine::new(1 << 20, 4).unwrap());
        let (mut source, _) = instance(&engine);
        source.reseed(3).unwrap();
        source.memory.grow(&mut *source.store, 80).unwrap();
        let image = source.capture();
        let expected = contents(&source);
        drop(source);
        assert!(image.maps_into_new());

        let host = Arc::new(HostFunctions::default());
        let mut first = for_image(&engine, &image, &host);
        assert!(contents(&first) == expected, "the memory is not the image");
        let base = first.memory.data_ptr(&*first.store) as usize;
        first.reseed(4).unwrap();
        first.memory.data_mut(&mut *first.store)[4096..].fill(0xee);
        assert_eq!(Arc::strong_count(&host), 2);
        drop(first);
        assert_eq!(
            Arc::strong_count(&host),
            1,
            "a parked instance holds host state"
        );

        // The next instance for the image is the one parked: the image is
        // put back whole, and the stack below it, which the image does not
        // hold, is zeros where the last guest wrote.
        let mut second = for_image(&engine, &image, &host);
        assert_eq!(second.memory.data_ptr(&*second.store) as usize, base);
        let start = image.file().unwrap().start();
        let after = contents(&second);
        assert!(start > 4096 && after.len() == expected.len());
        assert!(
            after[start..] == expected[start..],
            "the last guest's writes remain"
        );
        assert!(
            after[4096..start].iter().all(|&b| b == 0),
            "the last guest's stack remains"
        );
        second.reseed(5).unwrap();
        // One whose memory grew past the image is not parked.
        second.memory.grow(&mut *second.store, 1).unwrap();
        drop(second);
        assert!(image.lot().take(&engine).is_none());
        let third = for_image(&engine, &image, &host);
        assert!(contents(&third)[start..] == expected[start..]);
    }

    /// Whether the page at `address` is this process's own (written since
    /// it was mapped from a file), from `/proc/self/pagemap`.
    #[cfg(target_os = "linux")]
    fn is_private_page(address: usize) -> bool {
        use std::io::{Read, Seek, SeekFrom};
        let mut pagemap = std::fs::File::open("/proc/self/pagemap").unwrap();
        pagemap
            .seek(SeekFrom::Start(address as u64 / 4096 * 8))
            .unwrap();
        let mut entry = [0; 8];
        pagemap.read_exact(&mut entry).unwrap();
        let entry = u64::from_le_bytes(entry);
        // Present, and not a file page.
        entry >> 63 == 1 && (entry >> 61) & 1 == 0
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_image_put_back_twice_is_mapped_then_reset_in_place() {
        let engine = Arc::new(SharedEngine::new(1 << 20, 4).unwrap());
        let (mut source, _) = instance(&engine);
        source.reseed(3).unwrap();
        let image = source.capture();
        let expected = contents(&source);
        drop(source);
        assert!(!image.maps_into_new(), "a small image is copied at first");

        let (mut guest, _) = instance(&engine);
        guest.reseed(4).unwrap();
        guest.restore(&image).unwrap();
        assert_eq!((guest.mapped, guest.copied), (None, Some(image.id())));
        // The second time in a row, the image is mapped.
        guest.restore(&image).unwrap();
        assert_eq!(guest.mapped, Some(image.id()));
        assert!(contents(&guest) == expected);
        let base = guest.memory.data_ptr(&*guest.store) as usize;
        let last = expected.len() - 4096;
        let untouched = expected.len() - 3 * 4096;
        let mapping = mapping_at(base + last).unwrap();
        assert!(mapping.contains("memfd:warden-snapshot"), "{mapping}");

        // Writes, by the guest and from here, are undone in place: the pages
        // written stay the instance's own, the others stay the file's.
        for round in 0..3u8 {
            guest.reseed(u64::from(round)).unwrap();
            guest.memory.data_mut(&mut *guest.store)[last..].fill(round + 1);
            guest.restore(&image).unwrap();
            assert_eq!(guest.mapped, Some(image.id()));
            assert_eq!(guest.memory.data_ptr(&*guest.store) as usize, base);
            assert!(contents(&guest) == expected, "round {round}: not the image");
            assert!(is_private_page(base + last), "the page was mapped again");
            assert!(
                !is_private_page(base + untouched),
                "an unwritten page was copied"
            );
        }

        // Memory that grew is put back another way, to the same contents.
        guest.memory.grow(&mut *guest.store, 2).unwrap();
        guest.restore(&image).unwrap();
        assert!(contents(&guest) == expected);
        guest.reseed(9).unwrap();
    }

    #[test]
    fn a_small_image_is_copied_into_the_pool() {
        let engine = Arc::new(SharedEngine::new(1 << 20, 4).unwrap());
        let (mut source, _) = instance(&engine);
        let image = source.capture();
        let (mut guest, _) = instance(&engine);
        guest.restore(&image).unwrap();
        assert!(guest.mapped.is_none());
        assert_eq!(guest.pooled, engine.pooled.is_some());
        assert!(contents(&guest) == contents(&source));
    }
}
