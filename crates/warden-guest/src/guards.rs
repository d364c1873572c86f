//! [`Guards`]: keep handlers' changes to built-ins out of the runtime's own
//! work.
//!
//! Installed by `guards.js` before any handler runs: every built-in
//! prototype gets a fixed `toJSON` (so serializing a result never runs a
//! `toJSON` a handler put on a shared prototype), the methods that turn boxed
//! numbers and strings into primitives are fixed, and `Error.prepareStackTrace`
//! and `Error.stackTraceLimit` get accessors the runtime controls. While the
//! runtime parses an event, compiles a handler or serializes a result, it
//! holds off any `prepareStackTrace` hook, which QuickJS would otherwise call
//! for the errors the runtime itself creates.

use std::cell::Cell;
use std::rc::Rc;

use rquickjs::function::This;
use rquickjs::{Ctx, Function, Object, Persistent, Value};

/// The hook's original accessors, and whether a hook may be set.
pub(crate) struct Guards {
    get_hook: Persistent<Function<'static>>,
    set_hook: Persistent<Function<'static>>,
    error: Persistent<Object<'static>>,
    armed: Rc<Cell<bool>>,
}

impl Guards {
    /// Runs `guards.js`. Must run before any handler code.
    pub(crate) fn install(ctx: &Ctx<'_>) -> rquickjs::Result<Self> {
        let armed = Rc::new(Cell::new(false));
        let flag = armed.clone();
        let arm = Function::new(ctx.clone(), move || flag.set(true))?;
        let install: Function = ctx.eval(include_str!("guards.js"))?;
        let accessors: rquickjs::Array = install.call((arm,))?;
        let (get, set): (Function, Function) = (accessors.get(0)?, accessors.get(1)?);
        let error: Object = ctx.globals().get("Error")?;
        Ok(Self {
            get_hook: Persistent::save(ctx, get),
            set_hook: Persistent::save(ctx, set),
            error: Persistent::save(ctx, error),
            armed,
        })
    }

    /// Runs the runtime's own `work` with any `Error.prepareStackTrace` hook
    /// held off, so that errors `work` creates run no handler code.
    pub(crate) fn quietly<'js, R>(&self, ctx: &Ctx<'js>, work: impl FnOnce() -> R) -> R {
        if !self.armed.get() {
            return work();
        }
        let held = self.hold(ctx);
        let result = work();
        if let Some(held) = held {
            held.put_back(ctx);
        }
        result
    }

    /// Takes the hook out, if one is set.
    fn hold<'js>(&self, ctx: &Ctx<'js>) -> Option<Held<'js>> {
        let taken = (|| -> rquickjs::Result<_> {
            let error = self.error.clone().restore(ctx)?;
            let get = self.get_hook.clone().restore(ctx)?;
            let hook: Value = get.call((This(error.clone()),))?;
            if hook.is_undefined() {
                return Ok(None);
            }
            let set = self.set_hook.clone().restore(ctx)?;
            set.call::<_, ()>((This(error.clone()), Value::new_undefined(ctx.clone())))?;
            Ok(Some(Held { set, error, hook }))
        })();
        taken.unwrap_or_else(|_| {
            let _ = ctx.catch();
            None
        })
    }
}

/// A hook taken out by [`Guards::hold`].
struct Held<'js> {
    set: Function<'js>,
    error: Object<'js>,
    hook: Value<'js>,
}

impl<'js> Held<'js> {
    fn put_back(self, ctx: &Ctx<'js>) {
        if self
            .set
            .call::<_, ()>((This(self.error), self.hook))
            .is_err()
        {
            let _ = ctx.catch();
        }
    }
}
