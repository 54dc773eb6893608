//! Peer configuration as JS hands it over (`BgpPeerConfig`) and its validated form.
//! Every rejection names the field: `peers[1].holdTimeSecs: 2 is not allowed (0 or >= 3)`.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use napi_derive::napi;

use super::socket::MD5_MAX_KEY_LEN;
use crate::bfd::machine::SessionConfig as BfdSessionConfig;

/// BFD (RFC 5880/5881, single hop) to the peer; when it goes from Up to Down the
/// Established session is closed at once (RFC 5882).
#[napi(object)]
#[derive(Clone, Debug, Default)]
pub struct BgpPeerBfdConfig {
    /// Required Min RX Interval, ms (default 300, 10..60000).
    pub receive_interval_ms: Option<f64>,
    /// Desired Min TX Interval once Up, ms (default 300, 10..60000); 1 s while not Up.
    pub transmit_interval_ms: Option<f64>,
    /// Detect Mult (default 3, 1..255).
    pub detect_multiplier: Option<f64>,
    /// Send nothing until the peer does.
    pub passive: Option<bool>,
}

/// One BGP neighbour. `name` is the key `setPeers` diffs by.
#[napi(object)]
#[derive(Clone, Debug, Default)]
pub struct BgpPeerConfig {
    /// Unique key of the peer; setPeers diffs by name.
    pub name: String,
    /// Peer IP, v4 or v6.
    pub address: String,
    /// Default 179.
    pub port: Option<f64>,
    /// 1..4294967295 (4-octet aware).
    pub local_asn: f64,
    pub peer_asn: f64,
    /// Overrides BgpSpeakerOptions.routerId.
    pub router_id: Option<String>,
    /// Bind the TCP socket to this local address.
    pub source_address: Option<String>,
    /// Default 90; must be 0 or >= 3.
    pub hold_time_secs: Option<f64>,
    /// Default holdTime/3; must be <= holdTime.
    pub keepalive_secs: Option<f64>,
    /// Initial connect retry, default 5.
    pub connect_retry_secs: Option<f64>,
    /// Exponential backoff cap, default 120.
    pub connect_retry_max_secs: Option<f64>,
    /// TCP MD5 (RFC 2385), v4 and v6; set on the listener too for passive peers.
    pub password: Option<String>,
    /// eBGP: TTL 255 when true, TTL 1 when false; iBGP always 255.
    pub ebgp_multihop: Option<bool>,
    /// Never connect out; wait for the peer (needs the listener).
    pub passive: Option<bool>,
    /// Advertise the GR capability (RFC 4724).
    pub graceful_restart: Option<bool>,
    /// Default 120.
    pub restart_time_secs: Option<f64>,
    /// Negotiate IPv4 unicast (default true).
    pub ipv4: Option<bool>,
    /// Negotiate IPv6 unicast via MP-BGP (default true).
    pub ipv6: Option<bool>,
    /// Default: the session's local IPv4 address.
    pub next_hop_v4: Option<String>,
    /// Default: the session's local IPv6 address (v6 sessions); a v4 session with IPv6
    /// routes and no nextHopV6 uses the IPv4-mapped local address.
    pub next_hop_v6: Option<String>,
    /// Run a BFD session to the peer.
    pub bfd: Option<BgpPeerBfdConfig>,
}

/// A validated peer. Equality decides "changed" in `setPeers`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerConfig {
    pub name: String,
    pub address: IpAddr,
    pub port: u16,
    pub local_asn: u32,
    pub peer_asn: u32,
    pub router_id: Ipv4Addr,
    pub source_address: Option<IpAddr>,
    pub hold_time: u16,
    pub keepalive: Option<u16>,
    pub connect_retry: Duration,
    pub connect_retry_max: Duration,
    pub password: Option<String>,
    pub ebgp_multihop: bool,
    pub passive: bool,
    /// `Some(restart time)` when graceful restart is advertised.
    pub graceful_restart: Option<u16>,
    pub ipv4: bool,
    pub ipv6: bool,
    pub next_hop_v4: Option<Ipv4Addr>,
    pub next_hop_v6: Option<Ipv6Addr>,
    pub bfd: Option<BfdSessionConfig>,
}

