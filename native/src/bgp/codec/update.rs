//! UPDATE (RFC 4271 §4.3) with multiprotocol NLRI (RFC 4760), 4-octet AS handling on 2-octet
//! sessions (RFC 6793) and the revised error handling of RFC 7606.
//!
//! Decoding never resets the session for a problem RFC 7606 lets us survive: the decoded
//! `Update` says `treat_as_withdraw` (its announced prefixes must be handled as withdrawn) and
//! lists discarded attributes, with a reason each in `errors` for counters and logs. Only the
//! cases RFC 7606 leaves fatal (unlocatable NLRI, malformed NLRI, MP attribute errors,
//! unrecognized well-known attributes) return a `BgpError`.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::attributes::{self as attr, *};
use super::error::BgpError;
use super::family::Family;
use super::header::{begin_message, finish_message, MessageType};
use super::notification::{code, update_subcode};
use super::prefix::{decode_nlri_v4, decode_nlri_v6, Ipv4Prefix, Ipv6Prefix, Prefix};
use super::wire::{patch_u16, Reader};
use super::CodecContext;

/// Next hop carried in MP_REACH_NLRI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MpNextHop {
    V4(Ipv4Addr),
    /// 16 bytes global, or 32 bytes global + link-local (RFC 2545 §3).
    V6 {
        global: Ipv6Addr,
        link_local: Option<Ipv6Addr>,
    },
    /// Families we do not interpret.
    Other(Vec<u8>),
}

/// MP_REACH_NLRI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MpReach {
    pub family: Family,
    pub next_hop: MpNextHop,
    /// IPv4/IPv6 unicast prefixes.
    pub prefixes: Vec<Prefix>,
    /// The NLRI of families we do not interpret, untouched.
    pub raw_nlri: Vec<u8>,
}

/// MP_UNREACH_NLRI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MpUnreach {
    pub family: Family,
    pub prefixes: Vec<Prefix>,
    pub raw_nlri: Vec<u8>,
}

/// A decoded UPDATE.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Update {
    /// Classic IPv4 withdrawn routes.
    pub withdrawn: Vec<Ipv4Prefix>,
    pub attributes: PathAttributes,
    /// Classic IPv4 NLRI.
    pub nlri: Vec<Ipv4Prefix>,
    pub mp_reach: Option<MpReach>,
    pub mp_unreach: Option<MpUnreach>,
    /// RFC 7606 treat-as-withdraw: every announced prefix in this UPDATE is to be withdrawn.
    pub treat_as_withdraw: bool,
    /// Type codes of attributes dropped under RFC 7606 "attribute discard" (or duplicates).
    pub discarded_attributes: Vec<u8>,
    /// One human reason per tolerated error, for logs.
    pub errors: Vec<String>,
}

impl Update {
    /// Prefixes this UPDATE announces (none when treat-as-withdraw applies).
    pub fn announced(&self) -> Vec<Prefix> {
        if self.treat_as_withdraw {
            return Vec::new();
        }
        let mut v: Vec<Prefix> = self.nlri.iter().copied().map(Prefix::V4).collect();
        if let Some(mp) = &self.mp_reach {
            v.extend_from_slice(&mp.prefixes);
        }
        v
    }

    /// Prefixes this UPDATE withdraws, including announced ones under treat-as-withdraw.
    pub fn withdrawn_prefixes(&self) -> Vec<Prefix> {
        let mut v: Vec<Prefix> = self.withdrawn.iter().copied().map(Prefix::V4).collect();
        if let Some(mp) = &self.mp_unreach {
            v.extend_from_slice(&mp.prefixes);
        }
        if self.treat_as_withdraw {
            v.extend(self.nlri.iter().copied().map(Prefix::V4));
            if let Some(mp) = &self.mp_reach {
                v.extend_from_slice(&mp.prefixes);
            }
        }
        v
    }

    /// The family whose End-of-RIB this is (RFC 4724 §2): an empty UPDATE for IPv4 unicast, or
    /// an UPDATE holding only an empty MP_UNREACH_NLRI.
    pub fn end_of_rib(&self) -> Option<Family> {
        let no_attrs = self.attributes == PathAttributes::default() && self.mp_reach.is_none();
        if !no_attrs
            || !self.withdrawn.is_empty()
            || !self.nlri.is_empty()
            || self.treat_as_withdraw
        {
            return None;
        }
        match &self.mp_unreach {
            None => Some(Family::IPV4_UNICAST),
            Some(u) if u.prefixes.is_empty() && u.raw_nlri.is_empty() => Some(u.family),
            Some(_) => None,
        }
    }

    fn tolerate(&mut self, action: Action, code: u8, reason: String) -> Result<(), BgpError> {
        match action {
            Action::TreatAsWithdraw => self.treat_as_withdraw = true,
            Action::Discard => self.discarded_attributes.push(code),
        }
        self.errors.push(reason);
        Ok(())
    }

