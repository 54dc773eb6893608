//! Layer 2 announcer: gratuitous ARP / unsolicited NA and ARP/NS responder.
//!
//! Pure codecs (`ethernet`, `arp`, `ndp`, `bpf`, `schedule`) are plain functions over bytes and
//! data; `sys` is the only place that talks to the kernel; `engine` owns the sockets and the
//! state on one thread; `js` is the napi surface.

pub mod arp;
pub mod bpf;
pub mod desired;
pub mod engine;
pub mod ethernet;
pub mod js;
pub mod ndp;
pub mod schedule;
pub mod sys;
