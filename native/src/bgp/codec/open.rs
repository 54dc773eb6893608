//! OPEN (RFC 4271 §4.2, §6.2), with capabilities in optional parameters (RFC 5492) and the
//! extended optional parameters length of RFC 9072 on receive.

use std::net::Ipv4Addr;

use super::capabilities::{Capability, GracefulRestartFamily};
use super::error::BgpError;
use super::family::Family;
use super::header::{begin_message, finish_message, MessageType};
use super::notification::{code, open_subcode};
use super::wire::Reader;

pub const BGP_VERSION: u8 = 4;
/// AS_TRANS (RFC 6793): stands in for a 4-octet ASN toward 2-octet-only speakers.
pub const AS_TRANS: u16 = 23456;
const PARAM_CAPABILITIES: u8 = 2;
/// RFC 9072: "non-extended length 255 + type 255" announces 2-octet parameter lengths.
const PARAM_EXTENDED_LENGTH: u8 = 255;

/// An OPEN message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    pub version: u8,
    /// The 2-octet "My Autonomous System" field (AS_TRANS for 4-octet ASNs).
    pub my_as: u16,
    pub hold_time: u16,
    pub bgp_id: Ipv4Addr,
    pub capabilities: Vec<Capability>,
}

/// What the peer told us about graceful restart (RFC 4724).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GracefulRestartInfo {
    /// The peer has just restarted ("R" bit).
    pub restarting: bool,
    pub restart_time: u16,
    pub families: Vec<GracefulRestartFamily>,
}

/// The local side's wishes for building an OPEN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalOpen {
    pub asn: u32,
    pub hold_time: u16,
    pub bgp_id: Ipv4Addr,
    pub families: Vec<Family>,
    /// `Some(restart_time)` advertises graceful restart for every family in `families`.
    pub graceful_restart: Option<u16>,
}

impl Open {
    /// Builds our OPEN: multiprotocol per family, route refresh, enhanced route refresh,
    /// 4-octet AS and optionally graceful restart (restart time, no forwarding preserved: we
    /// are a route originator and keep no forwarding state).
    pub fn local(params: &LocalOpen) -> Open {
        let mut capabilities: Vec<Capability> = params
            .families
            .iter()
            .map(|f| Capability::Multiprotocol(*f))
            .collect();
        capabilities.push(Capability::RouteRefresh);
        capabilities.push(Capability::EnhancedRouteRefresh);
        capabilities.push(Capability::FourOctetAs(params.asn));
        if let Some(restart_time) = params.graceful_restart {
            capabilities.push(Capability::GracefulRestart {
                flags: 0,
                restart_time: restart_time.min(0x0fff),
                families: params
                    .families
                    .iter()
                    .map(|&family| GracefulRestartFamily { family, flags: 0 })
                    .collect(),
            });
        }
        Open {
            version: BGP_VERSION,
            my_as: u16::try_from(params.asn).unwrap_or(AS_TRANS),
            hold_time: params.hold_time,
            bgp_id: params.bgp_id,
            capabilities,
        }
    }

    /// The ASN from the 4-octet AS capability, if the peer sent one.
    pub fn four_octet_as(&self) -> Option<u32> {
        self.capabilities.iter().find_map(|c| match c {
            Capability::FourOctetAs(asn) => Some(*asn),
            _ => None,
        })
    }

    /// The peer's real ASN: from the 4-octet capability when present, else "My AS".
    pub fn peer_asn(&self) -> u32 {
        self.four_octet_as().unwrap_or(u32::from(self.my_as))
    }

    /// Families advertised with the multiprotocol capability. A speaker that sends none
    /// implicitly supports IPv4 unicast only (RFC 4760 §8).
    pub fn families(&self) -> Vec<Family> {
        let mut families: Vec<Family> = self
            .capabilities
            .iter()
            .filter_map(|c| match c {
                Capability::Multiprotocol(f) => Some(*f),
                _ => None,
            })
            .collect();
        if families.is_empty()
            && !self
                .capabilities
                .iter()
                .any(|c| matches!(c, Capability::Multiprotocol(_)))
        {
            families.push(Family::IPV4_UNICAST);
        }
        families.dedup();
        families
    }

