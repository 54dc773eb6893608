//! NOTIFICATION (RFC 4271 §4.5): error codes and subcodes with their names, encoding and decoding.
//!
//! Codes and subcodes come from RFC 4271 §4.5, RFC 4486 (Cease), RFC 6608 (FSM),
//! RFC 5492 (Unsupported Capability) and RFC 7313 (ROUTE-REFRESH).

use std::fmt;

use super::header::{begin_message, finish_message, MessageType};

/// Error codes (RFC 4271 §4.5, RFC 7313).
pub mod code {
    pub const MESSAGE_HEADER: u8 = 1;
    pub const OPEN_MESSAGE: u8 = 2;
    pub const UPDATE_MESSAGE: u8 = 3;
    pub const HOLD_TIMER_EXPIRED: u8 = 4;
    pub const FSM: u8 = 5;
    pub const CEASE: u8 = 6;
    pub const ROUTE_REFRESH_MESSAGE: u8 = 7;
}

/// Message Header Error subcodes (RFC 4271 §6.1).
pub mod header_subcode {
    pub const CONNECTION_NOT_SYNCHRONIZED: u8 = 1;
    pub const BAD_MESSAGE_LENGTH: u8 = 2;
    pub const BAD_MESSAGE_TYPE: u8 = 3;
}

/// OPEN Message Error subcodes (RFC 4271 §6.2, RFC 5492).
pub mod open_subcode {
    /// Subcode 0: no specific reason (RFC 4271 errata, used for malformed parameters).
    pub const UNSPECIFIC: u8 = 0;
    pub const UNSUPPORTED_VERSION_NUMBER: u8 = 1;
    pub const BAD_PEER_AS: u8 = 2;
    pub const BAD_BGP_IDENTIFIER: u8 = 3;
    pub const UNSUPPORTED_OPTIONAL_PARAMETER: u8 = 4;
    pub const UNACCEPTABLE_HOLD_TIME: u8 = 6;
    pub const UNSUPPORTED_CAPABILITY: u8 = 7;
}

/// UPDATE Message Error subcodes (RFC 4271 §6.3).
pub mod update_subcode {
    pub const MALFORMED_ATTRIBUTE_LIST: u8 = 1;
    pub const UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE: u8 = 2;
    pub const MISSING_WELL_KNOWN_ATTRIBUTE: u8 = 3;
    pub const ATTRIBUTE_FLAGS_ERROR: u8 = 4;
    pub const ATTRIBUTE_LENGTH_ERROR: u8 = 5;
    pub const INVALID_ORIGIN_ATTRIBUTE: u8 = 6;
    pub const INVALID_NEXT_HOP_ATTRIBUTE: u8 = 8;
    pub const OPTIONAL_ATTRIBUTE_ERROR: u8 = 9;
    pub const INVALID_NETWORK_FIELD: u8 = 10;
    pub const MALFORMED_AS_PATH: u8 = 11;
}

/// Finite State Machine Error subcodes (RFC 6608).
pub mod fsm_subcode {
    pub const UNSPECIFIED: u8 = 0;
    pub const UNEXPECTED_MESSAGE_IN_OPEN_SENT: u8 = 1;
    pub const UNEXPECTED_MESSAGE_IN_OPEN_CONFIRM: u8 = 2;
    pub const UNEXPECTED_MESSAGE_IN_ESTABLISHED: u8 = 3;
}

/// Cease subcodes (RFC 4486, RFC 8538).
pub mod cease_subcode {
    pub const MAXIMUM_PREFIXES_REACHED: u8 = 1;
    pub const ADMINISTRATIVE_SHUTDOWN: u8 = 2;
    pub const PEER_DECONFIGURED: u8 = 3;
    pub const ADMINISTRATIVE_RESET: u8 = 4;
    pub const CONNECTION_REJECTED: u8 = 5;
    pub const OTHER_CONFIGURATION_CHANGE: u8 = 6;
    pub const CONNECTION_COLLISION_RESOLUTION: u8 = 7;
    pub const OUT_OF_RESOURCES: u8 = 8;
    pub const HARD_RESET: u8 = 9;
}

/// ROUTE-REFRESH Message Error subcodes (RFC 7313).
pub mod route_refresh_subcode {
    pub const INVALID_MESSAGE_LENGTH: u8 = 1;
}

