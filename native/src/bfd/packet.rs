//! RFC 5880 §4.1 BFD Control packet: encoder, decoder and the §6.8.6 checks that decide
//! whether a received packet is discarded before any session sees it.
//!
//! Intervals are carried in microseconds, as on the wire.

/// Session states as encoded in the Sta field (§4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BfdState {
    AdminDown = 0,
    Down = 1,
    Init = 2,
    Up = 3,
}

impl BfdState {
    fn from_bits(b: u8) -> BfdState {
        match b & 3 {
            0 => BfdState::AdminDown,
            1 => BfdState::Down,
            2 => BfdState::Init,
            _ => BfdState::Up,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BfdState::AdminDown => "AdminDown",
            BfdState::Down => "Down",
            BfdState::Init => "Init",
            BfdState::Up => "Up",
        }
    }
}

/// Diagnostic codes (§4.1) this implementation sets.
pub mod diag {
    pub const NONE: u8 = 0;
    pub const DETECTION_TIME_EXPIRED: u8 = 1;
    pub const NEIGHBOR_SIGNALED_DOWN: u8 = 3;
    pub const ADMIN_DOWN: u8 = 7;
}

/// The mandatory section of a Control packet. The authentication section is never
/// produced, and a received packet carrying one is discarded (no authentication is
/// configured, §6.8.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ControlPacket {
    pub diag: u8,
    pub state: BfdState,
    pub poll: bool,
    pub final_: bool,
    pub control_plane_independent: bool,
    pub demand: bool,
    pub detect_mult: u8,
    pub my_discriminator: u32,
    pub your_discriminator: u32,
    pub desired_min_tx_us: u32,
    pub required_min_rx_us: u32,
    pub required_min_echo_rx_us: u32,
}

pub const VERSION: u8 = 1;
/// Length of a Control packet without authentication.
pub const PACKET_LEN: usize = 24;

const FLAG_POLL: u8 = 0x20;
const FLAG_FINAL: u8 = 0x10;
const FLAG_CPI: u8 = 0x08;
const FLAG_AUTH: u8 = 0x04;
const FLAG_DEMAND: u8 = 0x02;
const FLAG_MULTIPOINT: u8 = 0x01;

/// Why a received packet was discarded (§6.8.6), one counter each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Discard {
    /// Fewer bytes than the Length field claims, or than the minimum packet.
    Truncated,
    BadVersion,
    /// Length field below 24 (26 with the A bit).
    BadLength,
    DetectMultZero,
    Multipoint,
    MyDiscriminatorZero,
    /// Your Discriminator zero while the State is neither Down nor AdminDown.
    YourDiscriminatorZero,
    /// Your Discriminator names no session of ours.
    UnknownDiscriminator,
    /// The A bit is set but no authentication is configured.
    UnexpectedAuth,
    /// Received TTL/hop limit not 255 (RFC 5881 §5).
    BadTtl,
    /// No session for the sender's address.
    NoSession,
}

impl Discard {
    pub fn as_str(self) -> &'static str {
        match self {
            Discard::Truncated => "truncated",
            Discard::BadVersion => "bad version",
            Discard::BadLength => "bad length",
            Discard::DetectMultZero => "detect mult 0",
            Discard::Multipoint => "multipoint bit set",
            Discard::MyDiscriminatorZero => "my discriminator 0",
            Discard::YourDiscriminatorZero => "your discriminator 0 outside Down/AdminDown",
            Discard::UnknownDiscriminator => "unknown your discriminator",
            Discard::UnexpectedAuth => "authentication present but not configured",
            Discard::BadTtl => "TTL/hop limit not 255",
            Discard::NoSession => "no session for the source address",
        }
    }
}

impl ControlPacket {
    pub fn encode(&self) -> [u8; PACKET_LEN] {
        let mut b = [0u8; PACKET_LEN];
        b[0] = (VERSION << 5) | (self.diag & 0x1f);
        let mut flags = (self.state as u8) << 6;
        if self.poll {
            flags |= FLAG_POLL;
        }
        if self.final_ {
            flags |= FLAG_FINAL;
        }
        if self.control_plane_independent {
            flags |= FLAG_CPI;
        }
        if self.demand {
            flags |= FLAG_DEMAND;
        }
        b[1] = flags;
        b[2] = self.detect_mult;
        b[3] = PACKET_LEN as u8;
        b[4..8].copy_from_slice(&self.my_discriminator.to_be_bytes());
        b[8..12].copy_from_slice(&self.your_discriminator.to_be_bytes());
        b[12..16].copy_from_slice(&self.desired_min_tx_us.to_be_bytes());
        b[16..20].copy_from_slice(&self.required_min_rx_us.to_be_bytes());
        b[20..24].copy_from_slice(&self.required_min_echo_rx_us.to_be_bytes());
        b
    }

