//! The pure codec entry points for JavaScript (`bgpEncodeUpdates`, `bgpDecodeMessages`) and
//! the route group objects `BgpSpeaker.setRoutes` shares with them.
//!
//! Every invalid argument becomes a JS `Error` naming the field
//! ("attributes.communities[2]: '70000:1' is not a valid community (each half 0..65535)").

use std::net::{Ipv4Addr, Ipv6Addr};

use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use super::codec::{
    self, decode, encode_withdrawals_v4, encode_withdrawals_v6, frame, message_json,
    parse_community, parse_large_community, parse_packed_v4, parse_packed_v6, CodecContext,
    EncodeStats, Ipv4Prefix, Ipv6Prefix, Origin, PeerEncodeContext, Prefix, RouteAttributes,
    UpdateEncoder, MAX_MESSAGE_LEN,
};

/// Attributes of a route group.
#[napi(object)]
#[derive(Clone, Debug, Default)]
pub struct BgpRouteAttributes {
    /// Default igp.
    #[napi(ts_type = "'igp' | 'egp' | 'incomplete'")]
    pub origin: Option<String>,
    /// Sent to iBGP peers only (default 100 there).
    pub local_pref: Option<f64>,
    pub med: Option<f64>,
    /// "65000:100", or well-known: no-export, no-advertise, no-export-subconfed (local-as),
    /// no-peer, blackhole, graceful-shutdown.
    pub communities: Option<Vec<String>>,
    /// "1:2:3" (RFC 8092); "large:1:2:3" also accepted.
    pub large_communities: Option<Vec<String>>,
}

/// Prefixes sharing one attribute set, for some or all peers.
#[napi(object)]
pub struct BgpRouteGroup {
    pub attributes: BgpRouteAttributes,
    /// Peer names this group goes to; absent or empty = every peer.
    pub peers: Option<Vec<String>>,
    /// Small sets: "10.0.0.1/32", "2001:db8::/64". Host bits must be zero.
    pub prefixes: Option<Vec<String>>,
    /// Large sets, cheap to hand over: packed IPv4 prefixes, 5 bytes each: 4 address bytes
    /// (network order) + 1 length byte.
    pub packed_v4: Option<Buffer>,
    /// Packed IPv6 prefixes, 17 bytes each: 16 address bytes + 1 length byte.
    pub packed_v6: Option<Buffer>,
}

/// A validated route group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteGroup {
    pub attributes: RouteAttributes,
    /// Empty = every peer.
    pub peers: Vec<String>,
    pub v4: Vec<Ipv4Prefix>,
    pub v6: Vec<Ipv6Prefix>,
}

/// Peer context for `bgpEncodeUpdates`.
#[napi(object)]
pub struct BgpEncodeContext {
    pub local_asn: f64,
    pub peer_asn: f64,
    /// Default true. False: 2-octet peer, AS_TRANS + AS4_PATH for ASNs above 65535.
    pub four_octet_asn: Option<bool>,
    /// Required for IPv4 prefixes.
    pub next_hop_v4: Option<String>,
    /// IPv6 next hop; "GLOBAL,LINK-LOCAL" sends both (32-byte next hop). Default: the
    /// IPv4-mapped nextHopV4.
    pub next_hop_v6: Option<String>,
    /// Default 4096.
    pub max_message_size: Option<f64>,
}

/// What `bgpEncodeUpdates` produced: concatenated UPDATE messages.
#[napi(object)]
pub struct BgpEncodeResult {
    pub messages: u32,
    pub prefixes: u32,
    pub bytes: Buffer,
}

/// Context for `bgpDecodeMessages`.
#[napi(object)]
pub struct BgpDecodeContext {
    /// Default true.
    pub four_octet_asn: Option<bool>,
}

/// One decoded message.
#[napi(object)]
pub struct BgpDecodedMessage {
    #[napi(
        js_name = "type",
        ts_type = "'OPEN' | 'UPDATE' | 'NOTIFICATION' | 'KEEPALIVE' | 'ROUTE-REFRESH'"
    )]
    pub kind: String,
    pub length: u32,
    /// JSON text describing the message (camelCase keys).
    pub json: String,
}

