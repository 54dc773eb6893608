//! BGP-4 message codec: one file per message kind, every decode error mapped to the
//! NOTIFICATION that RFC 4271 §6 / RFC 7606 prescribe.
//!
//! # API overview
//! - Framing: [`frame`]`(buf)` → `Ok(None)` (need more bytes) / `Ok(Some((MessageType, len)))`
//!   (`buf[..len]` is one whole message with a valid header) / `Err(BgpError)` (send it, close).
//! - Decoding: [`decode`]`(&buf[..len], &CodecContext)` → [`Message`]. The context says whether
//!   4-octet ASNs were negotiated (both sides sent the capability).
//! - Errors: [`BgpError`] `{ code, subcode, data, reason }` is the NOTIFICATION to send plus a
//!   human reason; `Display` prints "1/2 Message Header Error (Bad Message Length): ...".
//!   UPDATE problems RFC 7606 lets the session survive are not errors: the decoded
//!   [`Update`] carries `treat_as_withdraw`, `discarded_attributes` and `errors`.
//! - Encoding: [`Message::encode`] / `encode_into` for every message kind; [`Open::local`]
//!   builds our OPEN; [`encode_keepalive`]; [`Notification`] (with names for all codes).
//! - Route sets: [`UpdateEncoder`] precomputes the attribute bytes of one attribute set for one
//!   peer context and packs prefixes into as few UPDATEs as fit; `encode_withdrawals_*` and
//!   `encode_end_of_rib` do the same for withdrawals and End-of-RIB.
//! - Strings: `"10.0.0.0/24".parse::<Prefix>()` (strict: host bits are an error naming the
//!   prefix), [`parse_packed_v4`]/[`parse_packed_v6`], [`parse_community`] (incl. well-known
//!   names), [`parse_large_community`].
//! - [`message_json`]: a JSON view of a decoded message (used by `bgpDecodeMessages`).
//!
//! Choices worth knowing: frame() accepts ROUTE-REFRESH longer than 23 bytes (ORF entries,
//! RFC 5291) and the decoder applies RFC 7313's exact-length rule (7/1) to BoRR/EoRR only;
//! encoders put MP_REACH/MP_UNREACH first (RFC 7606 §5.1), other attributes in type-code order.

mod attributes;
mod capabilities;
mod community;
mod encoder;
mod error;
mod family;
mod header;
mod json;
mod keepalive;
mod notification;
mod open;
mod prefix;
mod route_refresh;
mod update;
mod wire;

#[cfg(test)]
mod robustness_tests;

pub use attributes::*;
pub use capabilities::*;
pub use community::*;
pub use encoder::*;
pub use error::{BgpError, CodecError};
pub use family::*;
pub use header::{frame, MessageType, HEADER_LEN, MARKER, MAX_MESSAGE_LEN};
pub use json::message_json;
pub use keepalive::encode_keepalive;
pub use notification::*;
pub use open::*;
pub use prefix::*;
pub use route_refresh::*;
pub use update::*;

/// Per-session facts the codec needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodecContext {
    /// Both sides advertised the 4-octet AS capability: AS_PATH/AGGREGATOR carry 4-octet ASNs.
    pub four_octet_as: bool,
}

impl Default for CodecContext {
    fn default() -> Self {
        CodecContext {
            four_octet_as: true,
        }
    }
}

/// The context used for decoding (same facts as for encoding).
pub type DecodeContext = CodecContext;

/// A BGP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Open(Open),
    /// Boxed: an UPDATE is much larger than the other messages.
    Update(Box<Update>),
    Notification(Notification),
    Keepalive,
    RouteRefresh(RouteRefresh),
}

impl Message {
    pub fn message_type(&self) -> MessageType {
        match self {
            Message::Open(_) => MessageType::Open,
            Message::Update(_) => MessageType::Update,
            Message::Notification(_) => MessageType::Notification,
            Message::Keepalive => MessageType::Keepalive,
            Message::RouteRefresh(_) => MessageType::RouteRefresh,
        }
    }

