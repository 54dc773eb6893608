//! Feeds arbitrary bytes to the BGP stream framer and decoder, the way a session reads from a
//! peer. The first input byte picks the session context (2- or 4-octet ASNs). Any panic is a bug:
//! malformed input must only ever produce a NOTIFICATION.
#![no_main]

use libfuzzer_sys::fuzz_target;

// The codec is plain std Rust; it is compiled in directly so that this binary does not link the
// napi addon (whose symbols only Node provides).
#[allow(dead_code, unused_imports)]
#[path = "../../src/bgp/codec/mod.rs"]
mod codec;

use codec::{decode, frame, message_json, CodecContext};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, stream)) = data.split_first() else {
        return;
    };
    let ctx = CodecContext {
        four_octet_as: flags & 1 == 1,
    };
    let mut off = 0;
    while let Ok(Some((_, len))) = frame(&stream[off..]) {
        if let Ok(message) = decode(&stream[off..off + len], &ctx) {
            // Whatever decodes must also re-encode and describe itself without panicking.
            let _ = message.encode(&ctx);
            let _ = message_json(&message);
        }
        off += len;
    }
});
