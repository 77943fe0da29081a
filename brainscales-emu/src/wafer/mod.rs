//! The wafer run: a [`WaferImage`] loaded onto a wafer with its [`Defects`] and run in hardware time.
//!
//! [`Wafer::load`] checks the image and builds per HICANN: the logical neurons (the nominal parameters,
//! the wafer's fixed-pattern mismatch from its seed if switched on, clipped to the reachable ranges of the
//! speed-up and capacitor, membrane noise seeded per neuron), the synapse block, the output path, and per
//! sending repeater its bus gate and fan-out to the drivers it reaches with their hop latency (computed
//! once). Layer-2 input is planned on the links as the run reaches it, in timestamp order
//! ([`PlaybackPlanner`]: the same decisions as planning the whole list before the run), so that spikes
//! injected during the run ([`Wafer::inject`], e.g. forwarded from another wafer by [`crate::system`])
//! compete with the image's input for the same link budgets.
//!
//! [`Wafer::run`] runs the HICANNs on the shared event kernel `emu_kernel` (module `kernel`): each HICANN
//! is a chip that steps in windows of the minimum Layer-1 latency `L1Timing::latency(0)` (64.44 ns) on the
//! grid of the run's start, only in the windows where it has something to do, and no event it sends in a
//! window can land before that window's end, so the window is the kernel's lookahead. One HICANN's window is
//! described in the module `hicann`. After the run the events that went up the Gbit links are recorded
//! (4 ns stamps, up-link rate, optional jitter; recording never feeds back into the wafer, so it runs per
//! HICANN after the fact).
//!
//! Timing choice: an event reaches its drivers at the time it leaves the DNC merger plus
//! `L1Timing::latency(hops)`. The layer-1 module reads the measured 64.44 ns (addendum §11) as the whole
//! neuron-to-synapse delay including the merger pipeline, but the ESS' 2 cycles per stage (spec §2.5,
//! §8.3) make that pipeline up to 12 PLL cycles (96 ns at 125 MHz), longer than the measurement; we count
//! the pipeline explicitly as the ESS does (spec §3.4: flat repeater-to-denmem delay plus merger cycles).
//! This is also what makes the windows conservative: an event can only travel after it left its HICANN.
//!
//! Results ([`WaferRun`]) are in hardware coordinates with hardware and biological time: every spike of
//! every neuron on the wafer (the emulator sees everything), the spikes the FPGAs recorded, membrane
//! traces and [`WaferCounters`].
//!
//! Speed (bench `wafer`, full wafer of 49,152 neurons of 4 denmems at ~8 Hz with Layer-2 Poisson input):
//! about two thirds of the time is the membrane integrator's Dormand-Prince steps (a conductance tail keeps
//! a neuron off the closed form for ~16 tau_syn after each input); the windows, output paths, buses and
//! synapse delivery take the rest. Quiet neurons and HICANNs cost nothing per window, and a busy neuron's
//! steps run past the window's end (`LogicalNeuron::look_ahead`), so their length follows the dynamics and
//! the inputs, not the 64 ns window grid.
//!
//! [`build`] holds small image builders for tests and benches.

pub mod build;
mod counters;
mod hicann;
mod kernel;
mod load;

#[cfg(test)]
mod tests;

pub use counters::{HicannCounters, HicannRunCounters, WaferCounters};

use crate::coord::{HicannOnWafer, NeuronOnHicann};
use crate::defects::Defects;
use crate::image::{ImageError, WaferImage};
use crate::layer1::bus::SendingRepeater;
use crate::layer1::merger::L2Input;
use crate::layer2::{
    GbitDirection, L2Params, L2Spike, PlaybackCounters, PlaybackPlanner, Recorder,
};
use crate::neuron::{ClipCounters, IntegratorCounters, MismatchCounters};
use crate::synapse::array::{COLUMNS, ROWS};
use crate::time::{HwTime, SpeedUp};
pub use emu_kernel::Pace;

