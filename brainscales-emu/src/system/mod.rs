//! A BrainScaleS-1 system of 1..=20 wafer modules (spec §0) joined only through Layer 2: the FPGAs of
//! one wafer record spikes on their up-links (spec §1.2) and the host network carries them to the
//! playback of FPGAs on another wafer. Nothing in the spec describes this path on the real machine, so
//! it is modelled from the ESS' Layer-2 figures (see [`DEFAULT_ROUTE_LATENCY`]).
//!
//! An [`L2Route`] forwards every spike that its source wafer *records* (HICANN, Gbit channel pointing to
//! the DNC, 6-bit address) to a target wafer's playback (HICANN, input channel, address) at the recorded
//! experiment time plus the route's latency. Spikes lost on the up-link or before the experiment start are
//! never recorded, so never forwarded. A forwarded spike enters the target's playback planner
//! ([`Wafer::inject`]) as its own stream and shares the target's link budgets with the target's input:
//! what cannot be released in time is dropped and counted per route ([`RouteCounters`]).
//!
//! [`System::run`] runs the wafers in lock-step segments of the smallest route latency less the recording
//! jitter bound, rounded down to whole Layer-1 windows and laid on a grid from time 0 so that a run made in
//! several calls ending on the window grid is the one run exactly (conservative: a spike recorded in a segment is released on its target no earlier than the
//! end of the segment, so it is injected before the target runs past it). Within a segment the wafers run
//! in parallel, the thread budget split over them; forwarding waits for the segment's end and goes in
//! wafer order, so results do not depend on the thread count.
//!
//! All wafers share one speed-up and one experiment start (the system starts the experiment on every
//! wafer at once), so experiment time means the same on all of them.

#[cfg(test)]
mod tests;

use crate::Preset;
use crate::coord::HicannOnWafer;
use crate::defects::Defects;
use crate::image::{ImageError, WaferImage};
use crate::layer2::{CHANNELS, GbitDirection, L2Spike, PlaybackCounters};
use crate::time::{HwTime, TICKS_PER_NS};
use crate::wafer::{RecordedSpike, Spike, Wafer, WaferRun};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The ESS' Layer-2 stimulus transmission delay, 500 ns hardware (spec §1.2, `L2_TRANSMIT_DELAY`), taken
/// once for the source FPGA's side and once for the target's.
pub const L2_TRANSMIT_DELAY: HwTime = HwTime(500 * TICKS_PER_NS);
/// One hop through the host network between two wafer modules' FPGAs: 1 µs, the order of a cut-through
/// Ethernet switch with its MAC/PHY pipelines. An assumption: the spec has no figure.
pub const NETWORK_HOP: HwTime = HwTime(1_000 * TICKS_PER_NS);
/// The default route latency: transmit delay on each side plus one network hop, 2 µs hardware (20 ms
/// biological at 10^4).
pub const DEFAULT_ROUTE_LATENCY: HwTime = HwTime(2 * L2_TRANSMIT_DELAY.0 + NETWORK_HOP.0);
/// The recording jitter never exceeds this many σ: the Box-Muller draw of `layer2` uses 53-bit uniforms,
/// so |z| <= sqrt(-2 ln 2^-53) = 8.57.
pub const JITTER_BOUND_SIGMAS: u64 = 9;

/// One end of a route: a Gbit channel and 6-bit address of a HICANN on a wafer of the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct L2Endpoint {
    pub wafer: u32,
    pub hicann: HicannOnWafer,
    pub channel: u8,
    pub address: u8,
}

/// Forwards the spikes recorded at `source` to the playback at `target`, `latency` later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct L2Route {
    pub source: L2Endpoint,
    pub target: L2Endpoint,
    pub latency: HwTime,
}

impl L2Route {
    /// A route of [`DEFAULT_ROUTE_LATENCY`].
    pub fn new(source: L2Endpoint, target: L2Endpoint) -> L2Route {
        L2Route {
            source,
            target,
            latency: DEFAULT_ROUTE_LATENCY,
        }
    }
}

/// The configuration of a system run: one image per wafer module and the routes between them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemImage {
    pub wafers: Vec<WaferImage>,
    pub l2_routes: Vec<L2Route>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SystemError {
    #[error("{preset} has {} wafer modules, the image {wafers}", preset.wafers)]
    TooManyWafers { preset: Preset, wafers: usize },
    #[error("{defects} defect sets for {wafers} wafers")]
    Defects { defects: usize, wafers: usize },
    #[error("wafer {wafer}: {error}")]
    Wafer { wafer: usize, error: ImageError },
    #[error("L2 route {route}: {what}")]
    Route { route: usize, what: String },
}

/// What a route forwarded, and how its target's playback dealt with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RouteCounters {
    /// Recorded spikes handed to the target's playback.
    pub forwarded: u64,
    /// Their fate on the target's links (played, or dropped by cause).
    pub playback: PlaybackCounters,
}

