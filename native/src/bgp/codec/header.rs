//! The 19-byte message header and stream framing (RFC 4271 §4.1, §6.1).

use super::error::BgpError;
use super::notification::{code, header_subcode};

/// All-ones marker (RFC 4271 §4.1).
pub const MARKER: [u8; 16] = [0xff; 16];
pub const HEADER_LEN: usize = 19;
/// Largest message without the Extended Message capability (RFC 8654), which we do not offer.
pub const MAX_MESSAGE_LEN: usize = 4096;

/// The message types we understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MessageType {
    Open = 1,
    Update = 2,
    Notification = 3,
    Keepalive = 4,
    RouteRefresh = 5,
}

impl MessageType {
    pub fn from_u8(value: u8) -> Option<Self> {
        Some(match value {
            1 => MessageType::Open,
            2 => MessageType::Update,
            3 => MessageType::Notification,
            4 => MessageType::Keepalive,
            5 => MessageType::RouteRefresh,
            _ => return None,
        })
    }

    /// Name as used in the JS API and logs ("ROUTE-REFRESH").
    pub fn name(self) -> &'static str {
        match self {
            MessageType::Open => "OPEN",
            MessageType::Update => "UPDATE",
            MessageType::Notification => "NOTIFICATION",
            MessageType::Keepalive => "KEEPALIVE",
            MessageType::RouteRefresh => "ROUTE-REFRESH",
        }
    }

    /// Smallest valid total length (RFC 4271 §4.2-4.5, RFC 2918 §3).
    pub fn min_len(self) -> usize {
        match self {
            MessageType::Open => 29,
            MessageType::Update => 23,
            MessageType::Notification => 21,
            MessageType::Keepalive => 19,
            MessageType::RouteRefresh => 23,
        }
    }

    /// Largest valid total length: KEEPALIVE is exactly the header. ROUTE-REFRESH may carry ORF
    /// entries (RFC 5291) after its 4 fixed octets, so it is only bounded by the message limit; the
    /// exact-length rule of RFC 7313 for subtypes 1 and 2 is checked by its decoder.
    fn max_len(self) -> usize {
        match self {
            MessageType::Keepalive => HEADER_LEN,
            _ => MAX_MESSAGE_LEN,
        }
    }
}

/// Finds the next complete message at the start of `buf`.
///
/// `Ok(None)`: more bytes are needed. `Ok(Some((type, len)))`: `buf[..len]` is one complete
/// message whose header is valid. `Err`: the stream is broken; send the NOTIFICATION and close.
/// A bad marker is reported as soon as a wrong byte is seen, before the whole header arrives.
pub fn frame(buf: &[u8]) -> Result<Option<(MessageType, usize)>, BgpError> {
    let seen = buf.len().min(MARKER.len());
    if buf[..seen].iter().any(|&b| b != 0xff) {
        return Err(BgpError::new(
            code::MESSAGE_HEADER,
            header_subcode::CONNECTION_NOT_SYNCHRONIZED,
            Vec::new(),
            "marker is not all ones",
        ));
    }
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    let len_field = [buf[16], buf[17]];
    let len = u16::from_be_bytes(len_field) as usize;
    let bad_length = |why: String| {
        BgpError::new(
            code::MESSAGE_HEADER,
            header_subcode::BAD_MESSAGE_LENGTH,
            len_field.to_vec(),
            why,
        )
    };
    if !(HEADER_LEN..=MAX_MESSAGE_LEN).contains(&len) {
        return Err(bad_length(format!(
            "message length {len} is outside {HEADER_LEN}..={MAX_MESSAGE_LEN}"
        )));
    }
    let type_byte = buf[18];
    let Some(ty) = MessageType::from_u8(type_byte) else {
        return Err(BgpError::new(
            code::MESSAGE_HEADER,
            header_subcode::BAD_MESSAGE_TYPE,
            vec![type_byte],
            format!("unknown message type {type_byte}"),
        ));
    };
    if len < ty.min_len() || len > ty.max_len() {
        return Err(bad_length(format!(
            "{} message length {len} is invalid (minimum {}{})",
            ty.name(),
            ty.min_len(),
            if ty == MessageType::Keepalive {
                ", exactly 19 for KEEPALIVE"
            } else {
                ""
            }
        )));
    }
    if buf.len() < len {
        return Ok(None);
    }
    Ok(Some((ty, len)))
}