/// Human name of an error code ("Hold Timer Expired").
pub fn code_name(code: u8) -> &'static str {
    match code {
        code::MESSAGE_HEADER => "Message Header Error",
        code::OPEN_MESSAGE => "OPEN Message Error",
        code::UPDATE_MESSAGE => "UPDATE Message Error",
        code::HOLD_TIMER_EXPIRED => "Hold Timer Expired",
        code::FSM => "Finite State Machine Error",
        code::CEASE => "Cease",
        code::ROUTE_REFRESH_MESSAGE => "ROUTE-REFRESH Message Error",
        _ => "Unknown Error Code",
    }
}

/// Human name of a subcode within its code, `None` when the pair has no specific name
/// (subcode 0 of codes without subcodes, or values we do not know).
pub fn subcode_name(code: u8, subcode: u8) -> Option<&'static str> {
    let name = match (code, subcode) {
        (code::MESSAGE_HEADER, 1) => "Connection Not Synchronized",
        (code::MESSAGE_HEADER, 2) => "Bad Message Length",
        (code::MESSAGE_HEADER, 3) => "Bad Message Type",
        (code::OPEN_MESSAGE, 1) => "Unsupported Version Number",
        (code::OPEN_MESSAGE, 2) => "Bad Peer AS",
        (code::OPEN_MESSAGE, 3) => "Bad BGP Identifier",
        (code::OPEN_MESSAGE, 4) => "Unsupported Optional Parameter",
        (code::OPEN_MESSAGE, 6) => "Unacceptable Hold Time",
        (code::OPEN_MESSAGE, 7) => "Unsupported Capability",
        (code::UPDATE_MESSAGE, 1) => "Malformed Attribute List",
        (code::UPDATE_MESSAGE, 2) => "Unrecognized Well-known Attribute",
        (code::UPDATE_MESSAGE, 3) => "Missing Well-known Attribute",
        (code::UPDATE_MESSAGE, 4) => "Attribute Flags Error",
        (code::UPDATE_MESSAGE, 5) => "Attribute Length Error",
        (code::UPDATE_MESSAGE, 6) => "Invalid ORIGIN Attribute",
        (code::UPDATE_MESSAGE, 8) => "Invalid NEXT_HOP Attribute",
        (code::UPDATE_MESSAGE, 9) => "Optional Attribute Error",
        (code::UPDATE_MESSAGE, 10) => "Invalid Network Field",
        (code::UPDATE_MESSAGE, 11) => "Malformed AS_PATH",
        (code::FSM, 1) => "Receive Unexpected Message in OpenSent State",
        (code::FSM, 2) => "Receive Unexpected Message in OpenConfirm State",
        (code::FSM, 3) => "Receive Unexpected Message in Established State",
        (code::CEASE, 1) => "Maximum Number of Prefixes Reached",
        (code::CEASE, 2) => "Administrative Shutdown",
        (code::CEASE, 3) => "Peer De-configured",
        (code::CEASE, 4) => "Administrative Reset",
        (code::CEASE, 5) => "Connection Rejected",
        (code::CEASE, 6) => "Other Configuration Change",
        (code::CEASE, 7) => "Connection Collision Resolution",
        (code::CEASE, 8) => "Out of Resources",
        (code::CEASE, 9) => "Hard Reset",
        (code::ROUTE_REFRESH_MESSAGE, 1) => "Invalid Message Length",
        _ => return None,
    };
    Some(name)
}

/// "4/0 Hold Timer Expired", "6/2 Cease (Administrative Shutdown)", "3/99 UPDATE Message Error (subcode 99)".
pub fn describe(code: u8, subcode: u8) -> String {
    match subcode_name(code, subcode) {
        Some(sub) => format!("{code}/{subcode} {} ({sub})", code_name(code)),
        None if subcode == 0 => format!("{code}/{subcode} {}", code_name(code)),
        None => format!("{code}/{subcode} {} (subcode {subcode})", code_name(code)),
    }
}

/// A NOTIFICATION message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub code: u8,
    pub subcode: u8,
    pub data: Vec<u8>,
}

impl Notification {
    pub fn new(code: u8, subcode: u8, data: Vec<u8>) -> Self {
        Notification {
            code,
            subcode,
            data,
        }
    }

    /// Cease with the given subcode and no data.
    pub fn cease(subcode: u8) -> Self {
        Notification::new(code::CEASE, subcode, Vec::new())
    }

    /// Cease with an operator message (RFC 9003 shutdown communication: one length octet,
    /// then at most 255 bytes of UTF-8, cut at a character boundary).
    pub fn cease_with_message(subcode: u8, message: &str) -> Self {
        let mut end = message.len().min(255);
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        let mut data = Vec::with_capacity(end + 1);
        data.push(end as u8);
        data.extend_from_slice(&message.as_bytes()[..end]);
        Notification::new(code::CEASE, subcode, data)
    }

