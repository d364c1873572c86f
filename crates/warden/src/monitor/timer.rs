//! [`Sleep`]: the precise timer behind [`sleep`](super::sleep) and
//! [`sleep_until`](super::sleep_until).
//!
//! The monitor runtime's own timer counts whole milliseconds, so a budget
//! would end up to two milliseconds late. Monitor sleeps instead go to one
//! timer thread, shared by every sandbox, that waits on a condition variable
//! until the earliest deadline and wakes the sleeps that are due. It starts
//! with the first sleep and parks when none is pending.
//!
//! The operating system wakes a waiting thread tens to hundreds of
//! microseconds late (timer slack, a busy machine), and on a virtual
//! machine whose processor went idle while the thread waited, up to a few
//! milliseconds late: the hypervisor has to run that virtual processor
//! again first. For a *precise* sleep, the one that ends a budget, the
//! thread wakes [`SPIN_AHEAD`] early and spins to the deadline, so the kill
//! starts on time; it stops spinning as soon as that sleep is cancelled (its
//! call ended) or an earlier one comes. A coarse sleep (a monitor's
//! intermediate poll) costs no spinning, and neither does any sleep where
//! the process may use one processor only, since the spinning would take
//! it from the guest the kill is for.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// How long before a precise deadline the timer thread stops waiting and
/// spins, where the process may use more than one processor. On a 2-core
/// virtual machine, with the other processor busy, a thread that waited on
/// an idle processor woke past a 100 ms deadline by 1.5-2.7 ms at the 99th
/// percentile when it woke 250 µs early to spin, and by at most 0.9 ms when
/// it woke 2 ms early. `while (true) {}` under a 100 ms budget overshot it
/// by 1.25 ms (wall-clock) and 2.07 ms (CPU time) at the 99th percentile
/// with the first, and by 0.35-0.50 ms with the second.
const SPIN_AHEAD: Duration = Duration::from_millis(2);

/// [`SPIN_AHEAD`] where spinning can help; nothing where the process may
/// use one processor only. Asked once.
fn spin_ahead() -> Duration {
    static AHEAD: OnceLock<Duration> = OnceLock::new();
    *AHEAD.get_or_init(|| match std::thread::available_parallelism() {
        Ok(n) if n.get() > 1 => SPIN_AHEAD,
        _ => Duration::ZERO,
    })
}

/// A future that completes at its deadline.
pub(crate) struct Sleep {
    deadline: Instant,
    precise: bool,
    /// The registration with the timer, once polled.
    id: Option<u64>,
}

impl Sleep {
    /// Completes at `deadline`, as close to it as the timer thread can.
    pub(crate) fn until(deadline: Instant) -> Self {
        Self {
            deadline,
            precise: true,
            id: None,
        }
    }

    /// Completes at `deadline` or somewhat later, as the operating system
    /// wakes threads.
    #[cfg(feature = "monitor-cpu-time")]
    pub(crate) fn coarse_until(deadline: Instant) -> Self {
        Self {
            precise: false,
            ..Self::until(deadline)
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            if let Some(id) = self.id.take() {
                timer().cancel(id);
            }
            return Poll::Ready(());
        }
        let id = *self.id.get_or_insert_with(|| timer().next_id());
        timer().schedule(id, self.deadline, self.precise, cx.waker());
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            timer().cancel(id);
        }
    }
}

/// The pending sleeps and the thread that wakes them.
struct Timer {
    state: Mutex<State>,
    changed: Condvar,
    ids: AtomicU64,
    /// Counts cancellations and sleeps that became the earliest: a spin
    /// ends when it moves.
    changes: AtomicU64,
}

#[derive(Default)]
struct State {
    /// Deadlines, earliest first; entries of cancelled or rescheduled sleeps
    /// stay until they come up, and are then skipped.
    queue: BinaryHeap<Reverse<(Instant, u64)>>,
    /// The live sleeps: their deadline, whether it is precise, and who to
    /// wake.
    sleeps: HashMap<u64, (Instant, bool, Waker)>,
}