/// Starts a message in `out`: writes marker, a length placeholder and the type, returns the
/// message's start offset for [`finish_message`].
pub(crate) fn begin_message(out: &mut Vec<u8>, ty: MessageType) -> usize {
    let start = out.len();
    out.extend_from_slice(&MARKER);
    out.extend_from_slice(&[0, 0, ty as u8]);
    start
}

/// Patches the length of the message that starts at `start` and ends at `out.len()`.
pub(crate) fn finish_message(out: &mut [u8], start: usize) {
    // Size limits are the encoders' business (the route-set encoder packs to the limit; the
    // general `Update::encode_into` writes what it is given).
    let len = (out.len() - start).min(usize::from(u16::MAX));
    super::wire::patch_u16(out, start + 16, len as u16);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(len: u16, ty: u8) -> Vec<u8> {
        let mut v = vec![0xff; 16];
        v.extend_from_slice(&len.to_be_bytes());
        v.push(ty);
        v
    }

    #[test]
    fn frames_complete_messages_and_waits_for_partial_ones() {
        let ka = header(19, 4);
        assert_eq!(frame(&ka), Ok(Some((MessageType::Keepalive, 19))));
        assert_eq!(frame(&ka[..18]), Ok(None));
        assert_eq!(frame(&[]), Ok(None));
        let mut two = ka.clone();
        two.extend_from_slice(&ka);
        assert_eq!(frame(&two), Ok(Some((MessageType::Keepalive, 19))));
        let mut upd = header(23, 2);
        upd.extend_from_slice(&[0, 0]);
        assert_eq!(frame(&upd), Ok(None), "needs all 23 bytes");
        upd.extend_from_slice(&[0, 0]);
        assert_eq!(frame(&upd), Ok(Some((MessageType::Update, 23))));
    }

    #[test]
    fn header_errors_carry_rfc_4271_codes_and_data() {
        struct Case {
            name: &'static str,
            bytes: Vec<u8>,
            subcode: u8,
            data: Vec<u8>,
        }
        let mut bad_marker = header(19, 4);
        bad_marker[3] = 0xfe;
        let cases = vec![
            Case {
                name: "bad marker",
                bytes: bad_marker,
                subcode: 1,
                data: vec![],
            },
            Case {
                name: "bad marker seen early",
                bytes: vec![0xff, 0x00],
                subcode: 1,
                data: vec![],
            },
            Case {
                name: "length below 19",
                bytes: header(18, 4),
                subcode: 2,
                data: vec![0, 18],
            },
            Case {
                name: "length above 4096",
                bytes: header(4097, 2),
                subcode: 2,
                data: vec![0x10, 0x01],
            },
            Case {
                name: "unknown type",
                bytes: header(19, 9),
                subcode: 3,
                data: vec![9],
            },
            Case {
                name: "type zero",
                bytes: header(19, 0),
                subcode: 3,
                data: vec![0],
            },
            Case {
                name: "short OPEN",
                bytes: header(28, 1),
                subcode: 2,
                data: vec![0, 28],
            },
            Case {
                name: "short UPDATE",
                bytes: header(22, 2),
                subcode: 2,
                data: vec![0, 22],
            },
            Case {
                name: "short NOTIFICATION",
                bytes: header(20, 3),
                subcode: 2,
                data: vec![0, 20],
            },
            Case {
                name: "long KEEPALIVE",
                bytes: header(20, 4),
                subcode: 2,
                data: vec![0, 20],
            },
            Case {
                name: "short ROUTE-REFRESH",
                bytes: header(22, 5),
                subcode: 2,
                data: vec![0, 22],
            },
        ];
        for c in cases {
            let err = frame(&c.bytes).expect_err(c.name);
            assert_eq!(
                (err.code, err.subcode, err.data),
                (1, c.subcode, c.data),
                "{}",
                c.name
            );
        }
    }

    #[test]
    fn begin_and_finish_write_the_header() {
        let mut out = vec![7];
        let start = begin_message(&mut out, MessageType::Keepalive);
        finish_message(&mut out, start);
        let mut want = vec![7];
        want.extend_from_slice(&header(19, 4));
        assert_eq!(out, want);
    }
}
