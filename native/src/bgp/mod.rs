//! BGP-4: codec, FSM, sessions, UPDATE encoder.

pub mod codec;
pub mod fsm;
pub mod socket;
pub mod adj_rib_out;
pub mod peer_config;
pub mod timers;
