//! ARP over Ethernet (RFC 826): parsing requests and building replies and gratuitous ARPs.
//!
//! Pure functions over byte slices; the socket layer hands in whole Ethernet frames.

use std::net::Ipv4Addr;

use super::ethernet::{self, Mac, BROADCAST, ETHERTYPE_ARP, HEADER_LEN, MIN_FRAME_LEN};

/// ARP payload length for Ethernet/IPv4.
pub const ARP_LEN: usize = 28;
pub const OP_REQUEST: u16 = 1;
pub const OP_REPLY: u16 = 2;
const HTYPE_ETHERNET: u16 = 1;
const PTYPE_IPV4: u16 = 0x0800;

/// An ARP request that passed validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArpRequest {
    /// Ethernet destination of the frame (broadcast or a unicast MAC).
    pub eth_dst: Mac,
    pub sender_mac: Mac,
    /// 0.0.0.0 for an RFC 5227 probe.
    pub sender_ip: Ipv4Addr,
    pub target_ip: Ipv4Addr,
}

impl ArpRequest {
    /// An RFC 5227 announcement (gratuitous request): sender IP equals target IP. It tells, it
    /// does not ask, so it is never answered.
    pub fn is_announcement(&self) -> bool {
        self.sender_ip == self.target_ip
    }
}

/// An ARP reply that passed validation: `sender_mac` says it has `sender_ip`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArpReply {
    pub sender_mac: Mac,
    pub sender_ip: Ipv4Addr,
}

/// What a received ARP frame turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArpFrame {
    Request(ArpRequest),
    /// Replies matter only when they claim an address we own (a conflict).
    Reply(ArpReply),
    /// A well-formed ARP packet with another opcode (RARP, InARP, ...): not ours to handle.
    Other,
    /// Malformed: counted and dropped. The text says why (for tests and debugging).
    Malformed(&'static str),
}

/// Parses and validates an Ethernet frame carrying ARP.
pub fn parse(frame: &[u8]) -> ArpFrame {
    if frame.len() < HEADER_LEN + ARP_LEN {
        return ArpFrame::Malformed("frame shorter than Ethernet + ARP headers");
    }
    if ethernet::ethertype(frame) != ETHERTYPE_ARP {
        return ArpFrame::Malformed("ethertype is not ARP");
    }
    let arp = &frame[HEADER_LEN..];
    let be16 = |i: usize| u16::from_be_bytes([arp[i], arp[i + 1]]);
    if be16(0) != HTYPE_ETHERNET {
        return ArpFrame::Malformed("hardware type is not Ethernet (1)");
    }
    if be16(2) != PTYPE_IPV4 {
        return ArpFrame::Malformed("protocol type is not IPv4 (0x0800)");
    }
    if arp[4] != 6 {
        return ArpFrame::Malformed("hardware address length is not 6");
    }
    if arp[5] != 4 {
        return ArpFrame::Malformed("protocol address length is not 4");
    }
    let op = be16(6);
    if op != OP_REQUEST && op != OP_REPLY {
        return ArpFrame::Other;
    }
    let sender_mac = ethernet::mac_at(arp, 8);
    if sender_mac == BROADCAST || sender_mac[0] & 1 == 1 {
        return ArpFrame::Malformed("sender hardware address is multicast");
    }
    if op == OP_REPLY {
        return ArpFrame::Reply(ArpReply {
            sender_mac,
            sender_ip: ipv4_at(arp, 14),
        });
    }
    ArpFrame::Request(ArpRequest {
        eth_dst: ethernet::mac_at(frame, 0),
        sender_mac,
        sender_ip: ipv4_at(arp, 14),
        target_ip: ipv4_at(arp, 24),
    })
}

fn ipv4_at(b: &[u8], i: usize) -> Ipv4Addr {
    Ipv4Addr::new(b[i], b[i + 1], b[i + 2], b[i + 3])
}

