//! Capabilities advertised in OPEN (RFC 5492): multiprotocol (RFC 4760), route refresh
//! (RFC 2918), enhanced route refresh (RFC 7313), graceful restart (RFC 4724) and 4-octet AS
//! (RFC 6793). Anything else is kept as `Unknown` and ignored, never refused.

use super::error::BgpError;
use super::family::Family;
use super::notification::{code, open_subcode};
use super::wire::Reader;

pub const CAP_MULTIPROTOCOL: u8 = 1;
pub const CAP_ROUTE_REFRESH: u8 = 2;
pub const CAP_GRACEFUL_RESTART: u8 = 64;
pub const CAP_FOUR_OCTET_AS: u8 = 65;
pub const CAP_ENHANCED_ROUTE_REFRESH: u8 = 70;

/// Restart flag "R" of the GR capability: the sender has restarted (RFC 4724 §3).
pub const GR_FLAG_RESTART_STATE: u8 = 0x8;
/// Per-family flag: forwarding state was preserved.
pub const GR_FAMILY_FORWARDING_PRESERVED: u8 = 0x80;

/// One family in the graceful restart capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GracefulRestartFamily {
    pub family: Family,
    /// Flags for this family (bit 0x80: forwarding state preserved).
    pub flags: u8,
}

/// A capability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capability {
    Multiprotocol(Family),
    RouteRefresh,
    EnhancedRouteRefresh,
    FourOctetAs(u32),
    GracefulRestart {
        /// The 4 high bits of the first octet (0x8 = Restart State, 0x4 = Notification, RFC 8538).
        flags: u8,
        /// Restart time in seconds (12 bits).
        restart_time: u16,
        families: Vec<GracefulRestartFamily>,
    },
    Unknown {
        code: u8,
        value: Vec<u8>,
    },
}

fn malformed(reason: String) -> BgpError {
    BgpError::new(
        code::OPEN_MESSAGE,
        open_subcode::UNSPECIFIC,
        Vec::new(),
        reason,
    )
}

impl Capability {
    pub fn code(&self) -> u8 {
        match self {
            Capability::Multiprotocol(_) => CAP_MULTIPROTOCOL,
            Capability::RouteRefresh => CAP_ROUTE_REFRESH,
            Capability::EnhancedRouteRefresh => CAP_ENHANCED_ROUTE_REFRESH,
            Capability::FourOctetAs(_) => CAP_FOUR_OCTET_AS,
            Capability::GracefulRestart { .. } => CAP_GRACEFUL_RESTART,
            Capability::Unknown { code, .. } => *code,
        }
    }

    /// Decodes one capability value. Known capabilities with a wrong length are an OPEN error
    /// (subcode 0): a peer we cannot understand on these is not one we should half-trust.
    pub(crate) fn decode(cap_code: u8, value: &[u8]) -> Result<Capability, BgpError> {
        let mut r = Reader::new(value);
        Ok(match cap_code {
            CAP_MULTIPROTOCOL => {
                if value.len() != 4 {
                    return Err(malformed(format!(
                        "multiprotocol capability has length {} (expected 4)",
                        value.len()
                    )));
                }
                Capability::Multiprotocol(Family::new(
                    u16::from_be_bytes([value[0], value[1]]),
                    value[3],
                ))
            }
            // Values on these two are meaningless; tolerate them.
            CAP_ROUTE_REFRESH => Capability::RouteRefresh,
            CAP_ENHANCED_ROUTE_REFRESH => Capability::EnhancedRouteRefresh,
            CAP_FOUR_OCTET_AS => match r.u32() {
                Some(asn) if value.len() == 4 => Capability::FourOctetAs(asn),
                _ => {
                    return Err(malformed(format!(
                        "4-octet AS capability has length {} (expected 4)",
                        value.len()
                    )))
                }
            },
            CAP_GRACEFUL_RESTART => {
                let head = r.u16().filter(|_| (value.len() - 2).is_multiple_of(4));
                let Some(head) = head else {
                    return Err(malformed(format!(
                        "graceful restart capability has length {} (expected 2 + 4n)",
                        value.len()
                    )));
                };
                let mut families = Vec::new();
                while let (Some(afi), Some(safi), Some(flags)) = (r.u16(), r.u8(), r.u8()) {
                    families.push(GracefulRestartFamily {
                        family: Family::new(afi, safi),
                        flags,
                    });
                }
                Capability::GracefulRestart {
                    flags: (head >> 12) as u8,
                    restart_time: head & 0x0fff,
                    families,
                }
            }
            _ => Capability::Unknown {
                code: cap_code,
                value: value.to_vec(),
            },
        })
    }

    /// Appends code, length and value.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(self.code());
        let len_at = out.len();
        out.push(0);
        match self {
            Capability::Multiprotocol(f) => {
                out.extend_from_slice(&f.afi.to_be_bytes());
                out.push(0);
                out.push(f.safi);
            }
            Capability::RouteRefresh | Capability::EnhancedRouteRefresh => {}
            Capability::FourOctetAs(asn) => out.extend_from_slice(&asn.to_be_bytes()),
            Capability::GracefulRestart {
                flags,
                restart_time,
                families,
            } => {
                let head = (u16::from(*flags & 0xf) << 12) | (restart_time & 0x0fff);
                out.extend_from_slice(&head.to_be_bytes());
                for f in families {
                    out.extend_from_slice(&f.family.afi.to_be_bytes());
                    out.push(f.family.safi);
                    out.push(f.flags);
                }
            }
            Capability::Unknown { value, .. } => {
                out.extend_from_slice(&value[..value.len().min(255)]);
            }
        }
        out[len_at] = (out.len() - len_at - 1) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_bytes_round_trip() {
        let cases: Vec<(Capability, Vec<u8>)> = vec![
            (
                Capability::Multiprotocol(Family::IPV6_UNICAST),
                vec![1, 4, 0, 2, 0, 1],
            ),
            (Capability::RouteRefresh, vec![2, 0]),
            (Capability::EnhancedRouteRefresh, vec![70, 0]),
            (
                Capability::FourOctetAs(4_200_000_000),
                vec![65, 4, 0xfa, 0x56, 0xea, 0x00],
            ),
            (
                Capability::GracefulRestart {
                    flags: GR_FLAG_RESTART_STATE,
                    restart_time: 120,
                    families: vec![GracefulRestartFamily {
                        family: Family::IPV4_UNICAST,
                        flags: 0x80,
                    }],
                },
                vec![64, 6, 0x80, 120, 0, 1, 1, 0x80],
            ),
            (
                Capability::Unknown {
                    code: 73,
                    value: vec![1, 2],
                },
                vec![73, 2, 1, 2],
            ),
        ];
        for (cap, bytes) in cases {
            let mut out = Vec::new();
            cap.encode_into(&mut out);
            assert_eq!(out, bytes, "{cap:?}");
            assert_eq!(Capability::decode(bytes[0], &bytes[2..]).unwrap(), cap);
        }
    }

    #[test]
    fn malformed_known_capabilities_are_open_errors() {
        for (code, value) in [
            (1u8, vec![0, 1, 0]),
            (65, vec![0, 0, 1]),
            (64, vec![0]),
            (64, vec![0, 1, 0, 1, 1]),
        ] {
            let e = Capability::decode(code, &value).unwrap_err();
            assert_eq!((e.code, e.subcode), (2, 0), "cap {code} {value:?}");
        }
    }
}
