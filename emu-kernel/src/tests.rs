//! The kernel on a toy machine whose results depend on the order of every event: the same results on one
//! thread, on several, and when the run switches between parallel and sequential stretches.

use crate::{Chip, Chips, Event, EventSink, Pace, Payload, SimTime, Ticks, run, run_sampled};

const LOOKAHEAD: u64 = 50;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Token(u64);

impl Payload for Token {
    type Time = Ticks;
    const PLACEHOLDER: Token = Token(0);
}

/// A chip that folds every token it sees, in order, into a hash, and passes tokens on to itself soon or to
/// another chip at least the lookahead later, at times and to chips that depend on the hash.
#[derive(Default)]
struct Folder {
    index: u32,
    hash: u64,
    seq: u64,
    seen: u64,
}

impl Chip for Folder {
    type Action = Token;
    type Shared = u32;

    fn handle(&mut self, ev: &Event<Token>, chips: &u32, sink: &mut impl EventSink<Token>) {
        self.hash = (self.hash ^ ev.action.0 ^ ev.time.0).wrapping_mul(0x0100_0000_01b3);
        self.seen += 1;
        let Token(left) = ev.action;
        if left == 0 {
            return;
        }
        self.seq += 1;
        let near = Ticks(ev.time.0 + self.hash % 3);
        sink.emit(Event::new(
            near,
            self.index,
            1,
            0,
            self.seq,
            Token(left - 1),
        ));
        if left % 2 == 0 {
            self.seq += 1;
            let far = Ticks(ev.time.0 + LOOKAHEAD + self.hash % 40);
            let to = (self.hash % u64::from(*chips)) as u32;
            // The sender is the port: ties stay unique when two chips send for the same time.
            let port = u64::from(self.index);
            sink.emit(Event::new(far, to, 0, port, self.seq, Token(left / 2)));
        }
    }
}

/// Runs the toy machine of `n` chips (at most 32, one port each) to 2,000 ticks in 4 calls; returns every chip's (hash, events seen).
fn fold(n: u32, threads: usize, pace: Pace) -> Vec<(u64, u64)> {
    let mut chips: Vec<Folder> = (0..n)
        .map(|index| Folder {
            index,
            ..Folder::default()
        })
        .collect();
    let mut events: Vec<Event<Token>> = (0..n)
        .map(|c| Event::new(Ticks(u64::from(c)), c, 2, 0, 0, Token(40 + u64::from(c))))
        .collect();
    let mut pace = pace;
    for until in [1, 300, 1_000, 2_000] {
        events = run(
            &mut chips,
            events,
            Ticks(until),
            &n,
            Ticks(LOOKAHEAD),
            threads,
            &mut pace,
        );
    }
    assert!(events.iter().all(|e| e.time >= Ticks(2_000)));
    chips.iter().map(|c| (c.hash, c.seen)).collect()
}

#[test]
fn every_thread_count_and_mode_switch_gives_the_same_run() {
    let one = fold(12, 1, Pace::default());
    assert!(one.iter().map(|c| c.1).sum::<u64>() > 1_000, "{one:?}");
    for threads in [2, 3, 5] {
        assert_eq!(fold(12, threads, Pace::default()), one, "{threads} threads");
        for every in [1, 7, 100] {
            assert_eq!(
                fold(12, threads, Pace::alternating(every)),
                one,
                "{threads} threads, switching every {every} events"
            );
        }
    }
}

#[test]
fn ticks_saturate_at_never() {
    assert_eq!(Ticks(5).after(Ticks::NEVER), Ticks::NEVER);
    assert_eq!(Ticks(5).after(Ticks(2)), Ticks(7));
}

/// The toy machine of 12 chips to 2,000 ticks in one call, sampled every `every` ticks until `stop`: every
/// chip's (hash, events seen) at each point, and where the run ended.
fn sampled(threads: usize, pace: Pace, every: u64, stop: u64) -> (Vec<Vec<(u64, u64)>>, Ticks) {
    let n = 12;
    let mut chips: Vec<Folder> = (0..n)
        .map(|index| Folder {
            index,
            ..Folder::default()
        })
        .collect();
    let events: Vec<Event<Token>> = (0..n)
        .map(|c| Event::new(Ticks(u64::from(c)), c, 2, 0, 0, Token(40 + u64::from(c))))
        .collect();
    let mut pace = pace;
    let mut seen = Vec::new();
    let mut hook = |chips: &mut Chips<'_, Folder>, at: Ticks| {
        seen.push(chips.iter().map(|c| (c.hash, c.seen)).collect());
        (at.0 < stop).then_some(Ticks(at.0 + every))
    };
    let (_, reached) = run_sampled(
        &mut chips,
        events,
        Ticks(2_000),
        &n,
        Ticks(LOOKAHEAD),
        (threads, &mut pace),
        (Ticks(every), &mut hook),
    );
    (seen, reached)
}

/// Every sampling point sees the same chips whatever the threads and modes (so each sees them quiescent, at
/// exactly its time), points shorter and longer than the lookahead; the last one, at the run's end, sees what
/// a run without points ends with; a hook can end the run at a point.
#[test]
fn sampling_points_see_the_same_chips_on_every_thread_count() {
    let whole = fold(12, 1, Pace::default());
    for every in [7, 100, 2_000] {
        let (one, reached) = sampled(1, Pace::default(), every, u64::MAX);
        assert_eq!(reached, Ticks(2_000));
        assert_eq!(one.len() as u64, 2_000 / every);
        for threads in [2, 3] {
            assert_eq!(sampled(threads, Pace::default(), every, u64::MAX).0, one);
            assert_eq!(
                sampled(threads, Pace::alternating(50), every, u64::MAX).0,
                one
            );
        }
    }
    let (points, _) = sampled(1, Pace::default(), 100, u64::MAX);
    // The point at 2,000 ends the run.
    assert_eq!(points.last(), Some(&whole));
    for threads in [1, 2] {
        let (stopped, reached) = sampled(threads, Pace::default(), 100, 500);
        assert_eq!(reached, Ticks(500));
        assert_eq!(stopped[..], points[..5]);
    }
}