/// Writes a complete ARP frame (padded to the 60-byte Ethernet minimum) into `out`.
#[allow(clippy::too_many_arguments)]
fn write_frame(
    out: &mut Vec<u8>,
    eth_dst: Mac,
    eth_src: Mac,
    op: u16,
    sha: Mac,
    spa: Ipv4Addr,
    tha: Mac,
    tpa: Ipv4Addr,
) {
    out.clear();
    ethernet::write_header(out, eth_dst, eth_src, ETHERTYPE_ARP);
    out.extend_from_slice(&HTYPE_ETHERNET.to_be_bytes());
    out.extend_from_slice(&PTYPE_IPV4.to_be_bytes());
    out.extend_from_slice(&[6, 4]);
    out.extend_from_slice(&op.to_be_bytes());
    out.extend_from_slice(&sha);
    out.extend_from_slice(&spa.octets());
    out.extend_from_slice(&tha);
    out.extend_from_slice(&tpa.octets());
    out.resize(MIN_FRAME_LEN, 0);
}

/// Gratuitous ARP, request form (RFC 5227 §2.3 "ARP Announcement"): broadcast, sender IP =
/// target IP = the VIP, target hardware address zero.
pub fn gratuitous_request(out: &mut Vec<u8>, mac: Mac, vip: Ipv4Addr) {
    write_frame(out, BROADCAST, mac, OP_REQUEST, mac, vip, [0; 6], vip);
}

/// Gratuitous ARP, reply form (RFC 5944 §4.6): broadcast, sender IP = target IP = the VIP,
/// both hardware addresses ours. Some hosts and routers only act on one of the two forms.
pub fn gratuitous_reply(out: &mut Vec<u8>, mac: Mac, vip: Ipv4Addr) {
    write_frame(out, BROADCAST, mac, OP_REPLY, mac, vip, mac, vip);
}

/// The answer to `req`: unicast to the requester, telling that `req.target_ip` is at `mac`.
/// An RFC 5227 probe (sender IP 0.0.0.0) gets the same reply, which makes the prober see the
/// conflict.
pub fn reply(out: &mut Vec<u8>, mac: Mac, req: &ArpRequest) {
    write_frame(
        out,
        req.sender_mac,
        mac,
        OP_REPLY,
        mac,
        req.target_ip,
        req.sender_mac,
        req.sender_ip,
    );
}

