//! Property tests of the monitor orchestration: random monitor sets (a bare
//! monitor or tuples of one to five, mixing custom monitors that fire after
//! a delay, never fire or refuse to start with the built-in wall-clock and
//! CPU-time monitors), random budgets and random handler durations.
//!
//! No assertion depends on tight timing: a call is only required to finish
//! when every budget that could stop it is at least 20 times the handler's
//! duration plus half a second, and a spinning call is only required to be
//! killed by *some* member that can fire, not by the fastest one.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use proptest::prelude::*;
use warden::{
    CpuTimeMonitor, Error, ExecutionMonitor, InterruptHandle, Killer, LoadedJSSandbox, MonitorSet,
    SandboxBuilder, Script, Snapshot, WallClockMonitor,
};

/// A member of a monitor set, as generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Spec {
    /// A custom monitor that fires after this many milliseconds.
    Fire(u64),
    /// A custom monitor that never fires.
    Never,
    /// A custom monitor whose `get_monitor` refuses to start.
    Refuse,
    /// `WallClockMonitor` with this budget in milliseconds.
    Wall(u64),
    /// `CpuTimeMonitor` with this budget in milliseconds.
    Cpu(u64),
}

impl Spec {
    /// Whether this member can ever end a call.
    fn can_fire(self) -> bool {
        matches!(self, Spec::Fire(_) | Spec::Wall(_) | Spec::Cpu(_))
    }

    /// The time after which this member may fire, if it can.
    fn budget(self) -> Option<u64> {
        match self {
            Spec::Fire(ms) | Spec::Wall(ms) | Spec::Cpu(ms) => Some(ms),
            Spec::Never | Spec::Refuse => None,
        }
    }
}

const FIRE_NAMES: [&str; 5] = ["fire-0", "fire-1", "fire-2", "fire-3", "fire-4"];
const NEVER_NAMES: [&str; 5] = ["never-0", "never-1", "never-2", "never-3", "never-4"];
const REFUSE_NAMES: [&str; 5] = ["refuse-0", "refuse-1", "refuse-2", "refuse-3", "refuse-4"];

/// A member of a monitor set, built from a [`Spec`] at a position of the
/// set (custom monitors are named after their position).
enum Mon {
    Fire(&'static str, Duration),
    Never(&'static str),
    Refuse(&'static str),
    Wall(WallClockMonitor),
    Cpu(CpuTimeMonitor),
}

type BoxedWatch = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

impl ExecutionMonitor for Mon {
    fn get_monitor(&self) -> warden::Result<impl Future<Output = ()> + Send + 'static> {
        Ok::<BoxedWatch, _>(match self {
            Mon::Fire(_, delay) => Box::pin(warden::monitor::sleep(*delay)),
            Mon::Never(_) => Box::pin(std::future::pending()),
            Mon::Refuse(_) => {
                return Err(Error::Internal("this monitor refuses to start".into()));
            }
            Mon::Wall(wall) => Box::pin(wall.get_monitor()?),
            Mon::Cpu(cpu) => Box::pin(cpu.get_monitor()?),
        })
    }

    fn name(&self) -> &'static str {
        match self {
            Mon::Fire(name, _) | Mon::Never(name) | Mon::Refuse(name) => name,
            Mon::Wall(wall) => wall.name(),
            Mon::Cpu(cpu) => cpu.name(),
        }
    }

    fn budget(&self) -> Option<Duration> {
        match self {
            Mon::Wall(wall) => wall.budget(),
            Mon::Cpu(cpu) => cpu.budget(),
            _ => None,
        }
    }
}

fn build(spec: Spec, position: usize) -> Mon {
    match spec {
        Spec::Fire(ms) => Mon::Fire(FIRE_NAMES[position], Duration::from_millis(ms)),
        Spec::Never => Mon::Never(NEVER_NAMES[position]),
        Spec::Refuse => Mon::Refuse(REFUSE_NAMES[position]),
        Spec::Wall(ms) => Mon::Wall(WallClockMonitor::new(Duration::from_millis(ms)).unwrap()),
        Spec::Cpu(ms) => Mon::Cpu(CpuTimeMonitor::new(Duration::from_millis(ms)).unwrap()),
    }
}

/// A generated monitor set: its members, and whether a single member is
/// passed bare rather than as a one-element tuple.
#[derive(Clone, Debug)]
struct Set {
    members: Vec<Spec>,
    bare: bool,
}

impl Set {
    /// The name and budget under which each member would report a kill.
    fn identity(&self, position: usize) -> (&'static str, Option<Duration>) {
        let mon = build(self.members[position], position);
        (mon.name(), mon.budget())
    }

    /// The error a set with a refusing member must return: the first
    /// refusing member, by name.
    fn first_refusal(&self) -> Option<&'static str> {
        let position = self.members.iter().position(|m| *m == Spec::Refuse)?;
        Some(REFUSE_NAMES[position])
    }

