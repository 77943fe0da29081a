//! Layer 2: the FPGA ⇄ HICANN links that play external spikes in and record spikes out (spec §1.2, §8.1,
//! §8.3, addendum §11). Spikes are in hardware coordinates (HICANN, Gbit channel = DNC merger 0..8, 6-bit
//! address) and hardware time counted from the experiment start.
//!
//! **Playback** ([`PlaybackPlanner`] as the run goes, or [`plan_playback`] for a whole list: the same
//! decisions, taken in timestamp order). The FPGA sends each pulse ahead of its timestamp by
//! the release delay (default 25 FPGA cycles = 200 ns, sthal) and the HICANN releases it at the stamp
//! (4 ns system time, rounded up). The link budget is 17.8 M events/s per HICANN and 125 M events/s per
//! FPGA (marocco's placement figures): consecutive pulses to one HICANN are sent at least 1/17.8 MHz
//! apart, to one reticle 8 ns apart. A pulse that cannot leave before its own timestamp would arrive
//! late; it is **dropped** unsent (the ESS' "dropped before sim") and counted by the budget that
//! bound it. So the release delay is the slack that absorbs bursts. Pulses for a HICANN without a working
//! link or FPGA are dropped and counted too.
//!
//! **Recording** ([`Recorder`], during the run). Events from a DNC merger whose channel points to the
//! FPGA are stamped at the next 4 ns system-time tick after their time plus an optional Gaussian jitter
//! (σ 18 ns, the PLL-domain crossing, hicann-system's measurement) and serialised on the up-link at
//! 25 M events/s (sthal's `gbitlink_max_throughput`). The up-link buffer holds [`L2Params::uplink_fifo`]
//! events besides the one on the wire: the spec gives no depth, 16 is our assumption. An event finding
//! it full is lost **for the recording only** (it still reached its on-wafer targets) and counted.
//!
//! The experiment starts [`L2Params::start_offset`] (20 µs, marocco) after hardware time 0 so the L1
//! PLLs and DLLs can lock: input times get the offset added, recorded times have it removed, and events
//! before the start are not recorded.

use crate::coord::{HICANNS_ON_WAFER, HicannOnWafer};
use crate::defects::Defects;
use crate::time::{HwTime, SYSTEM_CLOCK_MHZ, TICKS_PER_NS};
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

/// Gbit channels (= DNC mergers) per HICANN.
pub const CHANNELS: u8 = 8;

/// Link figures and settings (defaults: spec §1.2, §8.3).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct L2Params {
    pub uplink_rate_hz: f64,
    pub uplink_fifo: usize,
    pub hicann_input_rate_hz: f64,
    pub fpga_input_rate_hz: f64,
    pub release_delay: HwTime,
    pub start_offset: HwTime,
    /// Recording timestamp jitter: off unless `jitter` is set.
    pub jitter: bool,
    pub jitter_sigma: HwTime,
    /// The wafer seed the jitter streams derive from.
    pub seed: u64,
}

impl Default for L2Params {
    fn default() -> Self {
        L2Params {
            uplink_rate_hz: 25e6,
            uplink_fifo: 16,
            hicann_input_rate_hz: 17.8e6,
            fpga_input_rate_hz: 125e6,
            release_delay: HwTime::from_ns(200),
            start_offset: HwTime::from_ns(20_000),
            jitter: false,
            jitter_sigma: HwTime::from_ns(18),
            seed: 0,
        }
    }
}

/// Ticks between events at `rate_hz`.
fn spacing(rate_hz: f64) -> u64 {
    (1e9 * TICKS_PER_NS as f64 / rate_hz).round() as u64
}

/// The 4 ns system-time stamp at or after `ticks`.
fn stamp(ticks: u64) -> u64 {
    let tick = HwTime::clock_period(SYSTEM_CLOCK_MHZ).0;
    ticks.div_ceil(tick) * tick
}

/// One spike on a Gbit link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct L2Spike {
    pub hicann: HicannOnWafer,
    pub channel: u8,
    pub address: u8,
    pub time: HwTime,
}

/// Direction of a Gbit channel (halbe `GbitLink`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum GbitDirection {
    #[default]
    Off,
    /// External input into the channel's DNC merger.
    ToHicann,
    /// The DNC merger's events go up for recording.
    ToDnc,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum L2Error {
    #[error("input spike {index}: channel {channel} is not one of 0..8")]
    Channel { index: usize, channel: u8 },
    #[error("input spike {index}: address {address} is not 6-bit")]
    Address { index: usize, address: u8 },
    #[error("input spike {index} at {time:?}: released before the planned horizon {horizon:?}")]
    Late {
        index: usize,
        time: HwTime,
        horizon: HwTime,
    },
}

