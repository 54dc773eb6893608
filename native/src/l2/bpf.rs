//! Classic BPF programs attached to the packet sockets (SO_ATTACH_FILTER), so the kernel hands
//! user space only ARP requests/replies and ICMPv6 Neighbor Solicitations/Advertisements (the
//! replies and advertisements only to detect conflicts), never our own outgoing frames. Frames too short to classify are let through on purpose: user space counts them as
//! malformed instead of the kernel dropping them silently.
//!
//! The programs are data; `run` is a small interpreter of the same subset the kernel executes,
//! so the unit tests exercise the real instructions.

use super::ethernet::HEADER_LEN;
use super::ndp::{
    ICMP_OFFSET, NEXT_HEADER_ICMPV6, TYPE_NEIGHBOR_ADVERTISEMENT, TYPE_NEIGHBOR_SOLICITATION,
};

/// One instruction, laid out like the kernel's `struct sock_filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct Insn {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

const LD_H_ABS: u16 = 0x28;
const LD_B_ABS: u16 = 0x30;
const LD_W_ABS: u16 = 0x20;
const LD_W_LEN: u16 = 0x80;
const JEQ_K: u16 = 0x15;
const JGE_K: u16 = 0x35;
const RET_K: u16 = 0x06;
/// Ancillary load of skb->pkt_type (SKF_AD_OFF + SKF_AD_PKTTYPE).
const AD_PKTTYPE: u32 = 0xffff_f000 + 4;
/// PACKET_OUTGOING: a frame this host sends, looped back to packet sockets.
pub const PACKET_OUTGOING: u32 = 4;
const ACCEPT: u32 = 0x0004_0000;

const fn i(code: u16, jt: u8, jf: u8, k: u32) -> Insn {
    Insn { code, jt, jf, k }
}

/// ARP requests and replies (opcodes 1, 2) not sent by this host (replies only to spot other
/// hosts claiming our addresses); too-short ARP frames pass to be counted.
pub const ARP_FILTER: [Insn; 11] = [
    i(LD_H_ABS, 0, 0, 12),
    i(JEQ_K, 0, 8, 0x0806), // ARP? else drop
    i(LD_W_ABS, 0, 0, AD_PKTTYPE),
    i(JEQ_K, 6, 0, PACKET_OUTGOING), // ours? drop
    i(LD_W_LEN, 0, 0, 0),
    i(JGE_K, 0, 3, (HEADER_LEN + 28) as u32), // too short to classify: accept
    i(LD_H_ABS, 0, 0, (HEADER_LEN + 6) as u32),
    i(JEQ_K, 1, 0, 1), // request: accept
    i(JEQ_K, 0, 1, 2), // reply: accept, else drop
    i(RET_K, 0, 0, ACCEPT),
    i(RET_K, 0, 0, 0),
];

/// IPv6 frames whose next header is ICMPv6 and whose ICMPv6 type is Neighbor Solicitation or
/// Advertisement (the latter to spot conflicts), not sent by this host; truncated ICMPv6
/// frames pass to be counted.
pub const NDP_FILTER: [Insn; 13] = [
    i(LD_H_ABS, 0, 0, 12),
    i(JEQ_K, 0, 10, 0x86dd),
    i(LD_W_ABS, 0, 0, AD_PKTTYPE),
    i(JEQ_K, 8, 0, PACKET_OUTGOING),
    i(LD_B_ABS, 0, 0, (HEADER_LEN + 6) as u32),
    i(JEQ_K, 0, 6, NEXT_HEADER_ICMPV6 as u32),
    i(LD_W_LEN, 0, 0, 0),
    i(JGE_K, 0, 3, (ICMP_OFFSET + 4) as u32),
    i(LD_B_ABS, 0, 0, ICMP_OFFSET as u32),
    i(JEQ_K, 1, 0, TYPE_NEIGHBOR_SOLICITATION as u32),
    i(JEQ_K, 0, 1, TYPE_NEIGHBOR_ADVERTISEMENT as u32),
    i(RET_K, 0, 0, ACCEPT),
    i(RET_K, 0, 0, 0),
];