    /// The smallest budget among members that can fire.
    fn min_budget(&self) -> Option<u64> {
        self.members.iter().filter_map(|m| m.budget()).min()
    }

    /// Whether `killer` is a member of this set that can fire.
    fn is_firing_member(&self, killer: &Killer) -> bool {
        let Killer::Monitor { name, budget } = killer else {
            return false;
        };
        (0..self.members.len())
            .any(|i| self.members[i].can_fire() && self.identity(i) == (*name, *budget))
    }
}

/// Calls `handler` with `event` under the generated set: the real tuple
/// type of its size, or the bare monitor (the built-in type itself when it
/// is a built-in).
fn call_with(
    loaded: &mut LoadedJSSandbox,
    set: &Set,
    handler: &str,
    event: &str,
) -> warden::Result<String> {
    fn go<M: MonitorSet>(
        loaded: &mut LoadedJSSandbox,
        set: &M,
        handler: &str,
        event: &str,
    ) -> warden::Result<String> {
        loaded.handle_event_with_monitor(handler, event, set, None)
    }
    let m = |i: usize| build(set.members[i], i);
    match (set.members.len(), set.bare) {
        (1, true) => match set.members[0] {
            Spec::Wall(ms) => go(
                loaded,
                &WallClockMonitor::new(Duration::from_millis(ms)).unwrap(),
                handler,
                event,
            ),
            Spec::Cpu(ms) => go(
                loaded,
                &CpuTimeMonitor::new(Duration::from_millis(ms)).unwrap(),
                handler,
                event,
            ),
            _ => go(loaded, &m(0), handler, event),
        },
        (1, false) => go(loaded, &(m(0),), handler, event),
        (2, _) => go(loaded, &(m(0), m(1)), handler, event),
        (3, _) => go(loaded, &(m(0), m(1), m(2)), handler, event),
        (4, _) => go(loaded, &(m(0), m(1), m(2), m(3)), handler, event),
        (5, _) => go(loaded, &(m(0), m(1), m(2), m(3), m(4)), handler, event),
        (n, _) => unreachable!("a set of {n} monitors"),
    }
}

/// A sandbox whose handlers report each run through a host counter.
struct Fixture {
    loaded: LoadedJSSandbox,
    snapshot: Snapshot,
    runs: Arc<AtomicUsize>,
}

/// Counts its run, then busy-waits `e.ms` milliseconds of real time.
const BUSY: &str = "import { ran } from 'host:probe';
export function handler(e) {
    ran();
    const end = Date.now() + e.ms;
    while (Date.now() < end) {}
    return e.ms;
}";

/// Counts its run, then spins forever.
const SPIN: &str = "import { ran } from 'host:probe';
export function handler() { ran(); for (;;) {} }";

const ECHO: &str = "function handler(event) { return event; }";

impl Fixture {
    fn new() -> Self {
        let runs = Arc::new(AtomicUsize::new(0));
        let counter = runs.clone();
        let mut proto = SandboxBuilder::new().build().unwrap();
        proto
            .host_module("probe")
            .unwrap()
            .register("ran", move || {
                counter.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        let mut sandbox = proto.load_runtime().unwrap();
        for (name, source) in [("busy", BUSY), ("spin", SPIN), ("echo", ECHO)] {
            sandbox
                .add_handler(name, Script::from_content(source))
                .unwrap();
        }
        let mut loaded = sandbox.get_loaded_sandbox().unwrap();
        let snapshot = loaded.snapshot().unwrap();
        Self {
            loaded,
            snapshot,
            runs,
        }
    }

    fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }
}

/// Kills the call through the interrupt handle if it is still going after
/// a very generous time, so a lost kill fails the test (the error then
/// names the interrupt handle) instead of hanging it.
struct Backstop {
    done: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

const BACKSTOP: Duration = Duration::from_secs(30);

impl Backstop {
    fn arm(handle: InterruptHandle) -> Self {
        let (done, wait) = mpsc::channel::<()>();
        let thread = thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(BACKSTOP) {
                handle.kill();
            }
        });
        Self {
            done: Some(done),
            thread: Some(thread),
        }
    }
}

