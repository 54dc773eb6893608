//! BGP-4: codec, FSM, sessions, UPDATE encoder.
//!
//! - `codec`: wire format, every decode error mapped to its NOTIFICATION; `napi_codec` exposes
//!   the pure encoder/decoder to JS.
//! - `fsm` (sans-IO, RFC 4271 §8) and `timers`: decisions as `(state, input) -> actions`.
//! - `socket`: the only `unsafe` (TCP MD5), TTL, source binding, the dual-stack listener.
//! - `session`: one tokio task per peer driving the FSM, collision handling (§6.8), lazy UPDATE
//!   output through `update_queue`.
//! - `adj_rib_out` + `route_set`: desired routes as compact, shared per-peer views and diffs.
//! - `speaker_core` (Rust) and `speaker` (napi `BgpSpeaker`), with `peer_config`, `status`,
//!   `events` for what crosses to JS.

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
