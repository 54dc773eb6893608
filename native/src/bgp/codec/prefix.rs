//! IP prefixes: the string form ("10.0.0.0/24"), the packed form handed over from JS
//! (address bytes + length byte) and the NLRI wire form (length + significant octets,
//! RFC 4271 §4.3, RFC 4760 §5).
//!
//! Strings and packed input are strict: host bits beyond the length are an error naming
//! the prefix, because silently masking "10.0.0.1/24" would advertise something the operator
//! did not write. Prefixes received from peers are masked instead (RFC 4271: trailing bits
//! are irrelevant).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// Either family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Prefix {
    V4(Ipv4Prefix),
    V6(Ipv6Prefix),
}

/// Octets needed on the wire for a prefix of `len` bits.
#[inline]
pub fn nlri_octets(len: u8) -> usize {
    usize::from(len).div_ceil(8)
}

/// One prefix type per family: the same rules, over the family's address and its integer form.
macro_rules! prefix_type {
    ($(#[$doc:meta])* $name:ident, $addr:ty, $bits:ty, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name {
            addr: $addr,
            len: u8,
        }

        impl $name {
            fn mask(len: u8) -> $bits {
                if len == 0 {
                    0
                } else {
                    <$bits>::MAX << ($max - u32::from(len))
                }
            }

            /// Strict constructor: `len` within the family's width and no host bits.
            pub fn new(addr: $addr, len: u8) -> Result<Self, String> {
                if u32::from(len) > $max {
                    return Err(format!("{addr}/{len}: prefix length {len} is above {}", $max));
                }
                if <$bits>::from(addr) & !Self::mask(len) != 0 {
                    return Err(format!(
                        "{addr}/{len} has host bits set (did you mean {}/{len}?)",
                        <$addr>::from(<$bits>::from(addr) & Self::mask(len))
                    ));
                }
                Ok($name { addr, len })
            }

            /// Lenient constructor for received NLRI: host bits are cleared.
            pub fn new_masked(addr: $addr, len: u8) -> Option<Self> {
                (u32::from(len) <= $max).then(|| $name {
                    addr: <$addr>::from(<$bits>::from(addr) & Self::mask(len)),
                    len,
                })
            }

            pub fn addr(&self) -> $addr {
                self.addr
            }

            pub fn prefix_len(&self) -> u8 {
                self.len
            }

            /// Bytes this prefix takes in an NLRI field.
            #[inline]
            pub fn wire_len(&self) -> usize {
                1 + nlri_octets(self.len)
            }

            #[inline]
            pub fn write_nlri(&self, out: &mut Vec<u8>) {
                out.push(self.len);
                out.extend_from_slice(&self.addr.octets()[..nlri_octets(self.len)]);
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}/{}", self.addr, self.len)
            }
        }
    };
}

prefix_type!(
    /// An IPv4 prefix with no host bits set.
    Ipv4Prefix, Ipv4Addr, u32, 32
);
prefix_type!(
    /// An IPv6 prefix with no host bits set.
    Ipv6Prefix, Ipv6Addr, u128, 128
);

impl Prefix {
    pub fn prefix_len(&self) -> u8 {
        match self {
            Prefix::V4(p) => p.prefix_len(),
            Prefix::V6(p) => p.prefix_len(),
        }
    }

    pub fn addr(&self) -> IpAddr {
        match self {
            Prefix::V4(p) => IpAddr::V4(p.addr()),
            Prefix::V6(p) => IpAddr::V6(p.addr()),
        }
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Prefix::V4(p) => p.fmt(f),
            Prefix::V6(p) => p.fmt(f),
        }
    }
}

fn split_prefix(s: &str) -> Result<(IpAddr, u8), String> {
    let (addr, len) = s
        .split_once('/')
        .ok_or_else(|| format!("'{s}' is not a prefix (expected ADDRESS/LENGTH)"))?;
    let addr: IpAddr = addr
        .parse()
        .map_err(|_| format!("'{s}': '{addr}' is not an IP address"))?;
    let len: u8 = len
        .parse()
        .ok()
        .filter(|_| !len.starts_with('+'))
        .ok_or_else(|| format!("'{s}': '{len}' is not a prefix length"))?;
    Ok((addr, len))
}

impl FromStr for Prefix {
    type Err = String;