    /// The operator's message of an Administrative Shutdown/Reset (RFC 9003: one length octet,
    /// then UTF-8), if the data carries one.
    pub fn shutdown_communication(&self) -> Option<String> {
        let is_admin = self.code == code::CEASE
            && (self.subcode == cease_subcode::ADMINISTRATIVE_SHUTDOWN
                || self.subcode == cease_subcode::ADMINISTRATIVE_RESET);
        let (&len, rest) = self.data.split_first()?;
        if !is_admin || len == 0 || rest.len() < len as usize {
            return None;
        }
        std::str::from_utf8(&rest[..len as usize])
            .ok()
            .map(str::to_owned)
    }

    pub(crate) fn decode(body: &[u8]) -> Notification {
        // frame() guarantees at least the two code octets.
        Notification {
            code: body.first().copied().unwrap_or(0),
            subcode: body.get(1).copied().unwrap_or(0),
            data: body.get(2..).unwrap_or_default().to_vec(),
        }
    }

    /// Appends the wire form. Data beyond the 4096-byte message limit is truncated.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let start = begin_message(out, MessageType::Notification);
        out.push(self.code);
        out.push(self.subcode);
        let room = super::header::MAX_MESSAGE_LEN - super::header::HEADER_LEN - 2;
        out.extend_from_slice(&self.data[..self.data.len().min(room)]);
        finish_message(out, start);
    }
}

impl fmt::Display for Notification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&describe(self.code, self.subcode))?;
        if let Some(msg) = self.shutdown_communication() {
            write!(f, ": \"{msg}\"")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rfcs() {
        let cases: &[(u8, u8, &str)] = &[
            (4, 0, "4/0 Hold Timer Expired"),
            (
                1,
                1,
                "1/1 Message Header Error (Connection Not Synchronized)",
            ),
            (1, 2, "1/2 Message Header Error (Bad Message Length)"),
            (1, 3, "1/3 Message Header Error (Bad Message Type)"),
            (2, 1, "2/1 OPEN Message Error (Unsupported Version Number)"),
            (2, 6, "2/6 OPEN Message Error (Unacceptable Hold Time)"),
            (3, 11, "3/11 UPDATE Message Error (Malformed AS_PATH)"),
            (
                5,
                2,
                "5/2 Finite State Machine Error (Receive Unexpected Message in OpenConfirm State)",
            ),
            (6, 2, "6/2 Cease (Administrative Shutdown)"),
            (6, 3, "6/3 Cease (Peer De-configured)"),
            (6, 5, "6/5 Cease (Connection Rejected)"),
            (6, 6, "6/6 Cease (Other Configuration Change)"),
            (6, 7, "6/7 Cease (Connection Collision Resolution)"),
            (
                7,
                1,
                "7/1 ROUTE-REFRESH Message Error (Invalid Message Length)",
            ),
            (3, 99, "3/99 UPDATE Message Error (subcode 99)"),
            (42, 0, "42/0 Unknown Error Code"),
        ];
        for &(c, s, want) in cases {
            assert_eq!(Notification::new(c, s, vec![]).to_string(), want);
        }
    }

    #[test]
    fn wire_bytes_and_round_trip() {
        let n = Notification::new(2, 1, vec![0, 4]);
        let mut out = Vec::new();
        n.encode_into(&mut out);
        let mut want = vec![0xff; 16];
        want.extend_from_slice(&[0, 23, 3, 2, 1, 0, 4]);
        assert_eq!(out, want);
        assert_eq!(Notification::decode(&out[19..]), n);
    }

    #[test]
    fn shutdown_communication_is_shown() {
        let mut data = vec![5];
        data.extend_from_slice(b"maint");
        let n = Notification::new(6, 2, data);
        assert_eq!(n.shutdown_communication().as_deref(), Some("maint"));
        assert_eq!(
            n.to_string(),
            "6/2 Cease (Administrative Shutdown): \"maint\""
        );
        let long = "é".repeat(200);
        let n = Notification::cease_with_message(cease_subcode::ADMINISTRATIVE_RESET, &long);
        assert_eq!(n.data[0], 254, "cut at a character boundary");
        assert_eq!(n.shutdown_communication().unwrap().chars().count(), 127);
        // A length octet larger than the data is ignored, not trusted.
        assert_eq!(
            Notification::new(6, 2, vec![9, b'a']).shutdown_communication(),
            None
        );
    }
}