impl Drop for Backstop {
    fn drop(&mut self) {
        drop(self.done.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the handler of a step does.
#[derive(Clone, Copy, Debug)]
enum Work {
    /// Busy-waits this many milliseconds, then returns.
    Busy(u64),
    /// Never returns.
    Spin,
}

/// One monitored call and every invariant that must hold after it. Returns
/// whether the call was killed (and the sandbox restored).
fn check_call(fx: &mut Fixture, set: &Set, work: Work) -> Result<bool, TestCaseError> {
    prop_assert!(
        !fx.loaded.poisoned(),
        "a call must start on a healthy sandbox"
    );
    let before = fx.runs();
    let (handler, event) = match work {
        Work::Busy(ms) => ("busy", format!("{{\"ms\":{ms}}}")),
        Work::Spin => ("spin", "{}".to_owned()),
    };
    let result = {
        let _backstop = Backstop::arm(fx.loaded.interrupt_handle());
        call_with(&mut fx.loaded, set, handler, &event)
    };
    let runs = fx.runs() - before;
    let stats = fx.loaded.last_call_stats();
    prop_assert!(stats.is_some(), "no stats after a call");
    let stats = stats.unwrap();

    // Never unmonitored: one refusal and the handler does not run at all.
    if let Some(refusing) = set.first_refusal() {
        match &result {
            Err(Error::MonitorFailed { name, reason }) => {
                prop_assert_eq!(*name, refusing);
                prop_assert!(reason.contains("refuses"), "{}", reason);
            }
            other => {
                return Err(TestCaseError::fail(format!(
                    "expected a refusal by {refusing}, got {other:?}"
                )))
            }
        }
        prop_assert!(!result.as_ref().unwrap_err().poisons());
        prop_assert_eq!(runs, 0, "the handler ran although a monitor refused");
        prop_assert!(!fx.loaded.poisoned());
        prop_assert_eq!(stats.terminated_by, None);
        return Ok(false);
    }

    // A call with a big margin on every budget is never killed.
    let roomy = match work {
        Work::Busy(ms) => set.min_budget().is_none_or(|b| b >= 20 * ms + 500),
        Work::Spin => false,
    };
    match (&result, work) {
        (Ok(value), Work::Busy(ms)) => {
            prop_assert_eq!(value, &ms.to_string());
            prop_assert_eq!(runs, 1);
            prop_assert!(!fx.loaded.poisoned());
            prop_assert_eq!(stats.terminated_by, None);
            Ok(false)
        }
        (Err(Error::Killed(killer)), _) if !roomy => {
            // Killed by a member that can fire, named in the error and
            // the stats; never by a member that cannot.
            prop_assert!(
                set.is_firing_member(killer),
                "killed by {killer:?}, not a firing member of {set:?}"
            );
            prop_assert_eq!(stats.terminated_by.as_ref(), Some(killer));
            // The kill may land before the guest is entered.
            prop_assert!(runs <= 1);
            // Poisoned until restored, then usable again.
            prop_assert!(fx.loaded.poisoned());
            prop_assert!(matches!(
                fx.loaded.handle_event("echo", "1", None),
                Err(Error::Poisoned)
            ));
            let again = call_with(&mut fx.loaded, set, "busy", r#"{"ms":0}"#);
            prop_assert!(matches!(again, Err(Error::Poisoned)), "{:?}", again);
            prop_assert_eq!(fx.runs() - before, runs, "a poisoned sandbox ran a handler");
            fx.loaded.restore(&fx.snapshot).unwrap();
            prop_assert!(!fx.loaded.poisoned());
            prop_assert_eq!(fx.loaded.handle_event("echo", "[7]", None).unwrap(), "[7]");
            Ok(true)
        }
        (other, _) => Err(TestCaseError::fail(format!(
            "{work:?} under {set:?} (roomy: {roomy}) ended with {other:?}"
        ))),
    }
}

// ---- strategies ----

/// A member that never refuses, with a budget from `budget`.
fn starting_member(budget: impl Strategy<Value = u64> + Clone) -> impl Strategy<Value = Spec> {
    prop_oneof![
        budget.clone().prop_map(Spec::Fire),
        Just(Spec::Never),
        budget.clone().prop_map(Spec::Wall),
        budget.prop_map(Spec::Cpu),
    ]
}

/// A set of 1 to 5 of `member`, bare or as a tuple when it has one member.
fn set_of(member: impl Strategy<Value = Spec>) -> impl Strategy<Value = Set> {
    (prop::collection::vec(member, 1..=5), any::<bool>())
        .prop_map(|(members, bare)| Set { members, bare })
}

/// A set with at least one member that can fire within `small`, placed at
/// a random position among others drawn from `rest`.
fn firing_set(
    small: impl Strategy<Value = u64> + Clone,
    rest: impl Strategy<Value = Spec>,
) -> impl Strategy<Value = Set> {
    let fire = prop_oneof![
        small.clone().prop_map(Spec::Fire),
        small.clone().prop_map(Spec::Wall),
        small.prop_map(Spec::Cpu),
    ];
    (
        fire,
        prop::collection::vec(rest, 0..=4),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(fire, mut members, at, bare)| {
            let at = at.index(members.len() + 1);
            members.insert(at, fire);
            Set { members, bare }
        })
}

/// Budgets for members that can fire: tiny, moderate or far away.
fn any_budget() -> impl Strategy<Value = u64> + Clone {
    prop_oneof![1..40u64, 40..300u64, 10_000..60_000u64]
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// If any member refuses to start, the handler never runs (the host
    /// counter does not move), the error names the first refusing member,
    /// and the sandbox is not poisoned and keeps working.
    #[test]
    fn a_refusing_member_means_the_handler_never_runs(
        others in prop::collection::vec(
            prop_oneof![starting_member(any_budget()), Just(Spec::Refuse)], 0..=4),
        at in any::<prop::sample::Index>(),
        bare in any::<bool>(),
        spin in any::<bool>(),
        ms in 0..30u64,
    ) {
        let mut members = others;
        members.insert(at.index(members.len() + 1), Spec::Refuse);
        let set = Set { members, bare };
        let mut fx = Fixture::new();
        let work = if spin { Work::Spin } else { Work::Busy(ms) };
        prop_assert!(!check_call(&mut fx, &set, work)?);
        prop_assert_eq!(fx.runs(), 0);
        // Still usable, with and without monitors.
        let after = fx.loaded.handle_event("busy", r#"{"ms":0}"#, None);
        prop_assert_eq!(after.unwrap(), "0");
        prop_assert_eq!(fx.runs(), 1);
    }

    /// A call that finishes well within every budget (each at least
    /// 20 x its duration + 500 ms) is never killed.
    #[test]
    fn a_call_that_finishes_in_time_is_never_killed(
        (ms, set) in (0..30u64).prop_flat_map(|ms| {
            let floor = 20 * ms + 500;
            (Just(ms), set_of(starting_member(floor..floor + 5_000)))
        }),
    ) {
        let mut fx = Fixture::new();
        prop_assert!(!check_call(&mut fx, &set, Work::Busy(ms))?);
        prop_assert_eq!(fx.runs(), 1);
    }

    /// A spinning call is always killed, by a member that can fire, which
    /// the error and the stats name; the sandbox is then poisoned, restore
    /// makes it usable, and the kill does not reach the next call.
    #[test]
    fn a_call_that_cannot_finish_is_killed_by_a_member_that_can_fire(
        set in firing_set(1..60u64, starting_member(any_budget())),
        next_ms in 0..30u64,
    ) {
        let mut fx = Fixture::new();
        prop_assert!(check_call(&mut fx, &set, Work::Spin)?);
        // The next call, unmonitored, runs to its end even while the other
        // members of the set would have fired, had they outlived the call.
        let event = format!("{{\"ms\":{}}}", next_ms + 20);
        let runs = fx.runs();
        prop_assert_eq!(fx.loaded.handle_event("busy", &event, None).unwrap(), (next_ms + 20).to_string());
        prop_assert_eq!(fx.runs(), runs + 1);
        prop_assert!(!fx.loaded.poisoned());
    }
}

/// One step of a sequence on a single sandbox.
#[derive(Clone, Debug)]
enum Step {
    /// A monitored call.
    Monitored(Set, Work),
    /// A plain call of the busy handler, which must succeed.
    Plain(u64),
}

fn step() -> impl Strategy<Value = Step> {
    let any_member = prop_oneof![
        6 => starting_member(any_budget()),
        1 => Just(Spec::Refuse),
    ];
    prop_oneof![
        // Anything goes: the outcome is classified by check_call.
        3 => (set_of(any_member), 0..30u64)
            .prop_map(|(set, ms)| Step::Monitored(set, Work::Busy(ms))),
        // Spinning under a set that will fire, possibly with moderate
        // members that would fire during the next call if they survived.
        2 => firing_set(1..40u64, starting_member(prop_oneof![40..150u64, 10_000..60_000u64]))
            .prop_map(|set| Step::Monitored(set, Work::Spin)),
        1 => (0..60u64).prop_map(Step::Plain),
    ]
}

proptest! {
    #![proptest_config(config(24))]

    /// Random sequences of monitored calls on one sandbox: every step's
    /// invariants hold whatever came before (restores after kills
    /// included), and no kill or leftover monitor affects a later call.
    #[test]
    fn no_call_affects_the_next(steps in prop::collection::vec(step(), 1..=6)) {
        let mut fx = Fixture::new();
        for step in &steps {
            match step {
                Step::Monitored(set, work) => {
                    check_call(&mut fx, set, *work)?;
                }
                Step::Plain(ms) => {
                    let runs = fx.runs();
                    let event = format!("{{\"ms\":{ms}}}");
                    prop_assert_eq!(fx.loaded.handle_event("busy", &event, None).unwrap(), ms.to_string());
                    prop_assert_eq!(fx.runs(), runs + 1);
                    prop_assert_eq!(fx.loaded.last_call_stats().unwrap().terminated_by, None);
                }
            }
            prop_assert!(!fx.loaded.poisoned());
        }
    }
}
