//! BGP message codec: one file per message kind, every error mapped to its RFC NOTIFICATION.