impl RouteCounters {
    /// Forwarded spikes the target's links could not release in time.
    pub fn dropped(&self) -> u64 {
        let p = &self.playback;
        p.dropped_hicann_budget + p.dropped_fpga_budget + p.dropped_dead_link
    }
}

/// What a system run returns: per wafer its run (spikes and recordings of the whole span, counters and
/// traces since load), per route its counters.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemRun {
    pub wafers: Vec<WaferRun>,
    pub routes: Vec<RouteCounters>,
}

/// A run made in several calls (for progress, or to stop early): per wafer the spikes and recordings so
/// far, and nothing else. [`System::advance`] adds a span's own spikes and recordings, [`System::finish`]
/// reads traces and counters once, so a run of many short calls copies each sample once, not once per call.
/// Calls that end on the grid of [`crate::layer1::bus::L1Timing::latency`]`(0)` from 0 give exactly the
/// spikes, recordings, traces and counters of one run over the whole span (the segments sit on that grid).
pub struct Spans {
    wafers: Vec<Span>,
}

impl SystemImage {
    /// The recording-jitter bound of `wafer`'s time stamps (0 with jitter off), plus one tick of rounding.
    fn jitter_bound(&self, wafer: usize) -> HwTime {
        let l2 = self.wafers[wafer].l2_params();
        if l2.jitter {
            HwTime(JITTER_BOUND_SIGMAS * l2.jitter_sigma.0 + 1)
        } else {
            HwTime::ZERO
        }
    }

    /// The lock-step segment: the smallest route latency less its source's jitter bound (None: no routes).
    fn segment(&self) -> Option<HwTime> {
        self.l2_routes
            .iter()
            .map(|r| {
                HwTime(
                    r.latency
                        .0
                        .saturating_sub(self.jitter_bound(r.source.wafer as usize).0),
                )
            })
            .min()
    }

    /// Checks the image for `preset` against each wafer's defects: every wafer image, the wafers' common
    /// speed-up and experiment start, and every route (see [`SystemImage::check_route`]).
    pub fn check(&self, preset: Preset, defects: &[Defects]) -> Result<(), SystemError> {
        let wafers = self.wafers.len();
        if wafers > preset.wafers as usize {
            return Err(SystemError::TooManyWafers { preset, wafers });
        }
        if defects.len() != wafers {
            return Err(SystemError::Defects {
                defects: defects.len(),
                wafers,
            });
        }
        for (wafer, (image, d)) in self.wafers.iter().zip(defects).enumerate() {
            image
                .check(d)
                .map_err(|error| SystemError::Wafer { wafer, error })?;
            let first = &self.wafers[0];
            if image.speed_up != first.speed_up || image.l2.start_offset != first.l2.start_offset {
                return Err(SystemError::Wafer {
                    wafer,
                    error: ImageError::Wafer(
                        "speed-up or experiment start differs from wafer 0's".into(),
                    ),
                });
            }
        }
        for route in 0..self.l2_routes.len() {
            self.check_route(route, defects)
                .map_err(|what| SystemError::Route { route, what })?;
        }
        Ok(())
    }

    /// A route's ends exist, are configured, have a working link, record (source) and play back (target);
    /// its latency exceeds the source's jitter bound.
    fn check_route(&self, route: usize, defects: &[Defects]) -> Result<(), String> {
        let r = &self.l2_routes[route];
        for (end, e, direction) in [
            ("source", &r.source, GbitDirection::ToDnc),
            ("target", &r.target, GbitDirection::ToHicann),
        ] {
            let at = format!("{end} wafer {} {}", e.wafer, e.hicann);
            let w = e.wafer as usize;
            let Some(image) = self.wafers.get(w) else {
                return Err(format!(
                    "{at}: no such wafer ({} wafers)",
                    self.wafers.len()
                ));
            };
            if !defects[w].is_link_usable(e.hicann) {
                return Err(format!("{at}: no working link"));
            }
            let Some(h) = image.hicann(e.hicann) else {
                return Err(format!("{at}: HICANN not configured"));
            };
            if e.channel >= CHANNELS || e.address >= 64 {
                return Err(format!(
                    "{at}: channel {} / address {} out of range",
                    e.channel, e.address
                ));
            }
            if h.gbit[usize::from(e.channel)] != direction {
                return Err(format!(
                    "{at}: Gbit channel {} is not {direction:?}",
                    e.channel
                ));
            }
        }
        if r.latency <= self.jitter_bound(r.source.wafer as usize) {
            return Err(format!(
                "latency {:?} within the source's recording jitter bound",
                r.latency
            ));
        }
        Ok(())
    }
}

