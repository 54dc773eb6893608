//! Property-style robustness test: thousands of random and mutated valid messages through
//! frame() + decode(). Nothing may panic, every error must be a real NOTIFICATION, and whatever
//! decodes must re-encode. Deterministic (fixed seeds), no extra crate.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::*;

/// xorshift64*: tiny, deterministic, good enough to drive mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// A corpus of valid messages of every kind.
fn corpus() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut push = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut v = Vec::new();
        f(&mut v);
        out.push(v);
    };
    push(&|v| {
        Open::local(&LocalOpen {
            asn: 4_200_000_000,
            hold_time: 90,
            bgp_id: Ipv4Addr::new(10, 0, 0, 1),
            families: vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST],
            graceful_restart: Some(120),
        })
        .encode_into(v)
    });
    push(&|v| encode_keepalive(v));
    push(&|v| Notification::new(6, 2, b"\x05maint".to_vec()).encode_into(v));
    push(&|v| {
        RouteRefresh {
            family: Family::IPV6_UNICAST,
            subtype: 0,
        }
        .encode_into(v)
    });
    push(&|v| encode_end_of_rib(Family::IPV6_UNICAST, v));
    let attrs = RouteAttributes {
        origin: Origin::Incomplete,
        med: Some(7),
        local_pref: Some(50),
        communities: vec![COMMUNITY_NO_EXPORT, 0x0001_0002],
        large_communities: vec![LargeCommunity {
            global: 1,
            local1: 2,
            local2: 3,
        }],
    };
    for four in [true, false] {
        let ctx = PeerEncodeContext {
            local_asn: 4_200_000_000,
            peer_asn: 65002,
            four_octet_as: four,
            next_hop_v4: Some(Ipv4Addr::new(192, 0, 2, 1)),
            next_hop_v6: Some(Ipv6Addr::LOCALHOST),
            next_hop_v6_link_local: Some("fe80::1".parse().unwrap()),
            max_message_size: 200,
        };
        let enc = UpdateEncoder::new(&attrs, &ctx).unwrap();
        let v4: Vec<Ipv4Prefix> = ["10.0.0.0/8", "10.1.2.3/32", "0.0.0.0/0", "10.128.0.0/9"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let v6: Vec<Ipv6Prefix> = ["2001:db8::/32", "::/0", "2001:db8::1/128"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        push(&|v| {
            enc.encode_v4(&v4, v).unwrap();
        });
        push(&|v| {
            enc.encode_v6(&v6, v).unwrap();
        });
        push(&|v| {
            encode_withdrawals_v4(&v4, 4096, v).unwrap();
        });
        push(&|v| {
            encode_withdrawals_v6(&v6, 4096, v).unwrap();
        });
    }
    out
}

fn mutate(rng: &mut Rng, msg: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        match rng.below(7) {
            // Flip a byte anywhere, mostly past the marker so decoding gets exercised.
            0 | 1 => {
                let i = 16 + rng.below(msg.len().saturating_sub(16));
                if let Some(b) = msg.get_mut(i) {
                    *b = rng.byte();
                }
            }
            // Nudge a length-looking byte by a small amount.
            2 => {
                let i = 19 + rng.below(msg.len().saturating_sub(19));
                if let Some(b) = msg.get_mut(i) {
                    *b = b.wrapping_add(rng.byte() % 5).wrapping_sub(2);
                }
            }
            3 => msg.truncate(rng.below(msg.len() + 1)),
            4 => {
                let i = rng.below(msg.len() + 1);
                msg.insert(i, rng.byte());
            }
            // Random tail.
            5 => {
                let n = rng.below(40);
                msg.extend((0..n).map(|_| rng.byte()));
            }
            _ => {
                let i = rng.below(msg.len());
                if i < msg.len() {
                    msg.remove(i);
                }
            }
        }
    }
    // Half of the time keep the header length honest so the body parsers see the mutation.
    if rng.below(2) == 0 && msg.len() >= 19 && msg.len() <= MAX_MESSAGE_LEN {
        let len = msg.len() as u16;
        msg[16..18].copy_from_slice(&len.to_be_bytes());
    }
}