    pub fn supports_route_refresh(&self) -> bool {
        self.capabilities
            .iter()
            .any(|c| matches!(c, Capability::RouteRefresh))
    }

    pub fn supports_enhanced_route_refresh(&self) -> bool {
        self.capabilities
            .iter()
            .any(|c| matches!(c, Capability::EnhancedRouteRefresh))
    }

    pub fn graceful_restart(&self) -> Option<GracefulRestartInfo> {
        self.capabilities.iter().find_map(|c| match c {
            Capability::GracefulRestart {
                flags,
                restart_time,
                families,
            } => Some(GracefulRestartInfo {
                restarting: flags & super::capabilities::GR_FLAG_RESTART_STATE != 0,
                restart_time: *restart_time,
                families: families.clone(),
            }),
            _ => None,
        })
    }

    /// Decodes an OPEN body (after the header). Checks what the codec can check alone (RFC 4271
    /// §6.2, RFC 7607): version, AS 0, hold time 1-2, BGP identifier 0, parameter framing.
    /// The FSM checks the peer AS against config and the identifier against ours.
    pub(crate) fn decode(body: &[u8]) -> Result<Open, BgpError> {
        let mut r = Reader::new(body);
        let short = || {
            BgpError::new(
                code::OPEN_MESSAGE,
                open_subcode::UNSPECIFIC,
                Vec::new(),
                "OPEN is truncated",
            )
        };
        let version = r.u8().ok_or_else(short)?;
        if version != BGP_VERSION {
            return Err(BgpError::new(
                code::OPEN_MESSAGE,
                open_subcode::UNSUPPORTED_VERSION_NUMBER,
                u16::from(BGP_VERSION).to_be_bytes().to_vec(),
                format!("BGP version {version} is not supported (only 4)"),
            ));
        }
        let my_as = r.u16().ok_or_else(short)?;
        let hold_time = r.u16().ok_or_else(short)?;
        let bgp_id = Ipv4Addr::from(r.u32().ok_or_else(short)?);
        let opt_len = r.u8().ok_or_else(short)?;
        let capabilities = decode_parameters(opt_len, r.rest())?;
        let open = Open {
            version,
            my_as,
            hold_time,
            bgp_id,
            capabilities,
        };
        if open.my_as == 0 || open.four_octet_as() == Some(0) {
            return Err(BgpError::new(
                code::OPEN_MESSAGE,
                open_subcode::BAD_PEER_AS,
                Vec::new(),
                "peer AS 0 is reserved (RFC 7607)",
            ));
        }
        if hold_time == 1 || hold_time == 2 {
            return Err(BgpError::new(
                code::OPEN_MESSAGE,
                open_subcode::UNACCEPTABLE_HOLD_TIME,
                Vec::new(),
                format!("hold time {hold_time} s is not 0 or at least 3"),
            ));
        }
        if bgp_id.is_unspecified() {
            return Err(BgpError::new(
                code::OPEN_MESSAGE,
                open_subcode::BAD_BGP_IDENTIFIER,
                Vec::new(),
                "BGP identifier 0.0.0.0 is not valid",
            ));
        }
        Ok(open)
    }

    /// Appends the wire form. Capabilities are packed into as few optional parameters as fit
    /// in 255 bytes each.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let start = begin_message(out, MessageType::Open);
        out.push(self.version);
        out.extend_from_slice(&self.my_as.to_be_bytes());
        out.extend_from_slice(&self.hold_time.to_be_bytes());
        out.extend_from_slice(&self.bgp_id.octets());
        let opt_len_at = out.len();
        out.push(0);
        let mut param_len_at: Option<usize> = None;
        for cap in &self.capabilities {
            let mut one = Vec::new();
            cap.encode_into(&mut one);
            let fits = param_len_at.is_some_and(|at| out.len() - at - 1 + one.len() <= 255);
            if !fits {
                out.push(PARAM_CAPABILITIES);
                param_len_at = Some(out.len());
                out.push(0);
            }
            out.extend_from_slice(&one);
            if let Some(at) = param_len_at {
                out[at] = (out.len() - at - 1) as u8;
            }
        }
        // Our capabilities stay far below 255 bytes; RFC 9072 sending is not needed.
        out[opt_len_at] = (out.len() - opt_len_at - 1).min(255) as u8;
        finish_message(out, start);
    }
}

