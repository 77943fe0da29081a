//! Router and link parameters: the hardware's encodings where the datasheet gives them, named defaults where
//! the spec marks a figure as unknown (U).

use super::engine::MAX_OUTPUT_BUFFER;
use crate::time::Time;

/// An 8-bit wait field of router register r0 (wait1 / wait2), in router clock cycles (spec §2.5, datasheet
/// §10.11): mantissa M = bits 3:0, exponent E = bits 7:4; E <= 4: (M + 16 - 2^(4-E)) * 2^E; E > 4:
/// (M + 16) * 2^E; 0xFF waits forever.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct WaitField(pub u8);

impl WaitField {
    /// The wait in router cycles; `None` = forever (0xFF).
    pub fn cycles(self) -> Option<u64> {
        if self.0 == 0xFF {
            return None;
        }
        let (m, e) = (u64::from(self.0 & 0x0F), u32::from(self.0 >> 4));
        Some(if e <= 4 {
            (m + 16 - (1 << (4 - e))) << e
        } else {
            (m + 16) << e
        })
    }

    /// The wait as a span of simulated time (`Time::NEVER` for forever).
    pub fn time(self) -> Time {
        self.cycles().map_or(Time::NEVER, Time::from_router_cycles)
    }
}

/// How a router treats packets, as the system software configures it.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct RouterConfig {
    /// Cycles an output may stay blocked before emergency routing (or dumping) starts. Default 0x4F = 480
    /// cycles, what sPyNNaker's extra-monitor reinjector sets (spec §2.5).
    pub wait1: WaitField,
    /// Cycles of emergency routing before the packet is dumped; 0 disables emergency routing (the sPyNNaker
    /// default, spec §2.5).
    pub wait2: WaitField,
    /// Pipeline latency from input to output stage (U in the datasheet; TickySim's 5 stages, spec §2.2).
    pub pipeline_cycles: u64,
    /// Re-send dumped multicast packets from the monitor, as sPyNNaker's reinjector does (spec §2.6).
    pub reinjection: bool,
    /// Reinjector queue length (4,096 entries in `extra_monitor_support.c`); a full queue loses the packet.
    pub reinjection_queue: usize,
    /// The reinjector's timer period: queued packets are re-sent at the next tick (10 us, spec §2.6).
    pub reinjection_period: Time,
    /// Emulator guard, not a hardware feature: a packet dumped this many times is counted lost instead of
    /// re-sent again (the real reinjector would loop forever on a packet routed into a dead link).
    pub max_reinjections: u8,
    /// How long a core takes to read a packet out of its comms controller's one-packet receive register
    /// (its FIQ handler, spec §9); the next packet for that core waits meanwhile. Zero for cores that read
    /// at once (traffic generators); the neural runtime sets its FIQ cost.
    pub core_receive: Time,
}

impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig {
            wait1: WaitField(0x4F),
            wait2: WaitField(0x00),
            pipeline_cycles: 5,
            reinjection: true,
            reinjection_queue: 4096,
            reinjection_period: Time::from_us(10),
            max_reinjections: 16,
            core_receive: Time::ZERO,
        }
    }
}

impl RouterConfig {
    /// Emergency routing on, with the given wait2 (in the register's encoding).
    pub fn with_emergency_routing(self, wait2: WaitField) -> Self {
        RouterConfig { wait2, ..self }
    }

    pub fn emergency_routing(&self) -> bool {
        self.wait2.0 != 0
    }
}

