//! The energy the real machine would have used for a run, from the SpiNNaker toolchain's power model
//! (spinnaker.md §2.1 and §3.2; SpiNNMachine `version_spin1.py`, `version_3.py`, `version_5.py`):
//!
//! - **Idle boards**: a 48-chip SpiNN-5 board draws 26.84 W idle, a 4-chip SpiNN-3 board 3.56 W, for as long as
//!   the machine runs (`hardware_time_s`, which a timer overrun lengthens). Frames and cabinets of
//!   multi-board machines (117 W idle per frame) are left out: the emulator does not know how boards are boxed.
//! - **Active cores**: 0.034 W over idle for each core while it computes (measured on a boxed board with 806
//!   cores busy). The emulator knows each neuron core's busy cycles per activity (`CoreProfile`), so the
//!   term is split into neuron updates, synaptic events (packet handling, row processing) and the rest (timer
//!   and bookkeeping). Source and delay-extension cores are not profiled and count as idle.
//! - **Packets**: 25 pJ per bit through a router, 1 nJ per 40-bit multicast packet per router it passes
//!   (the 72-bit payload packet's 1.8 nJ is not used: the runtime's spikes carry no payload).
//!
//! For comparison, van Albada et al. (2018, Front. Neurosci. 12:291) measured about 5.9 µJ per synaptic event
//! for the full-scale cortical microcircuit on SpiNNaker (whole machine, 20x slower than real time).

use std::collections::BTreeMap;

use nmemu_loader::writers::Energy;
use spinnaker_emu::kernel::Simulation;
use spinnaker_emu::machine::Machine;
use spinnaker_emu::preset::Preset;
use spinnaker_emu::runtime::program::{ChipRuntime, Program};

use super::partition::CORE_HZ;

/// Idle power of a 48-chip SpiNN-5 board (W).
pub const WATTS_PER_SPINN5_BOARD_IDLE: f64 = 26.84;
/// Idle power of a 4-chip SpiNN-3 board (W).
pub const WATTS_PER_SPINN3_BOARD_IDLE: f64 = 3.56;
/// Power of one busy core above idle (W).
pub const WATTS_PER_ACTIVE_CORE: f64 = 0.034;
/// Energy of one 40-bit multicast packet through one router (J): 25 pJ per bit.
pub const JOULES_PER_PACKET_HOP: f64 = 40.0 * 25e-12;

/// The run's energy: `hardware_time_s` of the machine, the cores' busy cycles and the routers' packets.
pub fn energy(machine: &Machine, sim: &Simulation<ChipRuntime>, hardware_time_s: f64) -> Energy {
    let idle_w = match machine.preset() {
        Preset::Spinn3 => WATTS_PER_SPINN3_BOARD_IDLE,
        other => f64::from(other.boards()) * WATTS_PER_SPINN5_BOARD_IDLE,
    };
    let (mut updates, mut synaptic, mut other, mut hops, mut events) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    for chip in sim.chips() {
        let routed = &chip.router.counters;
        hops += routed.loc_mc + routed.ext_mc;
        for program in chip.app.cores.iter().flatten() {
            if let Program::Neurons(core) = program {
                let p = &core.profile;
                updates += p.neuron_update_cycles;
                synaptic += p.packet_cycles + p.synaptic_processing_cycles;
                other += p.timer_cycles;
                events += core.counters.synaptic_events;
            }
        }
    }
    let core_j = |cycles: u64| WATTS_PER_ACTIVE_CORE * cycles as f64 / CORE_HZ;
    let breakdown_j: BTreeMap<String, f64> = [
        ("idle_boards", idle_w * hardware_time_s),
        ("neuron_updates", core_j(updates)),
        ("synaptic_events", core_j(synaptic)),
        ("active_cores_other", core_j(other)),
        ("packets", JOULES_PER_PACKET_HOP * hops as f64),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let total_j = breakdown_j.values().sum::<f64>();
    Energy {
        total_j,
        breakdown_j,
        per_synaptic_event_j: (events > 0).then(|| total_j / events as f64),
        model: "SpiNNaker toolchain power model (SpiNNMachine version_spin1/3/5: idle boards 26.84 W per SpiNN-5, \
                3.56 W per SpiNN-3; 0.034 W per busy core; 25 pJ per bit per router)"
            .to_string(),
    }
}
