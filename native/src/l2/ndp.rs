//! IPv6 Neighbor Discovery (RFC 4861) over Ethernet: validating Neighbor Solicitations and
//! building Neighbor Advertisements.
//!
//! Only what an address owner needs: receive NS, send solicited/unsolicited NA. Frames are
//! Ethernet II + IPv6 header without extension headers + ICMPv6 (NDP never uses extension
//! headers in practice, and the kernel filter only passes next header = ICMPv6).

use std::net::Ipv6Addr;

use super::ethernet::{self, Mac, ETHERTYPE_IPV6, HEADER_LEN};

pub const IPV6_HEADER_LEN: usize = 40;
/// Offset of the ICMPv6 message in an Ethernet frame.
pub const ICMP_OFFSET: usize = HEADER_LEN + IPV6_HEADER_LEN;
pub const NEXT_HEADER_ICMPV6: u8 = 58;
pub const TYPE_NEIGHBOR_SOLICITATION: u8 = 135;
pub const TYPE_NEIGHBOR_ADVERTISEMENT: u8 = 136;
/// NDP messages must arrive with hop limit 255: proof they were not forwarded (RFC 4861 §7.1).
pub const NDP_HOP_LIMIT: u8 = 255;
const OPT_SOURCE_LLA: u8 = 1;
const OPT_TARGET_LLA: u8 = 2;
/// ICMPv6 NS/NA body before options: type, code, checksum, flags/reserved, target.
const NS_MIN_LEN: usize = 24;

pub const FLAG_ROUTER: u8 = 0x80;
pub const FLAG_SOLICITED: u8 = 0x40;
pub const FLAG_OVERRIDE: u8 = 0x20;

pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// A Neighbor Solicitation that passed every check of RFC 4861 §7.1.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeighborSolicitation {
    pub eth_src: Mac,
    pub eth_dst: Mac,
    /// `::` for Duplicate Address Detection (RFC 4862 §5.4.2).
    pub src_ip: Ipv6Addr,
    pub dst_ip: Ipv6Addr,
    pub target: Ipv6Addr,
    pub source_lla: Option<Mac>,
}

impl NeighborSolicitation {
    /// A DAD probe: someone wants to use `target` and asks whether anybody has it.
    pub fn is_dad(&self) -> bool {
        self.src_ip.is_unspecified()
    }
}

/// A Neighbor Advertisement that passed every check of RFC 4861 §7.1.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeighborAdvertisement {
    pub eth_src: Mac,
    pub target: Ipv6Addr,
    pub target_lla: Option<Mac>,
    /// R, S and O bits as sent (FLAG_ROUTER | FLAG_SOLICITED | FLAG_OVERRIDE).
    pub flags: u8,
}

