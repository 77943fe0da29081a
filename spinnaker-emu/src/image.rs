//! The machine image: what a loaded SpiNNaker machine holds, in hardware terms, as the mapper writes it and
//! the emulator loads it. It knows nothing of PyNN: populations have become cores, keys and SDRAM words.
//!
//! Per chip: the multicast routing table (what `rtr_mc_set` would write) and, per application core, the
//! program it runs with its data regions: a neuron core (neuron state in the runtime's fixed point, its key
//! and colour bits, master population table, synaptic matrices in SDRAM, word layout, weight shifts, what
//! it records), a SpikeSourcePoisson core or a SpikeSourceArray core. Serialised with serde, stored with
//! bincode ([`MachineImage::to_bytes`]).
//!
//! A neuron core with plastic synapses also carries its STDP parameters ([`StdpConfig`]); its plastic rows sit
//! in the same synaptic region as static ones. A delay-extension core ([`DelayExtensionCoreImage`]) re-sends a
//! source slice's spikes after whole stages of delay. The cycle-cost table a run is charged with is not part of
//! the image: it belongs to the emulator (`runtime::cycles`).

use serde::{Deserialize, Serialize};

use crate::Preset;
use crate::faults::Faults;
use crate::geometry::ChipCoord;
use crate::machine::{CoreModel, Machine};
use crate::router::table::{RoutingEntry, RoutingTable};
use crate::runtime::master_pop_table::MasterPopTable;
use crate::runtime::neuron::NeuronArray;
use crate::runtime::poisson::SourceParams;
use crate::runtime::stdp::StdpConfig;
use crate::runtime::synapse_row::{SynapticRegion, SynapticWordLayout};

/// Which machine an image was built for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MachineDescription {
    /// The preset name (`spinnaker-48`, ...).
    pub preset: String,
    /// `true` for all 17 application cores per chip, `false` for sPyNNaker's realistic counts.
    pub ideal_cores: bool,
    pub faults: Faults,
}

impl MachineDescription {
    /// The machine this description names: the mapper and the emulator build the same one.
    pub fn build(&self) -> Result<Machine, String> {
        let cores = if self.ideal_cores {
            CoreModel::Ideal
        } else {
            CoreModel::Realistic
        };
        Machine::new(Preset::parse(&self.preset)?, cores, &self.faults)
    }
}

/// What one core records.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    pub spikes: bool,
    /// Analog variables (`v`, `gsyn_exc`, `gsyn_inh`), each sampled at its own rate as sPyNNaker's
    /// `neuron_recording` does.
    pub variables: Vec<SampledVariable>,
    /// Local neuron indices recorded (all when empty).
    pub neurons: Vec<u16>,
    /// SDRAM bytes reserved for the recording (`None`: unbounded). Every tick costs what the runtime's
    /// layout costs (spec §4.12): 4 + 4 * ceil(n / 32) bytes of spike bitfield, and per sampled variable
    /// 4 + 4 * (recorded neurons) bytes. A tick that no longer fits is not recorded and is counted.
    pub buffer_bytes: Option<u64>,
}

/// An analog variable a core records, and every how many ticks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampledVariable {
    pub name: String,
    /// A sample on every tick that is a multiple of this (1: every tick); a tick without a sample costs no
    /// recording space.
    pub every_ticks: u32,
}

impl Recording {
    /// Bytes one tick of spike recording takes for `n` neurons.
    pub fn spike_bytes(n: usize) -> u64 {
        4 + 4 * n.div_ceil(32) as u64
    }
}

