//! The UPDATE encoder for route sets: one attribute set, many prefixes, as few messages as fit.
//!
//! The attribute bytes are built once per (attribute set, peer context) by the general
//! attribute encoder; packing then only appends NLRI bytes into the output buffer, with no
//! allocation per prefix. IPv4 goes into classic NLRI with NEXT_HOP, IPv6 into MP_REACH_NLRI.
//! MP_REACH_NLRI/MP_UNREACH_NLRI are the first attribute of their message (RFC 7606 §5.1
//! "SHOULD"), the others follow in type-code order.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::attributes::*;
use super::family::Family;
use super::header::{MARKER, MAX_MESSAGE_LEN};
use super::prefix::{Ipv4Prefix, Ipv6Prefix};
use super::wire::patch_u16;

/// UPDATE header (19) + withdrawn length (2) + total attribute length (2).
const UPDATE_FIXED: usize = 23;
/// Default LOCAL_PREF toward iBGP peers (what BIRD, FRR and GoBGP use).
pub const DEFAULT_LOCAL_PREF: u32 = 100;

/// Attributes of one route group, as configured.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct RouteAttributes {
    pub origin: Origin,
    pub med: Option<u32>,
    /// Sent to iBGP peers only; `None` = [`DEFAULT_LOCAL_PREF`].
    pub local_pref: Option<u32>,
    pub communities: Vec<u32>,
    pub large_communities: Vec<LargeCommunity>,
}

/// What the encoder must know about the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerEncodeContext {
    pub local_asn: u32,
    pub peer_asn: u32,
    /// 4-octet AS negotiated; otherwise AS_TRANS + AS4_PATH are used for ASNs > 65535.
    pub four_octet_as: bool,
    pub next_hop_v4: Option<Ipv4Addr>,
    /// IPv6 next hop; when absent and `next_hop_v4` is set, its IPv4-mapped form is used.
    pub next_hop_v6: Option<Ipv6Addr>,
    /// Link-local next hop, sent as the second half of a 32-byte next hop (RFC 2545).
    pub next_hop_v6_link_local: Option<Ipv6Addr>,
    /// 4096 unless testing packing.
    pub max_message_size: usize,
}

impl PeerEncodeContext {
    pub fn is_ibgp(&self) -> bool {
        self.local_asn == self.peer_asn
    }
}

/// Counts of what an encode call produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EncodeStats {
    pub messages: usize,
    pub prefixes: usize,
}

impl std::ops::AddAssign for EncodeStats {
    fn add_assign(&mut self, o: EncodeStats) {
        self.messages += o.messages;
        self.prefixes += o.prefixes;
    }
}

/// Precomputed attribute bytes of one attribute set for one peer context.
#[derive(Debug, Clone)]
pub struct UpdateEncoder {
    max: usize,
    /// All attributes for IPv4 (with NEXT_HOP), or `None` without an IPv4 next hop.
    v4_attrs: Option<Vec<u8>>,
    /// All attributes but NEXT_HOP, for IPv6 (MP_REACH_NLRI goes in front).
    v6_attrs: Vec<u8>,
    /// MP_REACH_NLRI next hop (16 or 32 bytes), `None` without any usable next hop.
    v6_next_hop: Option<Vec<u8>>,
}

fn check_max(max: usize) -> Result<usize, String> {
    if !(64..=MAX_MESSAGE_LEN).contains(&max) {
        return Err(format!(
            "maxMessageSize {max} is outside 64..={MAX_MESSAGE_LEN}"
        ));
    }
    Ok(max)
}

