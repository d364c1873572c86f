//! Load and fault soak: many threads, many sandboxes, thousands of monitored
//! calls mixing quick handlers with runaway ones under random budgets, random
//! kills from other threads, and restores — checking that every runaway ends
//! within its budget, that no kill ever lands where it was not aimed, and
//! that the host's memory and thread count stay flat.
//!
//! By default a short run (about 2,000 calls, a few seconds) is part of
//! `cargo test`. A long run lasts as many seconds as `WARDEN_SOAK_SECONDS`
//! says:
//!
//! ```sh
//! WARDEN_SOAK_SECONDS=300 cargo test -p warden --test soak -- --nocapture
//! ```
//!
//! Random choices come from a small seeded PRNG; the seed is printed, and
//! `WARDEN_SOAK_SEED=<n>` replays the same choices (thread interleavings of
//! course differ). `--nocapture` shows the figures: calls, kills by kind,
//! how far past their budgets runaway calls ended (p50/p99/max), resident
//! memory and thread counts after warm-up and at the end.
//!
//! The layout, so that every kill can be attributed:
//!
//! - each of [`WORKERS`] threads owns a *monitored* sandbox, which only ever
//!   sees monitors (never an interrupt handle), and a *target* sandbox, the
//!   only kind that [`KILLERS`] extra threads fire `InterruptHandle::kill()`
//!   at, at random moments;
//! - on the monitored sandbox, quick calls run under generous (30 s) budgets
//!   and must always succeed with the right answer; runaway calls run under
//!   random 2–50 ms budgets of a random kind and must end killed by exactly
//!   the monitor that holds the smallest budget;
//! - on the target sandbox, quick calls may succeed or be killed by a handle
//!   (they are aimed at), endless calls must end killed by a handle, never
//!   by their 30 s safety monitor, and the number of calls killed by a handle
//!   never exceeds the number of `kill()`s that reported hitting a call of
//!   that very sandbox.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::process::{rss_bytes, thread_count};
use common::{js_sandbox, loaded, ECHO};
use warden::monitor::active_monitors;
use warden::{
    CpuTimeMonitor, Error, InterruptHandle, Killer, LoadedJSSandbox, MonitorSet, Script, Snapshot,
    WallClockMonitor,
};

/// Threads making calls, each with its own sandboxes.
const WORKERS: usize = 4;
/// Threads firing `kill()` at the workers' target sandboxes.
const KILLERS: usize = 2;
/// Calls per worker in the short (default) run: 2,000 in all.
const SHORT_CALLS_PER_WORKER: u64 = 500;
/// Calls per worker that count as warm-up in the short run.
const SHORT_WARMUP_CALLS: u64 = 100;
/// A budget no quick call comes near; a kill under it is a failure.
const GENEROUS: Duration = Duration::from_secs(30);
/// How far past its budget (in the monitor's own clock) a runaway call may
/// end before the soak fails.
const MAX_SLACK: Duration = Duration::from_secs(2);
/// How much wall time past its budget a call under a CPU-time budget may
/// take: on an overloaded machine the calling thread may wait for a CPU.
const MAX_CPU_WALL_SLACK: Duration = Duration::from_secs(10);
/// Allowed growth of resident memory between warm-up and the end.
const MAX_RSS_GROWTH: u64 = 64 * 1024 * 1024;

const ASYNC_ECHO: &str = "async function handler(event) { await null; await 0; return event; }";
const COMPUTE: &str = "function handler(event) {
    let s = 0;
    for (let i = 0; i < event.n; i++) s = (s + i * i) % 1000003;
    return { s };
}";

/// The endless handlers, from the hostile suite's fixtures.
const RUNAWAYS: &[(&str, &str)] = &[
    ("tight_loop", include_str!("hostile/tight_loop.js")),
    ("swallow_kill", include_str!("hostile/swallow_kill.js")),
    (
        "catastrophic_regex",
        include_str!("hostile/catastrophic_regex.js"),
    ),
    (
        "microtask_chain",
        include_str!("hostile/microtask_chain.js"),
    ),
];

// ---------------------------------------------------------------------------
// A small deterministic PRNG (SplitMix64).
// ---------------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
}

// ---------------------------------------------------------------------------
// Host measurements.
// ---------------------------------------------------------------------------

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

