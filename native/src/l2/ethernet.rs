//! Ethernet II framing shared by the ARP and NDP codecs.

use std::net::Ipv6Addr;

/// A 48-bit MAC address.
pub type Mac = [u8; 6];

pub const BROADCAST: Mac = [0xff; 6];
pub const HEADER_LEN: usize = 14;
/// Shortest Ethernet frame without FCS; shorter frames are padded with zeros.
pub const MIN_FRAME_LEN: usize = 60;
pub const ETHERTYPE_ARP: u16 = 0x0806;
pub const ETHERTYPE_IPV6: u16 = 0x86dd;

pub fn mac_at(b: &[u8], i: usize) -> Mac {
    let mut m = [0; 6];
    m.copy_from_slice(&b[i..i + 6]);
    m
}

pub fn ethertype(frame: &[u8]) -> u16 {
    u16::from_be_bytes([frame[12], frame[13]])
}

pub fn write_header(out: &mut Vec<u8>, dst: Mac, src: Mac, ethertype: u16) {
    out.extend_from_slice(&dst);
    out.extend_from_slice(&src);
    out.extend_from_slice(&ethertype.to_be_bytes());
}

/// The Ethernet address an IPv6 multicast group maps to (RFC 2464 §7): 33:33 + low 32 bits.
pub fn ipv6_multicast_mac(group: &Ipv6Addr) -> Mac {
    let o = group.octets();
    [0x33, 0x33, o[12], o[13], o[14], o[15]]
}

/// The solicited-node multicast group of `addr` (RFC 4291 §2.7.1): ff02::1:ffXX:XXXX.
pub fn solicited_node(addr: &Ipv6Addr) -> Ipv6Addr {
    let o = addr.octets();
    Ipv6Addr::new(
        0xff02,
        0,
        0,
        0,
        0,
        1,
        0xff00 | u16::from(o[13]),
        u16::from_be_bytes([o[14], o[15]]),
    )
}

/// Formats a MAC the way `ip link` prints it.
pub fn format_mac(m: &Mac) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solicited_node_group_and_mac() {
        let cases = [
            (
                "2001:db8::100",
                "ff02::1:ff00:100",
                [0x33, 0x33, 0xff, 0x00, 0x01, 0x00],
            ),
            (
                "fe80::aabb:ccdd:eeff:1122",
                "ff02::1:ffff:1122",
                [0x33, 0x33, 0xff, 0xff, 0x11, 0x22],
            ),
        ];
        for (addr, group, mac) in cases {
            let addr: Ipv6Addr = addr.parse().unwrap();
            let g = solicited_node(&addr);
            assert_eq!(g, group.parse::<Ipv6Addr>().unwrap());
            assert_eq!(ipv6_multicast_mac(&g), mac);
        }
        assert_eq!(
            ipv6_multicast_mac(&"ff02::1".parse().unwrap()),
            [0x33, 0x33, 0, 0, 0, 1]
        );
        assert_eq!(format_mac(&[2, 0, 0xab, 0, 0, 0x0a]), "02:00:ab:00:00:0a");
    }
}