impl UpdateEncoder {
    pub fn new(attrs: &RouteAttributes, peer: &PeerEncodeContext) -> Result<UpdateEncoder, String> {
        let max = check_max(peer.max_message_size)?;
        let ibgp = peer.is_ibgp();
        let mut communities = attrs.communities.clone();
        dedup_keep_order(&mut communities);
        let mut large_communities = attrs.large_communities.clone();
        dedup_keep_order(&mut large_communities);
        let mut pa = PathAttributes {
            origin: Some(attrs.origin),
            as_path: Some(if ibgp {
                AsPath::default()
            } else {
                AsPath::sequence(vec![peer.local_asn])
            }),
            next_hop: None,
            med: attrs.med,
            local_pref: ibgp.then(|| attrs.local_pref.unwrap_or(DEFAULT_LOCAL_PREF)),
            communities,
            large_communities,
            ..PathAttributes::default()
        };
        let mut v6_attrs = Vec::new();
        pa.encode_into(peer.four_octet_as, &mut v6_attrs);
        let v4_attrs = peer.next_hop_v4.map(|nh| {
            pa.next_hop = Some(nh);
            let mut v = Vec::new();
            pa.encode_into(peer.four_octet_as, &mut v);
            v
        });
        let global = peer
            .next_hop_v6
            .or_else(|| peer.next_hop_v4.map(|a| a.to_ipv6_mapped()));
        let v6_next_hop = global.map(|g| {
            let mut nh = g.octets().to_vec();
            if let Some(ll) = peer.next_hop_v6_link_local {
                nh.extend_from_slice(&ll.octets());
            }
            nh
        });
        // Room for at least one host route in each family.
        let v4_room = max.saturating_sub(UPDATE_FIXED + v4_attrs.as_ref().map_or(0, Vec::len));
        let v6_room = max.saturating_sub(UPDATE_FIXED + 4 + 5 + 32 + v6_attrs.len());
        if v4_room < 5 || v6_room < 17 {
            return Err(format!(
                "attributes take {} bytes and leave no room for prefixes in a {max}-byte message",
                v6_attrs.len()
            ));
        }
        Ok(UpdateEncoder {
            max,
            v4_attrs,
            v6_attrs,
            v6_next_hop,
        })
    }

    /// Appends UPDATEs announcing `prefixes`, packed as tightly as the message size allows.
    pub fn encode_v4(
        &self,
        prefixes: &[Ipv4Prefix],
        out: &mut Vec<u8>,
    ) -> Result<EncodeStats, String> {
        if prefixes.is_empty() {
            return Ok(EncodeStats::default());
        }
        let attrs = self
            .v4_attrs
            .as_deref()
            .ok_or("an IPv4 next hop is required to announce IPv4 prefixes")?;
        let mut stats = EncodeStats::default();
        let mut rest = prefixes;
        while !rest.is_empty() {
            let start = out.len();
            out.reserve(self.max);
            out.extend_from_slice(&MARKER);
            out.extend_from_slice(&[0, 0, 2, 0, 0]);
            out.extend_from_slice(&(attrs.len() as u16).to_be_bytes());
            out.extend_from_slice(attrs);
            let limit = start + self.max;
            let mut n = 0;
            for p in rest {
                if out.len() + p.wire_len() > limit {
                    break;
                }
                p.write_nlri(out);
                n += 1;
            }
            rest = &rest[n..];
            let len = (out.len() - start) as u16;
            patch_u16(out, start + 16, len);
            stats.messages += 1;
            stats.prefixes += n;
        }
        Ok(stats)
    }

    /// Appends UPDATEs announcing IPv6 `prefixes` in MP_REACH_NLRI.
    pub fn encode_v6(
        &self,
        prefixes: &[Ipv6Prefix],
        out: &mut Vec<u8>,
    ) -> Result<EncodeStats, String> {
        if prefixes.is_empty() {
            return Ok(EncodeStats::default());
        }
        let nh = self
            .v6_next_hop
            .as_deref()
            .ok_or("an IPv6 (or IPv4) next hop is required to announce IPv6 prefixes")?;
        // MP_REACH value before the NLRI: AFI, SAFI, next hop length, next hop, reserved.
        let mp_head = 5 + nh.len();
        let room = self.max - UPDATE_FIXED - 4 - mp_head - self.v6_attrs.len();
        let mut stats = EncodeStats::default();
        let mut rest = prefixes;
        while !rest.is_empty() {
            let (n, nlri_len) = fit_mp(rest, room, mp_head);
            let value_len = mp_head + nlri_len;
            let start = out.len();
            out.reserve(self.max);
            out.extend_from_slice(&MARKER);
            out.extend_from_slice(&[0, 0, 2, 0, 0, 0, 0]);
            let attrs_at = out.len();
            write_attr_header(out, FLAG_OPTIONAL, MP_REACH_NLRI, value_len);
            out.extend_from_slice(&[0, 2, 1, nh.len() as u8]);
            out.extend_from_slice(nh);
            out.push(0);
            for p in &rest[..n] {
                p.write_nlri(out);
            }
            out.extend_from_slice(&self.v6_attrs);
            let alen = (out.len() - attrs_at) as u16;
            patch_u16(out, attrs_at - 2, alen);
            let len = (out.len() - start) as u16;
            patch_u16(out, start + 16, len);
            rest = &rest[n..];
            stats.messages += 1;
            stats.prefixes += n;
        }
        Ok(stats)
    }
}

