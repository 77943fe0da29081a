//! Routing: a multicast tree per net over the working chips and links ([`ner`]), and the routing-table
//! entries and link loads the trees give ([`tables`]).

pub mod ner;
pub mod tables;

#[cfg(test)]
mod tests;
