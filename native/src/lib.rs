//! ferrolb native core.
//!
//! Independent parts share this addon: `bgp` (codec, sans-IO FSM, sessions on tokio,
//! UPDATE encoder), `bfd` (RFC 5880/5881 sessions a BGP peer can ask for) and `l2`
//! (ARP/NDP announcer on AF_PACKET). Nothing here
//! knows about Kubernetes or MetalLB objects: the TypeScript side hands over desired
//! state and receives events.
#![deny(clippy::all)]

pub mod bfd;
pub mod bgp;
pub mod l2;

use napi_derive::napi;

/// Version of the native core, for diagnostics (`ferrolb --version`).
#[napi]
pub fn native_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
