//! Routing tables as the mapper builds them, before they are loaded into a router.

mod entry;

pub use entry::TableEntry;