/// Input spikes played, and dropped before the run by cause.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaybackCounters {
    pub played: u64,
    pub dropped_hicann_budget: u64,
    pub dropped_fpga_budget: u64,
    pub dropped_dead_link: u64,
}

/// Spikes to inject, in hardware time since 0 (offset added, on 4 ns stamps), sorted by time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Playback {
    pub injections: Vec<L2Spike>,
    pub counters: PlaybackCounters,
}

/// Schedules `spikes` (experiment time) on the links; see the module docs for the budget model.
pub fn plan_playback(
    spikes: &[L2Spike],
    params: &L2Params,
    defects: &Defects,
) -> Result<Playback, L2Error> {
    let mut planner = PlaybackPlanner::new(params, defects);
    planner.add(0, spikes)?;
    let mut plan = Playback::default();
    planner.plan_until(HwTime(u64::MAX), &mut plan.injections);
    plan.counters = planner.total();
    Ok(plan)
}

/// A spike waiting for its turn on the links: ordered by (time, HICANN, channel, address, stream).
type Queued = (HwTime, u16, u8, u8, u32);

/// The playback budgets, applied in timestamp order as a run reaches them, so that spikes added while the
/// run goes on (forwarded from another wafer) compete with the planned input for the same links.
///
/// Every spike belongs to a *stream* (0: the image's input; others: whatever the caller numbers, e.g.
/// one per wafer-to-wafer route) whose drops are counted apart. A spike is planned once the run's horizon
/// passes its release, in the order [`plan_playback`] uses for the whole list, so planning in steps gives
/// exactly the decisions of planning at once; a spike added with its release before the horizon is
/// refused ([`L2Error::Late`]): the FPGA could no longer have sent it in time.
#[derive(Debug, Clone)]
pub struct PlaybackPlanner {
    params: L2Params,
    link_usable: Vec<bool>,
    pending: BinaryHeap<Reverse<Queued>>,
    hicann_free: HashMap<HicannOnWafer, u64>,
    fpga_free: HashMap<u8, u64>,
    horizon: u64,
    streams: Vec<PlaybackCounters>,
}

impl PlaybackPlanner {
    pub fn new(params: &L2Params, defects: &Defects) -> PlaybackPlanner {
        PlaybackPlanner {
            params: *params,
            link_usable: (0..HICANNS_ON_WAFER)
                .map(|h| {
                    defects.is_link_usable(HicannOnWafer::from_enum(h).expect("enum in range"))
                })
                .collect(),
            pending: BinaryHeap::new(),
            hicann_free: HashMap::new(),
            fpga_free: HashMap::new(),
            horizon: 0,
            streams: Vec::new(),
        }
    }

    /// The release time on the 4 ns grid of a spike at experiment time `time`.
    fn release(&self, time: HwTime) -> u64 {
        stamp(self.params.start_offset.0.saturating_add(time.0))
    }

    /// Queues `spikes` (experiment time) of `stream`; all or none (the error names the first bad one).
    pub fn add(&mut self, stream: u32, spikes: &[L2Spike]) -> Result<(), L2Error> {
        for (index, s) in spikes.iter().enumerate() {
            if s.channel >= CHANNELS {
                return Err(L2Error::Channel {
                    index,
                    channel: s.channel,
                });
            }
            if s.address >= 64 {
                return Err(L2Error::Address {
                    index,
                    address: s.address,
                });
            }
            if self.release(s.time) < self.horizon {
                return Err(L2Error::Late {
                    index,
                    time: s.time,
                    horizon: HwTime(self.horizon),
                });
            }
        }
        if self.streams.len() <= stream as usize {
            self.streams
                .resize(stream as usize + 1, PlaybackCounters::default());
        }
        self.pending.extend(spikes.iter().map(|s| {
            Reverse((
                s.time,
                s.hicann.to_enum() as u16,
                s.channel,
                s.address,
                stream,
            ))
        }));
        Ok(())
    }