    /// Decodes and applies every §6.8.6 check that needs no session (all but the lookup by
    /// Your Discriminator, which the demultiplexer does).
    pub fn decode(b: &[u8]) -> Result<ControlPacket, Discard> {
        if b.len() < PACKET_LEN {
            return Err(Discard::Truncated);
        }
        if b[0] >> 5 != VERSION {
            return Err(Discard::BadVersion);
        }
        let flags = b[1];
        let auth = flags & FLAG_AUTH != 0;
        let len = usize::from(b[3]);
        let min_len = if auth { PACKET_LEN + 2 } else { PACKET_LEN };
        if len < min_len {
            return Err(Discard::BadLength);
        }
        if len > b.len() {
            return Err(Discard::Truncated);
        }
        let u32_at = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let p = ControlPacket {
            diag: b[0] & 0x1f,
            state: BfdState::from_bits(flags >> 6),
            poll: flags & FLAG_POLL != 0,
            final_: flags & FLAG_FINAL != 0,
            control_plane_independent: flags & FLAG_CPI != 0,
            demand: flags & FLAG_DEMAND != 0,
            detect_mult: b[2],
            my_discriminator: u32_at(4),
            your_discriminator: u32_at(8),
            desired_min_tx_us: u32_at(12),
            required_min_rx_us: u32_at(16),
            required_min_echo_rx_us: u32_at(20),
        };
        if p.detect_mult == 0 {
            return Err(Discard::DetectMultZero);
        }
        if flags & FLAG_MULTIPOINT != 0 {
            return Err(Discard::Multipoint);
        }
        if p.my_discriminator == 0 {
            return Err(Discard::MyDiscriminatorZero);
        }
        if p.your_discriminator == 0 && !matches!(p.state, BfdState::Down | BfdState::AdminDown) {
            return Err(Discard::YourDiscriminatorZero);
        }
        // No authentication is ever configured here, so any A bit means discard.
        if auth {
            return Err(Discard::UnexpectedAuth);
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ControlPacket {
        ControlPacket {
            diag: diag::NEIGHBOR_SIGNALED_DOWN,
            state: BfdState::Up,
            poll: true,
            final_: false,
            control_plane_independent: false,
            demand: false,
            detect_mult: 3,
            my_discriminator: 0x0102_0304,
            your_discriminator: 0xa0b0_c0d0,
            desired_min_tx_us: 300_000,
            required_min_rx_us: 250_000,
            required_min_echo_rx_us: 0,
        }
    }

    #[test]
    fn encodes_the_rfc_layout() {
        let b = sample().encode();
        assert_eq!(
            b,
            [
                0x23, 0xe0, 3, 24, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0, 0x00, 0x04, 0x93, 0xe0,
                0x00, 0x03, 0xd0, 0x90, 0, 0, 0, 0
            ]
        );
    }

    #[test]
    fn round_trips() {
        let cases = [
            sample(),
            ControlPacket {
                state: BfdState::Down,
                your_discriminator: 0,
                poll: false,
                final_: true,
                diag: diag::DETECTION_TIME_EXPIRED,
                ..sample()
            },
            ControlPacket {
                state: BfdState::AdminDown,
                your_discriminator: 0,
                poll: false,
                demand: true,
                control_plane_independent: true,
                diag: diag::ADMIN_DOWN,
                detect_mult: 255,
                desired_min_tx_us: u32::MAX,
                ..sample()
            },
            ControlPacket {
                state: BfdState::Init,
                poll: false,
                ..sample()
            },
        ];
        for p in cases {
            assert_eq!(ControlPacket::decode(&p.encode()), Ok(p), "{p:?}");
        }
    }

    #[test]
    fn trailing_bytes_beyond_length_are_ignored() {
        let mut v = sample().encode().to_vec();
        v.extend_from_slice(&[9, 9, 9]);
        assert_eq!(ControlPacket::decode(&v), Ok(sample()));
    }

    #[test]
    fn every_discard_rule() {
        let good = sample().encode();
        let with = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut v = good.to_vec();
            f(&mut v);
            v
        };
        let cases: Vec<(&str, Vec<u8>, Discard)> = vec![
            ("empty", vec![], Discard::Truncated),
            ("23 bytes", good[..23].to_vec(), Discard::Truncated),
            ("version 0", with(&|v| v[0] &= 0x1f), Discard::BadVersion),
            (
                "version 2",
                with(&|v| v[0] = 0x40 | (v[0] & 0x1f)),
                Discard::BadVersion,
            ),
            ("length 23", with(&|v| v[3] = 23), Discard::BadLength),
            ("length 0", with(&|v| v[3] = 0), Discard::BadLength),
            (
                "length beyond payload",
                with(&|v| v[3] = 48),
                Discard::Truncated,
            ),
            (
                "auth bit with length 24",
                with(&|v| v[1] |= FLAG_AUTH),
                Discard::BadLength,
            ),
            (
                "auth bit, auth section present but not configured",
                with(&|v| {
                    v[1] |= FLAG_AUTH;
                    v[3] = 28;
                    v.extend_from_slice(&[1, 4, 0, 0]);
                }),
                Discard::UnexpectedAuth,
            ),
            (
                "detect mult 0",
                with(&|v| v[2] = 0),
                Discard::DetectMultZero,
            ),
            (
                "multipoint",
                with(&|v| v[1] |= FLAG_MULTIPOINT),
                Discard::Multipoint,
            ),
            (
                "my discriminator 0",
                with(&|v| v[4..8].fill(0)),
                Discard::MyDiscriminatorZero,
            ),
            (
                "your discriminator 0 in Up",
                with(&|v| v[8..12].fill(0)),
                Discard::YourDiscriminatorZero,
            ),
            (
                "your discriminator 0 in Init",
                with(&|v| {
                    v[8..12].fill(0);
                    v[1] = (v[1] & 0x3f) | (2 << 6);
                }),
                Discard::YourDiscriminatorZero,
            ),
        ];
        for (name, bytes, want) in cases {
            assert_eq!(ControlPacket::decode(&bytes), Err(want), "{name}");
        }
    }

    #[test]
    fn your_discriminator_zero_is_fine_in_down_and_admin_down() {
        for state in [BfdState::Down, BfdState::AdminDown] {
            let p = ControlPacket {
                state,
                your_discriminator: 0,
                ..sample()
            };
            assert_eq!(ControlPacket::decode(&p.encode()), Ok(p));
        }
    }
}