/// A neuron core (sPyNNaker's combined neuron + synapse core, spec §4.2-§4.10).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NeuronCoreImage {
    /// Neuron parameters and initial state, in the runtime's fixed point.
    pub neurons: NeuronArray,
    /// Neuron n sends `key_base + (n << n_colour_bits) + colour` (§4.3); `None` when nothing listens, so the
    /// core sends nothing (sPyNNaker's `use_key = false`).
    pub key_base: Option<u32>,
    pub n_colour_bits: u8,
    /// Incoming keys -> synaptic rows (§4.5).
    pub master_pop_table: MasterPopTable,
    /// The core's synaptic matrices in SDRAM (§4.6).
    pub synaptic_region: SynapticRegion,
    /// Bit widths of the fixed synaptic word (§4.6), chosen per core.
    pub word_layout: SynapticWordLayout,
    /// Per synapse type, the left shift that turns a ring-buffer value into s16.15 input (§4.8).
    pub weight_shifts: Vec<u8>,
    /// Input spike buffer length (256 by default, §4.4).
    pub incoming_spike_buffer: u32,
    pub recording: Recording,
    /// The STDP rule of the core's plastic rows (§4.6, B3.2); `None` for a core with static synapses only.
    /// One rule per core, as one sPyNNaker binary has one. Boxed: the decay tables and per-type regions would
    /// otherwise make every core image (and the `CoreProgram` enum) large.
    pub stdp: Option<Box<StdpConfig>>,
}

/// A SpikeSourcePoisson core (§4.11).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PoissonCoreImage {
    pub sources: Vec<SourceParams>,
    /// The core's JKISS seed.
    pub seed: [u32; 4],
    /// As [`NeuronCoreImage::key_base`].
    pub key_base: Option<u32>,
    pub n_colour_bits: u8,
    pub recording: Recording,
}

/// A SpikeSourceArray core: each source's spike times, in ticks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpikeArrayCoreImage {
    pub spike_ticks: Vec<Vec<u32>>,
    /// As [`NeuronCoreImage::key_base`].
    pub key_base: Option<u32>,
    pub n_colour_bits: u8,
    pub recording: Recording,
}

/// A delay-extension core (spec §4.8, sPyNNaker's `delay_extension.c`): it counts the spikes of one source slice
/// per tick and neuron, and re-sends them after 1..=`n_stages` stages of `delay_per_stage` ticks each, stage d
/// (0-based) of source neuron n under its own key `key_base + ((d * n_neurons + n) << n_colour_bits) + colour`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DelayExtensionCoreImage {
    /// The source slice's key space: a packet with `key & source_mask == source_key` is counted for neuron
    /// `(key & !source_mask) >> n_colour_bits`; any other key is counted as invalid.
    pub source_key: u32,
    pub source_mask: u32,
    /// Neurons of the source slice.
    pub n_neurons: u32,
    /// Ticks per stage (the receiving cores' ring-buffer reach).
    pub delay_per_stage: u32,
    /// Stages, 1 to 8 (`MAX_SLOTS`).
    pub n_stages: u32,
    /// As [`NeuronCoreImage::key_base`].
    pub key_base: Option<u32>,
    /// Colour bits of both the incoming and the outgoing keys (the runtime has one field for both).
    pub n_colour_bits: u8,
    /// Per stage, a bitfield (32 neurons a word) of the neurons whose spikes that stage sends: only those with
    /// delayed synapses at the stage. sPyNNaker 7.x sends every counted spike at every stage and lets the
    /// receivers' bit-field filters drop the unwanted ones; earlier releases (`neuron_delay_stage_config`)
    /// filtered at the sender, as here, which gives the same rows processed with less traffic.
    pub stage_masks: Vec<Vec<u32>>,
}

/// The delay-extension runtime's limit on stages (`MAX_SLOTS`, spec §4.8).
pub const MAX_DELAY_STAGES: u32 = 8;

impl DelayExtensionCoreImage {
    /// Checks the sizes the runtime relies on.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=MAX_DELAY_STAGES).contains(&self.n_stages) {
            return Err(format!(
                "delay extension: n_stages must be within [1, {MAX_DELAY_STAGES}], got {}",
                self.n_stages
            ));
        }
        if self.delay_per_stage == 0 {
            return Err("delay extension: delay_per_stage must be at least 1".into());
        }
        let words = self.n_neurons.div_ceil(32) as usize;
        if self.stage_masks.len() != self.n_stages as usize
            || self.stage_masks.iter().any(|m| m.len() != words)
        {
            return Err(format!(
                "delay extension: stage_masks must be {} bitfields of {words} words",
                self.n_stages
            ));
        }
        Ok(())
    }
}

