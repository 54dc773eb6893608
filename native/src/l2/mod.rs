//! Layer 2 announcer: gratuitous ARP / unsolicited NA and ARP/NS responder.
//!
//! Pure codecs (`ethernet`, `arp`, `ndp`, `bpf`, `schedule`, `desired`) are plain functions
//! over bytes and data; `sys` is the only place that talks to the kernel; `engine` owns the
//! sockets and the state on one thread; `js` is the napi surface (`L2Announcer`).
//!
//! Protocol decisions, with their sources:
//! - Gratuitous ARP goes out in both forms, broadcast, sender IP = target IP = the VIP: the
//!   request form of RFC 5227 §2.3 (target MAC zero) and the reply form of RFC 5944 §4.6
//!   (target MAC ours), because hosts and routers differ in which one they act on.
//! - ARP requests are answered when broadcast or sent to our MAC, never when the sender is us.
//!   RFC 5227 probes (sender IP 0.0.0.0) are answered, so a host probing for a VIP we own sees
//!   the conflict. RFC 5227 announcements (sender IP = target IP) tell rather than ask: they are
//!   counted but not answered, so a new owner's announcement is not contradicted.
//! - Unsolicited NAs (RFC 4861 §7.2.6) go to ff02::1 with Override=1, Solicited=0, Router=0 and
//!   the target link-layer option; source address = the VIP itself, hop limit 255.
//! - Solicitations (validated per RFC 4861 §7.1.1) for an owned target get a solicited NA
//!   (S=1, O=1) unicast to the solicitor: to its source link-layer option, or the frame's
//!   source MAC when the option is absent (unicast NUD probes).
//! - A solicitation from the unspecified address is Duplicate Address Detection (RFC 4862
//!   §5.4.2). It is not answered like a normal NS (there is no address to answer to). RFC 4861
//!   §7.2.4 says a node that owns the target answers it with an NA to all-nodes with S=0, and
//!   RFC 4862 §5.4.3 is what makes the prober treat that as a duplicate: so we defend owned
//!   addresses that way (counted as a response).
//! - Solicited-node groups are joined per interface with reference counts (several VIPs can
//!   share one group): PACKET_ADD_MEMBERSHIP programs the NIC filter, and an IPV6_JOIN_GROUP
//!   on a UDP socket makes the kernel send MLD reports for snooping switches (best effort:
//!   per-socket limits can refuse it; an `error` event says so once per interface).
//! - Conflicts: a gratuitous ARP, ARP reply or Neighbor Advertisement from another MAC for an
//!   IP we announce raises a `conflict` event (at most one per IP every 10 s). We do not fight
//!   back beyond our schedule: which node owns an IP is the control plane's decision.

pub mod arp;
pub mod bpf;
pub mod desired;
pub mod engine;
pub mod ethernet;
pub mod js;
pub mod ndp;
pub mod schedule;
pub mod sys;
