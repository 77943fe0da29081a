//! The input spike buffer: the circular buffer of received keys in DTCM between the packet
//! interrupt and spike processing (spec §4.4).
//!
//! Sized as spinn_common's `circular_buffer` sizes it: the requested size is rounded up to a
//! power of two, and one slot always stays empty to tell full from empty, so the default 256
//! holds 255 keys.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// sPyNNaker's default `incoming_spike_buffer_size` (§4.4).
pub const DEFAULT_INPUT_BUFFER_SIZE: u32 = 256;

/// A FIFO of spike keys that drops and counts keys arriving when it is full.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "BufferFields")]
pub struct InputSpikeBuffer {
    keys: VecDeque<u32>,
    capacity: usize,
    overflows: u32,
    max_fill: u32,
}

/// The unchecked serialised form of [`InputSpikeBuffer`].
#[derive(Deserialize)]
struct BufferFields {
    keys: VecDeque<u32>,
    capacity: usize,
    overflows: u32,
    max_fill: u32,
}

impl TryFrom<BufferFields> for InputSpikeBuffer {
    type Error = String;

    fn try_from(f: BufferFields) -> Result<InputSpikeBuffer, String> {
        let power_of_two = f
            .capacity
            .checked_add(1)
            .is_some_and(usize::is_power_of_two);
        if !power_of_two || f.keys.len() > f.capacity {
            return Err(format!(
                "input spike buffer with capacity {} holding {} keys: capacity must be a power \
                 of two minus one and hold the keys",
                f.capacity,
                f.keys.len()
            ));
        }
        Ok(InputSpikeBuffer {
            keys: f.keys,
            capacity: f.capacity,
            overflows: f.overflows,
            max_fill: f.max_fill,
        })
    }
}

impl Default for InputSpikeBuffer {
    fn default() -> InputSpikeBuffer {
        InputSpikeBuffer::new(DEFAULT_INPUT_BUFFER_SIZE)
    }
}

impl InputSpikeBuffer {
    /// A buffer for a requested size, holding `next_power_of_two(size) − 1` keys. A size of 0 is
    /// taken as 1 (upstream's rounding misbehaves on 0), which like 1 holds no keys at all.
    pub fn new(requested_size: u32) -> InputSpikeBuffer {
        let capacity = requested_size.max(1).next_power_of_two() as usize - 1;
        InputSpikeBuffer {
            keys: VecDeque::with_capacity(capacity),
            capacity,
            overflows: 0,
            max_fill: 0,
        }
    }

    /// Keys the buffer can hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Appends a received key; when full, drops it, counts an overflow and returns false.
    pub fn push(&mut self, key: u32) -> bool {
        if self.keys.len() == self.capacity {
            self.overflows += 1;
            return false;
        }
        self.keys.push_back(key);
        true
    }

    /// Takes the oldest key.
    pub fn pop(&mut self) -> Option<u32> {
        self.keys.pop_front()
    }

    /// Keys waiting.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is waiting.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Drops all waiting keys (`drop_late_spikes`, §4.2 step 2) and returns how many there were.
    pub fn clear(&mut self) -> usize {
        let n = self.keys.len();
        self.keys.clear();
        n
    }

    /// Records the current fill in the high-water mark. sPyNNaker samples it once each time the
    /// DMA loop goes back to the buffer for more spikes (`is_something_to_do`), not on every
    /// packet, so the runtime calls this at that point to report the same maximum.
    pub fn record_fill(&mut self) {
        self.max_fill = self.max_fill.max(self.keys.len() as u32);
    }

    /// "Times_the_input_buffer_lost_packets".
    pub fn overflows(&self) -> u32 {
        self.overflows
    }

    /// "Max_filled_size_input_buffer": the largest fill recorded by
    /// [`InputSpikeBuffer::record_fill`].
    pub fn max_fill(&self) -> u32 {
        self.max_fill
    }
}