impl PeerConfig {
    pub fn is_ibgp(&self) -> bool {
        self.local_asn == self.peer_asn
    }

    /// RFC 4271 §5.1.x practice: single-hop eBGP sends with TTL 1, everything else 255.
    pub fn ttl(&self) -> u32 {
        if self.is_ibgp() || self.ebgp_multihop {
            255
        } else {
            1
        }
    }
}

fn field(i: usize, name: &str) -> String {
    format!("peers[{i}].{name}")
}

fn number(i: usize, name: &str, v: f64, min: f64, max: f64) -> Result<f64, String> {
    if !v.is_finite() || v.fract() != 0.0 || v < min || v > max {
        return Err(format!(
            "{}: {v} is not an integer in {min}..{max}",
            field(i, name)
        ));
    }
    Ok(v)
}

fn ip(i: usize, name: &str, s: &str) -> Result<IpAddr, String> {
    s.parse::<IpAddr>()
        .map_err(|_| format!("{}: {s:?} is not an IP address", field(i, name)))
}

fn seconds(i: usize, name: &str, v: Option<f64>, default: f64) -> Result<Duration, String> {
    let v = v.unwrap_or(default);
    if !v.is_finite() || v <= 0.0 || v > 86_400.0 {
        return Err(format!(
            "{}: {v} is not a number of seconds in (0, 86400]",
            field(i, name)
        ));
    }
    Ok(Duration::from_secs_f64(v))
}

fn bfd(i: usize, b: &BgpPeerBfdConfig) -> Result<BfdSessionConfig, String> {
    let interval = |name: &str, v: Option<f64>| -> Result<u32, String> {
        let ms = number(
            i,
            &format!("bfd.{name}"),
            v.unwrap_or(300.0),
            10.0,
            60_000.0,
        )?;
        Ok(ms as u32 * 1000)
    };
    Ok(BfdSessionConfig {
        required_min_rx_us: interval("receiveIntervalMs", b.receive_interval_ms)?,
        desired_min_tx_us: interval("transmitIntervalMs", b.transmit_interval_ms)?,
        detect_mult: number(
            i,
            "bfd.detectMultiplier",
            b.detect_multiplier.unwrap_or(3.0),
            1.0,
            255.0,
        )? as u8,
        passive: b.passive.unwrap_or(false),
    })
}

