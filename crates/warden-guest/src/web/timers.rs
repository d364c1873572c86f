//! `setTimeout`, `setInterval`, `setImmediate` and their `clear*`, written
//! in `timers.js`, and the [`Timers`] handle the event loop drives them by.

use std::cell::Cell;
use std::rc::Rc;

use rquickjs::{Ctx, Function, Object, Persistent, Result};

/// The controls of the timers: what the event loop asks and does.
pub(crate) struct Timers {
    next: Persistent<Function<'static>>,
    fire: Persistent<Function<'static>>,
    cancel_all: Persistent<Function<'static>>,
    /// Whether a timer was set since the last [`cancel_all`](Self::cancel_all).
    any_set: Rc<Cell<bool>>,
}

impl Timers {
    /// Defines the timer globals and returns their controls.
    pub(super) fn install(ctx: &Ctx<'_>) -> Result<Self> {
        let any_set = Rc::new(Cell::new(false));
        let natives = Object::new(ctx.clone())?;
        let flag = any_set.clone();
        natives.set(
            "noteSet",
            Function::new(ctx.clone(), move || flag.set(true))?,
        )?;
        let made = super::shim::evaluate(ctx, "web/timers.js", include_str!("timers.js"), natives)?;
        super::shim::define_globals(ctx, &made.get("globals")?)?;
        let control = |name: &str| -> Result<Persistent<Function<'static>>> {
            Ok(Persistent::save(ctx, made.get::<_, Function>(name)?))
        };
        Ok(Self {
            next: control("next")?,
            fire: control("fire")?,
            cancel_all: control("cancelAll")?,
            any_set,
        })
    }

    /// Milliseconds until the earliest timer is due (0 when one is), or
    /// `None` when no timer is set.
    pub(crate) fn next(&self, ctx: &Ctx<'_>) -> Result<Option<f64>> {
        if !self.any_set.get() {
            return Ok(None);
        }
        let wait: f64 = self.next.clone().restore(ctx)?.call(())?;
        Ok((wait >= 0.0).then_some(wait))
    }

    /// Runs the earliest timer if it is due; whether one ran. An error is
    /// what its callback threw.
    pub(crate) fn fire(&self, ctx: &Ctx<'_>) -> Result<bool> {
        self.fire.clone().restore(ctx)?.call(())
    }

    /// Forgets every timer.
    pub(crate) fn cancel_all(&self, ctx: &Ctx<'_>) -> Result<()> {
        if !self.any_set.get() {
            return Ok(());
        }
        self.cancel_all.clone().restore(ctx)?.call::<_, ()>(())?;
        self.any_set.set(false);
        Ok(())
    }
}