    /// Parses "10.0.0.1/32" or "2001:db8::/64"; host bits must be zero.
    fn from_str(s: &str) -> Result<Self, String> {
        match split_prefix(s.trim())? {
            (IpAddr::V4(a), len) => Ipv4Prefix::new(a, len).map(Prefix::V4),
            (IpAddr::V6(a), len) => Ipv6Prefix::new(a, len).map(Prefix::V6),
        }
    }
}

impl FromStr for Ipv4Prefix {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.parse::<Prefix>()? {
            Prefix::V4(p) => Ok(p),
            Prefix::V6(_) => Err(format!("'{s}' is an IPv6 prefix, expected IPv4")),
        }
    }
}

impl FromStr for Ipv6Prefix {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.parse::<Prefix>()? {
            Prefix::V6(p) => Ok(p),
            Prefix::V4(_) => Err(format!("'{s}' is an IPv4 prefix, expected IPv6")),
        }
    }
}

/// Packed IPv4 prefixes: 4 address bytes (network order) + 1 length byte each.
/// Errors name the field and the index ("packedV4[3]: 10.0.0.1/24 has host bits set").
pub fn parse_packed_v4(field: &str, buf: &[u8]) -> Result<Vec<Ipv4Prefix>, String> {
    if !buf.len().is_multiple_of(5) {
        return Err(format!(
            "{field}: length {} is not a multiple of 5 (4 address bytes + 1 length byte per prefix)",
            buf.len()
        ));
    }
    buf.chunks_exact(5)
        .enumerate()
        .map(|(i, c)| {
            Ipv4Prefix::new(Ipv4Addr::new(c[0], c[1], c[2], c[3]), c[4])
                .map_err(|e| format!("{field}[{i}]: {e}"))
        })
        .collect()
}

/// Packed IPv6 prefixes: 16 address bytes + 1 length byte each.
pub fn parse_packed_v6(field: &str, buf: &[u8]) -> Result<Vec<Ipv6Prefix>, String> {
    if !buf.len().is_multiple_of(17) {
        return Err(format!(
            "{field}: length {} is not a multiple of 17 (16 address bytes + 1 length byte per prefix)",
            buf.len()
        ));
    }
    buf.chunks_exact(17)
        .enumerate()
        .map(|(i, c)| {
            let mut a = [0u8; 16];
            a.copy_from_slice(&c[..16]);
            Ipv6Prefix::new(Ipv6Addr::from(a), c[16]).map_err(|e| format!("{field}[{i}]: {e}"))
        })
        .collect()
}

/// Decodes an IPv4 NLRI field (withdrawn routes, NLRI, or MP NLRI with AFI 1), appending to
/// `out`. Err carries the reason; the caller maps it to 3/10 Invalid Network Field.
pub(crate) fn decode_nlri_v4(mut bytes: &[u8], out: &mut Vec<Ipv4Prefix>) -> Result<(), String> {
    while let Some((&len, rest)) = bytes.split_first() {
        if len > 32 {
            return Err(format!("IPv4 prefix length {len} is above 32"));
        }
        let n = nlri_octets(len);
        if rest.len() < n {
            return Err(format!("IPv4 prefix /{len} is truncated"));
        }
        let mut a = [0u8; 4];
        a[..n].copy_from_slice(&rest[..n]);
        out.extend(Ipv4Prefix::new_masked(Ipv4Addr::from(a), len));
        bytes = &rest[n..];
    }
    Ok(())
}