    /// Appends the wire form to `out`.
    pub fn encode_into(&self, ctx: &CodecContext, out: &mut Vec<u8>) {
        match self {
            Message::Open(m) => m.encode_into(out),
            Message::Update(m) => m.encode_into(ctx, out),
            Message::Notification(m) => m.encode_into(out),
            Message::Keepalive => encode_keepalive(out),
            Message::RouteRefresh(m) => m.encode_into(out),
        }
    }

    /// The wire form.
    pub fn encode(&self, ctx: &CodecContext) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(ctx, &mut out);
        out
    }
}

/// Decodes one whole message, as delimited by [`frame`]. The header is validated again, so
/// any byte slice is safe to pass.
pub fn decode(message: &[u8], ctx: &DecodeContext) -> Result<Message, BgpError> {
    let ty = match frame(message)? {
        Some((ty, len)) if len == message.len() => ty,
        Some((_, len)) => {
            let field = (len as u16).to_be_bytes().to_vec();
            return Err(BgpError::new(
                code::MESSAGE_HEADER,
                header_subcode::BAD_MESSAGE_LENGTH,
                field,
                format!(
                    "length field {len} does not match the {} bytes given",
                    message.len()
                ),
            ));
        }
        None => {
            return Err(BgpError::new(
                code::MESSAGE_HEADER,
                header_subcode::BAD_MESSAGE_LENGTH,
                message.get(16..18).unwrap_or_default().to_vec(),
                format!("message is truncated ({} bytes)", message.len()),
            ))
        }
    };
    let body = &message[HEADER_LEN..];
    Ok(match ty {
        MessageType::Open => Message::Open(Open::decode(body)?),
        MessageType::Update => Message::Update(Box::new(Update::decode(body, ctx)?)),
        MessageType::Notification => Message::Notification(Notification::decode(body)),
        MessageType::Keepalive => Message::Keepalive,
        MessageType::RouteRefresh => Message::RouteRefresh(RouteRefresh::decode(message)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_kind_round_trips_through_encode_and_decode() {
        let ctx = CodecContext::default();
        let mut update = Update::default();
        update.withdrawn.push("10.9.0.0/16".parse().unwrap());
        update.attributes.origin = Some(Origin::Egp);
        update.attributes.as_path = Some(AsPath::sequence(vec![65001, 65002]));
        update.attributes.next_hop = Some("192.0.2.1".parse().unwrap());
        update.nlri.push("10.0.0.0/8".parse().unwrap());
        let messages = vec![
            Message::Open(Open::local(&LocalOpen {
                asn: 65001,
                hold_time: 30,
                bgp_id: "10.0.0.1".parse().unwrap(),
                families: vec![Family::IPV4_UNICAST],
                graceful_restart: None,
            })),
            Message::Update(Box::new(update)),
            Message::Notification(Notification::cease(cease_subcode::PEER_DECONFIGURED)),
            Message::Keepalive,
            Message::RouteRefresh(RouteRefresh {
                family: Family::IPV4_UNICAST,
                subtype: SUBTYPE_EORR,
            }),
        ];
        for m in messages {
            let bytes = m.encode(&ctx);
            assert_eq!(frame(&bytes), Ok(Some((m.message_type(), bytes.len()))));
            assert_eq!(decode(&bytes, &ctx), Ok(m));
        }
    }

    #[test]
    fn decode_checks_the_slice_against_the_length_field() {
        let mut ka = Vec::new();
        encode_keepalive(&mut ka);
        let mut two = ka.clone();
        two.extend_from_slice(&ka);
        let e = decode(&two, &CodecContext::default()).unwrap_err();
        assert_eq!((e.code, e.subcode, e.data), (1, 2, vec![0, 19]));
        let e = decode(&ka[..18], &CodecContext::default()).unwrap_err();
        assert_eq!((e.code, e.subcode), (1, 2));
        let e = decode(&[0; 19], &CodecContext::default()).unwrap_err();
        assert_eq!((e.code, e.subcode), (1, 1));
    }
}