// ---------------------------------------------------------------------------
// Shared state between workers and killers.
// ---------------------------------------------------------------------------

/// A worker's target sandbox, as the killers see it.
struct Target {
    handle: InterruptHandle,
    /// `kill()`s that reported hitting a running call.
    hits: AtomicU64,
    /// `kill()`s that found no call running.
    misses: AtomicU64,
    /// When the last hitting `kill()` was issued.
    last_hit: Mutex<Option<Instant>>,
}

/// Which monitor set a runaway call runs under.
#[derive(Clone, Copy, Debug)]
enum Guard {
    Cpu,
    Wall,
    CpuWithWallNet,
    WallWithCpuNet,
}

impl Guard {
    fn pick(rng: &mut Rng) -> Self {
        match rng.below(4) {
            0 => Self::Cpu,
            1 => Self::Wall,
            2 => Self::CpuWithWallNet,
            _ => Self::WallWithCpuNet,
        }
    }

    /// The name of the monitor that must fire.
    fn expected(self) -> &'static str {
        match self {
            Self::Cpu | Self::CpuWithWallNet => "cpu-time",
            Self::Wall | Self::WallWithCpuNet => "wall-clock",
        }
    }

    fn call(
        self,
        loaded: &mut LoadedJSSandbox,
        name: &str,
        budget: Duration,
    ) -> warden::Result<String> {
        fn run<M: MonitorSet>(
            loaded: &mut LoadedJSSandbox,
            name: &str,
            monitors: M,
        ) -> warden::Result<String> {
            loaded.handle_event_with_monitor(name, "{}", &monitors, None)
        }
        let cpu = CpuTimeMonitor::new(budget).unwrap();
        let wall = WallClockMonitor::new(budget).unwrap();
        match self {
            Self::Cpu => run(loaded, name, cpu),
            Self::Wall => run(loaded, name, wall),
            Self::CpuWithWallNet => run(
                loaded,
                name,
                (WallClockMonitor::new(GENEROUS).unwrap(), cpu),
            ),
            Self::WallWithCpuNet => {
                run(loaded, name, (wall, CpuTimeMonitor::new(GENEROUS).unwrap()))
            }
        }
    }
}

/// What one worker saw.
#[derive(Default)]
struct Report {
    calls: u64,
    quick_ok: u64,
    /// Runaway calls killed by the CPU-time monitor: (budget, CPU used, wall).
    cpu_kills: Vec<(Duration, Duration, Duration)>,
    /// Runaway calls killed by the wall-clock monitor: (budget, wall).
    wall_kills: Vec<(Duration, Duration)>,
    kills_by_runaway: [u64; 4],
    target_quick_ok: u64,
    target_quick_killed: u64,
    target_endless_killed: u64,
    /// From the `kill()` being issued to the killed call returning.
    handle_latency: Vec<Duration>,
    restores: u64,
    churns: u64,
    max_guest_memory: usize,
}

/// The monitored sandbox: quick handlers and runaways.
fn monitored_sandbox() -> (LoadedJSSandbox, Snapshot) {
    let mut sandbox = js_sandbox();
    add_monitored_handlers(&mut sandbox);
    let mut loaded = sandbox.get_loaded_sandbox().unwrap();
    let snapshot = loaded.snapshot().unwrap();
    (loaded, snapshot)
}

fn add_monitored_handlers(sandbox: &mut warden::JSSandbox) {
    for (name, source) in [
        ("echo", ECHO),
        ("async_echo", ASYNC_ECHO),
        ("compute", COMPUTE),
    ]
    .iter()
    .chain(RUNAWAYS)
    {
        sandbox
            .add_handler(name, Script::from_content(*source))
            .unwrap();
    }
}

/// The target sandbox: an echo and an endless loop.
fn target_sandbox() -> (LoadedJSSandbox, Snapshot) {
    let mut loaded = loaded(&[("echo", ECHO), ("spin", RUNAWAYS[0].1)]);
    let snapshot = loaded.snapshot().unwrap();
    (loaded, snapshot)
}

fn generous() -> (CpuTimeMonitor, WallClockMonitor) {
    (
        CpuTimeMonitor::new(GENEROUS).unwrap(),
        WallClockMonitor::new(GENEROUS).unwrap(),
    )
}

fn expected_compute(n: u64) -> u64 {
    (0..n).fold(0, |s, i| (s + i * i) % 1_000_003)
}