/// Frames and decodes a whole byte stream the way a session would.
fn run_stream(bytes: &[u8], ctx: &CodecContext) -> usize {
    let mut off = 0;
    let mut decoded = 0;
    loop {
        match frame(&bytes[off..]) {
            Ok(Some((ty, len))) => {
                assert!(len >= HEADER_LEN && off + len <= bytes.len());
                match decode(&bytes[off..off + len], ctx) {
                    Ok(m) => {
                        assert_eq!(m.message_type(), ty);
                        let mut again = Vec::new();
                        m.encode_into(ctx, &mut again);
                        decoded += 1;
                    }
                    Err(e) => check_error(&e),
                }
                off += len;
            }
            Ok(None) => return decoded,
            Err(e) => {
                check_error(&e);
                return decoded;
            }
        }
    }
}

fn check_error(e: &BgpError) {
    assert!((1..=7).contains(&e.code), "code {} from {e}", e.code);
    assert!(
        subcode_name(e.code, e.subcode).is_some() || e.subcode == 0,
        "{e}"
    );
    assert!(!e.reason.is_empty());
}

#[test]
fn corpus_decodes_cleanly() {
    for ctx in [
        CodecContext {
            four_octet_as: true,
        },
        CodecContext {
            four_octet_as: false,
        },
    ] {
        for msg in corpus() {
            let mut off = 0;
            while let Some((_, len)) = frame(&msg[off..]).unwrap() {
                decode(&msg[off..off + len], &ctx).unwrap_or_else(|e| panic!("{e}"));
                off += len;
            }
            assert_eq!(off, msg.len());
        }
    }
}

#[test]
fn mutated_and_random_input_never_panics() {
    let corpus = corpus();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut decoded = 0;
    for round in 0..30_000 {
        let ctx = CodecContext {
            four_octet_as: round % 3 != 0,
        };
        let mut msg = corpus[rng.below(corpus.len())].clone();
        mutate(&mut rng, &mut msg);
        // Sometimes a stream of several messages, one of them mutated.
        if round % 5 == 0 {
            let mut stream = corpus[rng.below(corpus.len())].clone();
            stream.extend_from_slice(&msg);
            msg = stream;
        }
        decoded += run_stream(&msg, &ctx);
    }
    // Pure noise behind a valid marker.
    for _ in 0..5_000 {
        let len = 19 + rng.below(120);
        let mut msg = vec![0xff; 16];
        msg.extend_from_slice(&(len as u16).to_be_bytes());
        msg.push(1 + rng.below(5) as u8);
        msg.extend((19..len).map(|_| rng.byte()));
        run_stream(&msg, &CodecContext::default());
    }
    assert!(
        decoded > 1_000,
        "mutations should leave many messages decodable ({decoded})"
    );
}