/// Validates one peer (index `i` for messages).
pub fn validate_peer(
    i: usize,
    p: &BgpPeerConfig,
    default_router_id: Ipv4Addr,
) -> Result<PeerConfig, String> {
    if p.name.is_empty() {
        return Err(format!("{}: must not be empty", field(i, "name")));
    }
    let address = ip(i, "address", &p.address)?;
    let port = number(i, "port", p.port.unwrap_or(179.0), 1.0, 65535.0)? as u16;
    let local_asn = number(i, "localAsn", p.local_asn, 1.0, 4_294_967_295.0)? as u32;
    let peer_asn = number(i, "peerAsn", p.peer_asn, 1.0, 4_294_967_295.0)? as u32;
    let router_id = match &p.router_id {
        None => default_router_id,
        Some(s) => s
            .parse::<Ipv4Addr>()
            .ok()
            .filter(|a| !a.is_unspecified())
            .ok_or_else(|| {
                format!(
                    "{}: {s:?} is not a non-zero dotted-quad router id",
                    field(i, "routerId")
                )
            })?,
    };
    let source_address = p
        .source_address
        .as_deref()
        .map(|s| ip(i, "sourceAddress", s))
        .transpose()?;
    let hold = number(
        i,
        "holdTimeSecs",
        p.hold_time_secs.unwrap_or(90.0),
        0.0,
        65535.0,
    )?;
    if hold == 1.0 || hold == 2.0 {
        return Err(format!(
            "{}: {hold} is not allowed (0 or >= 3)",
            field(i, "holdTimeSecs")
        ));
    }
    let hold_time = hold as u16;
    let keepalive = match p.keepalive_secs {
        None => None,
        Some(k) => {
            let k = number(i, "keepaliveSecs", k, 0.0, 65535.0)? as u16;
            if hold_time > 0 && k > hold_time {
                return Err(format!(
                    "{}: {k} is more than holdTimeSecs {hold_time}",
                    field(i, "keepaliveSecs")
                ));
            }
            Some(k)
        }
    };
    let connect_retry = seconds(i, "connectRetrySecs", p.connect_retry_secs, 5.0)?;
    let connect_retry_max = seconds(i, "connectRetryMaxSecs", p.connect_retry_max_secs, 120.0)?;
    if connect_retry_max < connect_retry {
        return Err(format!(
            "{}: {} is less than connectRetrySecs {}",
            field(i, "connectRetryMaxSecs"),
            connect_retry_max.as_secs_f64(),
            connect_retry.as_secs_f64()
        ));
    }
    let password = p.password.clone().filter(|s| !s.is_empty());
    if let Some(pw) = &password {
        if pw.len() > MD5_MAX_KEY_LEN {
            return Err(format!(
                "{}: longer than {MD5_MAX_KEY_LEN} bytes (TCP MD5 limit)",
                field(i, "password")
            ));
        }
    }
    let graceful_restart = if p.graceful_restart.unwrap_or(false) {
        // The capability carries 12 bits of restart time.
        Some(number(
            i,
            "restartTimeSecs",
            p.restart_time_secs.unwrap_or(120.0),
            0.0,
            4095.0,
        )? as u16)
    } else {
        None
    };
    let ipv4 = p.ipv4.unwrap_or(true);
    let ipv6 = p.ipv6.unwrap_or(true);
    if !ipv4 && !ipv6 {
        return Err(format!(
            "{}: at least one of ipv4/ipv6 must be enabled",
            field(i, "ipv4")
        ));
    }
    let next_hop_v4 = match p.next_hop_v4.as_deref() {
        None => None,
        Some(s) => match ip(i, "nextHopV4", s)? {
            IpAddr::V4(a) => Some(a),
            IpAddr::V6(_) => {
                return Err(format!(
                    "{}: {s:?} is not an IPv4 address",
                    field(i, "nextHopV4")
                ))
            }
        },
    };
    let next_hop_v6 = match p.next_hop_v6.as_deref() {
        None => None,
        Some(s) => match ip(i, "nextHopV6", s)? {
            IpAddr::V6(a) => Some(a),
            IpAddr::V4(_) => {
                return Err(format!(
                    "{}: {s:?} is not an IPv6 address",
                    field(i, "nextHopV6")
                ))
            }
        },
    };
    let bfd = p.bfd.as_ref().map(|b| bfd(i, b)).transpose()?;
    Ok(PeerConfig {
        name: p.name.clone(),
        address,
        port,
        local_asn,
        peer_asn,
        router_id,
        source_address,
        hold_time,
        keepalive,
        connect_retry,
        connect_retry_max,
        password,
        ebgp_multihop: p.ebgp_multihop.unwrap_or(false),
        passive: p.passive.unwrap_or(false),
        graceful_restart,
        ipv4,
        ipv6,
        next_hop_v4,
        next_hop_v6,
        bfd,
    })
}

