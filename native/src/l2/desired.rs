//! The desired announcement set and the difference between two of them.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::Arc;

/// A set of interface names, shared by every IP announced on exactly those interfaces (a bulk
/// announcement of thousands of IPs holds one set, not a copy per IP).
pub type Interfaces = Arc<BTreeSet<String>>;

/// Which interfaces each owned IP is announced on.
pub type Desired = BTreeMap<IpAddr, Interfaces>;

/// What must change to go from `old` to `new`, as (ip, interface) pairs.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Diff {
    pub removed: Vec<(IpAddr, String)>,
    pub added: Vec<(IpAddr, String)>,
}

pub fn diff(old: &Desired, new: &Desired) -> Diff {
    let mut out = Diff::default();
    for ip in old
        .keys()
        .chain(new.keys().filter(|ip| !old.contains_key(ip)))
    {
        diff_one(
            &mut out,
            *ip,
            old.get(ip).map(|s| &**s),
            new.get(ip).map(|s| &**s),
        );
    }
    out
}

/// Adds to `out` what changes for one IP going from `old` to `new` interfaces (None = not owned).
pub fn diff_one(
    out: &mut Diff,
    ip: IpAddr,
    old: Option<&BTreeSet<String>>,
    new: Option<&BTreeSet<String>>,
) {
    let empty = BTreeSet::new();
    let (old, new) = (old.unwrap_or(&empty), new.unwrap_or(&empty));
    out.removed
        .extend(old.difference(new).map(|i| (ip, i.clone())));
    out.added
        .extend(new.difference(old).map(|i| (ip, i.clone())));
}

/// Checks an interface name the way the kernel would accept it.
pub fn validate_interface_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 15 {
        return Err(format!(
            "interface name \"{name}\" must be 1 to 15 bytes long"
        ));
    }
    if name == "."
        || name == ".."
        || name
            .chars()
            .any(|c| c == '/' || c == ':' || c.is_whitespace() || c == '\0')
    {
        return Err(format!(
            "interface name \"{name}\" contains a character interfaces cannot have"
        ));
    }
    Ok(())
}

/// Parses a service IP; rejects addresses no host can own on a LAN.
pub fn parse_service_ip(text: &str) -> Result<IpAddr, String> {
    let ip: IpAddr = text
        .trim()
        .parse()
        .map_err(|_| format!("\"{text}\" is not an IP address"))?;
    let bad = match ip {
        IpAddr::V4(v4) => {
            v4.is_unspecified() || v4.is_broadcast() || v4.is_multicast() || v4.is_loopback()
        }
        IpAddr::V6(v6) => {
            v6.is_unspecified()
                || v6.is_multicast()
                || v6.is_loopback()
                || v6.to_ipv4_mapped().is_some()
        }
    };
    if bad {
        return Err(format!(
            "{ip} cannot be announced (unspecified, broadcast, multicast, loopback or v4-mapped)"
        ));
    }
    Ok(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(entries: &[(&str, &[&str])]) -> Desired {
        entries
            .iter()
            .map(|(ip, ifs)| {
                (
                    ip.parse().unwrap(),
                    Arc::new(ifs.iter().map(|s| s.to_string()).collect()),
                )
            })
            .collect()
    }
    fn p(ip: &str, i: &str) -> (IpAddr, String) {
        (ip.parse().unwrap(), i.to_string())
    }

    #[test]
    fn diffs() {
        let cases = [
            ("nothing to nothing", d(&[]), d(&[]), vec![], vec![]),
            (
                "first announce",
                d(&[]),
                d(&[("192.0.2.1", &["eth0"])]),
                vec![],
                vec![p("192.0.2.1", "eth0")],
            ),
            (
                "release all",
                d(&[("192.0.2.1", &["eth0"])]),
                d(&[]),
                vec![p("192.0.2.1", "eth0")],
                vec![],
            ),
            (
                "unchanged",
                d(&[("192.0.2.1", &["eth0"])]),
                d(&[("192.0.2.1", &["eth0"])]),
                vec![],
                vec![],
            ),
            (
                "move between interfaces",
                d(&[("2001:db8::1", &["eth0", "eth1"])]),
                d(&[("2001:db8::1", &["eth1", "eth2"])]),
                vec![p("2001:db8::1", "eth0")],
                vec![p("2001:db8::1", "eth2")],
            ),
        ];
        for (name, old, new, removed, added) in cases {
            assert_eq!(diff(&old, &new), Diff { removed, added }, "{name}");
        }
    }

    #[test]
    fn service_ips() {
        assert_eq!(
            parse_service_ip("192.0.2.1"),
            Ok("192.0.2.1".parse().unwrap())
        );
        assert_eq!(
            parse_service_ip("2001:db8::1"),
            Ok("2001:db8::1".parse().unwrap())
        );
        for bad in [
            "",
            "192.0.2",
            "nope",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "127.0.0.1",
            "::",
            "ff02::1",
            "::1",
            "::ffff:192.0.2.1",
        ] {
            let err = parse_service_ip(bad).unwrap_err();
            assert!(!err.is_empty(), "{bad}");
        }
        assert!(parse_service_ip("nope").unwrap_err().contains("\"nope\""));
    }

    #[test]
    fn interface_names() {
        assert!(validate_interface_name("eth0").is_ok());
        assert!(validate_interface_name("br-lan.100").is_ok());
        for bad in ["", "a-name-longer-than-15", "a/b", "a b", ".."] {
            assert!(validate_interface_name(bad).is_err(), "{bad}");
        }
    }
}
