//! BFD (RFC 5880) for single-hop BGP peers (RFC 5881), independent of BGP.
//!
//! - `packet`: Control packet codec and the session-independent §6.8.6 discard rules.
//! - `machine`: one session's state machine and timers, sans-IO (RFC 5880 §6.8).
//! - `socket`: the only `unsafe` (recvmsg with the TTL/hop limit), port 3784 receivers,
//!   per-session senders with TTL 255.
//! - `service`: session tasks and the demultiplexer; `status` what a session reports.
//!
//! Not implemented: the Echo function, authentication, Demand mode (a peer's is honoured),
//! multihop BFD (RFC 5883).

pub mod machine;
pub mod packet;
pub mod service;
pub mod socket;
pub mod status;
