//! A team of helper threads that stay awake between short parallel loops.
//!
//! A product of a batch of 32 rows takes 50–100 µs. Handing half of it to
//! a rayon worker only pays when the worker is already running: once it
//! has gone to sleep (rayon parks idle workers after a few microseconds),
//! waking it costs as much as the half it would compute, and the ops of a
//! training step are separated by tens to hundreds of microseconds of
//! Python. The team's helpers instead spin for a while after each loop, as
//! OpenMP and BLAS thread pools do, so the next loop starts on them at
//! once; a helper that has spun for `SPIN` without work parks until the
//! next loop. Work is split into parts claimed from a shared counter, so a
//! helper that arrives late takes what is left instead of holding the
//! caller up.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long an idle helper spins before it parks.
const SPIN: Duration = Duration::from_millis(2);

/// One parallel loop: `run(part)` for every part in `0..parts`.
struct Job<'a> {
    run: &'a (dyn Fn(usize) + Sync),
    parts: usize,
    next: AtomicUsize,
    finished: AtomicUsize,
    panicked: AtomicBool,
}

impl Job<'_> {
    /// Claims and runs parts until none is left.
    fn work(&self) {
        loop {
            let part = self.next.fetch_add(1, SeqCst);
            if part >= self.parts {
                return;
            }
            if catch_unwind(AssertUnwindSafe(|| (self.run)(part))).is_err() {
                self.panicked.store(true, SeqCst);
            }
            self.finished.fetch_add(1, SeqCst);
        }
    }
}

struct Team {
    helpers: usize,
    /// The loop in progress, or null. Points into the caller's stack frame;
    /// the caller clears it and waits for `inside == 0` before returning.
    job: AtomicPtr<Job<'static>>,
    /// Helpers between reading `job` and being done with it.
    inside: AtomicUsize,
    /// Bumped for each new loop, so spinning helpers notice it.
    generation: AtomicU64,
    /// Serialises callers: a second caller runs its loop alone.
    caller: Mutex<()>,
    parked: Mutex<usize>,
    wake: Condvar,
}

static TEAM: OnceLock<&'static Team> = OnceLock::new();

fn team() -> &'static Team {
    TEAM.get_or_init(|| {
        let threads = rayon::current_num_threads();
        let team: &'static Team = Box::leak(Box::new(Team {
            helpers: threads.saturating_sub(1),
            job: AtomicPtr::new(ptr::null_mut()),
            inside: AtomicUsize::new(0),
            generation: AtomicU64::new(0),
            caller: Mutex::new(()),
            parked: Mutex::new(0),
            wake: Condvar::new(),
        }));
        for i in 0..team.helpers {
            let spawned = std::thread::Builder::new()
                .name(format!("rkeras-team-{i}"))
                .spawn(move || team.help());
            if spawned.is_err() {
                // Without helpers every loop runs on its caller.
                break;
            }
        }
        team
    })
}

impl Team {
    fn help(&self) {
        let mut seen = self.generation.load(SeqCst);
        let mut idle_since = Instant::now();
        loop {
            let now = self.generation.load(SeqCst);
            if now != seen {
                seen = now;
                self.inside.fetch_add(1, SeqCst);
                let job = self.job.load(SeqCst);
                if !job.is_null() {
                    // SAFETY: the caller keeps the job alive until `inside`
                    // drops to zero after it cleared `job`.
                    unsafe { (*job).work() };
                }
                self.inside.fetch_sub(1, SeqCst);
                idle_since = Instant::now();
            } else if idle_since.elapsed() < SPIN {
                // Yielding rather than spinning in place lets a rayon worker
                // that shares this core run.
                std::thread::yield_now();
            } else {
                let mut parked = self.parked.lock().unwrap_or_else(|e| e.into_inner());
                *parked += 1;
                while self.generation.load(SeqCst) == seen {
                    parked = self.wake.wait(parked).unwrap_or_else(|e| e.into_inner());
                }
                *parked -= 1;
            }
        }
    }
}

/// Runs `run(part)` for each part in `0..parts`, on the calling thread and
/// the team's helpers; returns when every part has run. A panic in a part
/// is raised again here once all parts have finished.
pub fn for_each_part(parts: usize, run: &(dyn Fn(usize) + Sync)) {
    let team = team();
    let guard = match team.caller.try_lock() {
        Ok(guard) if team.helpers > 0 && parts > 1 => guard,
        // Busy (another thread, or a loop inside a part) or alone: serial.
        _ => return (0..parts).for_each(run),
    };
    let job = Job {
        run,
        parts,
        next: AtomicUsize::new(0),
        finished: AtomicUsize::new(0),
        panicked: AtomicBool::new(false),
    };
    struct Retire<'t>(&'t Team);
    impl Drop for Retire<'_> {
        fn drop(&mut self) {
            self.0.job.store(ptr::null_mut(), SeqCst);
            while self.0.inside.load(SeqCst) != 0 {
                std::hint::spin_loop();
            }
        }
    }
    // Clears the job and waits for the helpers even if `run` panics here.
    let retire = Retire(team);
    team.job
        .store(&job as *const Job<'_> as *mut Job<'static>, SeqCst);
    team.generation.fetch_add(1, SeqCst);
    if *team.parked.lock().unwrap_or_else(|e| e.into_inner()) > 0 {
        team.wake.notify_all();
    }
    job.work();
    while job.finished.load(SeqCst) < parts {
        std::hint::spin_loop();
    }
    drop(retire);
    drop(guard);
    if job.panicked.load(SeqCst) {
        panic!("a part of a parallel loop panicked");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_runs_once() {
        for parts in [0, 1, 2, 3, 17, 1000] {
            let counts: Vec<AtomicUsize> = (0..parts).map(|_| AtomicUsize::new(0)).collect();
            for_each_part(parts, &|p| {
                counts[p].fetch_add(1, SeqCst);
            });
            assert!(counts.iter().all(|c| c.load(SeqCst) == 1), "{parts} parts");
        }
    }

    #[test]
    fn nested_and_concurrent_loops_complete() {
        let total = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..50 {
                        for_each_part(4, &|_| {
                            for_each_part(3, &|_| {
                                total.fetch_add(1, SeqCst);
                            });
                        });
                    }
                });
            }
        });
        assert_eq!(total.load(SeqCst), 4 * 50 * 4 * 3);
    }

    #[test]
    fn loops_after_helpers_park_still_run() {
        let sum = AtomicUsize::new(0);
        for_each_part(8, &|p| {
            sum.fetch_add(p, SeqCst);
        });
        std::thread::sleep(SPIN * 3);
        for_each_part(8, &|p| {
            sum.fetch_add(p, SeqCst);
        });
        assert_eq!(sum.load(SeqCst), 2 * 28);
    }

    #[test]
    fn a_panicking_part_is_raised_in_the_caller() {
        let result = catch_unwind(|| {
            for_each_part(16, &|p| {
                if p == 5 {
                    panic!("part five");
                }
            })
        });
        assert!(result.is_err());
        let ran = AtomicUsize::new(0);
        for_each_part(16, &|_| {
            ran.fetch_add(1, SeqCst);
        });
        assert_eq!(ran.load(SeqCst), 16);
    }
}