    /// Decodes an UPDATE body (after the 19-byte header).
    pub(crate) fn decode(body: &[u8], ctx: &CodecContext) -> Result<Update, BgpError> {
        let mut r = Reader::new(body);
        let list_error = |why: String| {
            BgpError::new(
                code::UPDATE_MESSAGE,
                update_subcode::MALFORMED_ATTRIBUTE_LIST,
                Vec::new(),
                why,
            )
        };
        let wlen = r
            .u16()
            .ok_or_else(|| list_error("UPDATE is truncated".into()))?;
        let withdrawn_bytes = r.take(usize::from(wlen)).ok_or_else(|| {
            list_error(format!(
                "withdrawn routes length {wlen} exceeds the message"
            ))
        })?;
        let alen = r.u16().ok_or_else(|| {
            list_error(format!(
                "withdrawn routes length {wlen} leaves no room for the attributes length"
            ))
        })?;
        let attr_bytes = r.take(usize::from(alen)).ok_or_else(|| {
            list_error(format!(
                "total path attribute length {alen} exceeds the message"
            ))
        })?;
        let nlri_bytes = r.rest();

        let mut u = Update::default();
        decode_nlri_v4(withdrawn_bytes, &mut u.withdrawn)
            .map_err(|e| invalid_network(format!("withdrawn routes: {e}")))?;
        u.decode_attributes(attr_bytes, ctx)?;
        decode_nlri_v4(nlri_bytes, &mut u.nlri)
            .map_err(|e| invalid_network(format!("NLRI: {e}")))?;
        u.merge_as4(ctx);
        u.check_mandatory()?;
        Ok(u)
    }

    fn decode_attributes(&mut self, bytes: &[u8], ctx: &CodecContext) -> Result<(), BgpError> {
        let mut seen = [false; 256];
        let mut r = Reader::new(bytes);
        while !r.is_empty() {
            let whole_start = r.rest();
            let header = (r.u8(), r.u8());
            let (Some(flags), Some(type_code)) = header else {
                // RFC 7606 §4: too few octets left for an attribute header.
                return self.tolerate(
                    Action::TreatAsWithdraw,
                    0,
                    format!(
                        "{} trailing attribute bytes cannot hold an attribute",
                        whole_start.len()
                    ),
                );
            };
            let len = if flags & FLAG_EXTENDED_LENGTH != 0 {
                r.u16()
            } else {
                r.u8().map(u16::from)
            };
            let value = len.and_then(|l| r.take(usize::from(l)));
            let Some(value) = value else {
                // RFC 7606 §4: the last attribute overruns the Total Attribute Length. NLRI in an
                // MP attribute we cannot read cannot be withdrawn: that one is fatal.
                if type_code == MP_REACH_NLRI || type_code == MP_UNREACH_NLRI {
                    return Err(BgpError::new(
                        code::UPDATE_MESSAGE,
                        update_subcode::ATTRIBUTE_LENGTH_ERROR,
                        whole_start.to_vec(),
                        format!("attribute {type_code} overruns the path attributes"),
                    ));
                }
                return self.tolerate(
                    Action::TreatAsWithdraw,
                    type_code,
                    format!("attribute {type_code} overruns the path attributes"),
                );
            };
            let whole = &whole_start[..whole_start.len() - r.remaining()];
            if seen[usize::from(type_code)] {
                if type_code == MP_REACH_NLRI || type_code == MP_UNREACH_NLRI {
                    return Err(BgpError::new(
                        code::UPDATE_MESSAGE,
                        update_subcode::MALFORMED_ATTRIBUTE_LIST,
                        Vec::new(),
                        format!("attribute {type_code} appears more than once"),
                    ));
                }
                self.tolerate(
                    Action::Discard,
                    type_code,
                    format!("duplicate attribute {type_code} discarded"),
                )?;
                continue;
            }
            seen[usize::from(type_code)] = true;
            self.decode_attribute(flags, type_code, value, whole, ctx)?;
        }
        Ok(())
    }