/// The routes, indexed by source, and what each forwarded.
struct Routing {
    routes: Vec<L2Route>,
    /// Routes by source (wafer, HICANN enum, channel, address).
    by_source: HashMap<(u32, usize, u8, u8), Vec<u32>>,
    forwarded: Vec<u64>,
}

impl Routing {
    fn new(routes: Vec<L2Route>) -> Routing {
        let mut by_source: HashMap<_, Vec<u32>> = HashMap::new();
        for (i, r) in routes.iter().enumerate() {
            let s = r.source;
            by_source
                .entry((s.wafer, s.hicann.to_enum(), s.channel, s.address))
                .or_default()
                .push(i as u32);
        }
        Routing {
            forwarded: vec![0; routes.len()],
            routes,
            by_source,
        }
    }

    /// Queues the spikes wafer `w` recorded for the targets of their routes, as (route, spike).
    fn forward(
        &mut self,
        w: usize,
        recorded: &[RecordedSpike],
        outbox: &mut [Vec<(u32, L2Spike)>],
    ) {
        for rec in recorded {
            let s = rec.spike;
            let key = (w as u32, s.hicann.to_enum(), s.channel, s.address);
            for &route in self.by_source.get(&key).into_iter().flatten() {
                let r = &self.routes[route as usize];
                self.forwarded[route as usize] += 1;
                outbox[r.target.wafer as usize].push((
                    route,
                    L2Spike {
                        hicann: r.target.hicann,
                        channel: r.target.channel,
                        address: r.target.address,
                        time: s.time + r.latency,
                    },
                ));
            }
        }
    }
}

/// A loaded system, ready to run.
pub struct System {
    wafers: Vec<Wafer>,
    routing: Routing,
    segment: Option<HwTime>,
    /// One route's forwarded spikes, reused between injections.
    stream: Vec<L2Spike>,
}

