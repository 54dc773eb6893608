//! Path attributes (RFC 4271 §4.3, §5): their types, value decoding and encoding.
//!
//! Per-attribute decoding returns `Err(reason)`; update.rs decides, per RFC 7606 §7, what a
//! malformed attribute means (treat-as-withdraw, attribute discard or session reset).

use std::fmt;
use std::net::Ipv4Addr;

use super::open::AS_TRANS;
use super::wire::Reader;

/// Attribute flag bits (RFC 4271 §4.3).
pub const FLAG_OPTIONAL: u8 = 0x80;
pub const FLAG_TRANSITIVE: u8 = 0x40;
pub const FLAG_PARTIAL: u8 = 0x20;
pub const FLAG_EXTENDED_LENGTH: u8 = 0x10;

/// Attribute type codes.
pub const ORIGIN: u8 = 1;
pub const AS_PATH: u8 = 2;
pub const NEXT_HOP: u8 = 3;
pub const MULTI_EXIT_DISC: u8 = 4;
pub const LOCAL_PREF: u8 = 5;
pub const ATOMIC_AGGREGATE: u8 = 6;
pub const AGGREGATOR: u8 = 7;
pub const COMMUNITIES: u8 = 8;
pub const ORIGINATOR_ID: u8 = 9;
pub const CLUSTER_LIST: u8 = 10;
pub const MP_REACH_NLRI: u8 = 14;
pub const MP_UNREACH_NLRI: u8 = 15;
pub const AS4_PATH: u8 = 17;
pub const AS4_AGGREGATOR: u8 = 18;
pub const LARGE_COMMUNITIES: u8 = 32;

/// The Optional and Transitive bits each known attribute must carry (RFC 4271 §5, RFC 4760,
/// RFC 6793, RFC 1997, RFC 4456, RFC 8092); `None` for attributes we do not know.
pub fn expected_flags(code: u8) -> Option<u8> {
    Some(match code {
        ORIGIN | AS_PATH | NEXT_HOP | LOCAL_PREF | ATOMIC_AGGREGATE => FLAG_TRANSITIVE,
        MULTI_EXIT_DISC | ORIGINATOR_ID | CLUSTER_LIST | MP_REACH_NLRI | MP_UNREACH_NLRI => {
            FLAG_OPTIONAL
        }
        AGGREGATOR | COMMUNITIES | AS4_PATH | AS4_AGGREGATOR | LARGE_COMMUNITIES => {
            FLAG_OPTIONAL | FLAG_TRANSITIVE
        }
        _ => return None,
    })
}

/// Well-known communities (RFC 1997, RFC 3765, RFC 7999, RFC 8326).
pub const COMMUNITY_NO_EXPORT: u32 = 0xFFFF_FF01;
pub const COMMUNITY_NO_ADVERTISE: u32 = 0xFFFF_FF02;
pub const COMMUNITY_NO_EXPORT_SUBCONFED: u32 = 0xFFFF_FF03;
pub const COMMUNITY_NOPEER: u32 = 0xFFFF_FF04;
pub const COMMUNITY_BLACKHOLE: u32 = 0xFFFF_029A;
pub const COMMUNITY_GRACEFUL_SHUTDOWN: u32 = 0xFFFF_0000;

/// ORIGIN values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Origin {
    #[default]
    Igp = 0,
    Egp = 1,
    Incomplete = 2,
}

impl Origin {
    pub fn from_u8(v: u8) -> Option<Origin> {
        Some(match v {
            0 => Origin::Igp,
            1 => Origin::Egp,
            2 => Origin::Incomplete,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Origin::Igp => "igp",
            Origin::Egp => "egp",
            Origin::Incomplete => "incomplete",
        }
    }
}

/// AS_PATH segment types (RFC 4271 §4.3, RFC 5065).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SegmentKind {
    Set = 1,
    Sequence = 2,
    ConfedSequence = 3,
    ConfedSet = 4,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AsPathSegment {
    pub kind: SegmentKind,
    pub asns: Vec<u32>,
}

/// An AS path; ASNs are always held as 4-octet values.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AsPath {
    pub segments: Vec<AsPathSegment>,
}

impl AsPath {
    /// A single AS_SEQUENCE (empty path when `asns` is empty).
    pub fn sequence(asns: Vec<u32>) -> AsPath {
        if asns.is_empty() {
            return AsPath::default();
        }
        AsPath {
            segments: vec![AsPathSegment {
                kind: SegmentKind::Sequence,
                asns,
            }],
        }
    }

