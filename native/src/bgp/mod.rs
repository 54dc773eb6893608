//! BGP-4: codec, FSM, sessions, UPDATE encoder.

pub mod adj_rib_out;
pub mod codec;
pub mod fsm;
pub mod peer_config;
pub mod socket;
pub mod timers;
pub mod events;
pub mod status;