/// The NOTIFICATION the FSM would send for the first bad message.
#[napi(object)]
pub struct BgpDecodeError {
    pub code: u32,
    pub subcode: u32,
    pub data: Buffer,
    pub reason: String,
}

#[napi(object)]
pub struct BgpDecodeResult {
    pub messages: Vec<BgpDecodedMessage>,
    pub error: Option<BgpDecodeError>,
}

fn js_error(msg: String) -> napi::Error {
    napi::Error::new(napi::Status::InvalidArg, msg)
}

/// An integer field within `range`, named in the error.
fn int_field(field: &str, v: f64, min: u32, max: u32) -> Result<u32, String> {
    if !v.is_finite() || v.fract() != 0.0 || v < f64::from(min) || v > f64::from(max) {
        return Err(format!("{field}: {v} is not an integer in {min}..={max}"));
    }
    Ok(v as u32)
}

/// Validates attributes; `field` is the path of the attributes object ("attributes").
pub fn parse_route_attributes(
    a: &BgpRouteAttributes,
    field: &str,
) -> Result<RouteAttributes, String> {
    let origin = match a.origin.as_deref() {
        None | Some("igp") => Origin::Igp,
        Some("egp") => Origin::Egp,
        Some("incomplete") => Origin::Incomplete,
        Some(other) => {
            return Err(format!(
                "{field}.origin: '{other}' is not one of igp, egp, incomplete"
            ))
        }
    };
    let opt_u32 = |name: &str, v: Option<f64>| {
        v.map(|v| int_field(&format!("{field}.{name}"), v, 0, u32::MAX))
            .transpose()
    };
    let communities = a
        .communities
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, s)| parse_community(s).map_err(|e| format!("{field}.communities[{i}]: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let large_communities = a
        .large_communities
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, s)| {
            parse_large_community(s).map_err(|e| format!("{field}.largeCommunities[{i}]: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RouteAttributes {
        origin,
        med: opt_u32("med", a.med)?,
        local_pref: opt_u32("localPref", a.local_pref)?,
        communities,
        large_communities,
    })
}

/// Validates a route group; `field` is its path ("groups[3]", or "" for a bare group).
pub fn parse_route_group(g: &BgpRouteGroup, field: &str) -> Result<RouteGroup, String> {
    parse_route_group_parts(
        RouteGroupParts {
            attributes: &g.attributes,
            peers: g.peers.as_deref(),
            prefixes: g.prefixes.as_deref(),
            packed_v4: g.packed_v4.as_ref().map(|b| b.as_ref()),
            packed_v6: g.packed_v6.as_ref().map(|b| b.as_ref()),
        },
        field,
    )
}

/// The fields of a `BgpRouteGroup` as plain borrowed data (testable without a JS engine).
#[derive(Debug, Clone, Copy)]
pub struct RouteGroupParts<'a> {
    pub attributes: &'a BgpRouteAttributes,
    pub peers: Option<&'a [String]>,
    pub prefixes: Option<&'a [String]>,
    pub packed_v4: Option<&'a [u8]>,
    pub packed_v6: Option<&'a [u8]>,
}

pub fn parse_route_group_parts(g: RouteGroupParts<'_>, field: &str) -> Result<RouteGroup, String> {
    let path = |name: &str| {
        if field.is_empty() {
            name.to_string()
        } else {
            format!("{field}.{name}")
        }
    };
    let attributes = parse_route_attributes(g.attributes, &path("attributes"))?;
    let mut v4 = Vec::new();
    let mut v6 = Vec::new();
    for (i, s) in g.prefixes.unwrap_or_default().iter().enumerate() {
        match s.parse::<Prefix>() {
            Ok(Prefix::V4(p)) => v4.push(p),
            Ok(Prefix::V6(p)) => v6.push(p),
            Err(e) => return Err(format!("{}[{i}]: {e}", path("prefixes"))),
        }
    }
    if let Some(b) = g.packed_v4 {
        let mut packed = parse_packed_v4(&path("packedV4"), b)?;
        if v4.is_empty() {
            v4 = packed;
        } else {
            v4.append(&mut packed);
        }
    }
    if let Some(b) = g.packed_v6 {
        v6.extend(parse_packed_v6(&path("packedV6"), b)?);
    }
    let peers = g.peers.unwrap_or_default().to_vec();
    if let Some(i) = peers.iter().position(|p| p.is_empty()) {
        return Err(format!("{}[{i}]: peer name is empty", path("peers")));
    }
    Ok(RouteGroup {
        attributes,
        peers,
        v4,
        v6,
    })
}