impl NeighborAdvertisement {
    /// The MAC this advertisement claims for its target.
    pub fn claimed_mac(&self) -> Mac {
        self.target_lla.unwrap_or(self.eth_src)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NdpFrame {
    Solicitation(NeighborSolicitation),
    /// Advertisements matter only when they claim an address we own (a conflict).
    Advertisement(NeighborAdvertisement),
    /// Valid IPv6 but neither NS nor NA (the kernel filter lets nothing else through).
    Other,
    Malformed(&'static str),
}

fn ipv6_at(b: &[u8], i: usize) -> Ipv6Addr {
    let mut o = [0u8; 16];
    o.copy_from_slice(&b[i..i + 16]);
    Ipv6Addr::from(o)
}

fn is_solicited_node_group(a: &Ipv6Addr) -> bool {
    let o = a.octets();
    o[..13] == [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff]
}

/// Parses and validates an Ethernet frame that should carry a Neighbor Solicitation or
/// Advertisement.
pub fn parse(frame: &[u8]) -> NdpFrame {
    if frame.len() < ICMP_OFFSET + 4 {
        return NdpFrame::Malformed("frame shorter than Ethernet + IPv6 + ICMPv6 headers");
    }
    if ethernet::ethertype(frame) != ETHERTYPE_IPV6 || frame[HEADER_LEN] >> 4 != 6 {
        return NdpFrame::Malformed("not an IPv6 packet");
    }
    let ip = &frame[HEADER_LEN..];
    let kind = frame[ICMP_OFFSET];
    if ip[6] != NEXT_HEADER_ICMPV6
        || (kind != TYPE_NEIGHBOR_SOLICITATION && kind != TYPE_NEIGHBOR_ADVERTISEMENT)
    {
        return NdpFrame::Other;
    }
    let solicitation = kind == TYPE_NEIGHBOR_SOLICITATION;
    let payload_len = usize::from(u16::from_be_bytes([ip[4], ip[5]]));
    // Frames may carry Ethernet padding after the packet, never less than the packet.
    if ICMP_OFFSET + payload_len > frame.len() {
        return NdpFrame::Malformed("IPv6 payload length exceeds the frame");
    }
    if payload_len < NS_MIN_LEN {
        return NdpFrame::Malformed("ICMPv6 length below 24 bytes");
    }
    if ip[7] != NDP_HOP_LIMIT {
        return NdpFrame::Malformed("hop limit is not 255");
    }
    let icmp = &frame[ICMP_OFFSET..ICMP_OFFSET + payload_len];
    if icmp[1] != 0 {
        return NdpFrame::Malformed("ICMPv6 code is not 0");
    }
    let src_ip = ipv6_at(ip, 8);
    let dst_ip = ipv6_at(ip, 24);
    if icmpv6_checksum(&src_ip, &dst_ip, icmp) != 0 {
        return NdpFrame::Malformed("bad ICMPv6 checksum");
    }
    let target = ipv6_at(icmp, 8);
    if target.is_multicast() {
        return NdpFrame::Malformed("target address is multicast");
    }
    // The link-layer option that matters: source for an NS, target for an NA.
    let lla_type = if solicitation {
        OPT_SOURCE_LLA
    } else {
        OPT_TARGET_LLA
    };
    let mut lla = None;
    let mut opts = &icmp[NS_MIN_LEN..];
    while !opts.is_empty() {
        if opts.len() < 2 {
            return NdpFrame::Malformed("truncated option");
        }
        let len = usize::from(opts[1]) * 8;
        if len == 0 {
            return NdpFrame::Malformed("option with length 0");
        }
        if len > opts.len() {
            return NdpFrame::Malformed("option runs past the packet");
        }
        if opts[0] == lla_type && lla.is_none() {
            if len != 8 {
                return NdpFrame::Malformed("link-layer address option is not 8 bytes");
            }
            lla = Some(ethernet::mac_at(opts, 2));
        }
        opts = &opts[len..];
    }
    if !solicitation {
        let flags = icmp[4] & (FLAG_ROUTER | FLAG_SOLICITED | FLAG_OVERRIDE);
        if dst_ip.is_multicast() && flags & FLAG_SOLICITED != 0 {
            return NdpFrame::Malformed("solicited advertisement sent to a multicast address");
        }
        return NdpFrame::Advertisement(NeighborAdvertisement {
            eth_src: ethernet::mac_at(frame, 6),
            target,
            target_lla: lla,
            flags,
        });
    }
    let source_lla = lla;
    if src_ip.is_unspecified() {
        if !is_solicited_node_group(&dst_ip) {
            return NdpFrame::Malformed("DAD solicitation not sent to a solicited-node group");
        }
        if source_lla.is_some() {
            return NdpFrame::Malformed("DAD solicitation carries a source link-layer option");
        }
    }
    NdpFrame::Solicitation(NeighborSolicitation {
        eth_src: ethernet::mac_at(frame, 6),
        eth_dst: ethernet::mac_at(frame, 0),
        src_ip,
        dst_ip,
        target,
        source_lla,
    })
}

/// ICMPv6 checksum (RFC 4443 §2.3) over the pseudo-header and `icmp`. Returns 0 when `icmp`
/// already carries a correct checksum; otherwise the value to store (with the field zeroed).
pub fn icmpv6_checksum(src: &Ipv6Addr, dst: &Ipv6Addr, icmp: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut add = |b: &[u8]| {
        for c in b.chunks(2) {
            let hi = u32::from(c[0]) << 8;
            sum += hi | c.get(1).map_or(0, |&lo| u32::from(lo));
        }
    };
    add(&src.octets());
    add(&dst.octets());
    add(&(icmp.len() as u32).to_be_bytes());
    add(&[0, 0, 0, NEXT_HEADER_ICMPV6]);
    add(icmp);
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Writes a Neighbor Advertisement for `target` at `mac` with the target link-layer option.
pub fn advertisement(
    out: &mut Vec<u8>,
    mac: Mac,
    target: &Ipv6Addr,
    eth_dst: Mac,
    ip_dst: &Ipv6Addr,
    flags: u8,
) {
    out.clear();
    ethernet::write_header(out, eth_dst, mac, ETHERTYPE_IPV6);
    let icmp_len: u16 = 32;
    out.extend_from_slice(&[0x60, 0, 0, 0]);
    out.extend_from_slice(&icmp_len.to_be_bytes());
    out.extend_from_slice(&[NEXT_HEADER_ICMPV6, NDP_HOP_LIMIT]);
    out.extend_from_slice(&target.octets());
    out.extend_from_slice(&ip_dst.octets());
    out.extend_from_slice(&[TYPE_NEIGHBOR_ADVERTISEMENT, 0, 0, 0, flags, 0, 0, 0]);
    out.extend_from_slice(&target.octets());
    out.extend_from_slice(&[OPT_TARGET_LLA, 1]);
    out.extend_from_slice(&mac);
    let sum = icmpv6_checksum(target, ip_dst, &out[ICMP_OFFSET..]);
    out[ICMP_OFFSET + 2..ICMP_OFFSET + 4].copy_from_slice(&sum.to_be_bytes());
}

/// Unsolicited NA (RFC 4861 §7.2.6): to all-nodes, Override=1, Solicited=0, Router=0. It also
/// serves to defend an owned address against a DAD probe (RFC 4861 §7.2.4: a solicitation from
/// the unspecified address is answered to all-nodes with Solicited=0).
pub fn unsolicited_advertisement(out: &mut Vec<u8>, mac: Mac, target: &Ipv6Addr) {
    advertisement(
        out,
        mac,
        target,
        ethernet::ipv6_multicast_mac(&ALL_NODES),
        &ALL_NODES,
        FLAG_OVERRIDE,
    );
}

/// What to send in answer to `ns` for an owned target (RFC 4861 §7.2.4).
pub fn answer(out: &mut Vec<u8>, mac: Mac, ns: &NeighborSolicitation) {
    if ns.is_dad() {
        unsolicited_advertisement(out, mac, &ns.target);
    } else {
        let eth_dst = ns.source_lla.unwrap_or(ns.eth_src);
        advertisement(
            out,
            mac,
            &ns.target,
            eth_dst,
            &ns.src_ip,
            FLAG_SOLICITED | FLAG_OVERRIDE,
        );
    }
}

/// Builds a Neighbor Solicitation (tests and benchmark clients). `src_ip` `::` makes a DAD probe,
/// which then carries no source link-layer option.
pub fn solicitation(out: &mut Vec<u8>, mac: Mac, src_ip: &Ipv6Addr, target: &Ipv6Addr) {
    out.clear();
    let group = ethernet::solicited_node(target);
    ethernet::write_header(
        out,
        ethernet::ipv6_multicast_mac(&group),
        mac,
        ETHERTYPE_IPV6,
    );
    let icmp_len: u16 = if src_ip.is_unspecified() { 24 } else { 32 };
    out.extend_from_slice(&[0x60, 0, 0, 0]);
    out.extend_from_slice(&icmp_len.to_be_bytes());
    out.extend_from_slice(&[NEXT_HEADER_ICMPV6, NDP_HOP_LIMIT]);
    out.extend_from_slice(&src_ip.octets());
    out.extend_from_slice(&group.octets());
    out.extend_from_slice(&[TYPE_NEIGHBOR_SOLICITATION, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&target.octets());
    if !src_ip.is_unspecified() {
        out.extend_from_slice(&[OPT_SOURCE_LLA, 1]);
        out.extend_from_slice(&mac);
    }
    let sum = icmpv6_checksum(src_ip, &group, &out[ICMP_OFFSET..]);
    out[ICMP_OFFSET + 2..ICMP_OFFSET + 4].copy_from_slice(&sum.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: Mac = [0x02, 0, 0, 0, 0, 0x0a];
    const PEER: Mac = [0x02, 0, 0, 0, 0, 0x0b];

    fn vip() -> Ipv6Addr {
        "2001:db8::100".parse().unwrap()
    }
    fn client() -> Ipv6Addr {
        "fe80::b".parse().unwrap()
    }
    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // Expected frames were produced by an independent implementation (scapy 2.5).
    const UNSOLICITED_NA: &str = "333300000001 02000000000a 86dd 60000000 0020 3a ff
        20010db8000000000000000000000100 ff020000000000000000000000000001
        88 00 f723 20000000 20010db8000000000000000000000100 0201 02000000000a";
    const SOLICITED_NA: &str = "02000000000b 02000000000a 86dd 60000000 0020 3a ff
        20010db8000000000000000000000100 fe80000000000000000000000000000b
        88 00 b79b 60000000 20010db8000000000000000000000100 0201 02000000000a";
    const NS: &str = "3333ff000100 02000000000b 86dd 60000000 0020 3a ff
        fe80000000000000000000000000000b ff0200000000000000000001ff000100
        87 00 494f 00000000 20010db8000000000000000000000100 0101 02000000000b";
    const DAD_NS: &str = "3333ff000100 02000000000b 86dd 60000000 0018 3a ff
        00000000000000000000000000000000 ff0200000000000000000001ff000100
        87 00 4aef 00000000 20010db8000000000000000000000100";

    #[test]
    fn builds_exact_frames() {
        let ns = NeighborSolicitation {
            eth_src: PEER,
            eth_dst: [0x33, 0x33, 0xff, 0, 1, 0],
            src_ip: client(),
            dst_ip: "ff02::1:ff00:100".parse().unwrap(),
            target: vip(),
            source_lla: Some(PEER),
        };
        let dad = NeighborSolicitation {
            src_ip: Ipv6Addr::UNSPECIFIED,
            source_lla: None,
            ..ns
        };
        let no_slla = NeighborSolicitation {
            source_lla: None,
            ..ns
        };
        type Build = Box<dyn Fn(&mut Vec<u8>)>;
        let cases: Vec<(&str, Build, &str)> = vec![
            (
                "unsolicited NA",
                Box::new(|o| unsolicited_advertisement(o, MAC, &vip())),
                UNSOLICITED_NA,
            ),
            (
                "solicited NA",
                Box::new(move |o| answer(o, MAC, &ns)),
                SOLICITED_NA,
            ),
            (
                "NA without SLLA goes to the frame source",
                Box::new(move |o| answer(o, MAC, &no_slla)),
                SOLICITED_NA,
            ),
            (
                "DAD defence goes to all-nodes, S=0",
                Box::new(move |o| answer(o, MAC, &dad)),
                UNSOLICITED_NA,
            ),
            (
                "NS",
                Box::new(|o| solicitation(o, PEER, &client(), &vip())),
                NS,
            ),
            (
                "DAD NS",
                Box::new(|o| solicitation(o, PEER, &Ipv6Addr::UNSPECIFIED, &vip())),
                DAD_NS,
            ),
        ];
        for (name, build, want) in cases {
            let mut out = Vec::new();
            build(&mut out);
            assert_eq!(out, hex(want), "{name}");
        }
    }

    /// Applies `edit` to a copy of `base` and, when `fix` is set, recomputes the checksum so
    /// that only the intended defect remains.
    fn mutate(base: &str, edit: impl Fn(&mut Vec<u8>), fix: bool) -> Vec<u8> {
        let mut f = hex(base);
        edit(&mut f);
        if fix {
            let len = usize::from(u16::from_be_bytes([f[18], f[19]]));
            f[ICMP_OFFSET + 2] = 0;
            f[ICMP_OFFSET + 3] = 0;
            let (src, dst) = (ipv6_at(&f, 22), ipv6_at(&f, 38));
            let end = (ICMP_OFFSET + len).min(f.len());
            let sum = icmpv6_checksum(&src, &dst, &f[ICMP_OFFSET..end]);
            f[ICMP_OFFSET + 2..ICMP_OFFSET + 4].copy_from_slice(&sum.to_be_bytes());
        }
        f
    }

    #[test]
    fn parses_and_validates() {
        let ns = NeighborSolicitation {
            eth_src: PEER,
            eth_dst: [0x33, 0x33, 0xff, 0, 1, 0],
            src_ip: client(),
            dst_ip: "ff02::1:ff00:100".parse().unwrap(),
            target: vip(),
            source_lla: Some(PEER),
        };
        let dad = NeighborSolicitation {
            src_ip: Ipv6Addr::UNSPECIFIED,
            source_lla: None,
            ..ns
        };
        let m = NdpFrame::Malformed;
        let cases: Vec<(&str, Vec<u8>, NdpFrame)> = vec![
            ("NS", hex(NS), NdpFrame::Solicitation(ns)),
            ("DAD NS", hex(DAD_NS), NdpFrame::Solicitation(dad)),
            (
                "padded NS",
                mutate(NS, |f| f.extend_from_slice(&[0; 6]), false),
                NdpFrame::Solicitation(ns),
            ),
            (
                "an NA",
                hex(SOLICITED_NA),
                NdpFrame::Advertisement(NeighborAdvertisement {
                    eth_src: MAC,
                    target: vip(),
                    target_lla: Some(MAC),
                    flags: FLAG_SOLICITED | FLAG_OVERRIDE,
                }),
            ),
            (
                "an NA with S=1 to ff02::1",
                mutate(
                    UNSOLICITED_NA,
                    |f| f[ICMP_OFFSET + 4] |= FLAG_SOLICITED,
                    true,
                ),
                m("solicited advertisement sent to a multicast address"),
            ),
            (
                "an ICMPv6 echo request",
                mutate(NS, |f| f[ICMP_OFFSET] = 128, true),
                NdpFrame::Other,
            ),
            (
                "truncated",
                hex(NS)[..56].to_vec(),
                m("frame shorter than Ethernet + IPv6 + ICMPv6 headers"),
            ),
            (
                "IPv4 version",
                mutate(NS, |f| f[14] = 0x40, false),
                m("not an IPv6 packet"),
            ),
            (
                "cut short",
                hex(NS)[..80].to_vec(),
                m("IPv6 payload length exceeds the frame"),
            ),
            (
                "ICMPv6 length 20",
                mutate(
                    NS,
                    |f| {
                        f[19] = 20;
                        f.truncate(ICMP_OFFSET + 20);
                    },
                    true,
                ),
                m("ICMPv6 length below 24 bytes"),
            ),
            (
                "hop limit 64",
                mutate(NS, |f| f[21] = 64, true),
                m("hop limit is not 255"),
            ),
            (
                "code 1",
                mutate(NS, |f| f[ICMP_OFFSET + 1] = 1, true),
                m("ICMPv6 code is not 0"),
            ),
            (
                "bad checksum",
                mutate(NS, |f| f[ICMP_OFFSET + 3] ^= 1, false),
                m("bad ICMPv6 checksum"),
            ),
            (
                "multicast target",
                mutate(NS, |f| f[ICMP_OFFSET + 8] = 0xff, true),
                m("target address is multicast"),
            ),
            (
                "option length 0",
                mutate(NS, |f| f[ICMP_OFFSET + 25] = 0, true),
                m("option with length 0"),
            ),
            (
                "option too long",
                mutate(NS, |f| f[ICMP_OFFSET + 25] = 2, true),
                m("option runs past the packet"),
            ),
            (
                "DAD to ff02::1",
                mutate(
                    DAD_NS,
                    |f| {
                        f[38..54].copy_from_slice(&ALL_NODES.octets());
                    },
                    true,
                ),
                m("DAD solicitation not sent to a solicited-node group"),
            ),
            (
                "DAD with SLLA",
                mutate(
                    NS,
                    |f| {
                        f[22..38].copy_from_slice(&[0; 16]);
                    },
                    true,
                ),
                m("DAD solicitation carries a source link-layer option"),
            ),
        ];
        for (name, frame, want) in cases {
            assert_eq!(parse(&frame), want, "{name}");
        }
    }

    #[test]
    fn built_advertisements_verify() {
        let mut f = Vec::new();
        unsolicited_advertisement(&mut f, MAC, &vip());
        let icmp = &f[ICMP_OFFSET..];
        assert_eq!(icmpv6_checksum(&vip(), &ALL_NODES, icmp), 0);
        assert_eq!(icmp[4], FLAG_OVERRIDE, "O=1 S=0 R=0");
    }
}
