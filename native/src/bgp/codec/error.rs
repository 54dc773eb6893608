//! The one error type of the codec: the NOTIFICATION to send, plus a reason for humans.

use std::fmt;

use super::notification::{describe, Notification};

/// A decode error. `code`/`subcode`/`data` are exactly what goes into the NOTIFICATION the
/// FSM sends before closing (RFC 4271 §6); `reason` says what was wrong, for logs and events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BgpError {
    pub code: u8,
    pub subcode: u8,
    pub data: Vec<u8>,
    pub reason: String,
}

/// Alias kept for readers who look for a "codec error".
pub type CodecError = BgpError;

impl BgpError {
    pub fn new(code: u8, subcode: u8, data: Vec<u8>, reason: impl Into<String>) -> Self {
        BgpError {
            code,
            subcode,
            data,
            reason: reason.into(),
        }
    }

    /// The NOTIFICATION message to send for this error.
    pub fn notification(&self) -> Notification {
        Notification::new(self.code, self.subcode, self.data.clone())
    }
}

impl fmt::Display for BgpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", describe(self.code, self.subcode), self.reason)
    }
}

impl std::error::Error for BgpError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_notification_and_the_reason() {
        let e = BgpError::new(1, 2, vec![0, 5], "length 5 is below 19");
        assert_eq!(
            e.to_string(),
            "1/2 Message Header Error (Bad Message Length): length 5 is below 19"
        );
        assert_eq!(e.notification(), Notification::new(1, 2, vec![0, 5]));
    }
}
