//! From what `setRoutes` hands over to the compact Adj-RIB-Out groups: prefixes parsed
//! straight from strings or packed buffers into 8-byte keys (the codec's napi layer parses
//! the attributes), attribute sets interned so equal sets share one id for the speaker's life.

use std::net::IpAddr;

use super::adj_rib_out::{AttrId, V4Prefix, V6Prefix, MAX_ATTR_ID};
use super::codec::RouteAttributes;

fn host_bits(field: &str, i: usize, addr: IpAddr, len: u8) -> String {
    format!("{field}[{i}]: {addr}/{len} is not a valid prefix (length too long or host bits set)")
}

/// Parses "10.0.0.1/32" / "2001:db8::/64" strings.
pub fn parse_prefix_strings(
    field: &str,
    list: &[String],
    v4: &mut Vec<V4Prefix>,
    v6: &mut Vec<V6Prefix>,
) -> Result<(), String> {
    for (i, s) in list.iter().enumerate() {
        let (a, l) = s
            .split_once('/')
            .ok_or_else(|| format!("{field}[{i}]: {s:?} is not a prefix like 10.0.0.1/32"))?;
        let addr: IpAddr = a
            .parse()
            .map_err(|_| format!("{field}[{i}]: {s:?} has no valid IP address"))?;
        let len: u8 = l
            .parse()
            .map_err(|_| format!("{field}[{i}]: {s:?} has no valid prefix length"))?;
        match addr {
            IpAddr::V4(a) => v4.push(
                V4Prefix::new(u32::from(a), len).ok_or_else(|| host_bits(field, i, addr, len))?,
            ),
            IpAddr::V6(a) => v6.push(
                V6Prefix::new(u128::from(a), len).ok_or_else(|| host_bits(field, i, addr, len))?,
            ),
        }
    }
    Ok(())
}

/// Packed IPv4: 4 address bytes (network order) + 1 length byte per prefix.
pub fn parse_packed_v4(field: &str, buf: &[u8], out: &mut Vec<V4Prefix>) -> Result<(), String> {
    if !buf.len().is_multiple_of(5) {
        return Err(format!(
            "{field}: length {} is not a multiple of 5",
            buf.len()
        ));
    }
    out.reserve(buf.len() / 5);
    for (i, c) in buf.chunks_exact(5).enumerate() {
        let addr = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        match V4Prefix::new(addr, c[4]) {
            Some(p) => out.push(p),
            None => return Err(host_bits(field, i, IpAddr::from(addr.to_be_bytes()), c[4])),
        }
    }
    Ok(())
}

/// Packed IPv6: 16 address bytes + 1 length byte per prefix.
pub fn parse_packed_v6(field: &str, buf: &[u8], out: &mut Vec<V6Prefix>) -> Result<(), String> {
    if !buf.len().is_multiple_of(17) {
        return Err(format!(
            "{field}: length {} is not a multiple of 17",
            buf.len()
        ));
    }
    out.reserve(buf.len() / 17);
    for (i, c) in buf.chunks_exact(17).enumerate() {
        let mut a = [0u8; 16];
        a.copy_from_slice(&c[..16]);
        let addr = u128::from_be_bytes(a);
        match V6Prefix::new(addr, c[16]) {
            Some(p) => out.push(p),
            None => return Err(host_bits(field, i, IpAddr::from(a), c[16])),
        }
    }
    Ok(())
}

/// Attribute sets seen so far; an id is never reused for different attributes, so a
/// session can compare ids across route-set versions.
#[derive(Debug, Default)]
pub struct AttrInterner {
    table: Vec<RouteAttributes>,
}

impl AttrInterner {
    pub fn intern(&mut self, a: RouteAttributes) -> Result<AttrId, String> {
        if let Some(i) = self.table.iter().position(|x| *x == a) {
            return Ok(i as AttrId);
        }
        if self.table.len() as u64 > u64::from(MAX_ATTR_ID) {
            return Err("too many distinct attribute sets".into());
        }
        self.table.push(a);
        Ok((self.table.len() - 1) as AttrId)
    }

    pub fn table(&self) -> &[RouteAttributes] {
        &self.table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_from_strings_and_packed() {
        let (mut v4, mut v6) = (vec![], vec![]);
        let list: Vec<String> = ["10.0.0.1/32", "2001:db8::/64", "0.0.0.0/0"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        parse_prefix_strings("p", &list, &mut v4, &mut v6).unwrap();
        assert_eq!(
            v4,
            vec![
                V4Prefix {
                    addr: 0x0a00_0001,
                    len: 32
                },
                V4Prefix { addr: 0, len: 0 }
            ]
        );
        assert_eq!(v6.len(), 1);
        for bad in [
            "10.0.0.1/24",
            "10.0.0.1",
            "x/32",
            "10.0.0.0/33",
            "2001:db8::1/64",
        ] {
            let e =
                parse_prefix_strings("groups[1].prefixes", &[bad.to_string()], &mut v4, &mut v6)
                    .unwrap_err();
            assert!(e.starts_with("groups[1].prefixes[0]"), "{e}");
        }
        let mut p4 = vec![];
        parse_packed_v4("packedV4", &[10, 0, 0, 1, 32, 192, 168, 0, 0, 16], &mut p4).unwrap();
        assert_eq!(
            p4[1],
            V4Prefix {
                addr: 0xc0a8_0000,
                len: 16
            }
        );
        assert!(parse_packed_v4("packedV4", &[1, 2, 3], &mut p4)
            .unwrap_err()
            .starts_with("packedV4: length 3"));
        let e =
            parse_packed_v4("packedV4", &[10, 0, 0, 1, 32, 10, 0, 0, 1, 8], &mut p4).unwrap_err();
        assert!(e.starts_with("packedV4[1]: 10.0.0.1/8"), "{e}");
        let mut p6 = vec![];
        let mut b = vec![0x20, 0x01, 0x0d, 0xb8];
        b.extend([0; 12]);
        b.push(32);
        parse_packed_v6("packedV6", &b, &mut p6).unwrap();
        assert_eq!(p6[0].len, 32);
    }

    #[test]
    fn interner_reuses_ids() {
        let mut i = AttrInterner::default();
        let a = RouteAttributes::default();
        let b = RouteAttributes {
            med: Some(1),
            ..Default::default()
        };
        assert_eq!(i.intern(a.clone()).unwrap(), 0);
        assert_eq!(i.intern(b).unwrap(), 1);
        assert_eq!(i.intern(a).unwrap(), 0);
        assert_eq!(i.table().len(), 2);
    }
}