    fn decode_attribute(
        &mut self,
        flags: u8,
        type_code: u8,
        value: &[u8],
        whole: &[u8],
        ctx: &CodecContext,
    ) -> Result<(), BgpError> {
        let Some(expected) = attr::expected_flags(type_code) else {
            return self.unknown_attribute(flags, type_code, value, whole);
        };
        let action = action_for(type_code);
        if flags & (FLAG_OPTIONAL | FLAG_TRANSITIVE) != expected {
            let reason = format!(
                "attribute {type_code} has flags 0x{flags:02x}, expected optional/transitive 0x{expected:02x}"
            );
            if type_code == MP_REACH_NLRI || type_code == MP_UNREACH_NLRI {
                return Err(BgpError::new(
                    code::UPDATE_MESSAGE,
                    update_subcode::ATTRIBUTE_FLAGS_ERROR,
                    whole.to_vec(),
                    reason,
                ));
            }
            return self.tolerate(action, type_code, reason);
        }
        let a = &mut self.attributes;
        let result: Result<(), String> = match type_code {
            ORIGIN => match value {
                [v] => Origin::from_u8(*v)
                    .map(|o| a.origin = Some(o))
                    .ok_or_else(|| format!("ORIGIN value {v} is not 0, 1 or 2")),
                _ => Err(format!("ORIGIN length {} is not 1", value.len())),
            },
            AS_PATH => AsPath::decode(value, ctx.four_octet_as)
                .map(|p| a.as_path = Some(p))
                .map_err(|e| format!("malformed AS_PATH: {e}")),
            NEXT_HOP => attr::decode_u32(value, "NEXT_HOP").and_then(|v| {
                let nh = Ipv4Addr::from(v);
                if nh.is_unspecified() || nh.is_multicast() || nh.is_broadcast() {
                    Err(format!("NEXT_HOP {nh} is not a host address"))
                } else {
                    a.next_hop = Some(nh);
                    Ok(())
                }
            }),
            MULTI_EXIT_DISC => attr::decode_u32(value, "MULTI_EXIT_DISC").map(|v| a.med = Some(v)),
            LOCAL_PREF => attr::decode_u32(value, "LOCAL_PREF").map(|v| a.local_pref = Some(v)),
            ATOMIC_AGGREGATE => {
                if value.is_empty() {
                    a.atomic_aggregate = true;
                    Ok(())
                } else {
                    Err(format!("ATOMIC_AGGREGATE length {} is not 0", value.len()))
                }
            }
            AGGREGATOR => Aggregator::decode(value, ctx.four_octet_as)
                .map(|v| a.aggregator = Some(v))
                .map_err(|e| format!("AGGREGATOR: {e}")),
            COMMUNITIES => attr::decode_u32_list(value, "COMMUNITIES").map(|v| a.communities = v),
            ORIGINATOR_ID => {
                attr::decode_u32(value, "ORIGINATOR_ID").map(|v| a.originator_id = Some(v.into()))
            }
            CLUSTER_LIST => attr::decode_u32_list(value, "CLUSTER_LIST")
                .map(|v| a.cluster_list = v.into_iter().map(Ipv4Addr::from).collect()),
            AS4_PATH if ctx.four_octet_as => Err("AS4_PATH on a 4-octet session ignored".into()),
            AS4_PATH => AsPath::decode(value, true)
                .and_then(|p| {
                    let confed = p.segments.iter().any(|s| {
                        matches!(s.kind, SegmentKind::ConfedSequence | SegmentKind::ConfedSet)
                    });
                    if confed {
                        Err("confederation segment".into())
                    } else {
                        a.as4_path = Some(p);
                        Ok(())
                    }
                })
                .map_err(|e| format!("malformed AS4_PATH: {e}")),
            AS4_AGGREGATOR if ctx.four_octet_as => {
                Err("AS4_AGGREGATOR on a 4-octet session ignored".into())
            }
            AS4_AGGREGATOR => Aggregator::decode(value, true)
                .map(|v| a.as4_aggregator = Some(v))
                .map_err(|e| format!("AS4_AGGREGATOR: {e}")),
            LARGE_COMMUNITIES => {
                attr::decode_large_communities(value).map(|v| a.large_communities = v)
            }
            MP_REACH_NLRI => return self.decode_mp_reach(value, whole),
            MP_UNREACH_NLRI => return self.decode_mp_unreach(value, whole),
            _ => Ok(()),
        };
        match result {
            Ok(()) => Ok(()),
            Err(reason) => self.tolerate(action, type_code, reason),
        }
    }

    fn unknown_attribute(
        &mut self,
        flags: u8,
        type_code: u8,
        value: &[u8],
        whole: &[u8],
    ) -> Result<(), BgpError> {
        if flags & FLAG_OPTIONAL == 0 {
            return Err(BgpError::new(
                code::UPDATE_MESSAGE,
                update_subcode::UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE,
                whole.to_vec(),
                format!("well-known attribute {type_code} is not recognized"),
            ));
        }
        // Optional transitive: pass on with Partial set (RFC 4271 §5); non-transitive: drop.
        if flags & FLAG_TRANSITIVE != 0 {
            self.attributes.unknown.push(RawAttribute {
                flags: (flags | FLAG_PARTIAL) & !FLAG_EXTENDED_LENGTH,
                code: type_code,
                value: value.to_vec(),
            });
        }
        Ok(())
    }