/// Runs `prog` over `frame` the way the kernel would; returns the accepted length (0 = drop).
/// Only the instructions used above are supported.
pub fn run(prog: &[Insn], frame: &[u8], pkt_type: u32) -> u32 {
    let mut a: u32 = 0;
    let mut pc = 0usize;
    while let Some(ins) = prog.get(pc) {
        pc += 1;
        let k = ins.k as usize;
        match ins.code {
            LD_W_ABS if ins.k == AD_PKTTYPE => a = pkt_type,
            LD_W_ABS => match frame.get(k..k + 4) {
                Some(b) => a = u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
                None => return 0,
            },
            LD_H_ABS => match frame.get(k..k + 2) {
                Some(b) => a = u32::from(u16::from_be_bytes([b[0], b[1]])),
                None => return 0,
            },
            LD_B_ABS => match frame.get(k) {
                Some(&b) => a = u32::from(b),
                None => return 0,
            },
            LD_W_LEN => a = frame.len() as u32,
            JEQ_K | JGE_K => {
                let hit = if ins.code == JEQ_K {
                    a == ins.k
                } else {
                    a >= ins.k
                };
                pc += usize::from(if hit { ins.jt } else { ins.jf });
            }
            RET_K => return ins.k,
            other => panic!("unsupported BPF opcode {other:#x}"),
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::super::{arp, ethernet::BROADCAST, ndp};
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    const MAC: [u8; 6] = [2, 0, 0, 0, 0, 0x0b];
    const HOST: u32 = 0;
    const BCAST: u32 = 1;

    #[test]
    fn arp_filter() {
        let (c, v) = (Ipv4Addr::new(192, 0, 2, 10), Ipv4Addr::new(192, 0, 2, 100));
        let mut req = Vec::new();
        arp::request(&mut req, BROADCAST, MAC, c, v);
        let mut rep = Vec::new();
        arp::gratuitous_reply(&mut rep, MAC, v);
        let mut rarp = req.clone();
        rarp[21] = 3;
        let mut ipv6 = Vec::new();
        ndp::solicitation(
            &mut ipv6,
            MAC,
            &"fe80::b".parse().unwrap(),
            &"2001:db8::1".parse().unwrap(),
        );
        let cases: Vec<(&str, Vec<u8>, u32, bool)> = vec![
            ("broadcast request", req.clone(), BCAST, true),
            ("unicast request", req.clone(), HOST, true),
            ("our own request", req.clone(), PACKET_OUTGOING, false),
            ("reply", rep.clone(), BCAST, true),
            ("our own reply", rep, PACKET_OUTGOING, false),
            ("RARP", rarp, BCAST, false),
            ("truncated ARP", req[..30].to_vec(), BCAST, true),
            ("ethernet header only", req[..14].to_vec(), BCAST, true),
            ("IPv6", ipv6, BCAST, false),
            ("runt", req[..10].to_vec(), BCAST, false),
        ];
        for (name, frame, pkt_type, want) in cases {
            assert_eq!(run(&ARP_FILTER, &frame, pkt_type) > 0, want, "{name}");
        }
    }

    #[test]
    fn ndp_filter() {
        let vip: Ipv6Addr = "2001:db8::100".parse().unwrap();
        let mut ns = Vec::new();
        ndp::solicitation(&mut ns, MAC, &"fe80::b".parse().unwrap(), &vip);
        let mut na = Vec::new();
        ndp::unsolicited_advertisement(&mut na, MAC, &vip);
        let mut udp = ns.clone();
        udp[20] = 17;
        let mut echo = ns.clone();
        echo[ICMP_OFFSET] = 128;
        let mut arp_req = Vec::new();
        arp::request(
            &mut arp_req,
            BROADCAST,
            MAC,
            Ipv4Addr::new(192, 0, 2, 1),
            Ipv4Addr::new(192, 0, 2, 2),
        );
        let cases: Vec<(&str, Vec<u8>, u32, bool)> = vec![
            ("NS", ns.clone(), 2, true),
            ("our own NS", ns.clone(), PACKET_OUTGOING, false),
            ("NA", na.clone(), 2, true),
            ("our own NA", na, PACKET_OUTGOING, false),
            ("echo request", echo, 2, false),
            ("UDP", udp, HOST, false),
            ("truncated ICMPv6", ns[..56].to_vec(), 2, true),
            ("ARP", arp_req, BCAST, false),
        ];
        for (name, frame, pkt_type, want) in cases {
            assert_eq!(run(&NDP_FILTER, &frame, pkt_type) > 0, want, "{name}");
        }
    }
}

#[cfg(test)]
mod robustness {
    use super::super::{arp, ndp};
    use super::*;

    /// Whatever bytes arrive, the filters and parsers return instead of panicking.
    #[test]
    fn random_and_mutated_frames_never_panic() {
        let mut seed: u64 = 0x1234_5678_9abc_def1;
        let mut rand = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut valid = Vec::new();
        ndp::solicitation(
            &mut valid,
            [2, 0, 0, 0, 0, 1],
            &"fe80::1".parse().unwrap(),
            &"2001:db8::5".parse().unwrap(),
        );
        let mut arp_req = Vec::new();
        arp::request(
            &mut arp_req,
            [0xff; 6],
            [2, 0, 0, 0, 0, 1],
            [192, 0, 2, 1].into(),
            [192, 0, 2, 5].into(),
        );
        for i in 0..20_000 {
            let mut f = if i % 2 == 0 {
                valid.clone()
            } else {
                arp_req.clone()
            };
            // Truncate, extend and flip a few bytes at random.
            let len = (rand() % 120) as usize;
            f.resize(len, (rand() & 0xff) as u8);
            for _ in 0..(rand() % 4) {
                if !f.is_empty() {
                    let at = (rand() as usize) % f.len();
                    f[at] = (rand() & 0xff) as u8;
                }
            }
            let _ = run(&ARP_FILTER, &f, (rand() % 5) as u32);
            let _ = run(&NDP_FILTER, &f, (rand() % 5) as u32);
            let _ = arp::parse(&f);
            let _ = ndp::parse(&f);
        }
    }
}
