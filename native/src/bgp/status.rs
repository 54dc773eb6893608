//! Per-peer status: counters the session updates and the `BgpPeerStatus` JS object.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use napi_derive::napi;

use super::fsm::State;
use crate::bfd::status::BfdPeerStatus;

/// A NOTIFICATION's code and subcode.
#[napi(object)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BgpNotificationCode {
    pub code: u32,
    pub subcode: u32,
}

/// What `peerStatus()` returns per peer.
#[napi(object)]
#[derive(Clone, Debug, PartialEq)]
pub struct BgpPeerStatus {
    pub name: String,
    pub address: String,
    #[napi(ts_type = "'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established'")]
    pub state: String,
    /// ms since Established, 0 when not established.
    pub uptime_ms: f64,
    pub local_address: Option<String>,
    pub negotiated_hold_time_secs: Option<u32>,
    pub peer_router_id: Option<String>,
    pub four_octet_asn: Option<bool>,
    /// The peer advertised graceful restart.
    pub peer_graceful_restart: Option<bool>,
    /// Currently advertised to this peer (v4 + v6).
    pub prefixes_advertised: f64,
    /// Currently held from this peer (accepted and counted, not used).
    pub prefixes_received: f64,
    pub messages_in: f64,
    pub messages_out: f64,
    pub updates_in: f64,
    pub updates_out: f64,
    /// Human readable, e.g. "sent NOTIFICATION 4/0 Hold Timer Expired".
    pub last_error: Option<String>,
    pub last_notification_sent: Option<BgpNotificationCode>,
    pub last_notification_received: Option<BgpNotificationCode>,
    pub established_transitions: f64,
    /// Present when BFD is configured for the peer.
    pub bfd: Option<BfdPeerStatus>,
}

/// The live counters a session keeps (behind a mutex shared with the speaker).
#[derive(Clone, Debug)]
pub struct PeerStatusData {
    pub state: State,
    pub established_at: Option<Instant>,
    pub local_address: Option<IpAddr>,
    pub negotiated_hold_time: Option<u16>,
    pub peer_router_id: Option<Ipv4Addr>,
    pub four_octet_asn: Option<bool>,
    pub peer_graceful_restart: Option<bool>,
    pub prefixes_advertised: u64,
    pub prefixes_received: u64,
    pub messages_in: u64,
    pub messages_out: u64,
    pub updates_in: u64,
    pub updates_out: u64,
    pub last_error: Option<String>,
    pub last_notification_sent: Option<(u8, u8)>,
    pub last_notification_received: Option<(u8, u8)>,
    pub established_transitions: u64,
}

impl Default for PeerStatusData {
    fn default() -> Self {
        PeerStatusData {
            state: State::Idle,
            established_at: None,
            local_address: None,
            negotiated_hold_time: None,
            peer_router_id: None,
            four_octet_asn: None,
            peer_graceful_restart: None,
            prefixes_advertised: 0,
            prefixes_received: 0,
            messages_in: 0,
            messages_out: 0,
            updates_in: 0,
            updates_out: 0,
            last_error: None,
            last_notification_sent: None,
            last_notification_received: None,
            established_transitions: 0,
        }
    }
}

fn code(n: Option<(u8, u8)>) -> Option<BgpNotificationCode> {
    n.map(|(c, s)| BgpNotificationCode {
        code: u32::from(c),
        subcode: u32::from(s),
    })
}

impl PeerStatusData {
    pub fn to_js(&self, name: &str, address: IpAddr, now: Instant) -> BgpPeerStatus {
        let established = self.state == State::Established;
        BgpPeerStatus {
            name: name.to_string(),
            address: address.to_string(),
            state: self.state.as_str().to_string(),
            uptime_ms: match (established, self.established_at) {
                (true, Some(t)) => now.saturating_duration_since(t).as_millis() as f64,
                _ => 0.0,
            },
            local_address: self.local_address.map(|a| a.to_string()),
            negotiated_hold_time_secs: self.negotiated_hold_time.map(u32::from),
            peer_router_id: self.peer_router_id.map(|a| a.to_string()),
            four_octet_asn: self.four_octet_asn,
            peer_graceful_restart: self.peer_graceful_restart,
            prefixes_advertised: self.prefixes_advertised as f64,
            prefixes_received: self.prefixes_received as f64,
            messages_in: self.messages_in as f64,
            messages_out: self.messages_out as f64,
            updates_in: self.updates_in as f64,
            updates_out: self.updates_out as f64,
            last_error: self.last_error.clone(),
            last_notification_sent: code(self.last_notification_sent),
            last_notification_received: code(self.last_notification_received),
            established_transitions: self.established_transitions as f64,
            bfd: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn uptime_only_when_established() {
        let t0 = Instant::now();
        let mut s = PeerStatusData {
            established_at: Some(t0),
            ..Default::default()
        };
        let addr: IpAddr = "127.0.0.2".parse().unwrap();
        assert_eq!(
            s.to_js("p", addr, t0 + Duration::from_secs(2)).uptime_ms,
            0.0
        );
        s.state = State::Established;
        s.last_notification_sent = Some((6, 2));
        let js = s.to_js("p", addr, t0 + Duration::from_secs(2));
        assert_eq!(js.uptime_ms, 2000.0);
        assert_eq!(js.state, "Established");
        assert_eq!(
            js.last_notification_sent,
            Some(BgpNotificationCode {
                code: 6,
                subcode: 2
            })
        );
    }
}
