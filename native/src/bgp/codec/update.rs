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