/// Property: for random prefix sets, attribute sets, peer contexts and message sizes, the
/// route-set encoder's output decodes back to exactly the input (order kept, nothing lost or
/// doubled), with the attributes that were configured, every message within the limit, and
/// every message but the last too full to take the next prefix (IPv6: within one byte, when
/// the MP attribute would cross 255 bytes and need a 2-byte length).
#[test]
fn encoder_output_decodes_back_to_its_input() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for round in 0..300 {
        let four = rng.below(2) == 0;
        let local_asn = if rng.below(2) == 0 {
            65001
        } else {
            4_200_000_000
        };
        let peer_asn = if rng.below(3) == 0 { local_asn } else { 65010 };
        let max = 100 + rng.below(MAX_MESSAGE_LEN - 99);
        let attrs = RouteAttributes {
            origin: Origin::from_u8(rng.below(3) as u8).unwrap(),
            med: (rng.below(2) == 0).then(|| rng.next() as u32),
            local_pref: (rng.below(2) == 0).then(|| rng.next() as u32),
            communities: (0..rng.below(8)).map(|i| 0x0001_0000 + i as u32).collect(),
            large_communities: (0..rng.below(3))
                .map(|i| LargeCommunity {
                    global: local_asn,
                    local1: i as u32,
                    local2: rng.next() as u32,
                })
                .collect(),
        };
        let peer = PeerEncodeContext {
            local_asn,
            peer_asn,
            four_octet_as: four,
            next_hop_v4: Some(Ipv4Addr::new(192, 0, 2, 1)),
            next_hop_v6: Some("2001:db8::1".parse().unwrap()),
            next_hop_v6_link_local: (rng.below(2) == 0).then(|| "fe80::1".parse().unwrap()),
            max_message_size: max,
        };
        let v4: Vec<Ipv4Prefix> = (0..rng.below(400))
            .map(|_| {
                let len = rng.below(33) as u8;
                Ipv4Prefix::new_masked(Ipv4Addr::from(rng.next() as u32), len).unwrap()
            })
            .collect();
        let v6: Vec<Ipv6Prefix> = (0..rng.below(200))
            .map(|_| {
                let len = rng.below(129) as u8;
                let a = (u128::from(rng.next()) << 64) | u128::from(rng.next());
                Ipv6Prefix::new_masked(Ipv6Addr::from(a), len).unwrap()
            })
            .collect();
        let enc = UpdateEncoder::new(&attrs, &peer).unwrap();
        let ctx = CodecContext {
            four_octet_as: four,
        };
        let check = |out: &[u8], want: Vec<Prefix>, withdraw: bool| {
            let (mut off, mut got) = (0, Vec::new());
            while off < out.len() {
                let (_, len) = frame(&out[off..]).unwrap().unwrap();
                assert!(len <= max, "round {round}: {len} > {max}");
                let Ok(Message::Update(u)) = decode(&out[off..off + len], &ctx) else {
                    panic!("round {round}: not a clean UPDATE")
                };
                assert!(u.errors.is_empty(), "round {round}: {:?}", u.errors);
                let mine = if withdraw {
                    u.withdrawn_prefixes()
                } else {
                    u.announced()
                };
                if off + len < out.len() {
                    let next = want[got.len() + mine.len()];
                    let next_len = 1 + nlri_octets(next.prefix_len());
                    // One byte of slack: an MP attribute crossing 255 bytes needs a 2-byte length.
                    let slack = usize::from(matches!(next, Prefix::V6(_)));
                    assert!(
                        len + next_len + slack > max,
                        "round {round}: message not full: {len} + {next_len} <= {max} ({next})"
                    );
                }
                if !withdraw {
                    let a = &u.attributes;
                    let path = a.as_path.as_ref().unwrap();
                    let ibgp = local_asn == peer_asn;
                    assert_eq!(
                        path.first_asn(),
                        (!ibgp).then_some(local_asn),
                        "round {round}"
                    );
                    let lp = attrs.local_pref.unwrap_or(DEFAULT_LOCAL_PREF);
                    assert_eq!(a.local_pref, ibgp.then_some(lp));
                    assert_eq!((a.origin, a.med), (Some(attrs.origin), attrs.med));
                    assert_eq!(a.communities, attrs.communities);
                    assert_eq!(a.large_communities, attrs.large_communities);
                }
                got.extend(mine);
                off += len;
            }
            assert_eq!(got, want, "round {round}");
        };
        let want4: Vec<Prefix> = v4.iter().copied().map(Prefix::V4).collect();
        let want6: Vec<Prefix> = v6.iter().copied().map(Prefix::V6).collect();
        let mut out = Vec::new();
        enc.encode_v4(&v4, &mut out).unwrap();
        check(&out, want4.clone(), false);
        out.clear();
        enc.encode_v6(&v6, &mut out).unwrap();
        check(&out, want6.clone(), false);
        out.clear();
        encode_withdrawals_v4(&v4, max, &mut out).unwrap();
        check(&out, want4, true);
        out.clear();
        encode_withdrawals_v6(&v6, max, &mut out).unwrap();
        check(&out, want6, true);
    }
}