    /// Path length for best-path purposes: a set counts 1, confederation segments 0 (RFC 4271
    /// §9.1.2.2, RFC 5065 §5.3).
    pub fn path_length(&self) -> usize {
        self.segments
            .iter()
            .map(|s| match s.kind {
                SegmentKind::Sequence => s.asns.len(),
                SegmentKind::Set => 1,
                _ => 0,
            })
            .sum()
    }

    /// The neighbour AS: first ASN of a leading AS_SEQUENCE.
    pub fn first_asn(&self) -> Option<u32> {
        self.segments
            .first()
            .filter(|s| s.kind == SegmentKind::Sequence)
            .and_then(|s| s.asns.first().copied())
    }

    pub fn has_four_octet_asn(&self) -> bool {
        self.segments
            .iter()
            .flat_map(|s| &s.asns)
            .any(|&a| a > 0xffff)
    }

    /// Decodes with 2- or 4-octet ASNs. Malformed (RFC 7606 §7.2): unknown segment type,
    /// zero-length segment, or a segment overrunning the attribute.
    pub fn decode(value: &[u8], four_octet: bool) -> Result<AsPath, String> {
        let mut r = Reader::new(value);
        let mut segments = Vec::new();
        while !r.is_empty() {
            let kind = match r.u8() {
                Some(1) => SegmentKind::Set,
                Some(2) => SegmentKind::Sequence,
                Some(3) => SegmentKind::ConfedSequence,
                Some(4) => SegmentKind::ConfedSet,
                other => return Err(format!("AS path segment type {other:?} is unknown")),
            };
            let count = r.u8().ok_or("AS path segment header is truncated")?;
            if count == 0 {
                return Err("AS path segment has zero length".into());
            }
            let mut asns = Vec::with_capacity(usize::from(count));
            for _ in 0..count {
                let asn = if four_octet {
                    r.u32()
                } else {
                    r.u16().map(u32::from)
                };
                asns.push(asn.ok_or("AS path segment overruns the attribute")?);
            }
            segments.push(AsPathSegment { kind, asns });
        }
        Ok(AsPath { segments })
    }

    /// Appends the value with 4-octet ASNs, or 2-octet ones with AS_TRANS for ASNs > 65535.
    /// Segments longer than 255 ASNs are split.
    pub fn encode_value(&self, four_octet: bool, out: &mut Vec<u8>) {
        for seg in &self.segments {
            for chunk in seg.asns.chunks(255) {
                out.push(seg.kind as u8);
                out.push(chunk.len() as u8);
                for &asn in chunk {
                    if four_octet {
                        out.extend_from_slice(&asn.to_be_bytes());
                    } else {
                        let a = u16::try_from(asn).unwrap_or(AS_TRANS);
                        out.extend_from_slice(&a.to_be_bytes());
                    }
                }
            }
        }
    }

    /// RFC 6793 §4.2.3: the path of a 2-octet session rebuilt from AS_PATH and AS4_PATH: the
    /// leading ASNs of AS_PATH that AS4_PATH does not cover, followed by AS4_PATH. An AS4_PATH
    /// longer than AS_PATH is ignored.
    pub fn merge_as4(&self, as4: &AsPath) -> AsPath {
        let len = self.path_length();
        let len4 = as4.path_length();
        if len4 > len {
            return self.clone();
        }
        let mut keep = len - len4;
        let mut segments = Vec::new();
        for seg in &self.segments {
            if keep == 0 {
                break;
            }
            match seg.kind {
                SegmentKind::Sequence => {
                    let n = seg.asns.len().min(keep);
                    segments.push(AsPathSegment {
                        kind: seg.kind,
                        asns: seg.asns[..n].to_vec(),
                    });
                    keep -= n;
                }
                SegmentKind::Set => {
                    segments.push(seg.clone());
                    keep -= 1;
                }
                _ => segments.push(seg.clone()),
            }
        }
        segments.extend(as4.segments.iter().cloned());
        AsPath { segments }
    }
}