fn parse_encode_context(c: &BgpEncodeContext) -> Result<PeerEncodeContext, String> {
    let next_hop_v4 = c
        .next_hop_v4
        .as_deref()
        .map(|s| {
            s.trim()
                .parse::<Ipv4Addr>()
                .map_err(|_| format!("context.nextHopV4: '{s}' is not an IPv4 address"))
        })
        .transpose()?;
    let (mut next_hop_v6, mut next_hop_v6_link_local) = (None, None);
    if let Some(s) = c.next_hop_v6.as_deref() {
        let mut parts = s.split(',').map(str::trim);
        let parse = |p: Option<&str>| {
            p.map(|p| {
                p.parse::<Ipv6Addr>().map_err(|_| {
                    format!(
                        "context.nextHopV6: '{s}' is not an IPv6 address (or GLOBAL,LINK-LOCAL)"
                    )
                })
            })
            .transpose()
        };
        next_hop_v6 = parse(parts.next())?;
        next_hop_v6_link_local = parse(parts.next())?;
        if parts.next().is_some() {
            return Err(format!(
                "context.nextHopV6: '{s}' has more than two addresses"
            ));
        }
    }
    Ok(PeerEncodeContext {
        local_asn: int_field("context.localAsn", c.local_asn, 1, u32::MAX)?,
        peer_asn: int_field("context.peerAsn", c.peer_asn, 1, u32::MAX)?,
        four_octet_as: c.four_octet_asn.unwrap_or(true),
        next_hop_v4,
        next_hop_v6,
        next_hop_v6_link_local,
        max_message_size: match c.max_message_size {
            Some(v) => int_field("context.maxMessageSize", v, 64, MAX_MESSAGE_LEN as u32)? as usize,
            None => MAX_MESSAGE_LEN,
        },
    })
}

/// Encodes one validated group for one peer context; appends to `out`.
pub fn encode_route_group(
    group: &RouteGroup,
    peer: &PeerEncodeContext,
    out: &mut Vec<u8>,
) -> Result<EncodeStats, String> {
    let enc = UpdateEncoder::new(&group.attributes, peer)?;
    let mut stats = enc.encode_v4(&group.v4, out)?;
    stats += enc.encode_v6(&group.v6, out)?;
    Ok(stats)
}

/// Pure encoder entry point for benchmarks and tests: the UPDATE messages (concatenated wire
/// bytes) that would be sent to a peer with this context for the given group. No sockets.
#[napi(catch_unwind)]
pub fn bgp_encode_updates(
    group: BgpRouteGroup,
    context: BgpEncodeContext,
) -> napi::Result<BgpEncodeResult> {
    let peer = parse_encode_context(&context).map_err(js_error)?;
    let group = parse_route_group(&group, "").map_err(js_error)?;
    // About 5 bytes per /32 plus headers: reserve once.
    let mut out = Vec::with_capacity(group.v4.len() * 5 + group.v6.len() * 17 + 4096);
    let stats = encode_route_group(&group, &peer, &mut out).map_err(js_error)?;
    Ok(BgpEncodeResult {
        messages: stats.messages as u32,
        prefixes: stats.prefixes as u32,
        bytes: out.into(),
    })
}

/// Withdrawals for a validated group (classic withdrawn routes for IPv4, MP_UNREACH for IPv6).
pub fn encode_route_group_withdrawals(
    group: &RouteGroup,
    max_message_size: usize,
    out: &mut Vec<u8>,
) -> Result<EncodeStats, String> {
    let mut stats = encode_withdrawals_v4(&group.v4, max_message_size, out)?;
    stats += encode_withdrawals_v6(&group.v6, max_message_size, out)?;
    Ok(stats)
}