    /// Plans every queued spike released before hardware time `until`, appending the played ones
    /// (release time, sorted) to `out`.
    pub fn plan_until(&mut self, until: HwTime, out: &mut Vec<L2Spike>) {
        let (per_hicann, per_fpga) = (
            spacing(self.params.hicann_input_rate_hz),
            spacing(self.params.fpga_input_rate_hz),
        );
        while let Some(&Reverse((time, h, channel, address, stream))) = self.pending.peek() {
            let release = self.release(time);
            if release >= until.0 {
                break;
            }
            self.pending.pop();
            let hicann = HicannOnWafer::from_enum(usize::from(h)).expect("queued from a HICANN");
            let counters = &mut self.streams[stream as usize];
            if !self.link_usable[usize::from(h)] {
                counters.dropped_dead_link += 1;
                continue;
            }
            let h_free = self.hicann_free.get(&hicann).copied().unwrap_or(0);
            let fpga = hicann.reticle().fpga().0;
            let f_free = self.fpga_free.get(&fpga).copied().unwrap_or(0);
            let send = release
                .saturating_sub(self.params.release_delay.0)
                .max(h_free)
                .max(f_free);
            if send > release {
                if h_free > release {
                    counters.dropped_hicann_budget += 1;
                } else {
                    counters.dropped_fpga_budget += 1;
                }
                continue;
            }
            self.hicann_free.insert(hicann, send + per_hicann);
            self.fpga_free.insert(fpga, send + per_fpga);
            counters.played += 1;
            out.push(L2Spike {
                hicann,
                channel,
                address,
                time: HwTime(release),
            });
        }
        self.horizon = self.horizon.max(until.0);
    }

    /// What `stream` has played and dropped so far.
    pub fn counters(&self, stream: u32) -> PlaybackCounters {
        self.streams
            .get(stream as usize)
            .copied()
            .unwrap_or_default()
    }

    /// The counters of all streams together.
    pub fn total(&self) -> PlaybackCounters {
        self.streams
            .iter()
            .fold(PlaybackCounters::default(), |a, c| PlaybackCounters {
                played: a.played + c.played,
                dropped_hicann_budget: a.dropped_hicann_budget + c.dropped_hicann_budget,
                dropped_fpga_budget: a.dropped_fpga_budget + c.dropped_fpga_budget,
                dropped_dead_link: a.dropped_dead_link + c.dropped_dead_link,
            })
    }
}

/// Recorded and lost events of one HICANN's up-link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCounters {
    pub recorded: u64,
    pub lost_uplink: u64,
    pub before_start: u64,
}