impl fmt::Display for AsPath {
    /// "65001 65002 {65003,65004} (65005)".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.segments {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            let list = |sep: &str| {
                seg.asns
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(sep)
            };
            match seg.kind {
                SegmentKind::Sequence => f.write_str(&list(" "))?,
                SegmentKind::Set => write!(f, "{{{}}}", list(","))?,
                SegmentKind::ConfedSequence => write!(f, "({})", list(" "))?,
                SegmentKind::ConfedSet => write!(f, "[{}]", list(","))?,
            }
        }
        Ok(())
    }
}

/// AGGREGATOR / AS4_AGGREGATOR value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Aggregator {
    pub asn: u32,
    pub address: Ipv4Addr,
}

impl Aggregator {
    /// 6 bytes on 4-octet sessions (and always for AS4_AGGREGATOR: 8), 4 bytes on 2-octet ones.
    pub fn decode(value: &[u8], four_octet: bool) -> Result<Aggregator, String> {
        let want = if four_octet { 8 } else { 6 };
        if value.len() != want {
            return Err(format!("aggregator length {} is not {want}", value.len()));
        }
        let mut r = Reader::new(value);
        let asn = if four_octet {
            r.u32()
        } else {
            r.u16().map(u32::from)
        };
        Ok(Aggregator {
            asn: asn.unwrap_or_default(),
            address: Ipv4Addr::from(r.u32().unwrap_or_default()),
        })
    }
}

/// A large community (RFC 8092).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LargeCommunity {
    pub global: u32,
    pub local1: u32,
    pub local2: u32,
}

impl fmt::Display for LargeCommunity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.global, self.local1, self.local2)
    }
}

/// An attribute we do not interpret, kept to pass on (optional transitive).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawAttribute {
    pub flags: u8,
    pub code: u8,
    pub value: Vec<u8>,
}

/// The attributes of an UPDATE, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PathAttributes {
    pub origin: Option<Origin>,
    pub as_path: Option<AsPath>,
    pub next_hop: Option<Ipv4Addr>,
    pub med: Option<u32>,
    pub local_pref: Option<u32>,
    pub atomic_aggregate: bool,
    pub aggregator: Option<Aggregator>,
    pub communities: Vec<u32>,
    pub large_communities: Vec<LargeCommunity>,
    pub originator_id: Option<Ipv4Addr>,
    pub cluster_list: Vec<Ipv4Addr>,
    /// AS4_PATH as received (2-octet sessions); already merged into `as_path`.
    pub as4_path: Option<AsPath>,
    /// AS4_AGGREGATOR as received (2-octet sessions); already merged into `aggregator`.
    pub as4_aggregator: Option<Aggregator>,
    /// Unrecognized optional transitive attributes, Partial bit set.
    pub unknown: Vec<RawAttribute>,
}