/// The program an application core runs, with its data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CoreProgram {
    Neurons(NeuronCoreImage),
    PoissonSource(PoissonCoreImage),
    SpikeArray(SpikeArrayCoreImage),
    DelayExtension(DelayExtensionCoreImage),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoreImage {
    /// Virtual core id (1-17; 0 is the monitor).
    pub core: u8,
    pub program: CoreProgram,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChipImage {
    pub chip: ChipCoord,
    /// Multicast entries in priority order (at most 1,023).
    pub routing_table: Vec<RoutingEntry>,
    pub cores: Vec<CoreImage>,
}

/// Everything loaded onto a machine for one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MachineImage {
    pub machine: MachineDescription,
    /// The simulation timestep every neuron model integrates over, in microseconds (1,000 or 100, spec §0).
    pub timestep_us: u32,
    /// sPyNNaker's `time_scale_factor`: the hardware timer fires every `timestep_us * time_scale_factor` µs,
    /// giving each core that many times the cycles per tick while the models still step by `timestep_us`
    /// (the cortical microcircuit at 0.1 ms needs about 20, spec §4.2).
    pub time_scale_factor: u32,
    /// Only chips with something loaded.
    pub chips: Vec<ChipImage>,
}

/// The bincode configuration of stored images.
fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

impl MachineImage {
    /// An image that loads one chip of `preset` (realistic core counts, no faults, 1 ms ticks at real time): the
    /// shape of a core-level experiment.
    pub fn one_chip(
        preset: &str,
        chip: ChipCoord,
        routing_table: Vec<RoutingEntry>,
        programs: Vec<(u8, CoreProgram)>,
    ) -> MachineImage {
        MachineImage {
            machine: MachineDescription {
                preset: preset.into(),
                ideal_cores: false,
                faults: Faults::default(),
            },
            timestep_us: 1000,
            time_scale_factor: 1,
            chips: vec![ChipImage {
                chip,
                routing_table,
                cores: programs
                    .into_iter()
                    .map(|(core, program)| CoreImage { core, program })
                    .collect(),
            }],
        }
    }

    /// The hardware timer period: `timestep_us * time_scale_factor`.
    pub fn timer_period(&self) -> crate::time::Time {
        crate::time::Time::from_us(u64::from(self.timestep_us) * u64::from(self.time_scale_factor))
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        bincode::serde::encode_to_vec(self, config())
            .map_err(|e| format!("cannot encode the machine image: {e}"))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<MachineImage, String> {
        let (image, used) = bincode::serde::decode_from_slice(bytes, config())
            .map_err(|e| format!("not a machine image: {e}"))?;
        if used != bytes.len() {
            return Err(format!(
                "machine image followed by {} stray bytes",
                bytes.len() - used
            ));
        }
        Ok(image)
    }

    /// Checks the image against its machine: chips and cores exist and are application cores, no core is
    /// loaded twice, every table fits a router. Errors name the chip and core.
    pub fn check(&self) -> Result<Machine, String> {
        let machine = self.machine.build()?;
        if ![100, 1000].contains(&self.timestep_us) {
            return Err(format!(
                "timestep_us: the runtime supports 1000 or 100 us ticks, got {}",
                self.timestep_us
            ));
        }
        if self.time_scale_factor == 0 {
            return Err("time_scale_factor: must be at least 1".to_string());
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, chip) in self.chips.iter().enumerate() {
            let at = format!("chips[{i}] {}", chip.chip);
            if machine.chip_index(chip.chip).is_none() {
                return Err(format!(
                    "{at}: not a working chip of {}",
                    self.machine.preset
                ));
            }
            if !seen.insert(chip.chip) {
                return Err(format!("{at}: chip listed twice"));
            }
            RoutingTable::new(chip.routing_table.clone()).map_err(|e| format!("{at}: {e}"))?;
            let usable: Vec<u8> = machine.app_cores(chip.chip).collect();
            let mut cores = std::collections::BTreeSet::new();
            for c in &chip.cores {
                if !usable.contains(&c.core) {
                    return Err(format!(
                        "{at} core {}: not an application core here (usable: {usable:?})",
                        c.core
                    ));
                }
                if !cores.insert(c.core) {
                    return Err(format!("{at} core {}: loaded twice", c.core));
                }
            }
        }
        Ok(machine)
    }
}

/// Image builders shared by the tests of the image and of the core programs.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use crate::runtime::fixed::Accum;
    use crate::runtime::master_pop_table::PopSource;
    use crate::runtime::neuron::exp_synapse::ExpSynapses;
    use crate::runtime::neuron::fixtures::lif_curr_exp;
    use crate::runtime::neuron::lif::LifCurrExp;
    use crate::runtime::synapse_row::{SynapticMatrix, SynapticRow};

