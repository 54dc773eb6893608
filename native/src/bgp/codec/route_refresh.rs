//! ROUTE-REFRESH (RFC 2918) with the enhanced route refresh subtypes (RFC 7313).

use super::error::BgpError;
use super::family::Family;
use super::header::{begin_message, finish_message, MessageType};
use super::notification::{code, route_refresh_subcode};

pub const SUBTYPE_NORMAL: u8 = 0;
/// Beginning of Route Refresh (RFC 7313).
pub const SUBTYPE_BORR: u8 = 1;
/// End of Route Refresh (RFC 7313).
pub const SUBTYPE_EORR: u8 = 2;

/// A ROUTE-REFRESH message. Subtypes other than 0-2 must be ignored by the receiver (RFC 7313).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteRefresh {
    pub family: Family,
    pub subtype: u8,
}

impl RouteRefresh {
    /// Decodes the body. `message` is the whole message, the NOTIFICATION data on error.
    pub(crate) fn decode(message: &[u8]) -> Result<RouteRefresh, BgpError> {
        let body = &message[message.len().min(19)..];
        if body.len() < 4 {
            return Err(invalid_length(message));
        }
        let rr = RouteRefresh {
            family: Family::new(u16::from_be_bytes([body[0], body[1]]), body[3]),
            subtype: body[2],
        };
        // Subtype 0 may carry ORF entries (RFC 5291) that we do not use; BoRR/EoRR may not.
        if (rr.subtype == SUBTYPE_BORR || rr.subtype == SUBTYPE_EORR) && body.len() != 4 {
            return Err(invalid_length(message));
        }
        Ok(rr)
    }

    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let start = begin_message(out, MessageType::RouteRefresh);
        out.extend_from_slice(&self.family.afi.to_be_bytes());
        out.push(self.subtype);
        out.push(self.family.safi);
        finish_message(out, start);
    }
}

fn invalid_length(message: &[u8]) -> BgpError {
    BgpError::new(
        code::ROUTE_REFRESH_MESSAGE,
        route_refresh_subcode::INVALID_MESSAGE_LENGTH,
        message.to_vec(),
        format!("ROUTE-REFRESH length {} is not 23", message.len()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_bytes_round_trip() {
        let rr = RouteRefresh {
            family: Family::IPV6_UNICAST,
            subtype: SUBTYPE_BORR,
        };
        let mut out = Vec::new();
        rr.encode_into(&mut out);
        let mut want = vec![0xff; 16];
        want.extend_from_slice(&[0, 23, 5, 0, 2, 1, 1]);
        assert_eq!(out, want);
        assert_eq!(RouteRefresh::decode(&out), Ok(rr));
    }

    #[test]
    fn borr_with_extra_bytes_is_7_1_with_the_message_as_data() {
        let mut msg = vec![0xff; 16];
        msg.extend_from_slice(&[0, 24, 5, 0, 1, 2, 1, 9]);
        let e = RouteRefresh::decode(&msg).unwrap_err();
        assert_eq!((e.code, e.subcode, e.data), (7, 1, msg.clone()));
        // The same extra bytes on a normal refresh are ORF entries and are ignored.
        msg[21] = 0;
        assert_eq!(RouteRefresh::decode(&msg).unwrap().subtype, 0);
    }
}