/// How many leading items fit in `room` bytes, and the bytes they take.
fn take_fitting(sizes: impl Iterator<Item = usize>, room: usize) -> (usize, usize) {
    let mut used = 0;
    let mut n = 0;
    for s in sizes {
        if used + s > room {
            break;
        }
        used += s;
        n += 1;
    }
    (n, used)
}

/// Leading prefixes that fit in an MP attribute, given `room` bytes for the NLRI when the
/// attribute uses a 2-byte length. A value of at most 255 bytes takes a 1-byte length, which
/// frees one byte: try it, so every message is as full as it can be.
fn fit_mp(prefixes: &[Ipv6Prefix], room: usize, head: usize) -> (usize, usize) {
    let (n, used) = take_fitting(prefixes.iter().map(Ipv6Prefix::wire_len), room);
    if head + used <= 255 && n < prefixes.len() {
        let (n1, used1) = take_fitting(prefixes.iter().map(Ipv6Prefix::wire_len), room + 1);
        if head + used1 <= 255 {
            return (n1, used1);
        }
    }
    (n, used)
}

fn write_attr_header(out: &mut Vec<u8>, flags: u8, code: u8, len: usize) {
    if len > 255 {
        out.extend_from_slice(&[flags | FLAG_EXTENDED_LENGTH, code]);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.extend_from_slice(&[flags, code, len as u8]);
    }
}

fn dedup_keep_order<T: PartialEq + Copy>(v: &mut Vec<T>) {
    let mut seen: Vec<T> = Vec::with_capacity(v.len());
    v.retain(|x| {
        if seen.contains(x) {
            false
        } else {
            seen.push(*x);
            true
        }
    });
}

/// Appends UPDATEs withdrawing IPv4 `prefixes` (classic withdrawn routes).
pub fn encode_withdrawals_v4(
    prefixes: &[Ipv4Prefix],
    max_message_size: usize,
    out: &mut Vec<u8>,
) -> Result<EncodeStats, String> {
    let max = check_max(max_message_size)?;
    let mut stats = EncodeStats::default();
    let mut rest = prefixes;
    while !rest.is_empty() {
        let (n, wlen) = take_fitting(rest.iter().map(Ipv4Prefix::wire_len), max - UPDATE_FIXED);
        let start = out.len();
        out.extend_from_slice(&MARKER);
        out.extend_from_slice(&[0, 0, 2]);
        out.extend_from_slice(&(wlen as u16).to_be_bytes());
        for p in &rest[..n] {
            p.write_nlri(out);
        }
        out.extend_from_slice(&[0, 0]);
        let len = (out.len() - start) as u16;
        patch_u16(out, start + 16, len);
        rest = &rest[n..];
        stats.messages += 1;
        stats.prefixes += n;
    }
    Ok(stats)
}

/// Appends UPDATEs withdrawing IPv6 `prefixes` in MP_UNREACH_NLRI.
pub fn encode_withdrawals_v6(
    prefixes: &[Ipv6Prefix],
    max_message_size: usize,
    out: &mut Vec<u8>,
) -> Result<EncodeStats, String> {
    let max = check_max(max_message_size)?;
    let room = max - UPDATE_FIXED - 4 - 3;
    let mut stats = EncodeStats::default();
    let mut rest = prefixes;
    while !rest.is_empty() {
        let (n, nlri_len) = fit_mp(rest, room, 3);
        let start = out.len();
        out.extend_from_slice(&MARKER);
        out.extend_from_slice(&[0, 0, 2, 0, 0, 0, 0]);
        let attrs_at = out.len();
        write_attr_header(out, FLAG_OPTIONAL, MP_UNREACH_NLRI, 3 + nlri_len);
        out.extend_from_slice(&[0, 2, 1]);
        for p in &rest[..n] {
            p.write_nlri(out);
        }
        let alen = (out.len() - attrs_at) as u16;
        patch_u16(out, attrs_at - 2, alen);
        let len = (out.len() - start) as u16;
        patch_u16(out, start + 16, len);
        rest = &rest[n..];
        stats.messages += 1;
        stats.prefixes += n;
    }
    Ok(stats)
}