/// Builds an ARP request frame (used by tests and the benchmark client).
pub fn request(
    out: &mut Vec<u8>,
    eth_dst: Mac,
    mac: Mac,
    sender_ip: Ipv4Addr,
    target_ip: Ipv4Addr,
) {
    write_frame(
        out, eth_dst, mac, OP_REQUEST, mac, sender_ip, [0; 6], target_ip,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: Mac = [0x02, 0, 0, 0, 0, 0x0a];
    const PEER: Mac = [0x02, 0, 0, 0, 0, 0x0b];
    const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);
    const CLIENT: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn padded(s: &str) -> Vec<u8> {
        let mut v = hex(s);
        v.resize(60, 0);
        v
    }

    #[test]
    fn builds_exact_frames() {
        type Build = fn(&mut Vec<u8>);
        let cases: [(&str, Build, &str); 4] = [
      (
        "gratuitous request",
        |o| gratuitous_request(o, MAC, VIP),
        "ffffffffffff 02000000000a 0806 0001 0800 06 04 0001 02000000000a c0000264 000000000000 c0000264",
      ),
      (
        "gratuitous reply",
        |o| gratuitous_reply(o, MAC, VIP),
        "ffffffffffff 02000000000a 0806 0001 0800 06 04 0002 02000000000a c0000264 02000000000a c0000264",
      ),
      (
        "reply to a request",
        |o| {
          let req = ArpRequest { eth_dst: BROADCAST, sender_mac: PEER, sender_ip: CLIENT, target_ip: VIP };
          reply(o, MAC, &req)
        },
        "02000000000b 02000000000a 0806 0001 0800 06 04 0002 02000000000a c0000264 02000000000b c000020a",
      ),
      (
        "reply to an RFC 5227 probe",
        |o| {
          let req =
            ArpRequest { eth_dst: BROADCAST, sender_mac: PEER, sender_ip: Ipv4Addr::UNSPECIFIED, target_ip: VIP };
          reply(o, MAC, &req)
        },
        "02000000000b 02000000000a 0806 0001 0800 06 04 0002 02000000000a c0000264 02000000000b 00000000",
      ),
    ];
        for (name, build, want) in cases {
            let mut out = Vec::new();
            build(&mut out);
            assert_eq!(out, padded(want), "{name}");
        }
    }

    #[test]
    fn parses_and_validates() {
        let good = "ffffffffffff 02000000000b 0806 0001 0800 06 04 0001 02000000000b c000020a 000000000000 c0000264";
        let req = ArpFrame::Request(ArpRequest {
            eth_dst: BROADCAST,
            sender_mac: PEER,
            sender_ip: CLIENT,
            target_ip: VIP,
        });
        let cases: Vec<(&str, Vec<u8>, ArpFrame)> = vec![
      ("unpadded request", hex(good), req.clone()),
      ("padded request", padded(good), req),
      (
        "unicast request",
        hex("02000000000a 02000000000b 0806 0001 0800 06 04 0001 02000000000b c000020a 000000000000 c0000264"),
        ArpFrame::Request(ArpRequest { eth_dst: MAC, sender_mac: PEER, sender_ip: CLIENT, target_ip: VIP }),
      ),
      (
        "reply",
        hex("ffffffffffff 02000000000b 0806 0001 0800 06 04 0002 02000000000b c000020a 000000000000 c0000264"),
        ArpFrame::Reply(ArpReply { sender_mac: PEER, sender_ip: CLIENT }),
      ),
      (
        "RARP opcode",
        hex("ffffffffffff 02000000000b 0806 0001 0800 06 04 0003 02000000000b c000020a 000000000000 c0000264"),
        ArpFrame::Other,
      ),
      (
        "truncated",
        hex("ffffffffffff 02000000000b 0806 0001 0800 06 04 0001 02000000000b c000020a"),
        ArpFrame::Malformed("frame shorter than Ethernet + ARP headers"),
      ),
      (
        "htype 6",
        hex("ffffffffffff 02000000000b 0806 0006 0800 06 04 0001 02000000000b c000020a 000000000000 c0000264"),
        ArpFrame::Malformed("hardware type is not Ethernet (1)"),
      ),
      (
        "ptype IPv6",
        hex("ffffffffffff 02000000000b 0806 0001 86dd 06 04 0001 02000000000b c000020a 000000000000 c0000264"),
        ArpFrame::Malformed("protocol type is not IPv4 (0x0800)"),
      ),
      (
        "hlen 8",
        hex("ffffffffffff 02000000000b 0806 0001 0800 08 04 0001 02000000000b c000020a 000000000000 c0000264"),
        ArpFrame::Malformed("hardware address length is not 6"),
      ),
      (
        "plen 16",
        hex("ffffffffffff 02000000000b 0806 0001 0800 06 10 0001 02000000000b c000020a 000000000000 c0000264"),
        ArpFrame::Malformed("protocol address length is not 4"),
      ),
      (
        "multicast sender",
        hex("ffffffffffff 02000000000b 0806 0001 0800 06 04 0001 ffffffffffff c000020a 000000000000 c0000264"),
        ArpFrame::Malformed("sender hardware address is multicast"),
      ),
    ];
        for (name, frame, want) in cases {
            assert_eq!(parse(&frame), want, "{name}");
        }
    }

    #[test]
    fn announcement_is_recognised() {
        let mut f = Vec::new();
        gratuitous_request(&mut f, PEER, VIP);
        let ArpFrame::Request(r) = parse(&f) else {
            panic!("not a request")
        };
        assert!(r.is_announcement());
        request(&mut f, BROADCAST, PEER, CLIENT, VIP);
        let ArpFrame::Request(r) = parse(&f) else {
            panic!("not a request")
        };
        assert!(!r.is_announcement());
    }
}