impl System {
    /// Checks `image` for `preset` and loads every wafer with its defects.
    pub fn load(
        image: SystemImage,
        preset: Preset,
        defects: &[Defects],
    ) -> Result<System, SystemError> {
        image.check(preset, defects)?;
        // Whole windows of the wafers' Layer-1 timing (wafer 0's; images normally share it), so that a
        // segment's end is on every run's window grid.
        let window = image
            .wafers
            .first()
            .map_or(HwTime(1), |w| w.l1_timing.latency(0));
        let segment = image
            .segment()
            .map(|s| HwTime((s.0 / window.0).max(1) * window.0.min(s.0)));
        let wafers = image
            .wafers
            .into_iter()
            .zip(defects)
            .enumerate()
            .map(|(wafer, (w, d))| {
                Wafer::load(w, d).map_err(|error| SystemError::Wafer { wafer, error })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(System {
            wafers,
            routing: Routing::new(image.l2_routes),
            segment,
            stream: Vec::new(),
        })
    }

    /// The wafer modules.
    pub fn wafers(&self) -> &[Wafer] {
        &self.wafers
    }

    /// Hardware time the system has run to.
    pub fn now(&self) -> HwTime {
        self.wafers.first().map_or(HwTime::ZERO, Wafer::now)
    }

    /// Runs every wafer from [`System::now`] to `until` (see [`System::advance`]); returns what happened in
    /// that span (counters and traces cumulative since load).
    pub fn run(&mut self, until: HwTime, threads: usize) -> SystemRun {
        let mut spans = self.spans();
        self.advance(until, threads, &mut spans);
        self.finish(spans)
    }

    /// An empty [`Spans`] for this system's wafers.
    pub fn spans(&self) -> Spans {
        Spans {
            wafers: self.wafers.iter().map(|_| Span::default()).collect(),
        }
    }

    /// Runs every wafer from [`System::now`] to `until` in lock-step segments, forwarding what each
    /// records along its routes, and adds the span's spikes and recordings to `spans`.
    ///
    /// The wafers of a segment run at once, `threads` split over them ([`split_threads`]); each wafer's
    /// results do not depend on its threads, and forwarding happens after the segment in wafer order, so
    /// neither do the system's. A segment appends only its own spikes and recordings.
    pub fn advance(&mut self, until: HwTime, threads: usize, spans: &mut Spans) {
        let spans = &mut spans.wafers;
        let mut t = self.now();
        let mut outbox: Vec<Vec<(u32, L2Spike)>> = vec![Vec::new(); self.wafers.len()];
        loop {
            // Segments on a fixed grid from time 0: a run made in several calls cuts the wafers where
            // one run does, plus at the calls' own ends.
            let end = self
                .segment
                .map_or(until, |s| HwTime((t.0 / s.0 + 1) * s.0).min(until));
            run_segment(&mut self.wafers, spans, end, threads);
            for (w, span) in spans.iter_mut().enumerate() {
                self.routing
                    .forward(w, &span.recorded[span.forwarded..], &mut outbox);
                span.forwarded = span.recorded.len();
            }
            for (target, spikes) in outbox.iter_mut().enumerate() {
                self.inject(target, spikes);
            }
            t = end;
            if t >= until {
                break;
            }
        }
    }

    /// The run `spans` hold: their spikes and recordings, each wafer's traces and counters since load, each
    /// route's counters.
    pub fn finish(&self, spans: Spans) -> SystemRun {
        let wafers = self
            .wafers
            .iter()
            .zip(spans.wafers)
            .map(|(wafer, span)| span.finish(wafer))
            .collect();
        SystemRun {
            wafers,
            routes: self.route_counters(),
        }
    }

    /// Injects the forwarded spikes of wafer `target`, each route as its own playback stream.
    fn inject(&mut self, target: usize, spikes: &mut Vec<(u32, L2Spike)>) {
        spikes.sort_by_key(|&(route, s)| (route, s.time));
        for group in spikes.chunk_by(|a, b| a.0 == b.0) {
            self.stream.clear();
            self.stream.extend(group.iter().map(|&(_, s)| s));
            self.wafers[target]
                .inject(group[0].0 + 1, &self.stream)
                .expect(
                    "checked routes and conservative segments: forwarded spikes are never late",
                );
        }
        spikes.clear();
    }

    fn route_counters(&self) -> Vec<RouteCounters> {
        self.routing
            .routes
            .iter()
            .enumerate()
            .map(|(i, r)| RouteCounters {
                forwarded: self.routing.forwarded[i],
                playback: self.wafers[r.target.wafer as usize].playback_counters(i as u32 + 1),
            })
            .collect()
    }
}

/// What one wafer produced over a system run, segment by segment.
#[derive(Default)]
struct Span {
    spikes: Vec<Spike>,
    recorded: Vec<RecordedSpike>,
    /// Recordings already forwarded along the routes.
    forwarded: usize,
}

impl Span {
    /// The wafer's [`WaferRun`] of the whole span: each segment's spikes and recordings are sorted, and
    /// one stable sort merges those runs (a later segment's recordings may precede an earlier one's by
    /// the recording jitter); traces and counters as they are now.
    fn finish(mut self, wafer: &Wafer) -> WaferRun {
        sort_as_run(&mut self.spikes, &mut self.recorded);
        WaferRun {
            spikes: self.spikes,
            recorded: self.recorded,
            traces: wafer.traces(),
            counters: wafer.counters(),
        }
    }
}

/// Stable-sorts spikes and recordings into [`WaferRun`]'s order: runs appended one after the other stay in
/// order but for recordings a later run stamped earlier (the recording jitter).
fn sort_as_run(spikes: &mut [Spike], recorded: &mut [RecordedSpike]) {
    spikes.sort_by_key(|s| (s.time, s.hicann, s.neuron.to_enum()));
    recorded.sort_by_key(|r| {
        let s = r.spike;
        (s.time, s.hicann, s.channel, s.address)
    });
}

/// How `threads` host threads serve `wafers` wafers at once: per group of wafers (each group run by one
/// host thread, its wafers one after the other) the group's size and the threads each of its wafers runs
/// on. `min(threads, wafers)` groups of consecutive wafers, sizes and threads differing by at most one.
fn split_threads(threads: usize, wafers: usize) -> Vec<(usize, usize)> {
    let groups = threads.clamp(1, wafers.max(1));
    (0..groups)
        .map(|g| {
            let size = wafers / groups + usize::from(g < wafers % groups);
            let threads = threads.max(1) / groups + usize::from(g < threads.max(1) % groups);
            (size, threads)
        })
        .collect()
}

/// Runs every wafer to `end`, appending to its span; the groups of [`split_threads`] in parallel.
fn run_segment(wafers: &mut [Wafer], spans: &mut [Span], end: HwTime, threads: usize) {
    let run_group = |wafers: &mut [Wafer], spans: &mut [Span], threads: usize| {
        for (wafer, span) in wafers.iter_mut().zip(spans) {
            wafer.run_span(end, threads, &mut span.spikes, &mut span.recorded);
        }
    };
    let groups = split_threads(threads, wafers.len());
    std::thread::scope(|scope| {
        let (mut wafers, mut spans) = (wafers, spans);
        let mut own = None;
        for (g, &(size, threads)) in groups.iter().enumerate() {
            let (w, rest_w) = std::mem::take(&mut wafers).split_at_mut(size);
            let (s, rest_s) = std::mem::take(&mut spans).split_at_mut(size);
            (wafers, spans) = (rest_w, rest_s);
            if g == 0 {
                own = Some((w, s, threads));
            } else {
                scope.spawn(move || run_group(w, s, threads));
            }
        }
        if let Some((w, s, threads)) = own {
            run_group(w, s, threads);
        }
    });
}