/// Pure decoder entry point for tests: decodes one or more concatenated BGP messages. On the
/// first error returns the NOTIFICATION that the FSM would send. Trailing bytes that do not
/// form a whole message are reported as 1/2 Bad Message Length.
#[napi(catch_unwind)]
pub fn bgp_decode_messages(bytes: Buffer, context: Option<BgpDecodeContext>) -> BgpDecodeResult {
    let ctx = CodecContext {
        four_octet_as: context.and_then(|c| c.four_octet_asn).unwrap_or(true),
    };
    let (messages, error) = decode_all(bytes.as_ref(), &ctx);
    BgpDecodeResult {
        messages,
        error: error.map(|e| BgpDecodeError {
            code: u32::from(e.code),
            subcode: u32::from(e.subcode),
            data: e.data.into(),
            reason: e.reason,
        }),
    }
}

fn decode_all(
    bytes: &[u8],
    ctx: &CodecContext,
) -> (Vec<BgpDecodedMessage>, Option<codec::BgpError>) {
    let mut messages = Vec::new();
    let mut off = 0;
    while off < bytes.len() {
        let rest = &bytes[off..];
        let (ty, len) = match frame(rest) {
            Ok(Some(v)) => v,
            Ok(None) => {
                let field = rest.get(16..18).unwrap_or_default().to_vec();
                let err = codec::BgpError::new(
                    codec::code::MESSAGE_HEADER,
                    codec::header_subcode::BAD_MESSAGE_LENGTH,
                    field,
                    format!("{} trailing bytes do not form a whole message", rest.len()),
                );
                return (messages, Some(err));
            }
            Err(e) => return (messages, Some(e)),
        };
        match decode(&rest[..len], ctx) {
            Ok(m) => messages.push(BgpDecodedMessage {
                kind: ty.name().to_string(),
                length: len as u32,
                json: message_json(&m),
            }),
            Err(e) => return (messages, Some(e)),
        }
        off += len;
    }
    (messages, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(communities: &[&str], large: &[&str]) -> BgpRouteAttributes {
        BgpRouteAttributes {
            communities: Some(communities.iter().map(|s| s.to_string()).collect()),
            large_communities: Some(large.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        }
    }

    #[test]
    fn attribute_errors_name_the_field() {
        let cases: Vec<(BgpRouteAttributes, &str)> = vec![
            (
                attrs(&["1:1", "no-export", "70000:1"], &[]),
                "attributes.communities[2]: '70000:1' is not a valid community (each half 0..65535)",
            ),
            (attrs(&[], &["1:2"]), "attributes.largeCommunities[0]: '1:2' is not a valid large community"),
            (
                BgpRouteAttributes { origin: Some("bgp".into()), ..Default::default() },
                "attributes.origin: 'bgp' is not one of igp, egp, incomplete",
            ),
            (
                BgpRouteAttributes { local_pref: Some(-1.0), ..Default::default() },
                "attributes.localPref: -1 is not an integer in 0..=4294967295",
            ),
            (
                BgpRouteAttributes { med: Some(1.5), ..Default::default() },
                "attributes.med: 1.5 is not an integer",
            ),
        ];
        for (a, want) in cases {
            let e = parse_route_attributes(&a, "attributes").unwrap_err();
            assert!(e.starts_with(want), "got '{e}', want '{want}'");
        }
        let ok = parse_route_attributes(&attrs(&["blackhole"], &["large:1:2:3"]), "a").unwrap();
        assert_eq!(ok.communities, [codec::COMMUNITY_BLACKHOLE]);
        assert_eq!(ok.origin, Origin::Igp);
    }

    #[test]
    fn route_group_merges_strings_and_packed_prefixes() {
        let attributes = BgpRouteAttributes::default();
        let peers = vec!["a".to_string()];
        let prefixes = vec!["10.0.0.1/32".to_string(), "2001:db8::/64".to_string()];
        let mut packed_v6 = "2001:db8:1::"
            .parse::<Ipv6Addr>()
            .unwrap()
            .octets()
            .to_vec();
        packed_v6.push(48);
        let parts = RouteGroupParts {
            attributes: &attributes,
            peers: Some(&peers),
            prefixes: Some(&prefixes),
            packed_v4: Some(&[192, 0, 2, 0, 24]),
            packed_v6: Some(&packed_v6),
        };
        let g = parse_route_group_parts(parts, "groups[4]").unwrap();
        let shown = |v: Vec<String>| v.join(" ");
        assert_eq!(
            shown(g.v4.iter().map(|p| p.to_string()).collect()),
            "10.0.0.1/32 192.0.2.0/24"
        );
        assert_eq!(
            shown(g.v6.iter().map(|p| p.to_string()).collect()),
            "2001:db8::/64 2001:db8:1::/48"
        );
        assert_eq!(g.peers, ["a"]);

        let bad_prefixes = vec!["10.0.0.0/8".to_string(), "10.0.0.0/33".to_string()];
        let bad = RouteGroupParts {
            prefixes: Some(&bad_prefixes),
            packed_v4: None,
            packed_v6: None,
            ..parts
        };
        let e = parse_route_group_parts(bad, "groups[4]").unwrap_err();
        assert_eq!(
            e,
            "groups[4].prefixes[1]: 10.0.0.0/33: prefix length 33 is above 32"
        );
        let odd = RouteGroupParts {
            prefixes: None,
            packed_v4: Some(&[1, 2, 3]),
            ..bad
        };
        let e = parse_route_group_parts(odd, "").unwrap_err();
        assert!(
            e.starts_with("packedV4: length 3 is not a multiple of 5"),
            "{e}"
        );
        let empty_peer = vec![String::new()];
        let e = parse_route_group_parts(
            RouteGroupParts {
                peers: Some(&empty_peer),
                ..parts
            },
            "g",
        )
        .unwrap_err();
        assert_eq!(e, "g.peers[0]: peer name is empty");
    }

    #[test]
    fn context_errors_name_the_field() {
        let base = || BgpEncodeContext {
            local_asn: 65001.0,
            peer_asn: 65002.0,
            four_octet_asn: None,
            next_hop_v4: Some("192.0.2.1".into()),
            next_hop_v6: Some("2001:db8::1, fe80::1".into()),
            max_message_size: None,
        };
        let c = parse_encode_context(&base()).unwrap();
        assert_eq!(c.next_hop_v6_link_local, Some("fe80::1".parse().unwrap()));
        assert!(c.four_octet_as);
        let cases: Vec<(BgpEncodeContext, &str)> = vec![
            (
                BgpEncodeContext {
                    local_asn: 0.0,
                    ..base()
                },
                "context.localAsn: 0 is not an integer in 1..=4294967295",
            ),
            (
                BgpEncodeContext {
                    peer_asn: 4294967296.0,
                    ..base()
                },
                "context.peerAsn",
            ),
            (
                BgpEncodeContext {
                    next_hop_v4: Some("x".into()),
                    ..base()
                },
                "context.nextHopV4: 'x' is not an IPv4 address",
            ),
            (
                BgpEncodeContext {
                    next_hop_v6: Some("10.0.0.1".into()),
                    ..base()
                },
                "context.nextHopV6",
            ),
            (
                BgpEncodeContext {
                    max_message_size: Some(5000.0),
                    ..base()
                },
                "context.maxMessageSize",
            ),
        ];
        for (c, want) in cases {
            let e = parse_encode_context(&c).unwrap_err();
            assert!(e.starts_with(want), "got '{e}', want '{want}'");
        }
    }

    #[test]
    fn decode_all_reports_the_first_error_after_good_messages() {
        let mut bytes = Vec::new();
        codec::encode_keepalive(&mut bytes);
        codec::encode_end_of_rib(codec::Family::IPV4_UNICAST, &mut bytes);
        let (m, e) = decode_all(&bytes, &CodecContext::default());
        assert_eq!((m.len(), e), (2, None));
        assert_eq!((m[1].kind.as_str(), m[1].length), ("UPDATE", 23));
        assert!(
            m[1].json.contains(r#""endOfRib":"ipv4-unicast""#),
            "{}",
            m[1].json
        );
        bytes.extend_from_slice(&[0xff; 16]);
        bytes.extend_from_slice(&[0, 19, 9]);
        let (m, e) = decode_all(&bytes, &CodecContext::default());
        let e = e.unwrap();
        assert_eq!((m.len(), e.code, e.subcode, e.data), (2, 1, 3, vec![9]));
        let (_, e) = decode_all(&[0xff; 17], &CodecContext::default());
        assert_eq!(e.unwrap().subcode, 2);
    }
}