/// u32 list attribute (COMMUNITIES, CLUSTER_LIST): a non-zero multiple of 4 (RFC 7606 §7.8, §7.10).
pub(crate) fn decode_u32_list(value: &[u8], what: &str) -> Result<Vec<u32>, String> {
    if value.is_empty() || !value.len().is_multiple_of(4) {
        return Err(format!(
            "{what} length {} is not a non-zero multiple of 4",
            value.len()
        ));
    }
    Ok(value
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

/// LARGE_COMMUNITIES: a non-zero multiple of 12 (RFC 8092 §5).
pub(crate) fn decode_large_communities(value: &[u8]) -> Result<Vec<LargeCommunity>, String> {
    if value.is_empty() || !value.len().is_multiple_of(12) {
        return Err(format!(
            "large communities length {} is not a non-zero multiple of 12",
            value.len()
        ));
    }
    Ok(value
        .chunks_exact(12)
        .map(|c| LargeCommunity {
            global: u32::from_be_bytes([c[0], c[1], c[2], c[3]]),
            local1: u32::from_be_bytes([c[4], c[5], c[6], c[7]]),
            local2: u32::from_be_bytes([c[8], c[9], c[10], c[11]]),
        })
        .collect())
}

/// A 4-byte attribute value (NEXT_HOP, MED, LOCAL_PREF, ORIGINATOR_ID).
pub(crate) fn decode_u32(value: &[u8], what: &str) -> Result<u32, String> {
    match value {
        [a, b, c, d] => Ok(u32::from_be_bytes([*a, *b, *c, *d])),
        _ => Err(format!("{what} length {} is not 4", value.len())),
    }
}

/// Appends flags, code, length and value; sets Extended Length only when the value needs it.
pub fn write_attribute(out: &mut Vec<u8>, flags: u8, code: u8, value: &[u8]) {
    if value.len() > 255 {
        out.push(flags | FLAG_EXTENDED_LENGTH);
        out.push(code);
        out.extend_from_slice(&(value.len() as u16).to_be_bytes());
    } else {
        out.push(flags & !FLAG_EXTENDED_LENGTH);
        out.push(code);
        out.push(value.len() as u8);
    }
    out.extend_from_slice(value);
}

impl PathAttributes {
    /// Appends every attribute except MP_REACH/MP_UNREACH, in type-code order. `four_octet`
    /// selects the ASN width; on a 2-octet session, paths/aggregators with 4-octet ASNs are
    /// sent with AS_TRANS and AS4_PATH/AS4_AGGREGATOR (RFC 6793 §4.2.2).
    pub fn encode_into(&self, four_octet: bool, out: &mut Vec<u8>) {
        let mut v = Vec::new();
        if let Some(o) = self.origin {
            write_attribute(out, FLAG_TRANSITIVE, ORIGIN, &[o as u8]);
        }
        if let Some(p) = &self.as_path {
            p.encode_value(four_octet, &mut v);
            write_attribute(out, FLAG_TRANSITIVE, AS_PATH, &v);
        }
        if let Some(nh) = self.next_hop {
            write_attribute(out, FLAG_TRANSITIVE, NEXT_HOP, &nh.octets());
        }
        if let Some(med) = self.med {
            write_attribute(out, FLAG_OPTIONAL, MULTI_EXIT_DISC, &med.to_be_bytes());
        }
        if let Some(lp) = self.local_pref {
            write_attribute(out, FLAG_TRANSITIVE, LOCAL_PREF, &lp.to_be_bytes());
        }
        if self.atomic_aggregate {
            write_attribute(out, FLAG_TRANSITIVE, ATOMIC_AGGREGATE, &[]);
        }
        if let Some(agg) = self.aggregator {
            v.clear();
            if four_octet {
                v.extend_from_slice(&agg.asn.to_be_bytes());
            } else {
                v.extend_from_slice(&u16::try_from(agg.asn).unwrap_or(AS_TRANS).to_be_bytes());
            }
            v.extend_from_slice(&agg.address.octets());
            write_attribute(out, FLAG_OPTIONAL | FLAG_TRANSITIVE, AGGREGATOR, &v);
        }
        if !self.communities.is_empty() {
            v.clear();
            for c in &self.communities {
                v.extend_from_slice(&c.to_be_bytes());
            }
            write_attribute(out, FLAG_OPTIONAL | FLAG_TRANSITIVE, COMMUNITIES, &v);
        }
        if let Some(id) = self.originator_id {
            write_attribute(out, FLAG_OPTIONAL, ORIGINATOR_ID, &id.octets());
        }
        if !self.cluster_list.is_empty() {
            v.clear();
            for id in &self.cluster_list {
                v.extend_from_slice(&id.octets());
            }
            write_attribute(out, FLAG_OPTIONAL, CLUSTER_LIST, &v);
        }
        let mut unknown: Vec<&RawAttribute> = self.unknown.iter().collect();
        unknown.sort_by_key(|a| a.code);
        let (low, high): (Vec<_>, Vec<_>) = unknown.into_iter().partition(|a| a.code < AS4_PATH);
        for a in low {
            write_attribute(out, a.flags, a.code, &a.value);
        }
        if !four_octet {
            if let Some(p) = self.as_path.as_ref().filter(|p| p.has_four_octet_asn()) {
                v.clear();
                p.encode_value(true, &mut v);
                write_attribute(out, FLAG_OPTIONAL | FLAG_TRANSITIVE, AS4_PATH, &v);
            }
            if let Some(agg) = self.aggregator.filter(|a| a.asn > 0xffff) {
                v.clear();
                v.extend_from_slice(&agg.asn.to_be_bytes());
                v.extend_from_slice(&agg.address.octets());
                write_attribute(out, FLAG_OPTIONAL | FLAG_TRANSITIVE, AS4_AGGREGATOR, &v);
            }
        }
        let (mid, high): (Vec<_>, Vec<_>) =
            high.into_iter().partition(|a| a.code < LARGE_COMMUNITIES);
        for a in mid {
            write_attribute(out, a.flags, a.code, &a.value);
        }
        if !self.large_communities.is_empty() {
            v.clear();
            for c in &self.large_communities {
                v.extend_from_slice(&c.global.to_be_bytes());
                v.extend_from_slice(&c.local1.to_be_bytes());
                v.extend_from_slice(&c.local2.to_be_bytes());
            }
            write_attribute(out, FLAG_OPTIONAL | FLAG_TRANSITIVE, LARGE_COMMUNITIES, &v);
        }
        for a in high {
            write_attribute(out, a.flags, a.code, &a.value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_path_wire_forms() {
        let p = AsPath {
            segments: vec![
                AsPathSegment {
                    kind: SegmentKind::Sequence,
                    asns: vec![65001, 4_200_000_000],
                },
                AsPathSegment {
                    kind: SegmentKind::Set,
                    asns: vec![1, 2],
                },
            ],
        };
        let mut four = Vec::new();
        p.encode_value(true, &mut four);
        assert_eq!(
            four,
            [2, 2, 0, 0, 0xfd, 0xe9, 0xfa, 0x56, 0xea, 0, 1, 2, 0, 0, 0, 1, 0, 0, 0, 2]
        );
        assert_eq!(AsPath::decode(&four, true).unwrap(), p);
        let mut two = Vec::new();
        p.encode_value(false, &mut two);
        assert_eq!(two, [2, 2, 0xfd, 0xe9, 0x5b, 0xa0, 1, 2, 0, 1, 0, 2]);
        assert_eq!(p.to_string(), "65001 4200000000 {1,2}");
        assert_eq!(p.path_length(), 3);
        assert_eq!(p.first_asn(), Some(65001));
    }

    #[test]
    fn malformed_as_paths() {
        for (bytes, four) in [
            (vec![5, 1, 0, 1], false),    // unknown segment type
            (vec![2, 0], false),          // zero-length segment
            (vec![2, 2, 0, 1, 0], false), // overrun
            (vec![2, 1, 0, 1], true),     // overrun with 4-octet ASNs
            (vec![2], false),             // truncated header
        ] {
            assert!(AsPath::decode(&bytes, four).is_err(), "{bytes:?}");
        }
        assert_eq!(AsPath::decode(&[], false).unwrap(), AsPath::default());
    }

    #[test]
    fn as4_merge_rfc_6793() {
        let seq = |v: Vec<u32>| AsPath::sequence(v);
        // 2-octet view: 65001 AS_TRANS AS_TRANS; AS4_PATH covers the last two.
        let merged =
            seq(vec![65001, 23456, 23456]).merge_as4(&seq(vec![4_200_000_000, 4_200_000_001]));
        assert_eq!(merged.to_string(), "65001 4200000000 4200000001");
        // AS4_PATH longer than AS_PATH is ignored.
        let kept = seq(vec![23456]).merge_as4(&seq(vec![1, 2]));
        assert_eq!(kept.to_string(), "23456");
    }

    #[test]
    fn extended_length_only_when_needed() {
        let mut out = Vec::new();
        write_attribute(
            &mut out,
            FLAG_OPTIONAL | FLAG_TRANSITIVE,
            COMMUNITIES,
            &[0; 255],
        );
        assert_eq!(&out[..3], &[0xc0, 8, 255]);
        out.clear();
        write_attribute(
            &mut out,
            FLAG_OPTIONAL | FLAG_TRANSITIVE,
            COMMUNITIES,
            &[0; 256],
        );
        assert_eq!(&out[..4], &[0xd0, 8, 1, 0]);
        assert_eq!(out.len(), 260);
    }

    #[test]
    fn list_lengths_follow_rfc_7606() {
        assert!(decode_u32_list(&[], "communities").is_err());
        assert!(decode_u32_list(&[0; 5], "communities").is_err());
        assert_eq!(
            decode_u32_list(&[0xff, 0xff, 0xff, 1], "c").unwrap(),
            [COMMUNITY_NO_EXPORT]
        );
        assert!(decode_large_communities(&[0; 11]).is_err());
        assert_eq!(
            decode_large_communities(&[0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]).unwrap()[0].to_string(),
            "1:2:3"
        );
        assert!(Aggregator::decode(&[0; 6], true).is_err());
        assert_eq!(
            Aggregator::decode(&[0xfd, 0xe9, 10, 0, 0, 1], false)
                .unwrap()
                .asn,
            65001
        );
    }
}