    fn decode_mp_reach(&mut self, value: &[u8], whole: &[u8]) -> Result<(), BgpError> {
        let mut r = Reader::new(value);
        let bad = |why: String| optional_error(whole, format!("MP_REACH_NLRI: {why}"));
        let (Some(afi), Some(safi), Some(nh_len)) = (r.u16(), r.u8(), r.u8()) else {
            return Err(bad("truncated".into()));
        };
        let family = Family::new(afi, safi);
        let nh = r
            .take(usize::from(nh_len))
            .ok_or_else(|| bad(format!("next hop length {nh_len} overruns the attribute")))?;
        r.u8().ok_or_else(|| bad("reserved octet missing".into()))?;
        let next_hop = match (family, nh.len()) {
            (Family::IPV4_UNICAST, 4) => MpNextHop::V4(Ipv4Addr::new(nh[0], nh[1], nh[2], nh[3])),
            (Family::IPV6_UNICAST, 16 | 32) => {
                let g: [u8; 16] = nh[..16].try_into().unwrap_or_default();
                let ll = nh.get(16..32).and_then(|b| <[u8; 16]>::try_from(b).ok());
                MpNextHop::V6 {
                    global: g.into(),
                    link_local: ll.map(Ipv6Addr::from),
                }
            }
            (Family::IPV6_UNICAST, n) => {
                return Err(bad(format!("IPv6 next hop length {n} is not 16 or 32")))
            }
            _ => MpNextHop::Other(nh.to_vec()),
        };
        let (prefixes, raw_nlri) = decode_mp_nlri(family, r.rest())?;
        self.mp_reach = Some(MpReach {
            family,
            next_hop,
            prefixes,
            raw_nlri,
        });
        Ok(())
    }

    fn decode_mp_unreach(&mut self, value: &[u8], whole: &[u8]) -> Result<(), BgpError> {
        let mut r = Reader::new(value);
        let (Some(afi), Some(safi)) = (r.u16(), r.u8()) else {
            return Err(optional_error(whole, "MP_UNREACH_NLRI: truncated".into()));
        };
        let family = Family::new(afi, safi);
        let (prefixes, raw_nlri) = decode_mp_nlri(family, r.rest())?;
        self.mp_unreach = Some(MpUnreach {
            family,
            prefixes,
            raw_nlri,
        });
        Ok(())
    }

    /// RFC 6793 §4.2.3 on 2-octet sessions.
    fn merge_as4(&mut self, ctx: &CodecContext) {
        if ctx.four_octet_as {
            return;
        }
        let a = &mut self.attributes;
        // An AGGREGATOR that is not AS_TRANS means whoever aggregated was 2-octet and any
        // AS4_AGGREGATOR/AS4_PATH is stale: ignore both.
        if let (Some(agg), Some(_)) = (a.aggregator, a.as4_aggregator) {
            if agg.asn != u32::from(super::open::AS_TRANS) {
                a.as4_aggregator = None;
                a.as4_path = None;
                return;
            }
        }
        if let Some(agg4) = a.as4_aggregator {
            a.aggregator = Some(agg4);
        }
        if let (Some(path), Some(path4)) = (&a.as_path, &a.as4_path) {
            a.as_path = Some(path.merge_as4(path4));
        }
    }

    /// RFC 7606 §3 (d): missing well-known mandatory attributes → treat-as-withdraw, only when
    /// the UPDATE announces something. NEXT_HOP is mandatory only with classic NLRI (RFC 4760).
    fn check_mandatory(&mut self) -> Result<(), BgpError> {
        // Already withdrawn for a malformed attribute: its absence is not news.
        if self.treat_as_withdraw || (self.nlri.is_empty() && self.mp_reach.is_none()) {
            return Ok(());
        }
        let a = &self.attributes;
        let mut missing = Vec::new();
        if a.origin.is_none() {
            missing.push("ORIGIN");
        }
        if a.as_path.is_none() {
            missing.push("AS_PATH");
        }
        if !self.nlri.is_empty() && a.next_hop.is_none() {
            missing.push("NEXT_HOP");
        }
        if missing.is_empty() {
            return Ok(());
        }
        self.tolerate(
            Action::TreatAsWithdraw,
            0,
            format!("missing well-known attribute(s) {}", missing.join(", ")),
        )
    }

    /// Appends this UPDATE (MP attribute first, RFC 7606 §5.1, then the others in type-code
    /// order). The caller keeps it within the message size; this is the general, unhurried
    /// encoder (the fast path for route sets is `encoder`).
    pub fn encode_into(&self, ctx: &CodecContext, out: &mut Vec<u8>) {
        let start = begin_message(out, MessageType::Update);
        let wlen_at = out.len();
        out.extend_from_slice(&[0, 0]);
        for p in &self.withdrawn {
            p.write_nlri(out);
        }
        let wlen = (out.len() - wlen_at - 2) as u16;
        patch_u16(out, wlen_at, wlen);
        let alen_at = out.len();
        out.extend_from_slice(&[0, 0]);
        let mut v = Vec::new();
        if let Some(mp) = &self.mp_reach {
            v.extend_from_slice(&mp.family.afi.to_be_bytes());
            v.push(mp.family.safi);
            let nh_at = v.len();
            v.push(0);
            match &mp.next_hop {
                MpNextHop::V4(a) => v.extend_from_slice(&a.octets()),
                MpNextHop::V6 { global, link_local } => {
                    v.extend_from_slice(&global.octets());
                    if let Some(ll) = link_local {
                        v.extend_from_slice(&ll.octets());
                    }
                }
                MpNextHop::Other(b) => v.extend_from_slice(b),
            }
            v[nh_at] = (v.len() - nh_at - 1) as u8;
            v.push(0);
            write_prefixes(&mp.prefixes, &mut v);
            v.extend_from_slice(&mp.raw_nlri);
            write_attribute(out, FLAG_OPTIONAL, MP_REACH_NLRI, &v);
        }
        if let Some(mp) = &self.mp_unreach {
            v.clear();
            v.extend_from_slice(&mp.family.afi.to_be_bytes());
            v.push(mp.family.safi);
            write_prefixes(&mp.prefixes, &mut v);
            v.extend_from_slice(&mp.raw_nlri);
            write_attribute(out, FLAG_OPTIONAL, MP_UNREACH_NLRI, &v);
        }
        self.attributes.encode_into(ctx.four_octet_as, out);
        let alen = (out.len() - alen_at - 2) as u16;
        patch_u16(out, alen_at, alen);
        for p in &self.nlri {
            p.write_nlri(out);
        }
        finish_message(out, start);
    }
}