use emu_kernel::Event;
use hicann::{HicannState, Inbound};
use kernel::{Action, Windows};
use std::sync::Mutex;

/// A spike of a neuron on the wafer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spike {
    pub hicann: HicannOnWafer,
    /// The neuron's firing denmem.
    pub neuron: NeuronOnHicann,
    /// Hardware time since 0.
    pub time: HwTime,
    /// Biological seconds since the experiment start (negative before it).
    pub bio_s: f64,
}

/// A spike as the FPGA recorded it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecordedSpike {
    /// HICANN, Gbit channel, 6-bit address and experiment time on the 4 ns grid.
    pub spike: L2Spike,
    pub bio_s: f64,
}

/// A membrane trace: V of the logical neuron containing `denmem`, sampled from hardware time 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub hicann: HicannOnWafer,
    pub denmem: NeuronOnHicann,
    pub interval: HwTime,
    pub v_volt: Vec<f64>,
}

/// What a run returns.
#[derive(Debug, Clone, PartialEq)]
pub struct WaferRun {
    /// Every on-wafer spike, sorted by (time, HICANN, neuron).
    pub spikes: Vec<Spike>,
    /// Spikes recorded through Layer 2, sorted by (time, HICANN, channel, address).
    pub recorded: Vec<RecordedSpike>,
    pub traces: Vec<Trace>,
    pub counters: WaferCounters,
}

/// A loaded wafer, ready to run.
pub struct Wafer {
    speed_up: SpeedUp,
    l2: L2Params,
    window: HwTime,
    units: Vec<HicannState>,
    playback: PlaybackPlanner,
    /// Planned releases, reused between runs.
    released: Vec<L2Spike>,
    clipped: ClipCounters,
    mismatch: MismatchCounters,
    recorder: Recorder,
    now: HwTime,
    /// Per unit: Layer-1 events posted to it and not yet in its inbox (module `kernel`), kept across runs
    /// with their capacity.
    mail: Vec<Mutex<Vec<Inbound>>>,
    /// The kernel's mode chooser (kept across runs).
    pace: Pace,
}

/// Biological seconds since the experiment start of hardware time `t`.
fn bio_s(speed_up: SpeedUp, l2: &L2Params, t: HwTime) -> f64 {
    speed_up.to_bio(t.seconds() - l2.start_offset.seconds())
}

impl Wafer {
    /// Checks `image` against `defects` and builds the run state (see the module docs).
    pub fn load(image: WaferImage, defects: &Defects) -> Result<Wafer, ImageError> {
        image.check(defects)?;
        let l2 = image.l2_params();
        let mut playback = PlaybackPlanner::new(&l2, defects);
        playback
            .add(0, &image.inputs)
            .map_err(|e| ImageError::Wafer(e.to_string()))?;
        let built = load::build(&image, defects)?;
        let units = built.units.len();
        Ok(Wafer {
            speed_up: image.speed_up,
            l2,
            window: image.l1_timing.latency(0),
            units: built.units,
            playback,
            released: Vec::new(),
            clipped: built.clipped,
            mismatch: built.mismatch,
            recorder: Recorder::new(&l2),
            now: HwTime::ZERO,
            mail: (0..units).map(|_| Mutex::default()).collect(),
            pace: Pace::default(),
        })
    }

    /// Hardware time the wafer has run to.
    pub fn now(&self) -> HwTime {
        self.now
    }

    /// Runs from [`Wafer::now`] to `until` on up to `threads` threads (module `kernel`); returns what
    /// happened in that span (traces and counters are cumulative since load).
    pub fn run(&mut self, until: HwTime, threads: usize) -> WaferRun {
        let (mut spikes, mut recorded) = (Vec::new(), Vec::new());
        self.run_span(until, threads, &mut spikes, &mut recorded);
        WaferRun {
            spikes,
            recorded,
            traces: self.traces(),
            counters: self.counters(),
        }
    }

