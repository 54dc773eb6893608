//! KEEPALIVE (RFC 4271 §4.4): the bare header.

use super::header::{begin_message, finish_message, MessageType};

/// Appends a KEEPALIVE (19 bytes).
pub fn encode_keepalive(out: &mut Vec<u8>) {
    let start = begin_message(out, MessageType::Keepalive);
    finish_message(out, start);
}

#[cfg(test)]
mod tests {
    #[test]
    fn keepalive_is_19_bytes() {
        let mut out = Vec::new();
        super::encode_keepalive(&mut out);
        let mut want = vec![0xff; 16];
        want.extend_from_slice(&[0, 19, 4]);
        assert_eq!(out, want);
    }
}