fn write_prefixes(prefixes: &[Prefix], out: &mut Vec<u8>) {
    for p in prefixes {
        match p {
            Prefix::V4(p) => p.write_nlri(out),
            Prefix::V6(p) => p.write_nlri(out),
        }
    }
}

/// What RFC 7606 §7 prescribes for a malformed instance of each tolerated attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    TreatAsWithdraw,
    Discard,
}

fn action_for(type_code: u8) -> Action {
    match type_code {
        ATOMIC_AGGREGATE | AGGREGATOR | AS4_PATH | AS4_AGGREGATOR => Action::Discard,
        _ => Action::TreatAsWithdraw,
    }
}

fn invalid_network(reason: String) -> BgpError {
    BgpError::new(
        code::UPDATE_MESSAGE,
        update_subcode::INVALID_NETWORK_FIELD,
        Vec::new(),
        reason,
    )
}

fn optional_error(whole: &[u8], reason: String) -> BgpError {
    BgpError::new(
        code::UPDATE_MESSAGE,
        update_subcode::OPTIONAL_ATTRIBUTE_ERROR,
        whole.to_vec(),
        reason,
    )
}

fn decode_mp_nlri(family: Family, bytes: &[u8]) -> Result<(Vec<Prefix>, Vec<u8>), BgpError> {
    match family {
        Family::IPV4_UNICAST => {
            let mut v = Vec::new();
            decode_nlri_v4(bytes, &mut v).map_err(|e| invalid_network(format!("MP NLRI: {e}")))?;
            Ok((v.into_iter().map(Prefix::V4).collect(), Vec::new()))
        }
        Family::IPV6_UNICAST => {
            let mut v: Vec<Ipv6Prefix> = Vec::new();
            decode_nlri_v6(bytes, &mut v).map_err(|e| invalid_network(format!("MP NLRI: {e}")))?;
            Ok((v.into_iter().map(Prefix::V6).collect(), Vec::new()))
        }
        _ => Ok((Vec::new(), bytes.to_vec())),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{decode, CodecContext, Message};
    use super::*;

    const FOUR: CodecContext = CodecContext {
        four_octet_as: true,
    };
    const TWO: CodecContext = CodecContext {
        four_octet_as: false,
    };

    /// A whole UPDATE built by hand from RFC 4271 §4.3.
    fn msg(withdrawn: &[u8], attrs: &[u8], nlri: &[u8]) -> Vec<u8> {
        let mut v = vec![0xff; 16];
        let total = 23 + withdrawn.len() + attrs.len() + nlri.len();
        v.extend_from_slice(&(total as u16).to_be_bytes());
        v.push(2);
        v.extend_from_slice(&(withdrawn.len() as u16).to_be_bytes());
        v.extend_from_slice(withdrawn);
        v.extend_from_slice(&(attrs.len() as u16).to_be_bytes());
        v.extend_from_slice(attrs);
        v.extend_from_slice(nlri);
        v
    }

    const ORIGIN_IGP: &[u8] = &[0x40, 1, 1, 0];
    const PATH_65001: &[u8] = &[0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe9];
    const NH: &[u8] = &[0x40, 3, 4, 192, 0, 2, 1];
    const NET_10: &[u8] = &[8, 10];

    fn base_with(extra: &[u8]) -> Vec<u8> {
        [ORIGIN_IGP, PATH_65001, NH, extra].concat()
    }

    fn ok(bytes: &[u8], ctx: &CodecContext) -> Update {
        match decode(bytes, ctx) {
            Ok(Message::Update(u)) => *u,
            other => panic!("expected an UPDATE, got {other:?}"),
        }
    }

    #[test]
    fn valid_update_decodes_every_attribute() {
        let extra = [
            &[0x80, 4, 4, 0, 0, 0, 5][..],                       // MED
            &[0x40, 5, 4, 0, 0, 0, 200],                         // LOCAL_PREF
            &[0x40, 6, 0],                                       // ATOMIC_AGGREGATE
            &[0xc0, 7, 8, 0, 0, 0xfd, 0xe9, 10, 0, 0, 1],        // AGGREGATOR
            &[0xc0, 8, 4, 0xff, 0xff, 0xff, 1],                  // COMMUNITIES
            &[0x80, 9, 4, 10, 0, 0, 9],                          // ORIGINATOR_ID
            &[0x80, 10, 8, 1, 1, 1, 1, 2, 2, 2, 2],              // CLUSTER_LIST
            &[0xc0, 32, 12, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3], // LARGE_COMMUNITIES
        ]
        .concat();
        let u = ok(&msg(&[], &base_with(&extra), NET_10), &FOUR);
        assert!(
            !u.treat_as_withdraw && u.errors.is_empty(),
            "{:?}",
            u.errors
        );
        let a = &u.attributes;
        assert_eq!(a.origin, Some(Origin::Igp));
        assert_eq!(a.as_path.as_ref().unwrap().to_string(), "65001");
        assert_eq!(a.next_hop, Some(Ipv4Addr::new(192, 0, 2, 1)));
        assert_eq!(
            (a.med, a.local_pref, a.atomic_aggregate),
            (Some(5), Some(200), true)
        );
        assert_eq!(a.aggregator.unwrap().asn, 65001);
        assert_eq!(a.communities, [0xffff_ff01]);
        assert_eq!(a.originator_id, Some(Ipv4Addr::new(10, 0, 0, 9)));
        assert_eq!(a.cluster_list.len(), 2);
        assert_eq!(a.large_communities[0].to_string(), "1:2:3");
        assert_eq!(
            u.announced(),
            vec![Prefix::V4("10.0.0.0/8".parse().unwrap())]
        );
        // The general encoder reproduces the same bytes.
        let mut again = Vec::new();
        u.encode_into(&FOUR, &mut again);
        assert_eq!(again, msg(&[], &base_with(&extra), NET_10));
    }

    /// RFC 7606 outcomes that keep the session up.
    #[test]
    fn tolerated_errors_follow_rfc_7606() {
        enum Want {
            Withdraw,
            Discard(u8),
            Clean,
        }
        use Want::*;
        let cases: Vec<(&str, Vec<u8>, Vec<u8>, Want)> = vec![
            (
                "ORIGIN value 3",
                [&[0x40, 1, 1, 3][..], PATH_65001, NH].concat(),
                NET_10.into(),
                Withdraw,
            ),
            (
                "ORIGIN length 2",
                [&[0x40, 1, 2, 0, 0][..], PATH_65001, NH].concat(),
                NET_10.into(),
                Withdraw,
            ),
            (
                "ORIGIN flagged optional",
                [&[0xc0, 1, 1, 0][..], PATH_65001, NH].concat(),
                NET_10.into(),
                Withdraw,
            ),
            (
                "AS_PATH segment type 9",
                [ORIGIN_IGP, &[0x40, 2, 6, 9, 1, 0, 0, 0xfd, 0xe9], NH].concat(),
                NET_10.into(),
                Withdraw,
            ),
            (
                "AS_PATH zero-length segment",
                [ORIGIN_IGP, &[0x40, 2, 2, 2, 0], NH].concat(),
                NET_10.into(),
                Withdraw,
            ),
            (
                "AS_PATH overrun",
                [ORIGIN_IGP, &[0x40, 2, 4, 2, 2, 0, 0], NH].concat(),
                NET_10.into(),
                Withdraw,
            ),
            (
                "NEXT_HOP length 5",
                [ORIGIN_IGP, PATH_65001, &[0x40, 3, 5, 1, 2, 3, 4, 5]].concat(),
                NET_10.into(),
                Withdraw,
            ),
            (
                "NEXT_HOP 0.0.0.0",
                [ORIGIN_IGP, PATH_65001, &[0x40, 3, 4, 0, 0, 0, 0]].concat(),
                NET_10.into(),
                Withdraw,
            ),
            (
                "NEXT_HOP multicast",
                [ORIGIN_IGP, PATH_65001, &[0x40, 3, 4, 224, 0, 0, 1]].concat(),
                NET_10.into(),
                Withdraw,
            ),
            (
                "missing NEXT_HOP",
                [ORIGIN_IGP, PATH_65001].concat(),
                NET_10.into(),
                Withdraw,
            ),
            (
                "missing ORIGIN",
                [PATH_65001, NH].concat(),
                NET_10.into(),
                Withdraw,
            ),
            ("no attributes at all", vec![], NET_10.into(), Withdraw),
            (
                "no NLRI, no mandatory attributes",
                ORIGIN_IGP.to_vec(),
                vec![],
                Clean,
            ),
            (
                "MED length 3",
                base_with(&[0x80, 4, 3, 0, 0, 1]),
                NET_10.into(),
                Withdraw,
            ),
            (
                "LOCAL_PREF length 2",
                base_with(&[0x40, 5, 2, 0, 1]),
                NET_10.into(),
                Withdraw,
            ),
            (
                "ATOMIC_AGGREGATE length 1",
                base_with(&[0x40, 6, 1, 0]),
                NET_10.into(),
                Discard(6),
            ),
            (
                "AGGREGATOR length 5",
                base_with(&[0xc0, 7, 5, 0, 0, 0, 0, 0]),
                NET_10.into(),
                Discard(7),
            ),
            (
                "COMMUNITIES length 6",
                base_with(&[0xc0, 8, 6, 0, 0, 0, 0, 0, 0]),
                NET_10.into(),
                Withdraw,
            ),
            (
                "COMMUNITIES empty",
                base_with(&[0xc0, 8, 0]),
                NET_10.into(),
                Withdraw,
            ),
            (
                "COMMUNITIES flagged well-known",
                base_with(&[0x40, 8, 4, 0, 0, 0, 0]),
                NET_10.into(),
                Withdraw,
            ),
            (
                "LARGE_COMMUNITIES length 13",
                base_with(&[0xc0, 32, 13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
                NET_10.into(),
                Withdraw,
            ),
            (
                "ORIGINATOR_ID length 3",
                base_with(&[0x80, 9, 3, 0, 0, 0]),
                NET_10.into(),
                Withdraw,
            ),
            (
                "CLUSTER_LIST length 5",
                base_with(&[0x80, 10, 5, 0, 0, 0, 0, 0]),
                NET_10.into(),
                Withdraw,
            ),
            (
                "duplicate ORIGIN",
                base_with(&[0x40, 1, 1, 2]),
                NET_10.into(),
                Discard(1),
            ),
            (
                "attribute overruns the attributes",
                base_with(&[0xc0, 8, 8, 0, 0, 0, 1]),
                NET_10.into(),
                Withdraw,
            ),
            (
                "extended length overruns",
                base_with(&[0xd0, 8, 1, 0, 0]),
                NET_10.into(),
                Withdraw,
            ),
            (
                "two trailing bytes",
                base_with(&[0xc0, 8]),
                NET_10.into(),
                Withdraw,
            ),
            (
                "AS4_PATH on a 4-octet session",
                base_with(&[0xc0, 17, 6, 2, 1, 0, 0, 0, 1]),
                NET_10.into(),
                Discard(17),
            ),
            (
                "unknown optional non-transitive",
                base_with(&[0x80, 99, 1, 7]),
                NET_10.into(),
                Clean,
            ),
        ];
        for (name, attrs, nlri, want) in cases {
            let u = ok(&msg(&[], &attrs, &nlri), &FOUR);
            match want {
                Withdraw => {
                    assert!(u.treat_as_withdraw, "{name}: {:?}", u.errors);
                    assert!(u.announced().is_empty(), "{name}");
                    assert_eq!(u.withdrawn_prefixes().len(), nlri.len() / 2, "{name}");
                    assert!(!u.errors.is_empty(), "{name}: a reason is recorded");
                }
                Discard(code) => {
                    assert!(!u.treat_as_withdraw, "{name}: {:?}", u.errors);
                    assert_eq!(u.discarded_attributes, [code], "{name}");
                    assert_eq!(u.announced().len(), 1, "{name}");
                }
                Clean => assert!(
                    !u.treat_as_withdraw && u.errors.is_empty(),
                    "{name}: {:?}",
                    u.errors
                ),
            }
        }
    }

    /// RFC 7606/4271 cases that reset the session, with the NOTIFICATION code/subcode/data.
    #[test]
    fn fatal_errors_carry_code_subcode_and_data() {
        let mp_bad_nh = [0x80, 14, 9, 0, 2, 1, 4, 1, 2, 3, 4, 0];
        let mp_short = [0x80, 14, 2, 0, 2];
        let mp_flags = [0xc0, 15, 3, 0, 2, 1];
        let unknown_wk = [0x40, 99, 1, 7];
        let mut bad_withdrawn_len = msg(&[], ORIGIN_IGP, &[]);
        bad_withdrawn_len[20] = 9; // withdrawn length 9 in a 4-byte body
        let mut bad_attr_len = msg(&[], ORIGIN_IGP, &[]);
        bad_attr_len[22] = 9;
        let cases: Vec<(&str, Vec<u8>, u8, Vec<u8>)> = vec![
            ("withdrawn length too large", bad_withdrawn_len, 1, vec![]),
            ("attribute length too large", bad_attr_len, 1, vec![]),
            (
                "NLRI prefix /33",
                msg(&[], &base_with(&[]), &[33, 1, 2, 3, 4, 5]),
                10,
                vec![],
            ),
            (
                "NLRI truncated",
                msg(&[], &base_with(&[]), &[24, 10, 0]),
                10,
                vec![],
            ),
            (
                "withdrawn prefix /40",
                msg(&[40, 1, 2, 3, 4, 5], &[], &[]),
                10,
                vec![],
            ),
            (
                "unrecognized well-known",
                msg(&[], &base_with(&unknown_wk), NET_10),
                2,
                unknown_wk.to_vec(),
            ),
            (
                "MP_REACH IPv6 next hop of 4 bytes",
                msg(&[], &base_with(&mp_bad_nh), &[]),
                9,
                mp_bad_nh.to_vec(),
            ),
            (
                "MP_REACH truncated",
                msg(&[], &base_with(&mp_short), &[]),
                9,
                mp_short.to_vec(),
            ),
            (
                "MP_UNREACH flagged transitive",
                msg(&[], &mp_flags, &[]),
                4,
                mp_flags.to_vec(),
            ),
            (
                "MP_UNREACH twice",
                msg(
                    &[],
                    &[&[0x80, 15, 3, 0, 2, 1][..], &[0x80, 15, 3, 0, 2, 1]].concat(),
                    &[],
                ),
                1,
                vec![],
            ),
            (
                "MP_UNREACH overruns",
                msg(&[], &[0x80, 15, 9, 0, 2, 1], &[]),
                5,
                vec![0x80, 15, 9, 0, 2, 1],
            ),
            (
                "MP_UNREACH prefix /129",
                msg(&[], &[0x80, 15, 4, 0, 2, 1, 129], &[]),
                10,
                vec![],
            ),
        ];
        for (name, bytes, sub, data) in cases {
            let e = decode(&bytes, &FOUR).expect_err(name);
            assert_eq!(
                (e.code, e.subcode, &e.data),
                (3, sub, &data),
                "{name}: {}",
                e.reason
            );
        }
    }

    #[test]
    fn unknown_transitive_attributes_are_kept_with_partial_set() {
        let u = ok(&msg(&[], &base_with(&[0xc0, 99, 2, 7, 8]), NET_10), &FOUR);
        assert_eq!(
            u.attributes.unknown,
            [RawAttribute {
                flags: 0xe0,
                code: 99,
                value: vec![7, 8]
            }]
        );
    }

    #[test]
    fn two_octet_session_merges_as4_path_and_as4_aggregator() {
        let attrs = [
            ORIGIN_IGP,
            &[0x40, 2, 6, 2, 2, 0xfd, 0xe9, 0x5b, 0xa0][..], // 65001 AS_TRANS
            NH,
            &[0xc0, 7, 6, 0x5b, 0xa0, 10, 0, 0, 1], // AGGREGATOR AS_TRANS
            &[0xc0, 17, 6, 2, 1, 0xfa, 0x56, 0xea, 0], // AS4_PATH 4200000000
            &[0xc0, 18, 8, 0xfa, 0x56, 0xea, 0, 10, 0, 0, 1], // AS4_AGGREGATOR
        ]
        .concat();
        let u = ok(&msg(&[], &attrs, NET_10), &TWO);
        assert_eq!(
            u.attributes.as_path.as_ref().unwrap().to_string(),
            "65001 4200000000"
        );
        assert_eq!(u.attributes.aggregator.unwrap().asn, 4_200_000_000);
        assert!(u.errors.is_empty(), "{:?}", u.errors);
        // A confederation segment in AS4_PATH: the attribute is discarded, the path kept.
        let attrs = [
            ORIGIN_IGP,
            &[0x40, 2, 4, 2, 1, 0xfd, 0xe9][..],
            NH,
            &[0xc0, 17, 6, 3, 1, 0, 0, 0, 1],
        ]
        .concat();
        let u = ok(&msg(&[], &attrs, NET_10), &TWO);
        assert_eq!(u.discarded_attributes, [17]);
        assert_eq!(u.attributes.as_path.unwrap().to_string(), "65001");
    }

    #[test]
    fn mp_reach_families() {
        // IPv6 unicast with a 16-byte next hop, and an unknown family kept raw.
        let mut mp = vec![0x80, 14, 0, 0, 2, 1, 16];
        mp.extend_from_slice(&Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1).octets());
        mp.extend_from_slice(&[0, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1]);
        mp[2] = (mp.len() - 3) as u8;
        let u = ok(
            &msg(&[], &[&mp[..], ORIGIN_IGP, PATH_65001].concat(), &[]),
            &FOUR,
        );
        assert!(!u.treat_as_withdraw, "{:?}", u.errors);
        assert_eq!(
            u.announced(),
            vec![Prefix::V6("2001:db8:0:1::/64".parse().unwrap())]
        );
        // MP_REACH without ORIGIN: treat-as-withdraw covers the MP prefixes too.
        let u = ok(&msg(&[], &[&mp[..], PATH_65001].concat(), &[]), &FOUR);
        assert!(u.treat_as_withdraw);
        assert_eq!(u.withdrawn_prefixes().len(), 1);
        let evpn = [0x80, 14, 11, 0, 25, 70, 4, 1, 2, 3, 4, 0, 2, 0];
        let u = ok(
            &msg(&[], &[&evpn[..], ORIGIN_IGP, PATH_65001].concat(), &[]),
            &FOUR,
        );
        let r = u.mp_reach.unwrap();
        assert_eq!((r.family, r.raw_nlri), (Family::new(25, 70), vec![2, 0]));
    }
}