    pub const SOURCE_KEYS: u32 = 0x1_0000;

    /// A neuron core of `n` LIF neurons whose synapses come from `sources` source neurons: source s connects to
    /// every target in `targets(s)` with `weight` (ring-buffer units) and a one-tick delay.
    pub fn neuron_core(
        n: usize,
        sources: u16,
        weight: u16,
        targets: impl Fn(u16) -> Vec<u16>,
    ) -> NeuronCoreImage {
        let layout = layout();
        let rows: Vec<SynapticRow> = (0..sources)
            .map(|s| {
                let words: Vec<u32> = targets(s)
                    .into_iter()
                    .map(|t| layout.encode(weight, 1, 0, t).unwrap())
                    .collect();
                SynapticRow::fixed(&words).unwrap()
            })
            .collect();
        neuron_core_with_rows(n, &rows)
    }

    /// The word layout of [`neuron_core`]'s cores: 256 neurons, two synapse types, 16 delay slots.
    pub fn layout() -> SynapticWordLayout {
        SynapticWordLayout::for_core(256, 2, 16).unwrap()
    }

    /// A neuron core of `n` LIF neurons (as [`neuron_core`]) whose source neuron s has row `rows[s]`, laid out
    /// with [`layout`]. The rows' matrix is the region's first, at address 0.
    pub fn neuron_core_with_rows(n: usize, rows: &[SynapticRow]) -> NeuronCoreImage {
        neuron_core_listening(n, rows, SOURCE_KEYS)
    }