/// Validates the whole desired peer set: each peer, unique names, and no two sessions that
/// would be the same TCP connection (same address, port and source address). Several
/// peers may share an address when their source addresses differ (many sessions from one
/// host); incoming connections are matched on both ends.
pub fn validate_peers(
    peers: &[BgpPeerConfig],
    default_router_id: Ipv4Addr,
) -> Result<Vec<PeerConfig>, String> {
    let mut out = Vec::with_capacity(peers.len());
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut endpoints: HashMap<(IpAddr, u16, Option<IpAddr>), usize> = HashMap::new();
    // Single-hop BFD tells sessions apart by the neighbour's address alone (RFC 5881 §3).
    let mut bfd_peers: HashMap<IpAddr, usize> = HashMap::new();
    for (i, p) in peers.iter().enumerate() {
        let c = validate_peer(i, p, default_router_id)?;
        if let Some(j) = names.insert(&p.name, i) {
            return Err(format!(
                "{}: {:?} is already used by peers[{j}]",
                field(i, "name"),
                p.name
            ));
        }
        if let Some(j) = endpoints.insert((c.address, c.port, c.source_address), i) {
            return Err(format!(
                "{}: {} (same port and sourceAddress) is already used by peers[{j}]",
                field(i, "address"),
                c.address
            ));
        }
        if c.bfd.is_some() {
            if let Some(j) = bfd_peers.insert(c.address, i) {
                return Err(format!(
                    "{}: peers[{j}] already runs BFD to {}",
                    field(i, "bfd"),
                    c.address
                ));
            }
        }
        out.push(c);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> BgpPeerConfig {
        BgpPeerConfig {
            name: "p".into(),
            address: "127.0.0.2".into(),
            local_asn: 65001.0,
            peer_asn: 65002.0,
            ..Default::default()
        }
    }

    #[test]
    fn defaults() {
        let c = validate_peer(0, &base(), Ipv4Addr::new(10, 0, 0, 1)).unwrap();
        assert_eq!(c.port, 179);
        assert_eq!(c.hold_time, 90);
        assert_eq!(c.keepalive, None);
        assert_eq!(c.connect_retry, Duration::from_secs(5));
        assert_eq!(c.connect_retry_max, Duration::from_secs(120));
        assert_eq!(c.router_id, Ipv4Addr::new(10, 0, 0, 1));
        assert!(c.ipv4 && c.ipv6 && !c.passive && c.graceful_restart.is_none());
        assert_eq!(c.ttl(), 1);
    }

    #[test]
    fn rejections_name_the_field() {
        type Edit = fn(&mut BgpPeerConfig);
        let cases: Vec<(Edit, &str)> = vec![
            (
                |p| p.hold_time_secs = Some(2.0),
                "peers[0].holdTimeSecs: 2 is not allowed (0 or >= 3)",
            ),
            (
                |p| p.hold_time_secs = Some(1.0),
                "peers[0].holdTimeSecs: 1 is not allowed",
            ),
            (
                |p| p.hold_time_secs = Some(70000.0),
                "peers[0].holdTimeSecs",
            ),
            (
                |p| p.address = "nope".into(),
                "peers[0].address: \"nope\" is not an IP address",
            ),
            (|p| p.local_asn = 0.0, "peers[0].localAsn"),
            (|p| p.peer_asn = 4_294_967_296.0, "peers[0].peerAsn"),
            (|p| p.peer_asn = 1.5, "peers[0].peerAsn"),
            (|p| p.port = Some(0.0), "peers[0].port"),
            (
                |p| p.router_id = Some("0.0.0.0".into()),
                "peers[0].routerId",
            ),
            (
                |p| p.keepalive_secs = Some(100.0),
                "peers[0].keepaliveSecs: 100 is more than holdTimeSecs 90",
            ),
            (
                |p| p.connect_retry_secs = Some(0.0),
                "peers[0].connectRetrySecs",
            ),
            (
                |p| p.connect_retry_max_secs = Some(1.0),
                "peers[0].connectRetryMaxSecs",
            ),
            (|p| p.password = Some("x".repeat(81)), "peers[0].password"),
            (|p| p.next_hop_v4 = Some("::1".into()), "peers[0].nextHopV4"),
            (
                |p| p.next_hop_v6 = Some("1.2.3.4".into()),
                "peers[0].nextHopV6",
            ),
            (
                |p| p.source_address = Some("x".into()),
                "peers[0].sourceAddress",
            ),
            (|p| p.name = String::new(), "peers[0].name"),
            (
                |p| {
                    p.ipv4 = Some(false);
                    p.ipv6 = Some(false)
                },
                "peers[0].ipv4",
            ),
            (
                |p| {
                    p.graceful_restart = Some(true);
                    p.restart_time_secs = Some(5000.0)
                },
                "peers[0].restartTimeSecs",
            ),
            (
                |p| {
                    p.bfd = Some(BgpPeerBfdConfig {
                        receive_interval_ms: Some(5.0),
                        ..Default::default()
                    })
                },
                "peers[0].bfd.receiveIntervalMs: 5 is not an integer in 10..60000",
            ),
            (
                |p| {
                    p.bfd = Some(BgpPeerBfdConfig {
                        transmit_interval_ms: Some(60001.0),
                        ..Default::default()
                    })
                },
                "peers[0].bfd.transmitIntervalMs",
            ),
            (
                |p| {
                    p.bfd = Some(BgpPeerBfdConfig {
                        detect_multiplier: Some(0.0),
                        ..Default::default()
                    })
                },
                "peers[0].bfd.detectMultiplier",
            ),
        ];
        for (edit, want) in cases {
            let mut p = base();
            edit(&mut p);
            let err = validate_peer(0, &p, Ipv4Addr::new(10, 0, 0, 1)).unwrap_err();
            assert!(err.starts_with(want), "{err:?} should start with {want:?}");
        }
    }

    #[test]
    fn accepted_values() {
        let mut p = base();
        p.hold_time_secs = Some(0.0);
        p.keepalive_secs = Some(0.0);
        p.peer_asn = 65001.0;
        p.local_asn = 65001.0;
        let c = validate_peer(0, &p, Ipv4Addr::new(10, 0, 0, 1)).unwrap();
        assert_eq!((c.hold_time, c.ttl()), (0, 255));
        p.hold_time_secs = Some(3.0);
        p.graceful_restart = Some(true);
        p.connect_retry_secs = Some(0.5);
        let c = validate_peer(0, &p, Ipv4Addr::new(10, 0, 0, 1)).unwrap();
        assert_eq!(c.graceful_restart, Some(120));
        assert_eq!(c.connect_retry, Duration::from_millis(500));
    }

    #[test]
    fn bfd_defaults_and_units() {
        let mut p = base();
        assert_eq!(validate_peer(0, &p, Ipv4Addr::LOCALHOST).unwrap().bfd, None);
        p.bfd = Some(BgpPeerBfdConfig::default());
        let c = validate_peer(0, &p, Ipv4Addr::LOCALHOST).unwrap();
        assert_eq!(
            c.bfd,
            Some(BfdSessionConfig {
                required_min_rx_us: 300_000,
                desired_min_tx_us: 300_000,
                detect_mult: 3,
                passive: false
            })
        );
        p.bfd = Some(BgpPeerBfdConfig {
            receive_interval_ms: Some(50.0),
            transmit_interval_ms: Some(100.0),
            detect_multiplier: Some(5.0),
            passive: Some(true),
        });
        let c = validate_peer(0, &p, Ipv4Addr::LOCALHOST).unwrap();
        assert_eq!(
            c.bfd,
            Some(BfdSessionConfig {
                required_min_rx_us: 50_000,
                desired_min_tx_us: 100_000,
                detect_mult: 5,
                passive: true
            })
        );
    }

    #[test]
    fn one_bfd_session_per_neighbour_address() {
        let mut a = base();
        a.bfd = Some(BgpPeerBfdConfig::default());
        a.source_address = Some("127.0.0.1".into());
        let mut b = a.clone();
        b.name = "q".into();
        b.source_address = Some("127.0.0.5".into());
        let err = validate_peers(&[a.clone(), b.clone()], Ipv4Addr::LOCALHOST).unwrap_err();
        assert_eq!(err, "peers[1].bfd: peers[0] already runs BFD to 127.0.0.2");
        b.bfd = None;
        assert!(validate_peers(&[a, b], Ipv4Addr::LOCALHOST).is_ok());
    }

    #[test]
    fn set_level_checks() {
        let a = base();
        let mut b = base();
        b.address = "127.0.0.3".into();
        b.name = "q".into();
        assert_eq!(
            validate_peers(&[a.clone(), b.clone()], Ipv4Addr::LOCALHOST)
                .unwrap()
                .len(),
            2
        );
        let err = validate_peers(&[a.clone(), a.clone()], Ipv4Addr::LOCALHOST).unwrap_err();
        assert!(err.starts_with("peers[1].name"), "{err}");
        b.address = a.address.clone();
        let err = validate_peers(&[a.clone(), b.clone()], Ipv4Addr::LOCALHOST).unwrap_err();
        assert!(err.starts_with("peers[1].address"), "{err}");
        // Same address from different source addresses: two distinct sessions.
        b.source_address = Some("127.0.1.2".into());
        assert_eq!(
            validate_peers(&[a, b], Ipv4Addr::LOCALHOST).unwrap().len(),
            2
        );
    }
}