fn timer() -> &'static Timer {
    static TIMER: OnceLock<Timer> = OnceLock::new();
    TIMER.get_or_init(|| {
        std::thread::Builder::new()
            .name("warden-timer".into())
            .spawn(|| timer().run())
            .expect("cannot start the monitor timer thread");
        Timer {
            state: Mutex::default(),
            changed: Condvar::new(),
            ids: AtomicU64::new(1),
            changes: AtomicU64::new(0),
        }
    })
}

impl Timer {
    fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, Ordering::Relaxed)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn schedule(&self, id: u64, deadline: Instant, precise: bool, waker: &Waker) {
        let mut state = self.lock();
        let earliest = state.queue.peek().map(|Reverse((at, _))| *at);
        match state.sleeps.get_mut(&id) {
            Some((_, _, known)) => known.clone_from(waker),
            None => {
                state.sleeps.insert(id, (deadline, precise, waker.clone()));
                state.queue.push(Reverse((deadline, id)));
            }
        }
        if earliest.is_none_or(|at| deadline < at) {
            self.changes.fetch_add(1, Ordering::Relaxed);
            drop(state);
            self.changed.notify_one();
        }
    }

    fn cancel(&self, id: u64) {
        let mut state = self.lock();
        if state.sleeps.remove(&id).is_some() {
            self.changes.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn run(&self) {
        let mut state = self.lock();
        loop {
            let now = Instant::now();
            let mut next = None;
            while let Some(&Reverse((at, id))) = state.queue.peek() {
                let Some(&(_, precise, _)) = state.sleeps.get(&id) else {
                    state.queue.pop();
                    continue;
                };
                if at > now {
                    next = Some((at, precise));
                    break;
                }
                state.queue.pop();
                if let Some((_, _, waker)) = state.sleeps.remove(&id) {
                    waker.wake();
                }
            }
            state = match next {
                Some((at, true)) if at.saturating_duration_since(now) <= spin_ahead() => {
                    // Changes are made under the lock, held here.
                    let seen = self.changes.load(Ordering::Relaxed);
                    drop(state);
                    while Instant::now() < at && self.changes.load(Ordering::Relaxed) == seen {
                        std::hint::spin_loop();
                    }
                    self.lock()
                }
                Some((at, precise)) => {
                    let ahead = if precise {
                        spin_ahead()
                    } else {
                        Duration::ZERO
                    };
                    let wait = at.saturating_duration_since(now).saturating_sub(ahead);
                    self.changed
                        .wait_timeout(state, wait)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
                None => self.changed.wait(state).unwrap_or_else(|p| p.into_inner()),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn sleeps_complete_at_their_deadline_in_order() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let start = Instant::now();
        let order = Mutex::new(Vec::new());
        let wake = |ms: u64| {
            let order = &order;
            async move {
                Sleep::until(start + Duration::from_millis(ms)).await;
                order.lock().unwrap().push((ms, start.elapsed()));
            }
        };
        runtime.block_on(async { tokio::join!(wake(30), wake(10), wake(20)) });
        let order = order.into_inner().unwrap();
        assert_eq!(
            order.iter().map(|(ms, _)| *ms).collect::<Vec<_>>(),
            [10, 20, 30]
        );
        for (ms, at) in order {
            assert!(at >= Duration::from_millis(ms), "{ms} ms woke at {at:?}");
        }
    }

    #[test]
    fn a_dropped_sleep_is_forgotten() {
        let sleep = Sleep::until(Instant::now() + Duration::from_secs(3600));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut sleep = Box::pin(sleep);
        runtime.block_on(async {
            let polled = std::future::poll_fn(|cx| Poll::Ready(sleep.as_mut().poll(cx))).await;
            assert!(polled.is_pending());
        });
        let id = sleep.id.unwrap();
        drop(sleep);
        assert!(!timer().lock().sleeps.contains_key(&id));
    }
}