/// A stable 64-bit seed from a wafer seed and ids (SplitMix64 finaliser over each part).
fn stable_seed(parts: &[u64]) -> u64 {
    parts.iter().fold(0x9E37_79B9_7F4A_7C15, |h, &p| {
        let mut z = (h ^ p).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

/// Block id of the recording-jitter streams in [`stable_seed`].
const JITTER_STREAM: u64 = 0x4C32_4A49_5454_4552;

/// One HICANN's up-link: completion times of the events on the wire and waiting, and its jitter stream.
#[derive(Debug, Clone)]
struct Uplink {
    busy: VecDeque<u64>,
    rng: Xoshiro256PlusPlus,
}

/// The recording side of every HICANN's link.
#[derive(Debug, Clone)]
pub struct Recorder {
    params: L2Params,
    links: Vec<Uplink>,
    pub counters: Vec<RecordCounters>,
}

impl Recorder {
    pub fn new(params: &L2Params) -> Recorder {
        let links = (0..HICANNS_ON_WAFER as u64)
            .map(|h| Uplink {
                busy: VecDeque::new(),
                rng: Xoshiro256PlusPlus::seed_from_u64(stable_seed(&[
                    params.seed,
                    JITTER_STREAM,
                    h,
                ])),
            })
            .collect();
        Recorder {
            params: *params,
            links,
            counters: vec![RecordCounters::default(); HICANNS_ON_WAFER],
        }
    }

    /// A standard normal draw (Box-Muller).
    fn gauss(rng: &mut Xoshiro256PlusPlus) -> f64 {
        let u1 = ((rng.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
        let u2 = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Offers an event leaving DNC merger `channel` of `hicann` at hardware time `time` (times per HICANN
    /// must not decrease). Appends the recorded spike (experiment time) to `out` unless the up-link is
    /// full or the event precedes the experiment start.
    pub fn record(
        &mut self,
        hicann: HicannOnWafer,
        channel: u8,
        address: u8,
        time: HwTime,
        out: &mut Vec<L2Spike>,
    ) {
        let i = hicann.to_enum();
        let link = &mut self.links[i];
        while link.busy.front().is_some_and(|&done| done <= time.0) {
            link.busy.pop_front();
        }
        if link.busy.len() > self.params.uplink_fifo {
            self.counters[i].lost_uplink += 1;
            return;
        }
        let start = link.busy.back().copied().unwrap_or(0).max(time.0);
        link.busy
            .push_back(start + spacing(self.params.uplink_rate_hz));
        let jitter = if self.params.jitter {
            Recorder::gauss(&mut link.rng) * self.params.jitter_sigma.0 as f64
        } else {
            0.0
        };
        let stamped = stamp((time.0 as f64 + jitter).max(0.0).round() as u64);
        let Some(t) = stamped.checked_sub(self.params.start_offset.0) else {
            self.counters[i].before_start += 1;
            return;
        };
        self.counters[i].recorded += 1;
        out.push(L2Spike {
            hicann,
            channel,
            address,
            time: HwTime(t),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hicann(x: u8, y: u8) -> HicannOnWafer {
        HicannOnWafer::new(x, y).unwrap()
    }

    fn at(h: HicannOnWafer, ns: u64) -> L2Spike {
        L2Spike {
            hicann: h,
            channel: 7,
            address: 1,
            time: HwTime::from_ns(ns),
        }
    }

    #[test]
    fn a_burst_beyond_the_hicann_budget_is_dropped_before_the_run() {
        // 17.8 M/s is one pulse per 56.2 ns; the 200 ns release delay fits pulses 0, 56, 112, 169 ns
        // early: 4 of a simultaneous burst of 100 arrive in time.
        let h = hicann(18, 7);
        let burst: Vec<L2Spike> = (0..100).map(|_| at(h, 1000)).collect();
        let plan = plan_playback(&burst, &L2Params::default(), &Defects::default()).unwrap();
        assert_eq!(plan.counters.played, 4);
        assert_eq!(plan.counters.dropped_hicann_budget, 96);
        // Released at the stamp: offset 20 us + 1 us.
        assert!(
            plan.injections
                .iter()
                .all(|s| s.time == HwTime::from_ns(21_000))
        );
        // Spaced at 60 ns nothing is lost.
        let spaced: Vec<L2Spike> = (0..100).map(|k| at(h, 60 * k)).collect();
        let plan = plan_playback(&spaced, &L2Params::default(), &Defects::default()).unwrap();
        assert_eq!(plan.counters.played, 100);
    }

    #[test]
    fn the_fpga_budget_binds_a_reticle() {
        // Without a per-HICANN limit, 125 M/s (8 ns) with 200 ns of slack fits 26 pulses of a burst
        // spread over the 8 HICANNs of one reticle.
        let params = L2Params {
            hicann_input_rate_hz: 1e12,
            ..L2Params::default()
        };
        let reticle = hicann(18, 7).reticle();
        let burst: Vec<L2Spike> = reticle
            .hicanns()
            .flat_map(|h| (0..10).map(move |_| at(h, 0)))
            .collect();
        let plan = plan_playback(&burst, &params, &Defects::default()).unwrap();
        assert_eq!(
            (plan.counters.played, plan.counters.dropped_fpga_budget),
            (26, 54)
        );
    }

    #[test]
    fn planning_as_the_run_goes_gives_the_decisions_of_planning_at_once() {
        // Bursts of 12 pulses every 700 ns on two HICANNs of one reticle: each burst overruns the
        // per-HICANN budget (4 of 6 fit, see above), so the decisions depend on the order.
        let (h, g) = (hicann(18, 7), hicann(19, 7));
        let spikes: Vec<L2Spike> = (0..40u64)
            .flat_map(|k| (0..12).map(move |i| at(if i % 2 == 0 { h } else { g }, 700 * k + i)))
            .collect();
        let whole = plan_playback(&spikes, &L2Params::default(), &Defects::default()).unwrap();
        assert!(whole.counters.dropped_hicann_budget > 0);
        let mut planner = PlaybackPlanner::new(&L2Params::default(), &Defects::default());
        let (early, late) = spikes.split_at(spikes.len() / 2);
        planner.add(0, early).unwrap();
        let mut out = Vec::new();
        let mut until = HwTime::ZERO;
        for step in 0..100u64 {
            until = HwTime::from_ns(20_000 + 350 * step);
            if step == 20 {
                // The later half arrives during the run, before its releases (from 34 us on).
                planner.add(3, late).unwrap();
            }
            planner.plan_until(until, &mut out);
        }
        assert_eq!(out, whole.injections);
        let (a, b) = (planner.counters(0), planner.counters(3));
        assert_eq!(a.played + b.played, whole.counters.played);
        assert_eq!(a.played + a.dropped_hicann_budget, early.len() as u64);
        assert_eq!(planner.total(), whole.counters);
        // A pulse released before the planned horizon is refused.
        let err = planner.add(1, &[at(h, 0)]).unwrap_err();
        assert_eq!(
            err,
            L2Error::Late {
                index: 0,
                time: HwTime::ZERO,
                horizon: until
            }
        );
    }

    #[test]
    fn dead_links_and_bad_coordinates() {
        let h = hicann(18, 7);
        let defects =
            Defects::from_json(&format!(r#"{{"dead_links": [{}]}}"#, h.to_enum())).unwrap();
        let plan = plan_playback(&[at(h, 0)], &L2Params::default(), &defects).unwrap();
        assert_eq!(plan.counters.dropped_dead_link, 1);
        let bad = L2Spike {
            channel: 8,
            ..at(h, 0)
        };
        let err =
            plan_playback(&[at(h, 0), bad], &L2Params::default(), &Defects::default()).unwrap_err();
        assert_eq!(
            err,
            L2Error::Channel {
                index: 1,
                channel: 8
            }
        );
    }

    #[test]
    fn a_saturated_uplink_loses_recorded_events_only() {
        // 100 events at once: one on the wire and 16 waiting are kept, 83 lost.
        let h = hicann(18, 7);
        let params = L2Params::default();
        let mut rec = Recorder::new(&params);
        let mut out = Vec::new();
        let t = HwTime::from_ns(30_000);
        for _ in 0..100 {
            rec.record(h, 0, 5, t, &mut out);
        }
        assert_eq!(out.len(), 17);
        assert_eq!(rec.counters[h.to_enum()].lost_uplink, 83);
        // At 25 M/s (40 ns apart) nothing is lost.
        let mut rec = Recorder::new(&params);
        let mut out = Vec::new();
        for k in 0..1000 {
            rec.record(h, 0, 5, HwTime::from_ns(30_000 + 40 * k), &mut out);
        }
        assert_eq!(out.len(), 1000);
    }

    #[test]
    fn recorded_times_are_the_next_4ns_stamp_after_the_offset() {
        let h = hicann(18, 7);
        let mut rec = Recorder::new(&L2Params::default());
        let mut out = Vec::new();
        rec.record(h, 3, 9, HwTime::from_ns(20_001), &mut out);
        rec.record(h, 3, 9, HwTime::from_ns(20_008), &mut out);
        rec.record(h, 3, 9, HwTime::from_ns(19_000), &mut out);
        let times: Vec<HwTime> = out.iter().map(|s| s.time).collect();
        assert_eq!(times, [HwTime::from_ns(4), HwTime::from_ns(8)]);
        assert_eq!(rec.counters[h.to_enum()].before_start, 1);
    }

    #[test]
    fn jitter_has_the_configured_spread_and_is_seeded() {
        // Stamp - true time = jitter (sd 18 ns) + rounding up to 4 ns (uniform, mean 2, var 16/12):
        // sd sqrt(324 + 1.33) = 18.04 ns; its estimate over 10^4 events has sd 0.13 ns.
        let params = L2Params {
            jitter: true,
            seed: 7,
            ..L2Params::default()
        };
        let h = hicann(18, 7);
        let record = |h| {
            let mut rec = Recorder::new(&params);
            let mut out = Vec::new();
            for k in 0..10_000u64 {
                rec.record(h, 0, 1, HwTime::from_ns(30_000 + 1001 * k), &mut out);
            }
            out
        };
        let out = record(h);
        let d: Vec<f64> = out
            .iter()
            .enumerate()
            .map(|(k, s)| s.time.0 as f64 / 63.0 - (10_000.0 + 1001.0 * k as f64))
            .collect();
        let mean = d.iter().sum::<f64>() / d.len() as f64;
        let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / d.len() as f64).sqrt();
        assert!((sd - 18.04).abs() < 0.7, "sd {sd}");
        assert!((mean - 2.0).abs() < 1.0, "mean {mean}");
        assert_eq!(record(h), out, "same seed, same stream");
        let other = record(hicann(19, 7));
        assert!(
            other.iter().zip(&out).any(|(a, b)| a.time != b.time),
            "each HICANN its own stream"
        );
    }
}