/// Appends the End-of-RIB marker of `family` (RFC 4724 §2): an empty UPDATE for IPv4 unicast,
/// an UPDATE with only an empty MP_UNREACH_NLRI otherwise.
pub fn encode_end_of_rib(family: Family, out: &mut Vec<u8>) {
    out.extend_from_slice(&MARKER);
    if family == Family::IPV4_UNICAST {
        out.extend_from_slice(&[0, 23, 2, 0, 0, 0, 0]);
    } else {
        out.extend_from_slice(&[0, 29, 2, 0, 0, 0, 6, FLAG_OPTIONAL, MP_UNREACH_NLRI, 3]);
        out.extend_from_slice(&family.afi.to_be_bytes());
        out.push(family.safi);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{decode, frame, CodecContext, Message, MpNextHop, Prefix};
    use super::*;

    fn ctx(local: u32, peer: u32, four: bool) -> PeerEncodeContext {
        PeerEncodeContext {
            local_asn: local,
            peer_asn: peer,
            four_octet_as: four,
            next_hop_v4: Some(Ipv4Addr::new(192, 0, 2, 1)),
            next_hop_v6: Some("2001:db8::1".parse().unwrap()),
            next_hop_v6_link_local: None,
            max_message_size: 4096,
        }
    }

    fn v4(list: &[&str]) -> Vec<Ipv4Prefix> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    /// Marker + length + type UPDATE, built by hand.
    fn update_header(total: usize) -> Vec<u8> {
        let mut v = vec![0xff; 16];
        v.extend_from_slice(&(total as u16).to_be_bytes());
        v.push(2);
        v
    }

    fn with_header(body: &[u8]) -> Vec<u8> {
        let mut v = update_header(19 + body.len());
        v.extend_from_slice(body);
        v
    }

    fn attrs_full() -> RouteAttributes {
        RouteAttributes {
            origin: Origin::Igp,
            med: Some(10),
            local_pref: None,
            communities: vec![COMMUNITY_NO_EXPORT, 0xFDE8_0064, COMMUNITY_NO_EXPORT],
            large_communities: vec![LargeCommunity {
                global: 1,
                local1: 2,
                local2: 3,
            }],
        }
    }

    #[test]
    fn ebgp_ipv4_exact_bytes() {
        let enc = UpdateEncoder::new(&attrs_full(), &ctx(65001, 65002, true)).unwrap();
        let mut out = Vec::new();
        let stats = enc
            .encode_v4(&v4(&["10.0.0.1/32", "10.1.0.0/16"]), &mut out)
            .unwrap();
        assert_eq!(
            stats,
            EncodeStats {
                messages: 1,
                prefixes: 2
            }
        );
        let attrs: Vec<u8> = [
            &[0x40, 1, 1, 0][..],                                   // ORIGIN igp
            &[0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe9],                  // AS_PATH [65001]
            &[0x40, 3, 4, 192, 0, 2, 1],                            // NEXT_HOP
            &[0x80, 4, 4, 0, 0, 0, 10],                             // MED
            &[0xc0, 8, 8, 0xff, 0xff, 0xff, 1, 0xfd, 0xe8, 0, 100], // COMMUNITIES, dup dropped
            &[0xc0, 32, 12, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3],    // LARGE_COMMUNITIES
        ]
        .concat();
        let mut body = vec![0, 0, 0, attrs.len() as u8];
        body.extend_from_slice(&attrs);
        body.extend_from_slice(&[32, 10, 0, 0, 1, 16, 10, 1]);
        assert_eq!(out, with_header(&body));
    }

    #[test]
    fn ibgp_has_empty_as_path_and_local_pref() {
        let attrs = RouteAttributes::default();
        let enc = UpdateEncoder::new(&attrs, &ctx(65001, 65001, true)).unwrap();
        let mut out = Vec::new();
        enc.encode_v4(&v4(&["10.0.0.0/8"]), &mut out).unwrap();
        let attrs = [
            0x40, 1, 1, 0, 0x40, 2, 0, 0x40, 3, 4, 192, 0, 2, 1, 0x40, 5, 4, 0, 0, 0, 100,
        ];
        let mut body = vec![0, 0, 0, attrs.len() as u8];
        body.extend_from_slice(&attrs);
        body.extend_from_slice(&[8, 10]);
        assert_eq!(out, with_header(&body));
        // An explicit local preference is used; eBGP peers never get one.
        let lp = RouteAttributes {
            local_pref: Some(200),
            ..Default::default()
        };
        let mut out = Vec::new();
        UpdateEncoder::new(&lp, &ctx(65001, 65001, true))
            .unwrap()
            .encode_v4(&v4(&["10.0.0.0/8"]), &mut out)
            .unwrap();
        let Message::Update(u) = decode(&out, &CodecContext::default()).unwrap() else {
            panic!()
        };
        assert_eq!(u.attributes.local_pref, Some(200));
        let mut out = Vec::new();
        UpdateEncoder::new(&lp, &ctx(65001, 65002, true))
            .unwrap()
            .encode_v4(&v4(&["10.0.0.0/8"]), &mut out)
            .unwrap();
        let Message::Update(u) = decode(&out, &CodecContext::default()).unwrap() else {
            panic!()
        };
        assert_eq!(u.attributes.local_pref, None);
    }

    #[test]
    fn two_octet_peer_gets_as_trans_and_as4_path() {
        let enc = UpdateEncoder::new(
            &RouteAttributes::default(),
            &ctx(4_200_000_001, 65002, false),
        )
        .unwrap();
        let mut out = Vec::new();
        enc.encode_v4(&v4(&["10.0.0.0/8"]), &mut out).unwrap();
        let attrs = [
            &[0x40, 1, 1, 0][..],
            &[0x40, 2, 4, 2, 1, 0x5b, 0xa0], // AS_PATH [AS_TRANS]
            &[0x40, 3, 4, 192, 0, 2, 1],
            &[0xc0, 17, 6, 2, 1, 0xfa, 0x56, 0xea, 0x01], // AS4_PATH [4200000001]
        ]
        .concat();
        let mut body = vec![0, 0, 0, attrs.len() as u8];
        body.extend_from_slice(&attrs);
        body.extend_from_slice(&[8, 10]);
        assert_eq!(out, with_header(&body));
        // A 2-octet receiver merges AS4_PATH back (RFC 6793 §4.2.3).
        let Message::Update(u) = decode(
            &out,
            &CodecContext {
                four_octet_as: false,
            },
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(u.attributes.as_path.unwrap().to_string(), "4200000001");
        // A small local ASN toward a 2-octet peer needs no AS4_PATH.
        let enc =
            UpdateEncoder::new(&RouteAttributes::default(), &ctx(65001, 65002, false)).unwrap();
        let mut out = Vec::new();
        enc.encode_v4(&v4(&["10.0.0.0/8"]), &mut out).unwrap();
        assert!(!out.windows(2).any(|w| w == [0xc0, 17]));
    }

    #[test]
    fn ipv6_exact_bytes_with_link_local() {
        let mut c = ctx(65001, 65002, true);
        c.next_hop_v6_link_local = Some("fe80::1".parse().unwrap());
        let enc = UpdateEncoder::new(&RouteAttributes::default(), &c).unwrap();
        let mut out = Vec::new();
        let p: Ipv6Prefix = "2001:db8:1::/48".parse().unwrap();
        enc.encode_v6(&[p], &mut out).unwrap();
        let mut nh = vec![0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        nh.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        let mut mp = vec![0, 2, 1, 32];
        mp.extend_from_slice(&nh);
        mp.push(0);
        mp.extend_from_slice(&[48, 0x20, 0x01, 0x0d, 0xb8, 0, 1]);
        let mut attrs = vec![0x80, 14, mp.len() as u8];
        attrs.extend_from_slice(&mp);
        attrs.extend_from_slice(&[0x40, 1, 1, 0, 0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe9]);
        let mut body = vec![0, 0, 0, attrs.len() as u8];
        body.extend_from_slice(&attrs);
        assert_eq!(out, with_header(&body));
        let Message::Update(u) = decode(&out, &CodecContext::default()).unwrap() else {
            panic!()
        };
        assert_eq!(u.announced(), vec![Prefix::V6(p)]);
        assert!(!u.treat_as_withdraw, "{:?}", u.errors);
    }

    #[test]
    fn ipv6_next_hop_falls_back_to_ipv4_mapped() {
        let mut c = ctx(65001, 65002, true);
        c.next_hop_v6 = None;
        let enc = UpdateEncoder::new(&RouteAttributes::default(), &c).unwrap();
        let mut out = Vec::new();
        enc.encode_v6(&["2001:db8::/32".parse().unwrap()], &mut out)
            .unwrap();
        let Message::Update(u) = decode(&out, &CodecContext::default()).unwrap() else {
            panic!()
        };
        let nh = u.mp_reach.unwrap().next_hop;
        assert_eq!(
            nh,
            MpNextHop::V6 {
                global: "::ffff:192.0.2.1".parse().unwrap(),
                link_local: None
            }
        );
        c.next_hop_v4 = None;
        let enc = UpdateEncoder::new(&RouteAttributes::default(), &c).unwrap();
        assert!(enc
            .encode_v6(&["2001:db8::/32".parse().unwrap()], &mut out)
            .unwrap_err()
            .contains("next hop"));
        assert!(enc
            .encode_v4(&v4(&["10.0.0.0/8"]), &mut out)
            .unwrap_err()
            .contains("IPv4 next hop"));
    }

    #[test]
    fn end_of_rib_and_withdrawal_bytes() {
        let mut out = Vec::new();
        encode_end_of_rib(Family::IPV4_UNICAST, &mut out);
        assert_eq!(out, with_header(&[0, 0, 0, 0]));
        out.clear();
        encode_end_of_rib(Family::IPV6_UNICAST, &mut out);
        assert_eq!(out, with_header(&[0, 0, 0, 6, 0x80, 15, 3, 0, 2, 1]));
        for (bytes, fam) in [
            (with_header(&[0, 0, 0, 0]), Family::IPV4_UNICAST),
            (out.clone(), Family::IPV6_UNICAST),
        ] {
            let Message::Update(u) = decode(&bytes, &CodecContext::default()).unwrap() else {
                panic!()
            };
            assert_eq!(u.end_of_rib(), Some(fam));
        }

        out.clear();
        encode_withdrawals_v4(&v4(&["10.0.0.1/32", "10.2.0.0/15"]), 4096, &mut out).unwrap();
        assert_eq!(out, with_header(&[0, 8, 32, 10, 0, 0, 1, 15, 10, 2, 0, 0]));
        out.clear();
        encode_withdrawals_v6(&["2001:db8::/32".parse().unwrap()], 4096, &mut out).unwrap();
        assert_eq!(
            out,
            with_header(&[0, 0, 0, 11, 0x80, 15, 8, 0, 2, 1, 32, 0x20, 0x01, 0x0d, 0xb8])
        );
        let Message::Update(u) = decode(&out, &CodecContext::default()).unwrap() else {
            panic!()
        };
        assert_eq!(
            u.withdrawn_prefixes(),
            vec![Prefix::V6("2001:db8::/32".parse().unwrap())]
        );
        assert_eq!(u.end_of_rib(), None);
    }

    /// Splits `out` into messages, checks each against the limit, decodes them and returns
    /// (messages, announced, withdrawn).
    fn decode_all(out: &[u8], max: usize) -> (usize, Vec<Prefix>, Vec<Prefix>) {
        let (mut off, mut n, mut ann, mut wd) = (0, 0, Vec::new(), Vec::new());
        while off < out.len() {
            let (_, len) = frame(&out[off..]).unwrap().unwrap();
            assert!(len <= max, "message of {len} bytes exceeds {max}");
            let Message::Update(u) =
                decode(&out[off..off + len], &CodecContext::default()).unwrap()
            else {
                panic!("not an UPDATE")
            };
            assert!(
                !u.treat_as_withdraw && u.errors.is_empty(),
                "{:?}",
                u.errors
            );
            ann.extend(u.announced());
            wd.extend(u.withdrawn_prefixes());
            off += len;
            n += 1;
        }
        (n, ann, wd)
    }

    #[test]
    fn packing_is_tight_complete_and_within_the_limit() {
        let hosts: Vec<Ipv4Prefix> = (0..10_000u32)
            .map(|i| Ipv4Prefix::new(Ipv4Addr::from(0x0a00_0000 + i), 32).unwrap())
            .collect();
        let v6: Vec<Ipv6Prefix> = (0..3_000u128)
            .map(|i| Ipv6Prefix::new(Ipv6Addr::from((0x2001_0db8u128 << 96) + i), 128).unwrap())
            .collect();
        for max in [4096usize, 1000, 100] {
            let mut c = ctx(65001, 65002, true);
            c.max_message_size = max;
            let enc = UpdateEncoder::new(&RouteAttributes::default(), &c).unwrap();
            let mut out = Vec::new();
            let stats = enc.encode_v4(&hosts, &mut out).unwrap();
            // ORIGIN 4 + AS_PATH 9 + NEXT_HOP 7 = 20 attribute bytes; 5 bytes per /32.
            let per_msg = (max - 23 - 20) / 5;
            assert_eq!(stats.messages, hosts.len().div_ceil(per_msg), "max {max}");
            assert_eq!(stats.prefixes, hosts.len());
            let (n, ann, _) = decode_all(&out, max);
            assert_eq!(n, stats.messages);
            assert_eq!(
                ann,
                hosts.iter().copied().map(Prefix::V4).collect::<Vec<_>>()
            );

            let mut out = Vec::new();
            let stats = enc.encode_v6(&v6, &mut out).unwrap();
            let (n, ann, _) = decode_all(&out, max);
            assert_eq!((n, ann.len()), (stats.messages, v6.len()));
            assert_eq!(ann, v6.iter().copied().map(Prefix::V6).collect::<Vec<_>>());
            if max == 4096 {
                // 23 + MP header 4 + 5 + 16 + 13 attribute bytes, 17 bytes per /128.
                assert_eq!(
                    stats.messages,
                    v6.len().div_ceil((4096 - 23 - 4 - 21 - 13) / 17)
                );
            }

            let mut out = Vec::new();
            let s4 = encode_withdrawals_v4(&hosts, max, &mut out).unwrap();
            let s6 = encode_withdrawals_v6(&v6, max, &mut out).unwrap();
            assert_eq!(s4.messages, hosts.len().div_ceil((max - 23) / 5));
            let (n, _, wd) = decode_all(&out, max);
            assert_eq!(
                (n, wd.len()),
                (s4.messages + s6.messages, hosts.len() + v6.len())
            );
        }
    }

    #[test]
    fn oversized_attributes_and_sizes_are_rejected() {
        let many = RouteAttributes {
            communities: (0..1100).collect(),
            ..Default::default()
        };
        let e = UpdateEncoder::new(&many, &ctx(65001, 65002, true)).unwrap_err();
        assert!(e.contains("leave no room"), "{e}");
        let mut c = ctx(65001, 65002, true);
        c.max_message_size = 5000;
        assert!(UpdateEncoder::new(&RouteAttributes::default(), &c)
            .unwrap_err()
            .contains("maxMessageSize"));
        // Long community lists use the extended length flag.
        let long = RouteAttributes {
            communities: (0..100).collect(),
            ..Default::default()
        };
        let enc = UpdateEncoder::new(&long, &ctx(65001, 65002, true)).unwrap();
        let mut out = Vec::new();
        enc.encode_v4(&v4(&["10.0.0.0/8"]), &mut out).unwrap();
        assert!(out.windows(4).any(|w| w == [0xd0, 8, 1, 144]));
        let Message::Update(u) = decode(&out, &CodecContext::default()).unwrap() else {
            panic!()
        };
        assert_eq!(u.attributes.communities.len(), 100);
    }

    /// Throughput check, not a test of speed: `cargo test --release -- --ignored encode_throughput --nocapture`.
    #[test]
    #[ignore]
    fn encode_throughput() {
        let n = 1_000_000u32;
        let packed: Vec<u8> = (0..n)
            .flat_map(|i| {
                let mut b = (0x0a00_0000 + i).to_be_bytes().to_vec();
                b.push(32);
                b
            })
            .collect();
        let enc = UpdateEncoder::new(&attrs_full(), &ctx(65001, 65002, true)).unwrap();
        let t = std::time::Instant::now();
        let mut total = 0;
        let rounds = 10;
        for _ in 0..rounds {
            let prefixes = super::super::parse_packed_v4("packedV4", &packed).unwrap();
            let mut out = Vec::with_capacity(prefixes.len() * 5 + prefixes.len() / 4);
            enc.encode_v4(&prefixes, &mut out).unwrap();
            total += out.len();
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "encode: {:.1} M prefixes/s ({} bytes per round)",
            f64::from(n) * rounds as f64 / secs / 1e6,
            total / rounds
        );
    }
}