    /// As [`neuron_core_with_rows`], for sources whose keys are `source_keys` + (neuron << 4) + colour.
    pub fn neuron_core_listening(
        n: usize,
        rows: &[SynapticRow],
        source_keys: u32,
    ) -> NeuronCoreImage {
        let sources = rows.len() as u16;
        let mut synaptic_region = SynapticRegion::new();
        let item = synaptic_region
            .push(&SynapticMatrix::new(rows).unwrap())
            .unwrap();
        let master_pop_table = MasterPopTable::build(vec![PopSource {
            key: source_keys,
            mask: 0xFFFF_0000,
            n_colour_bits: 4,
            core_mask: 0,
            mask_shift: 0,
            n_neurons: sources,
            n_words: sources.div_ceil(32),
            items: vec![item],
            bit_field: None,
        }])
        .unwrap();
        NeuronCoreImage {
            // A short excitatory synapse (0.5 ms): its current is gone by the next tick, so one input makes at
            // most one spike.
            neurons: NeuronArray::LifCurrExp(vec![
                LifCurrExp {
                    synapses: ExpSynapses::new(0.5, 5.0, 1.0),
                    ..lif_curr_exp(Accum::ZERO)
                };
                n
            ]),
            key_base: Some(0x2_0000),
            n_colour_bits: 4,
            master_pop_table,
            synaptic_region,
            word_layout: layout(),
            // 2^6 nA range: a stored weight w is w * 2^(6 - 15) nA.
            weight_shifts: vec![6, 6],
            incoming_spike_buffer: 256,
            recording: Recording {
                spikes: true,
                ..Recording::default()
            },
            stdp: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::neuron_core;
    use super::*;
    use crate::router::table::Route;

    fn image() -> MachineImage {
        // Four source neurons (the Poisson core), each with a row of two synapses onto neurons 0 and 2.
        let neurons = neuron_core(3, 4, 100, |_| vec![0, 2]);
        let poisson = PoissonCoreImage {
            sources: vec![
                SourceParams {
                    rate_hz: 10.0,
                    start_ms: 0.0,
                    duration_ms: None
                };
                4
            ],
            seed: [1, 2, 3, 4],
            key_base: Some(0x1_0000),
            n_colour_bits: 4,
            recording: Recording {
                spikes: true,
                ..Recording::default()
            },
        };
        MachineImage::one_chip(
            "spinnaker-48",
            ChipCoord::new(1, 1),
            vec![RoutingEntry {
                key: 0x1_0000,
                mask: 0xFFFF_0000,
                route: Route::default().with_core(2).with_link(0),
            }],
            vec![
                (1, CoreProgram::PoissonSource(poisson)),
                (2, CoreProgram::Neurons(neurons)),
            ],
        )
    }

    #[test]
    fn round_trips_through_bincode() {
        let img = image();
        let bytes = img.to_bytes().unwrap();
        let CoreProgram::Neurons(core) = &img.chips[0].cores[1].program else {
            unreachable!()
        };
        assert!(
            core.synaptic_region.size_bytes() >= 4 * (2 + 3) * 4,
            "four rows of two synapses stored"
        );
        assert_eq!(MachineImage::from_bytes(&bytes).unwrap(), img);
        assert!(MachineImage::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(
            MachineImage::from_bytes(&longer)
                .unwrap_err()
                .contains("stray")
        );
    }

    #[test]
    fn round_trips_an_image_with_stdp_through_bincode() {
        use super::fixtures::{layout, neuron_core_with_rows};
        use crate::runtime::stdp::{WeightRegion, WeightRule};
        use crate::runtime::synapse_row::{FixedSynapse, SynapticRow};
        let synapse = FixedSynapse {
            weight: 300,
            delay: 2,
            synapse_type: 1,
            index: 2,
        };
        let rows = [SynapticRow::plastic(layout(), &[synapse; 3], &[]).unwrap()];
        let mut core = neuron_core_with_rows(3, &rows);
        core.stdp = Some(Box::new(
            StdpConfig::new(
                0.1,
                20.0,
                20.0,
                WeightRule::Multiplicative,
                WeightRegion::from_f64(0.0, 2.0, 0.01, 0.01),
                2,
            )
            .unwrap(),
        ));
        let mut img = image();
        img.chips[0].cores[1].program = CoreProgram::Neurons(core);
        let back = MachineImage::from_bytes(&img.to_bytes().unwrap()).unwrap();
        assert_eq!(back, img);
        let CoreProgram::Neurons(core) = &back.chips[0].cores[1].program else {
            unreachable!()
        };
        assert_eq!(
            core.stdp.as_ref().unwrap().timing.tau_plus.values().len(),
            1526
        );
    }

    #[test]
    fn check_names_what_does_not_fit_the_machine() {
        assert_eq!(image().check().unwrap().n_chips(), 48);
        let mut bad = image();
        bad.chips[0].chip = ChipCoord::new(7, 0);
        assert!(
            bad.check()
                .unwrap_err()
                .contains("chips[0] (7, 0): not a working chip")
        );
        let mut bad = image();
        bad.chips[0].cores[1].core = 0;
        assert!(
            bad.check()
                .unwrap_err()
                .contains("core 0: not an application core")
        );
        let mut bad = image();
        bad.chips[0].cores[1].core = 1;
        assert!(bad.check().unwrap_err().contains("loaded twice"));
        let mut bad = image();
        bad.timestep_us = 500;
        assert!(bad.check().is_err());
    }
}
