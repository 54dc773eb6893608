//! BFD (RFC 5880) for single-hop BGP peers (RFC 5881), independent of BGP.
//!
//! - `packet`: Control packet codec and the session-independent §6.8.6 discard rules.
//! - `machine`: one session's state machine and timers, sans-IO (RFC 5880 §6.8).

pub mod machine;
pub mod packet;
pub mod service;
pub mod socket;
pub mod status;