    /// Runs from [`Wafer::now`] to `until` and appends the span's spikes and recordings to `spikes` and
    /// `recorded` (the appended part sorted as in [`WaferRun`]). A system run calls this per lock-step
    /// segment and reads traces and counters once at its end, so a run of many segments copies each
    /// sample and counter once, not once per segment.
    pub(crate) fn run_span(
        &mut self,
        until: HwTime,
        threads: usize,
        spikes: &mut Vec<Spike>,
        recorded: &mut Vec<RecordedSpike>,
    ) {
        let start = self.now;
        self.release(until);
        if until > start {
            self.take_mail();
            let windows = Windows {
                origin: start,
                window: self.window,
                until,
                mail: std::mem::take(&mut self.mail),
            };
            let events = self.first_events(&windows);
            // What is left are `Arrivals` and steps: the events themselves are in the mailboxes and inboxes.
            emu_kernel::run(
                &mut self.units,
                events,
                until,
                &windows,
                self.window,
                threads,
                &mut self.pace,
            );
            self.mail = windows.mail;
            self.now = until;
        }
        for u in &mut self.units {
            u.synapses.advance(until);
        }
        self.drain(spikes, recorded);
    }

    /// Sets how a run on several threads chooses between parallel and sequential stretches (results never
    /// depend on it).
    pub fn set_pace(&mut self, pace: Pace) {
        self.pace = pace;
    }

    /// Moves every mailbox into its unit's inbox (between runs).
    fn take_mail(&mut self) {
        for (u, mail) in self.units.iter_mut().zip(&mut self.mail) {
            u.inbox.append(
                mail.get_mut()
                    .expect("a mailbox is never held across a panic"),
            );
        }
    }

    /// The events a run over `w` starts with: each HICANN's first step (the window containing its wake
    /// time, which counts the Layer-1 events the last run left in its inbox).
    fn first_events(&mut self, w: &Windows) -> Vec<Event<Action>> {
        let mut events = Vec::new();
        for (i, u) in self.units.iter_mut().enumerate() {
            u.next_step = None;
            u.schedule(u.wake().max(w.origin), i as u32, w, &mut events);
        }
        events
    }

    /// Queues Layer-2 input spikes (experiment time) of `stream` (>= 1; 0 is the image's input) on the
    /// playback links during the run: they go through the same budgets as the image's input and are
    /// counted per stream ([`Wafer::playback_counters`]). Each spike's HICANN must be configured with its
    /// channel pointing to the HICANN, and its release must not precede [`Wafer::now`]. All or none.
    pub fn inject(&mut self, stream: u32, spikes: &[L2Spike]) -> Result<(), ImageError> {
        for (index, s) in spikes.iter().enumerate() {
            let unit = self.unit_index(s.hicann).map(|u| &self.units[u]);
            let into_hicann = unit.is_some_and(|u| {
                u.gbit.get(usize::from(s.channel)) == Some(&GbitDirection::ToHicann)
            });
            if !into_hicann {
                return Err(ImageError::Hicann {
                    hicann: s.hicann,
                    what: format!(
                        "injected spike {index}: HICANN not configured or Gbit channel {} does not point to it",
                        s.channel
                    ),
                });
            }
        }
        self.playback
            .add(stream, spikes)
            .map_err(|e| ImageError::Wafer(e.to_string()))
    }

    /// What the playback of `stream` has played and dropped so far (0: the image's input).
    pub fn playback_counters(&self, stream: u32) -> PlaybackCounters {
        self.playback.counters(stream)
    }

    /// The 4-bit weight of the synapse at (`row` 0..448, `column`) of `hicann` now (STDP moves weights during
    /// a run); `None` for a HICANN the image did not configure or a cell off the arrays.
    pub fn synapse_weight(&self, hicann: HicannOnWafer, row: usize, column: usize) -> Option<u8> {
        let unit = &self.units[self.unit_index(hicann)?];
        (row < ROWS && column < COLUMNS).then(|| unit.synapses.arrays().weight(row, column))
    }

