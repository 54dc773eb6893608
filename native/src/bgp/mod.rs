//! BGP-4: codec, FSM, sessions, UPDATE encoder.

pub mod adj_rib_out;
pub mod codec;
pub mod events;
pub mod fsm;
pub mod napi_codec;
pub mod peer_config;
pub mod route_set;
pub mod session;
pub mod socket;
pub mod speaker;
pub mod speaker_core;
pub mod status;
pub mod timers;
pub mod update_queue;