/// How long the soak runs.
#[derive(Clone, Copy)]
enum Plan {
    Calls { warmup: u64, total: u64 },
    Time { warmup: Duration, total: Duration },
}

struct Worker {
    index: usize,
    rng: Rng,
    monitored: LoadedJSSandbox,
    monitored_snapshot: Snapshot,
    target: LoadedJSSandbox,
    target_snapshot: Snapshot,
    slot: Arc<Target>,
    report: Report,
}

impl Worker {
    fn fail(&self, what: String) -> ! {
        panic!("worker {} call {}: {what}", self.index, self.report.calls)
    }

    /// One random step.
    fn step(&mut self) {
        self.report.calls += 1;
        let roll = self.rng.below(1000);
        match roll {
            0..=549 => self.quick(),
            550..=699 => self.runaway(),
            700..=849 => self.target_quick(),
            850..=979 => self.target_endless(),
            980..=994 => {
                // A restore of a healthy sandbox, at a random moment.
                self.monitored.restore(&self.monitored_snapshot).unwrap();
                self.report.restores += 1;
            }
            _ => self.churn(),
        }
        let memory = self.monitored.status().guest_memory_bytes;
        assert!(memory <= warden::DEFAULT_GUEST_MEMORY_LIMIT);
        self.report.max_guest_memory = self.report.max_guest_memory.max(memory);
    }

