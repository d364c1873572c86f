//! [`Watch`]: a running monitor race, bound to one call.

use std::sync::Arc;

use tokio::task::JoinHandle;

use super::set::Race;
use crate::engine::CallGate;
use crate::error::Killer;

/// Runs a monitor race for call `seq` on the monitor runtime, and kills that
/// call (and no other) when the race completes. Dropping the watch aborts
/// the race, so it never outlives its call.
pub(crate) struct Watch(JoinHandle<()>);

impl Watch {
    pub(crate) fn spawn(
        runtime: &tokio::runtime::Runtime,
        race: Race,
        gate: Arc<CallGate>,
        seq: u64,
    ) -> Self {
        Self(runtime.spawn(async move {
            let fired = race.await;
            gate.kill_call(
                seq,
                Killer::Monitor {
                    name: fired.name,
                    budget: fired.budget,
                },
            );
        }))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.0.abort();
    }
}
