//! Router diagnostic counters, named after SpiNNMan's names for SARK's default filters (spec §2.8), the
//! reinjector's counters (§2.6) and per-link counts the hardware cannot give cheaply (§8).
//!
//! Counters are plain structs owned by each chip and summed by the machine: no global mutable state.

use std::ops::AddAssign;

use serde::Serialize;

/// Packets counted per kind, split as SARK's default diagnostic filters split them.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize)]
pub struct RouterCounters {
    /// Counter 0: multicast packets from a local core.
    pub loc_mc: u64,
    /// Counter 1: multicast packets from a link.
    pub ext_mc: u64,
    pub loc_pp: u64,
    pub ext_pp: u64,
    pub loc_nn: u64,
    pub ext_nn: u64,
    pub loc_fr: u64,
    pub ext_fr: u64,
    /// Counters 8-11: packets dumped (dropped) after wait1 (+ wait2).
    pub dump_mc: u64,
    pub dump_pp: u64,
    pub dump_nn: u64,
    pub dump_fr: u64,
    /// Counter 14 (user 2): multicast packets from a link that matched no entry and went straight through.
    pub ext_default_routed_mc: u64,
    /// Counter 15 (user 3): multicast packets from a local core that matched no entry: unroutable, dropped
    /// (a bug in keys or tables).
    pub loc_default_routed_mc: u64,
    /// Packets diverted by emergency routing (first leg, ER field 01 or 10) at this router.
    pub emergency_routed: u64,
    /// Packets forwarded here as the second leg of an emergency detour (ER field 11).
    pub emergency_reverted: u64,
    /// Router cycles the output stage spent blocked (r13-r31's "wait" statistics, summed).
    pub blocked_cycles: u64,
    /// Of the dumps: packets that waited on an incoming link longer than wait1 (back-pressure; see
    /// `router::engine`).
    pub input_dumps: u64,
    /// Core destinations dumped because the core had not read its previous packet within wait1
    /// ("Dumped_from_a_processor": a core too slow to take its packets).
    pub dumped_from_processor: u64,
    /// Reinjector: dumped packets taken into its queue.
    pub received_for_reinjection: u64,
    /// Reinjector: packets re-sent.
    pub reinjected: u64,
    /// Reinjector: dumped packets lost because its queue was full (`n_dropped_packet_overflows`); not
    /// included in `received_for_reinjection`.
    pub reinjection_overflows: u64,
    /// Dumped packets given up after the emulator's reinjection limit (see `RouterConfig::max_reinjections`);
    /// not included in `received_for_reinjection`.
    pub reinjection_abandoned: u64,
    /// Packets delivered to local cores (one per destination core).
    pub delivered: u64,
}

impl RouterCounters {
    /// Packets lost for good: dumped and not taken by the reinjector (reinjection off, not multicast, queue
    /// full, or limit reached), plus unroutable local packets.
    pub fn lost(&self) -> u64 {
        let dumped = self.dump_mc + self.dump_pp + self.dump_nn + self.dump_fr;
        dumped - self.received_for_reinjection + self.loc_default_routed_mc
    }

    /// Named counters, for provenance.json.
    pub fn named(&self) -> [(&'static str, u64); 25] {
        [
            ("Local_Multicast_Packets", self.loc_mc),
            ("External_Multicast_Packets", self.ext_mc),
            ("Local_P2P_Packets", self.loc_pp),
            ("External_P2P_Packets", self.ext_pp),
            ("Local_NN_Packets", self.loc_nn),
            ("External_NN_Packets", self.ext_nn),
            ("Local_FR_Packets", self.loc_fr),
            ("External_FR_Packets", self.ext_fr),
            ("Dropped_Multicast_Packets", self.dump_mc),
            ("Dropped_P2P_Packets", self.dump_pp),
            ("Dropped_NN_Packets", self.dump_nn),
            ("Dropped_FR_Packets", self.dump_fr),
            (
                "Default_Routed_External_Multicast_Packets",
                self.ext_default_routed_mc,
            ),
            (
                "Default_Routed_Local_Multicast_Packets",
                self.loc_default_routed_mc,
            ),
            ("Emergency_Routed_Packets", self.emergency_routed),
            ("Emergency_Reverted_Packets", self.emergency_reverted),
            ("Blocked_Router_Cycles", self.blocked_cycles),
            ("Dumped_Waiting_On_Input_Link", self.input_dumps),
            ("Dumped_from_a_processor", self.dumped_from_processor),
            ("Received_For_Reinjection", self.received_for_reinjection),
            ("Reinjected", self.reinjected),
            ("Reinjection_Overflows", self.reinjection_overflows),
            ("Reinjection_Abandoned", self.reinjection_abandoned),
            ("Delivered_To_Cores", self.delivered),
            ("Lost_Packets", self.lost()),
        ]
    }
}

impl AddAssign<&RouterCounters> for RouterCounters {
    fn add_assign(&mut self, o: &RouterCounters) {
        self.loc_mc += o.loc_mc;
        self.ext_mc += o.ext_mc;
        self.loc_pp += o.loc_pp;
        self.ext_pp += o.ext_pp;
        self.loc_nn += o.loc_nn;
        self.ext_nn += o.ext_nn;
        self.loc_fr += o.loc_fr;
        self.ext_fr += o.ext_fr;
        self.dump_mc += o.dump_mc;
        self.dump_pp += o.dump_pp;
        self.dump_nn += o.dump_nn;
        self.dump_fr += o.dump_fr;
        self.ext_default_routed_mc += o.ext_default_routed_mc;
        self.loc_default_routed_mc += o.loc_default_routed_mc;
        self.emergency_routed += o.emergency_routed;
        self.emergency_reverted += o.emergency_reverted;
        self.blocked_cycles += o.blocked_cycles;
        self.input_dumps += o.input_dumps;
        self.dumped_from_processor += o.dumped_from_processor;
        self.received_for_reinjection += o.received_for_reinjection;
        self.reinjected += o.reinjected;
        self.reinjection_overflows += o.reinjection_overflows;
        self.reinjection_abandoned += o.reinjection_abandoned;
        self.delivered += o.delivered;
    }
}

/// Traffic on one direction of one link, as seen by the sending router.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize)]
pub struct LinkCounters {
    /// Packets sent on the link.
    pub sent: u64,
    /// Packets that could not be sent on it (blocked past wait1/wait2, or a dead link) and were dumped or
    /// diverted.
    pub blocked: u64,
    /// Router cycles of packets waiting for this link's output buffer.
    pub wait_cycles: u64,
}

impl AddAssign<&LinkCounters> for LinkCounters {
    fn add_assign(&mut self, o: &LinkCounters) {
        self.sent += o.sent;
        self.blocked += o.blocked;
        self.wait_cycles += o.wait_cycles;
    }
}