/// Link timing (spec §3.4, §9; measured figures are U, so every figure is a parameter).
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct LinkConfig {
    /// Router cycles to send a 40-bit packet over an on-board 2-of-7 link (TickySim's 16, spec §3.4).
    pub cycles_40bit: u64,
    /// 72-bit packets: 19 symbols instead of 11 (spec §9: 28 cycles).
    pub cycles_72bit: u64,
    /// Board-to-board links: 8 chip links share one 2.4 Gb/s (after 8b/10b) HSS channel, so a saturated link
    /// gets 300 Mb/s: 40 bits take 133 ns = 18 router cycles (spec §3.2, §3.4). The shared multiplexer is
    /// modelled as this fixed share per link.
    pub board_cycles_40bit: u64,
    /// 72 bits at 300 Mb/s = 240 ns = 32 router cycles.
    pub board_cycles_72bit: u64,
    /// Extra latency of chip -> FPGA -> serial -> FPGA -> chip (U: "several hundred ns", spec §3.4).
    pub board_extra_latency: Time,
    /// Packets an output link can hold, including the one being sent (U, spec §10: depth of the output
    /// buffers not found); when full, the router's output stage blocks. At most [`MAX_OUTPUT_BUFFER`].
    pub output_buffer: usize,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            cycles_40bit: 16,
            cycles_72bit: 28,
            board_cycles_40bit: 18,
            board_cycles_72bit: 32,
            board_extra_latency: Time::from_ns(400.0),
            output_buffer: 2,
        }
    }
}

/// Every timing and policy parameter of the machine's interconnect.
#[derive(Clone, Copy, PartialEq, Debug, Default)]
pub struct NetworkParams {
    pub router: RouterConfig,
    pub links: LinkConfig,
}

impl NetworkParams {
    /// The least time between a router handling a packet and the packet reaching another chip: the
    /// lookahead of conservative parallel simulation.
    pub fn lookahead(&self) -> Time {
        Time::from_router_cycles(
            self.router.pipeline_cycles
                + self.links.cycles_40bit.min(self.links.board_cycles_40bit),
        )
    }
}

/// [`NetworkParams`] decoded once for the router's per-packet work: the wait fields as times, the link
/// serialisation times by kind and length. Built when a simulation starts.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub params: NetworkParams,
    /// One router cycle: the input stage takes one packet per cycle.
    pub cycle: Time,
    pub pipeline: Time,
    pub wait1: Time,
    pub wait2: Time,
    /// Link serialisation time, by link kind (on-board, board-to-board) and packet length (40, 72 bits).
    pub serial: [[Time; 2]; 2],
    /// Extra latency by link kind (the board-to-board FPGAs).
    pub extra: [Time; 2],
}

impl Timing {
    /// # Panics
    /// If `params.links.output_buffer` is not 1..=[`MAX_OUTPUT_BUFFER`].
    pub fn new(params: &NetworkParams) -> Timing {
        let links = &params.links;
        assert!(
            (1..=MAX_OUTPUT_BUFFER).contains(&links.output_buffer),
            "links.output_buffer must be 1..={MAX_OUTPUT_BUFFER} packets, got {}",
            links.output_buffer
        );
        let cycles = Time::from_router_cycles;
        Timing {
            params: *params,
            cycle: cycles(1),
            pipeline: cycles(params.router.pipeline_cycles),
            wait1: params.router.wait1.time(),
            wait2: params.router.wait2.time(),
            serial: [
                [cycles(links.cycles_40bit), cycles(links.cycles_72bit)],
                [
                    cycles(links.board_cycles_40bit),
                    cycles(links.board_cycles_72bit),
                ],
            ],
            extra: [Time::ZERO, links.board_extra_latency],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_encoding_matches_the_datasheet_vectors() {
        // Test vectors of spec §9.2.
        let cases = [
            (0x00, Some(0)),
            (0x0F, Some(15)),
            (0x10, Some(16)),
            (0x1F, Some(46)),
            (0x20, Some(48)),
            (0x30, Some(112)),
            (0x40, Some(240)),
            (0x4F, Some(480)),
            (0x50, Some(512)),
            (0xEE, Some(491_520)),
            (0xFF, None),
        ];
        for (field, cycles) in cases {
            assert_eq!(WaitField(field).cycles(), cycles, "{field:#04x}");
        }
    }

    #[test]
    fn wait_encoding_is_monotonic() {
        let waits: Vec<u64> = (0..0xFF).map(|f| WaitField(f).cycles().unwrap()).collect();
        assert!(waits.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    #[should_panic(expected = "links.output_buffer must be 1..=4")]
    fn an_output_buffer_deeper_than_the_model_holds_is_refused() {
        let mut params = NetworkParams::default();
        params.links.output_buffer = MAX_OUTPUT_BUFFER + 1;
        Timing::new(&params);
    }
}
