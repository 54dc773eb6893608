//! Layer 2 announcer: gratuitous ARP / unsolicited NA and ARP/NS responder.