    /// The unit of `hicann` (units are in HICANN enum order).
    fn unit_index(&self, hicann: HicannOnWafer) -> Option<usize> {
        self.units
            .binary_search_by_key(&hicann.to_enum(), |u| u.hicann.to_enum())
            .ok()
    }

    /// Plans the playback released before `until` and hands it to the HICANNs (in release order).
    fn release(&mut self, until: HwTime) {
        let mut released = std::mem::take(&mut self.released);
        released.clear();
        self.playback.plan_until(until, &mut released);
        for s in &released {
            let unit = self
                .unit_index(s.hicann)
                .expect("checked: input HICANNs are configured");
            self.units[unit].injections.push(L2Input {
                time: s.time,
                dnc_merger: s.channel,
                address: s.address,
            });
        }
        self.released = released;
    }

    /// Drains the spikes and up-link events of the units (recording the latter) onto `spikes` and
    /// `recorded`, and sorts what it appended.
    fn drain(&mut self, spikes: &mut Vec<Spike>, recorded: &mut Vec<RecordedSpike>) {
        let (spikes_from, recorded_from) = (spikes.len(), recorded.len());
        let mut out = Vec::new();
        for u in &mut self.units {
            let firing = |n: u32| u.neurons[n as usize].firing_denmem();
            for (time, n) in u.spikes.drain(..) {
                spikes.push(Spike {
                    hicann: u.hicann,
                    neuron: firing(n),
                    time,
                    bio_s: bio_s(self.speed_up, &self.l2, time),
                });
            }
            for ev in u.uplink.drain(..) {
                self.recorder
                    .record(u.hicann, ev.dnc_merger, ev.address, ev.time, &mut out);
            }
        }
        recorded.extend(out.into_iter().map(|s| RecordedSpike {
            bio_s: self.speed_up.to_bio(s.time.seconds()),
            spike: s,
        }));
        spikes[spikes_from..].sort_by_key(|s| (s.time, s.hicann, s.neuron.to_enum()));
        recorded[recorded_from..].sort_by_key(|r| {
            let s = r.spike;
            (s.time, s.hicann, s.channel, s.address)
        });
    }

    /// Every membrane trace since load.
    pub(crate) fn traces(&self) -> Vec<Trace> {
        self.units
            .iter()
            .flat_map(|u| {
                u.traces.iter().map(move |t| Trace {
                    hicann: u.hicann,
                    denmem: t.denmem,
                    interval: t.interval,
                    v_volt: t.v_volt.clone(),
                })
            })
            .collect()
    }

    /// Every counter since load (a chunked run's trace windows read them between calls).
    pub fn counters(&self) -> WaferCounters {
        let mut hicanns = Vec::with_capacity(self.units.len());
        let mut buses = Vec::new();
        for u in &self.units {
            let mut integrator = IntegratorCounters::default();
            for n in &u.neurons {
                counters::add_integrator(&mut integrator, n.counters());
            }
            hicanns.push(HicannCounters {
                hicann: u.hicann,
                spikes_per_neuron: u
                    .neurons
                    .iter()
                    .map(|n| (n.firing_denmem(), n.counters().spikes))
                    .collect(),
                merger: u.output.counters.clone(),
                synapses: *u.synapses.counters(),
                uplink: self.recorder.counters[u.hicann.to_enum()],
                run: u.counters,
                l2_injected: u.injections.len() as u64,
                integrator,
            });
            for b in &u.buses {
                let s = SendingRepeater {
                    hicann: u.hicann,
                    index: b.index,
                };
                buses.push((s, b.gate.counters));
            }
        }
        WaferCounters {
            hicanns,
            buses,
            playback: self.playback.total(),
            clipped: self.clipped,
            mismatch: self.mismatch,
        }
    }
}
