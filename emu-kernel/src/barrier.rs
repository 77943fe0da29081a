//! The barrier that ends every parallel window.
//!
//! On an idle host a window is a few hundred nanoseconds of work, far shorter than a futex wake-up, so the
//! threads spin. On a busy host a thread may wait for a partner that the scheduler has taken off its core;
//! spinning then burns the very core the partner needs (a pure spin barrier made 2 threads 50-100x slower than
//! 1 under load). So a waiter spins a bounded number of times, then sleeps until the last thread arrives.

use std::hint::spin_loop;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

/// Spins before sleeping: about 10-50 us, a few windows' worth of work.
const SPINS: u32 = 1 << 10;

pub(crate) struct WindowBarrier {
    threads: usize,
    waiting: AtomicUsize,
    generation: AtomicUsize,
    /// Waiters asleep on `wake`: the last thread to arrive takes the lock and notifies only if there are any,
    /// so the spinning fast path makes no system call.
    sleepers: AtomicUsize,
    lock: Mutex<()>,
    wake: Condvar,
}

impl WindowBarrier {
    pub(crate) fn new(threads: usize) -> Self {
        WindowBarrier {
            threads,
            waiting: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
            sleepers: AtomicUsize::new(0),
            lock: Mutex::new(()),
            wake: Condvar::new(),
        }
    }

    /// Waits until every thread has called `wait` in this generation.
    ///
    /// The sleeper registers (`sleepers`) before it checks the generation, and the last thread bumps the
    /// generation before it checks for sleepers, all sequentially consistent: at least one of them sees the
    /// other's write, so a sleeper is never left waiting for a notification that was not sent.
    pub(crate) fn wait(&self) {
        let generation = self.generation.load(Ordering::SeqCst);
        if self.waiting.fetch_add(1, Ordering::AcqRel) + 1 == self.threads {
            self.waiting.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::SeqCst);
            if self.sleepers.load(Ordering::SeqCst) > 0 {
                drop(self.lock.lock().unwrap_or_else(|e| e.into_inner()));
                self.wake.notify_all();
            }
            return;
        }
        for _ in 0..SPINS {
            if self.generation.load(Ordering::Acquire) != generation {
                return;
            }
            spin_loop();
        }
        let mut guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        while self.generation.load(Ordering::SeqCst) == generation {
            guard = self.wake.wait(guard).unwrap_or_else(|e| e.into_inner());
        }
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A thread that waits long for its partner falls asleep rather than spinning on (the partner here waits
    /// to arrive until it sees the sleeper, which a spin barrier never produces).
    #[test]
    fn a_long_wait_sleeps() {
        let barrier = WindowBarrier::new(2);
        std::thread::scope(|s| {
            s.spawn(|| barrier.wait());
            let mut checks = 0u64;
            while barrier.sleepers.load(Ordering::SeqCst) == 0 {
                checks += 1;
                assert!(checks < 1 << 24, "the waiting thread never went to sleep");
                std::thread::yield_now();
            }
            barrier.wait();
        });
        assert_eq!(barrier.sleepers.load(Ordering::SeqCst), 0);
        assert_eq!(barrier.generation.load(Ordering::SeqCst), 1);
    }

    /// Many generations with threads arriving in every order: nobody passes early or is left behind.
    #[test]
    fn generations_stay_in_step() {
        let barrier = WindowBarrier::new(3);
        let counter = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for t in 0..3 {
                let (barrier, counter) = (&barrier, &counter);
                s.spawn(move || {
                    for round in 0..200 {
                        if (round + t) % 7 == 0 {
                            std::thread::yield_now();
                        }
                        counter.fetch_add(1, Ordering::SeqCst);
                        barrier.wait();
                        assert!(counter.load(Ordering::SeqCst) >= 3 * (round + 1));
                        barrier.wait();
                    }
                });
            }
        });
        assert_eq!(counter.load(Ordering::SeqCst), 600);
    }
}