fn decode_parameters(opt_len: u8, rest: &[u8]) -> Result<Vec<Capability>, BgpError> {
    let bad_length = |why: String| {
        BgpError::new(
            code::OPEN_MESSAGE,
            open_subcode::UNSPECIFIC,
            Vec::new(),
            why,
        )
    };
    let mut r = Reader::new(rest);
    let extended = opt_len == 255 && rest.first() == Some(&PARAM_EXTENDED_LENGTH);
    let params = if extended {
        r.u8();
        let len = r
            .u16()
            .ok_or_else(|| bad_length("extended optional parameters length is truncated".into()))?;
        if usize::from(len) != r.remaining() {
            return Err(bad_length(format!(
                "extended optional parameters length {len} does not match the {} bytes present",
                r.remaining()
            )));
        }
        r.rest()
    } else {
        if usize::from(opt_len) != rest.len() {
            return Err(bad_length(format!(
                "optional parameters length {opt_len} does not match the {} bytes present",
                rest.len()
            )));
        }
        rest
    };
    let mut r = Reader::new(params);
    let mut capabilities = Vec::new();
    while !r.is_empty() {
        let ptype = r.u8().unwrap_or_default();
        let plen = if extended {
            r.u16()
        } else {
            r.u8().map(u16::from)
        };
        let value = plen
            .and_then(|l| r.take(usize::from(l)))
            .ok_or_else(|| bad_length(format!("optional parameter {ptype} is truncated")))?;
        if ptype != PARAM_CAPABILITIES {
            return Err(BgpError::new(
                code::OPEN_MESSAGE,
                open_subcode::UNSUPPORTED_OPTIONAL_PARAMETER,
                Vec::new(),
                format!("optional parameter type {ptype} is not supported"),
            ));
        }
        let mut caps = Reader::new(value);
        while !caps.is_empty() {
            let cap_code = caps.u8().unwrap_or_default();
            let cap_value = caps
                .u8()
                .and_then(|l| caps.take(usize::from(l)))
                .ok_or_else(|| bad_length(format!("capability {cap_code} is truncated")))?;
            capabilities.push(Capability::decode(cap_code, cap_value)?);
        }
    }
    Ok(capabilities)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OPEN body built by hand from RFC 4271 §4.2.
    fn body(version: u8, my_as: u16, hold: u16, id: [u8; 4], params: &[u8]) -> Vec<u8> {
        let mut v = vec![version];
        v.extend_from_slice(&my_as.to_be_bytes());
        v.extend_from_slice(&hold.to_be_bytes());
        v.extend_from_slice(&id);
        v.push(params.len() as u8);
        v.extend_from_slice(params);
        v
    }

    #[test]
    fn local_open_exact_bytes() {
        let open = Open::local(&LocalOpen {
            asn: 4_200_000_001,
            hold_time: 90,
            bgp_id: Ipv4Addr::new(192, 0, 2, 1),
            families: vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST],
            graceful_restart: Some(120),
        });
        let mut out = Vec::new();
        open.encode_into(&mut out);
        let caps: Vec<u8> = vec![
            1, 4, 0, 1, 0, 1, // mp ipv4 unicast
            1, 4, 0, 2, 0, 1, // mp ipv6 unicast
            2, 0, // route refresh
            70, 0, // enhanced route refresh
            65, 4, 0xfa, 0x56, 0xea, 0x01, // 4-octet AS
            64, 10, 0x00, 120, 0, 1, 1, 0, 0, 2, 1, 0, // GR 120 s, both families
        ];
        let mut params = vec![2, caps.len() as u8];
        params.extend_from_slice(&caps);
        let mut want = vec![0xff; 16];
        let total = 19 + 10 + params.len();
        want.extend_from_slice(&(total as u16).to_be_bytes());
        want.push(1);
        want.extend_from_slice(&body(4, 23456, 90, [192, 0, 2, 1], &params));
        assert_eq!(out, want);
        let back = Open::decode(&out[19..]).unwrap();
        assert_eq!(back, open);
        assert_eq!(back.peer_asn(), 4_200_000_001);
        assert_eq!(
            back.families(),
            vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST]
        );
        let gr = back.graceful_restart().unwrap();
        assert_eq!(
            (gr.restarting, gr.restart_time, gr.families.len()),
            (false, 120, 2)
        );
        assert!(back.supports_route_refresh() && back.supports_enhanced_route_refresh());
    }

    #[test]
    fn two_octet_peer_without_capabilities() {
        let open = Open::decode(&body(4, 65001, 0, [10, 0, 0, 1], &[])).unwrap();
        assert_eq!(open.four_octet_as(), None);
        assert_eq!(open.peer_asn(), 65001);
        assert_eq!(
            open.families(),
            vec![Family::IPV4_UNICAST],
            "RFC 4760 §8 default"
        );
        assert_eq!(open.graceful_restart(), None);
    }

    #[test]
    fn several_parameters_and_unknown_capabilities_are_accepted() {
        // FRR-style: one capability per parameter, plus an unknown capability (ADD-PATH, 69).
        let params = [
            2, 6, 1, 4, 0, 1, 0, 1, 2, 6, 65, 4, 0, 0, 0xfd, 0xe9, 2, 6, 69, 4, 0, 1, 1, 1,
        ];
        let open = Open::decode(&body(4, 65001, 180, [10, 0, 0, 1], &params)).unwrap();
        assert_eq!(open.peer_asn(), 65001);
        assert!(matches!(
            open.capabilities[2],
            Capability::Unknown { code: 69, .. }
        ));
    }

    #[test]
    fn extended_optional_parameters_rfc_9072() {
        // Marker type 255 + 2-byte total length 5, then one capability parameter with a
        // 2-byte length of 2 holding route refresh.
        let params = [255, 0, 5, 2, 0, 2, 2, 0];
        let mut b = body(4, 65001, 90, [10, 0, 0, 1], &params);
        b[9] = 255; // non-extended length field must read 255
        let open = Open::decode(&b).unwrap();
        assert_eq!(open.capabilities, vec![Capability::RouteRefresh]);
    }

    #[test]
    fn open_errors_carry_rfc_codes() {
        let cases: Vec<(&str, Vec<u8>, u8, Vec<u8>)> = vec![
            (
                "version 3",
                body(3, 65001, 90, [10, 0, 0, 1], &[]),
                1,
                vec![0, 4],
            ),
            ("AS 0", body(4, 0, 90, [10, 0, 0, 1], &[]), 2, vec![]),
            (
                "AS4 0",
                body(4, 23456, 90, [10, 0, 0, 1], &[2, 6, 65, 4, 0, 0, 0, 0]),
                2,
                vec![],
            ),
            ("id 0", body(4, 65001, 90, [0, 0, 0, 0], &[]), 3, vec![]),
            ("hold 1", body(4, 65001, 1, [10, 0, 0, 1], &[]), 6, vec![]),
            ("hold 2", body(4, 65001, 2, [10, 0, 0, 1], &[]), 6, vec![]),
            (
                "param type 1",
                body(4, 65001, 90, [10, 0, 0, 1], &[1, 0]),
                4,
                vec![],
            ),
            (
                "truncated param",
                body(4, 65001, 90, [10, 0, 0, 1], &[2, 9, 1]),
                0,
                vec![],
            ),
            (
                "truncated cap",
                body(4, 65001, 90, [10, 0, 0, 1], &[2, 2, 65, 4]),
                0,
                vec![],
            ),
            ("truncated header", vec![4, 0xfd, 0xe9, 0], 0, vec![]),
        ];
        for (name, b, sub, data) in cases {
            let e = Open::decode(&b).expect_err(name);
            assert_eq!(
                (e.code, e.subcode, e.data),
                (2, sub, data),
                "{name}: {}",
                e.reason
            );
        }
        let mut wrong_len = body(4, 65001, 90, [10, 0, 0, 1], &[2, 0]);
        wrong_len[9] = 5;
        assert_eq!(Open::decode(&wrong_len).unwrap_err().subcode, 0);
        // Hold time 0 and 3 are fine.
        assert!(Open::decode(&body(4, 65001, 0, [10, 0, 0, 1], &[])).is_ok());
        assert!(Open::decode(&body(4, 65001, 3, [10, 0, 0, 1], &[])).is_ok());
    }
}
