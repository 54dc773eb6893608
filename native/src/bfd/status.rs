//! What one BFD session reports: live counters behind a mutex, and the JS object.

use std::time::Duration;

use napi_derive::napi;

use super::packet::{diag, BfdState};

/// `bfd` in a peer's status.
#[napi(object)]
#[derive(Clone, Debug, PartialEq)]
pub struct BfdPeerStatus {
    #[napi(ts_type = "'AdminDown' | 'Down' | 'Init' | 'Up'")]
    pub state: String,
    #[napi(ts_type = "'AdminDown' | 'Down' | 'Init' | 'Up'")]
    pub remote_state: String,
    /// Why the session last left Up, e.g. "Control Detection Time Expired".
    pub diagnostic: String,
    pub local_discriminator: f64,
    /// 0 until the peer was heard.
    pub remote_discriminator: f64,
    pub control_packets_in: f64,
    pub control_packets_out: f64,
    /// Received packets dropped by the RFC 5880 §6.8.6 / RFC 5881 §5 checks.
    pub control_packets_discarded: f64,
    /// Up → Down transitions.
    pub down_events: f64,
    /// Remote Detect Mult × agreed receive interval; absent until the peer was heard.
    pub detection_time_ms: Option<f64>,
    /// Our periodic transmit interval before jitter; absent while not sending.
    pub transmit_interval_ms: Option<f64>,
    /// Socket errors and the reason of the last discard.
    pub last_error: Option<String>,
}

#[derive(Clone, Debug)]
pub struct BfdStatusData {
    pub state: BfdState,
    pub remote_state: BfdState,
    pub local_diag: u8,
    pub local_discr: u32,
    pub remote_discr: u32,
    pub packets_in: u64,
    pub packets_out: u64,
    pub discarded: u64,
    pub down_events: u64,
    pub detection_time: Option<Duration>,
    pub transmit_interval: Option<Duration>,
    pub last_error: Option<String>,
}

impl Default for BfdStatusData {
    fn default() -> Self {
        BfdStatusData {
            state: BfdState::Down,
            remote_state: BfdState::Down,
            local_diag: diag::NONE,
            local_discr: 0,
            remote_discr: 0,
            packets_in: 0,
            packets_out: 0,
            discarded: 0,
            down_events: 0,
            detection_time: None,
            transmit_interval: None,
            last_error: None,
        }
    }
}

/// RFC 5880 §4.1 diagnostic names.
pub fn diag_text(d: u8) -> &'static str {
    match d {
        0 => "No Diagnostic",
        1 => "Control Detection Time Expired",
        2 => "Echo Function Failed",
        3 => "Neighbor Signaled Session Down",
        4 => "Forwarding Plane Reset",
        5 => "Path Down",
        6 => "Concatenated Path Down",
        7 => "Administratively Down",
        8 => "Reverse Concatenated Path Down",
        _ => "Reserved",
    }
}

impl BfdStatusData {
    pub fn to_js(&self) -> BfdPeerStatus {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        BfdPeerStatus {
            state: self.state.as_str().into(),
            remote_state: self.remote_state.as_str().into(),
            diagnostic: diag_text(self.local_diag).into(),
            local_discriminator: f64::from(self.local_discr),
            remote_discriminator: f64::from(self.remote_discr),
            control_packets_in: self.packets_in as f64,
            control_packets_out: self.packets_out as f64,
            control_packets_discarded: self.discarded as f64,
            down_events: self.down_events as f64,
            detection_time_ms: self.detection_time.map(ms),
            transmit_interval_ms: self.transmit_interval.map(ms),
            last_error: self.last_error.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_view() {
        let s = BfdStatusData {
            state: BfdState::Up,
            local_diag: diag::DETECTION_TIME_EXPIRED,
            local_discr: 7,
            detection_time: Some(Duration::from_millis(900)),
            packets_in: 5,
            ..Default::default()
        };
        let js = s.to_js();
        assert_eq!(js.state, "Up");
        assert_eq!(js.remote_state, "Down");
        assert_eq!(js.diagnostic, "Control Detection Time Expired");
        assert_eq!(js.detection_time_ms, Some(900.0));
        assert_eq!(js.transmit_interval_ms, None);
        assert_eq!(js.control_packets_in, 5.0);
        assert_eq!(js.local_discriminator, 7.0);
    }
}