    /// A quick call under a generous budget: must succeed, correctly.
    fn quick(&mut self) {
        let i = self.report.calls;
        let pad = "p".repeat(self.rng.below(200) as usize);
        let (name, event, expected) = match self.rng.below(3) {
            0 | 1 => {
                let name = if self.rng.below(2) == 0 {
                    "echo"
                } else {
                    "async_echo"
                };
                let event = format!(r#"{{"w":{},"i":{i},"pad":"{pad}"}}"#, self.index);
                (name, event.clone(), event)
            }
            _ => {
                let n = self.rng.below(5000);
                let expected = format!(r#"{{"s":{}}}"#, expected_compute(n));
                ("compute", format!(r#"{{"n":{n}}}"#), expected)
            }
        };
        // A garbage collection after one call in four.
        let gc = self.rng.below(4) == 0;
        let result = self
            .monitored
            .handle_event_with_monitor(name, &event, &generous(), Some(gc));
        match result {
            Ok(result) if result == expected => self.report.quick_ok += 1,
            other => self.fail(format!(
                "quick call {name} under a generous budget gave {other:?}, expected {expected}"
            )),
        }
    }

    /// A runaway call under a random budget of a random kind: must be killed
    /// by exactly that monitor, not much later than the budget.
    fn runaway(&mut self) {
        let which = self.rng.below(RUNAWAYS.len() as u64) as usize;
        let name = RUNAWAYS[which].0;
        let guard = Guard::pick(&mut self.rng);
        let budget = Duration::from_millis(self.rng.between(2, 50));
        let result = guard.call(&mut self.monitored, name, budget);
        let stats = self.monitored.last_call_stats().unwrap();
        match &result {
            Err(Error::Killed(Killer::Monitor {
                name: monitor,
                budget: Some(b),
            })) if *monitor == guard.expected() && *b == budget => {}
            other => self.fail(format!(
                "runaway {name} under {guard:?} {budget:?} gave {other:?}"
            )),
        }
        assert_eq!(
            stats.terminated_by.and_then(|k| k.monitor_name()),
            Some(guard.expected())
        );
        match guard.expected() {
            "cpu-time" => {
                let cpu = stats.guest_cpu_time.unwrap();
                if cpu < budget || cpu > budget + MAX_SLACK {
                    self.fail(format!("{name}: {cpu:?} of CPU under a {budget:?} budget"));
                }
                if stats.wall_time > budget + MAX_CPU_WALL_SLACK {
                    self.fail(format!(
                        "{name}: {:?} of wall time under a {budget:?} CPU budget",
                        stats.wall_time
                    ));
                }
                self.report.cpu_kills.push((budget, cpu, stats.wall_time));
            }
            _ => {
                if stats.wall_time < budget || stats.wall_time > budget + MAX_SLACK {
                    self.fail(format!(
                        "{name}: {:?} of wall time under a {budget:?} budget",
                        stats.wall_time
                    ));
                }
                self.report.wall_kills.push((budget, stats.wall_time));
            }
        }
        self.report.kills_by_runaway[which] += 1;
        assert!(self.monitored.poisoned());
        self.monitored.restore(&self.monitored_snapshot).unwrap();
        self.report.restores += 1;
    }

    /// A quick call on the target sandbox: killers aim at it, so it may be
    /// killed by a handle, but never by a monitor.
    fn target_quick(&mut self) {
        let event = format!(r#"{{"target":{},"i":{}}}"#, self.index, self.report.calls);
        let before = self.slot.hits.load(Ordering::SeqCst);
        match self
            .target
            .handle_event_with_monitor("echo", &event, &generous(), None)
        {
            Ok(result) if result == event => self.report.target_quick_ok += 1,
            Err(Error::Killed(Killer::Handle)) => {
                self.await_reported_hit(before);
                self.report.target_quick_killed += 1;
                self.target.restore(&self.target_snapshot).unwrap();
                self.report.restores += 1;
            }
            other => self.fail(format!("target echo gave {other:?}")),
        }
    }

    /// An endless call on the target sandbox: only a handle can end it; the
    /// 30 s wall-clock safety net firing means a kill was lost.
    fn target_endless(&mut self) {
        let before = self.slot.hits.load(Ordering::SeqCst);
        let safety = WallClockMonitor::new(GENEROUS).unwrap();
        let result = self
            .target
            .handle_event_with_monitor("spin", "{}", &safety, None);
        let ended = Instant::now();
        match result {
            Err(Error::Killed(Killer::Handle)) => {
                let issued = self.await_reported_hit(before);
                self.report
                    .handle_latency
                    .push(ended.saturating_duration_since(issued));
                self.report.target_endless_killed += 1;
                self.target.restore(&self.target_snapshot).unwrap();
                self.report.restores += 1;
            }
            other => self.fail(format!("target spin gave {other:?}")),
        }
    }

    /// After a handle kill, waits for a killer to report a hit on this
    /// target newer than `before` (a kill nobody reports means it came from
    /// somewhere it should not have) and returns when it was issued.
    fn await_reported_hit(&self, before: u64) -> Instant {
        let start = Instant::now();
        while self.slot.hits.load(Ordering::SeqCst) <= before {
            if start.elapsed() > Duration::from_secs(10) {
                self.fail("killed by a handle, but no killer reported hitting this sandbox".into());
            }
            thread::yield_now();
        }
        self.slot.last_hit.lock().unwrap().unwrap()
    }

    /// Replaces the monitored sandbox by a brand-new one, and reloads the
    /// old one through `unload` (exercising both creation and teardown).
    fn churn(&mut self) {
        let (fresh, fresh_snapshot) = monitored_sandbox();
        let old = std::mem::replace(&mut self.monitored, fresh);
        self.monitored_snapshot = fresh_snapshot;
        let mut sandbox = old.unload().unwrap();
        add_monitored_handlers(&mut sandbox);
        let mut reloaded = sandbox.get_loaded_sandbox().unwrap();
        assert_eq!(reloaded.handle_event("echo", "[0]", None).unwrap(), "[0]");
        self.report.churns += 1;
    }
}

/// Percentile of sorted durations.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank]
}

fn distribution(label: &str, mut values: Vec<Duration>) {
    values.sort();
    println!(
        "  {label:<44} n={:<6} p50={:>10.3?} p99={:>10.3?} max={:>10.3?}",
        values.len(),
        percentile(&values, 0.5),
        percentile(&values, 0.99),
        values.last().copied().unwrap_or_default()
    );
}

#[test]
fn soak() {
    let seed = std::env::var("WARDEN_SOAK_SEED")
        .ok()
        .map(|s| {
            s.trim()
                .parse::<u64>()
                .expect("WARDEN_SOAK_SEED must be a number")
        })
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    let plan = match std::env::var("WARDEN_SOAK_SECONDS") {
        Ok(seconds) => {
            let total = Duration::from_secs(
                seconds
                    .trim()
                    .parse()
                    .expect("WARDEN_SOAK_SECONDS must be a number of seconds"),
            );
            Plan::Time {
                warmup: (total / 10).clamp(Duration::from_secs(1), Duration::from_secs(30)),
                total,
            }
        }
        Err(_) => Plan::Calls {
            warmup: SHORT_WARMUP_CALLS,
            total: SHORT_CALLS_PER_WORKER,
        },
    };
    match plan {
        Plan::Calls { warmup, total } => println!(
            "soak: seed {seed} (WARDEN_SOAK_SEED={seed} replays it); short run: \
             {WORKERS} workers x {total} calls ({warmup} warm-up), {KILLERS} killers"
        ),
        Plan::Time { warmup, total } => println!(
            "soak: seed {seed} (WARDEN_SOAK_SEED={seed} replays it); long run: {total:?} \
             ({warmup:?} warm-up), {WORKERS} workers, {KILLERS} killers"
        ),
    }
    let started = Instant::now();

    // Workers build their sandboxes on their own threads; the killers get
    // the target handles.
    let barrier = Arc::new(Barrier::new(WORKERS + 1));
    let stop_killers = Arc::new(AtomicBool::new(false));
    let (slot_tx, slot_rx) = std::sync::mpsc::channel::<(usize, Arc<Target>)>();
    let mut workers = Vec::new();
    for index in 0..WORKERS {
        let barrier = barrier.clone();
        let slot_tx = slot_tx.clone();
        let worker_seed = seed ^ (index as u64 + 1).wrapping_mul(0xA076_1D64_78BD_642F);
        workers.push(
            thread::Builder::new()
                .name(format!("soak-worker-{index}"))
                .spawn(move || {
                    let (monitored, monitored_snapshot) = monitored_sandbox();
                    let (target, target_snapshot) = target_sandbox();
                    let slot = Arc::new(Target {
                        handle: target.interrupt_handle(),
                        hits: AtomicU64::new(0),
                        misses: AtomicU64::new(0),
                        last_hit: Mutex::new(None),
                    });
                    slot_tx.send((index, slot.clone())).unwrap();
                    let mut worker = Worker {
                        index,
                        rng: Rng::new(worker_seed),
                        monitored,
                        monitored_snapshot,
                        target,
                        target_snapshot,
                        slot,
                        report: Report::default(),
                    };
                    let start = Instant::now();
                    match plan {
                        Plan::Calls { warmup, total } => {
                            while worker.report.calls < warmup {
                                worker.step();
                            }
                            barrier.wait(); // warm-up done
                            barrier.wait(); // measured
                            while worker.report.calls < total {
                                worker.step();
                            }
                        }
                        Plan::Time { warmup, total } => {
                            while start.elapsed() < warmup {
                                worker.step();
                            }
                            barrier.wait();
                            barrier.wait();
                            while start.elapsed() < total {
                                worker.step();
                            }
                        }
                    }
                    barrier.wait(); // done
                    barrier.wait(); // measured
                    worker.report
                })
                .unwrap(),
        );
    }
    drop(slot_tx);
    let mut slots: Vec<Option<Arc<Target>>> = vec![None; WORKERS];
    for (index, slot) in slot_rx.iter().take(WORKERS) {
        slots[index] = Some(slot);
    }
    let slots: Arc<Vec<Arc<Target>>> = Arc::new(slots.into_iter().map(Option::unwrap).collect());

    let mut killers = Vec::new();
    for k in 0..KILLERS {
        let slots = slots.clone();
        let stop = stop_killers.clone();
        let mut rng = Rng::new(seed.rotate_left(17) ^ (k as u64 + 101));
        killers.push(
            thread::Builder::new()
                .name(format!("soak-killer-{k}"))
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let slot = &slots[rng.below(slots.len() as u64) as usize];
                        thread::sleep(Duration::from_micros(rng.below(2000)));
                        let issued = Instant::now();
                        // The time goes in before the hit is counted, so a
                        // worker that sees the count also sees the time.
                        let mut last = slot.last_hit.lock().unwrap();
                        if slot.handle.kill() {
                            *last = Some(issued);
                            slot.hits.fetch_add(1, Ordering::SeqCst);
                        } else {
                            slot.misses.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                })
                .unwrap(),
        );
    }

    barrier.wait(); // warm-up done
    let warm = (rss_bytes(), thread_count(), started.elapsed());
    barrier.wait();
    barrier.wait(); // done
    let end = (rss_bytes(), thread_count(), started.elapsed());
    barrier.wait();
    let reports: Vec<Report> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    stop_killers.store(true, Ordering::Relaxed);
    for killer in killers {
        killer.join().unwrap();
    }
    let elapsed = started.elapsed();

    // Monitors never outlive their calls.
    let wait = Instant::now();
    while active_monitors() != 0 && wait.elapsed() < Duration::from_secs(5) {
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(active_monitors(), 0, "monitor futures outlived their calls");

    // Every handle kill came from a kill() that reported hitting that very
    // sandbox.
    let mut hits_total = 0;
    let mut misses_total = 0;
    for (report, slot) in reports.iter().zip(slots.iter()) {
        let hits = slot.hits.load(Ordering::SeqCst);
        let handle_killed = report.target_quick_killed + report.target_endless_killed;
        assert!(
            handle_killed <= hits,
            "{handle_killed} calls were killed by a handle but only {hits} kills hit that sandbox"
        );
        hits_total += hits;
        misses_total += slot.misses.load(Ordering::SeqCst);
    }

    // Figures.
    let sum = |f: &dyn Fn(&Report) -> u64| reports.iter().map(f).sum::<u64>();
    let calls = sum(&|r| r.calls);
    let cpu_kills: Vec<_> = reports.iter().flat_map(|r| r.cpu_kills.clone()).collect();
    let wall_kills: Vec<_> = reports.iter().flat_map(|r| r.wall_kills.clone()).collect();
    let latency: Vec<_> = reports
        .iter()
        .flat_map(|r| r.handle_latency.clone())
        .collect();
    let target_quick_killed = sum(&|r| r.target_quick_killed);
    let target_endless_killed = sum(&|r| r.target_endless_killed);
    println!(
        "soak: {calls} calls in {elapsed:.2?} ({:.0} calls/s)",
        calls as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  quick calls under a {GENEROUS:?} budget: {} (all succeeded, none killed)",
        sum(&|r| r.quick_ok)
    );
    println!(
        "  kills by the cpu-time monitor: {}; by the wall-clock monitor: {}",
        cpu_kills.len(),
        wall_kills.len()
    );
    for (i, (name, _)) in RUNAWAYS.iter().enumerate() {
        println!(
            "    runaway {name}: {} kills",
            sum(&|r| r.kills_by_runaway[i])
        );
    }
    println!(
        "  handle kills: {hits_total} kill()s hit a call, {misses_total} found none running; \
         {target_endless_killed} endless and {target_quick_killed} quick target calls killed, \
         {} target calls finished before the kill landed; \
         {} quick target calls untouched",
        hits_total - target_endless_killed - target_quick_killed,
        sum(&|r| r.target_quick_ok)
    );
    println!(
        "  restores: {}, unload/reload churns: {}, max guest memory {}",
        sum(&|r| r.restores),
        sum(&|r| r.churns),
        mib(reports
            .iter()
            .map(|r| r.max_guest_memory)
            .max()
            .unwrap_or(0) as u64)
    );
    distribution(
        "cpu-time slack (CPU used - budget)",
        cpu_kills.iter().map(|(b, cpu, _)| *cpu - *b).collect(),
    );
    distribution(
        "cpu-time kills, wall time - budget",
        cpu_kills
            .iter()
            .map(|(b, _, wall)| wall.saturating_sub(*b))
            .collect(),
    );
    distribution(
        "wall-clock slack (wall time - budget)",
        wall_kills.iter().map(|(b, wall)| *wall - *b).collect(),
    );
    distribution("handle kill: kill() issued -> call returned", latency);
    // Resident memory and threads are only known where the system tells
    // them (Linux); elsewhere their checks are skipped.
    if let (Some(warm_rss), Some(end_rss)) = (warm.0, end.0) {
        println!(
            "  resident memory: {} after warm-up ({:.1?}), {} at the end ({:.1?}), growth {}",
            mib(warm_rss),
            warm.2,
            mib(end_rss),
            end.2,
            mib(end_rss.saturating_sub(warm_rss))
        );
        assert!(
            end_rss < warm_rss + MAX_RSS_GROWTH,
            "resident memory grew from {} to {}",
            mib(warm_rss),
            mib(end_rss)
        );
    }
    println!(
        "  threads: {:?} after warm-up, {:?} at the end",
        warm.1, end.1
    );

    assert!(cpu_kills.len() + wall_kills.len() > 0);
    assert!(target_endless_killed > 0);
    assert_eq!(warm.1, end.1, "the thread count changed");
}
