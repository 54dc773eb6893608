//! Session events for JS (`BgpEvent`) and the sink sessions push them into. The sink
//! never blocks a session: the napi side queues into a non-blocking ThreadsafeFunction.

use std::sync::Arc;

use napi_derive::napi;

use super::fsm::State;

/// One event about one peer: a state change, an error (NOTIFICATION sent or received,
/// connection failure) or End-of-RIB sent.
#[napi(object)]
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BgpEvent {
    pub peer: String,
    #[napi(ts_type = "'state' | 'error' | 'endOfRib'")]
    pub kind: String,
    #[napi(ts_type = "'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established'")]
    pub state: Option<String>,
    #[napi(ts_type = "'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established'")]
    pub previous_state: Option<String>,
    pub message: Option<String>,
    /// NOTIFICATION code when the event is about one.
    pub code: Option<u32>,
    pub subcode: Option<u32>,
}

impl BgpEvent {
    pub fn state(peer: &str, from: State, to: State) -> Self {
        BgpEvent {
            peer: peer.to_string(),
            kind: "state".into(),
            state: Some(to.as_str().into()),
            previous_state: Some(from.as_str().into()),
            ..Default::default()
        }
    }

    pub fn error(peer: &str, message: String, notification: Option<(u8, u8)>) -> Self {
        BgpEvent {
            peer: peer.to_string(),
            kind: "error".into(),
            message: Some(message),
            code: notification.map(|n| u32::from(n.0)),
            subcode: notification.map(|n| u32::from(n.1)),
            ..Default::default()
        }
    }

    pub fn end_of_rib(peer: &str, family: &str) -> Self {
        BgpEvent {
            peer: peer.to_string(),
            kind: "endOfRib".into(),
            message: Some(format!("End-of-RIB sent for {family}")),
            ..Default::default()
        }
    }
}

/// Where sessions deliver events.
pub type EventSink = Arc<dyn Fn(BgpEvent) + Send + Sync>;

/// A sink that drops everything (no JS callback given).
pub fn discard() -> EventSink {
    Arc::new(|_| {})
}