/// Decodes an IPv6 NLRI field (MP NLRI with AFI 2), appending to `out`.
pub(crate) fn decode_nlri_v6(mut bytes: &[u8], out: &mut Vec<Ipv6Prefix>) -> Result<(), String> {
    while let Some((&len, rest)) = bytes.split_first() {
        if len > 128 {
            return Err(format!("IPv6 prefix length {len} is above 128"));
        }
        let n = nlri_octets(len);
        if rest.len() < n {
            return Err(format!("IPv6 prefix /{len} is truncated"));
        }
        let mut a = [0u8; 16];
        a[..n].copy_from_slice(&rest[..n]);
        out.extend(Ipv6Prefix::new_masked(Ipv6Addr::from(a), len));
        bytes = &rest[n..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_valid_prefixes() {
        let cases = [
            ("10.0.0.1/32", "10.0.0.1/32"),
            ("10.0.0.0/8", "10.0.0.0/8"),
            ("0.0.0.0/0", "0.0.0.0/0"),
            (" 192.0.2.0/24 ", "192.0.2.0/24"),
            ("2001:db8::/64", "2001:db8::/64"),
            ("2001:DB8::1/128", "2001:db8::1/128"),
            ("::/0", "::/0"),
        ];
        for (input, shown) in cases {
            let p: Prefix = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(p.to_string(), shown);
        }
    }

    #[test]
    fn rejects_invalid_prefixes_with_clear_errors() {
        let cases = [
            (
                "10.0.0.1/24",
                "10.0.0.1/24 has host bits set (did you mean 10.0.0.0/24?)",
            ),
            ("10.0.0.0/33", "prefix length 33 is above 32"),
            (
                "2001:db8::1/64",
                "has host bits set (did you mean 2001:db8::/64?)",
            ),
            ("2001:db8::/129", "prefix length 129 is above 128"),
            ("10.0.0.0", "is not a prefix (expected ADDRESS/LENGTH)"),
            ("10.0.0/8", "'10.0.0' is not an IP address"),
            ("10.0.0.0/x", "'x' is not a prefix length"),
            ("10.0.0.0/+8", "'+8' is not a prefix length"),
            ("10.0.0.0/-1", "'-1' is not a prefix length"),
            ("", "is not a prefix"),
        ];
        for (input, want) in cases {
            let err = input.parse::<Prefix>().expect_err(input);
            assert!(err.contains(want), "{input}: got '{err}', want '{want}'");
        }
        assert!("2001:db8::/32"
            .parse::<Ipv4Prefix>()
            .unwrap_err()
            .contains("IPv6"));
    }

    #[test]
    fn packed_forms() {
        let v4 = parse_packed_v4("packedV4", &[10, 0, 0, 1, 32, 192, 0, 2, 0, 24]).unwrap();
        assert_eq!(
            v4.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            ["10.0.0.1/32", "192.0.2.0/24"]
        );
        let e = parse_packed_v4("packedV4", &[10, 0, 0, 1, 32, 10, 0, 0, 1, 24]).unwrap_err();
        assert_eq!(
            e,
            "packedV4[1]: 10.0.0.1/24 has host bits set (did you mean 10.0.0.0/24?)"
        );
        assert!(parse_packed_v4("packedV4", &[1, 2, 3])
            .unwrap_err()
            .contains("not a multiple of 5"));
        let mut b = [0u8; 17];
        b[0] = 0x20;
        b[1] = 0x01;
        b[16] = 16;
        assert_eq!(
            parse_packed_v6("packedV6", &b).unwrap()[0].to_string(),
            "2001::/16"
        );
        b[16] = 200;
        assert_eq!(
            parse_packed_v6("packedV6", &b).unwrap_err(),
            "packedV6[0]: 2001::/200: prefix length 200 is above 128"
        );
        assert!(parse_packed_v6("packedV6", &b[..5])
            .unwrap_err()
            .contains("multiple of 17"));
    }

    #[test]
    fn nlri_wire_form_round_trips() {
        let prefixes: Vec<Ipv4Prefix> = ["0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/17", "192.0.2.1/32"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let mut wire = Vec::new();
        for p in &prefixes {
            p.write_nlri(&mut wire);
        }
        assert_eq!(wire, [0, 8, 10, 17, 10, 1, 0, 32, 192, 0, 2, 1]);
        let mut back = Vec::new();
        decode_nlri_v4(&wire, &mut back).unwrap();
        assert_eq!(back, prefixes);

        let p6: Ipv6Prefix = "2001:db8::/33".parse().unwrap();
        let mut wire = Vec::new();
        p6.write_nlri(&mut wire);
        assert_eq!(wire, [33, 0x20, 0x01, 0x0d, 0xb8, 0]);
        let mut back = Vec::new();
        decode_nlri_v6(&wire, &mut back).unwrap();
        assert_eq!(back, [p6]);
    }

    #[test]
    fn received_host_bits_are_masked_and_bad_lengths_rejected() {
        let mut out = Vec::new();
        decode_nlri_v4(&[7, 0xff], &mut out).unwrap();
        assert_eq!(out[0].to_string(), "254.0.0.0/7");
        assert!(decode_nlri_v4(&[33, 1, 2, 3, 4, 5], &mut out).is_err());
        assert!(decode_nlri_v4(&[24, 10, 0], &mut out).is_err());
        assert!(decode_nlri_v6(&[129], &mut Vec::new()).is_err());
        assert!(decode_nlri_v6(&[64, 0x20, 1], &mut Vec::new()).is_err());
    }
}
