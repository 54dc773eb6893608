//! The napi surface of the L2 announcer: desired state in, counters and events out.

use std::collections::BTreeSet;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use super::desired::{parse_service_ip, validate_interface_name, Desired, Interfaces};
use super::engine::{Command, Event, EventKind, Handle};
use super::schedule::Schedule;

/// How gratuitous ARP / unsolicited NA rounds are scheduled after an address is announced.
#[napi(object)]
pub struct L2AnnouncerOptions {
    /// Milliseconds between gratuitous rounds (10 to 3600000). Default 1100.
    pub garp_interval_ms: Option<u32>,
    /// Rounds sent after each announce, the first one immediately (0 to 1000). Default 5,
    /// i.e. about 5 s of repeats. Each IPv4 round is a gratuitous request and a gratuitous
    /// reply; each IPv6 round one unsolicited Neighbor Advertisement.
    pub garp_count: Option<u32>,
    /// After the burst, one more round every this many milliseconds, for switches and hosts
    /// that age their entries; 0 turns it off (default), else 100 to 86400000.
    pub refresh_interval_ms: Option<u32>,
}

/// One service IP and the interfaces it is announced on.
#[napi(object)]
pub struct L2Announcement {
    /// IPv4 or IPv6 address, e.g. "192.0.2.10" or "2001:db8::10".
    pub ip: String,
    /// Interface names in the announcer's network namespace, e.g. ["eth0"].
    pub interfaces: Vec<String>,
}

/// Many IPs announced on the same interfaces: the bulk form of the desired set. Thousands of
/// IPs cost one object and one array, not an object each.
#[napi(object)]
pub struct L2AnnouncementGroup {
    /// IPv4 or IPv6 addresses (text).
    pub ips: Vec<String>,
    /// Interface names, at least one.
    pub interfaces: Vec<String>,
}

/// An event from the announcer's thread.
#[napi(object)]
pub struct L2Event {
    /// `interfaceDown`: the interface disappeared or went down; its announcements pause.
    /// `interfaceUp`: it is (back) up; sockets re-opened, every IP on it re-announced.
    /// `macChanged`: its MAC changed; every IP on it re-announced with the new MAC.
    /// `conflict`: another host claims an IP we announce (its gratuitous ARP, ARP reply or
    /// Neighbor Advertisement carries another MAC); at most one per IP every 10 s.
    /// `error`: something failed that the announcer survives (a send, a multicast join, ...).
    #[napi(ts_type = "'interfaceDown' | 'interfaceUp' | 'macChanged' | 'conflict' | 'error'")]
    pub kind: String,
    /// The interface concerned ("" when none).
    pub interface: String,
    /// A sentence for logs.
    pub message: String,
}

/// Counters of one announced (IP, interface) pair; they start at 0 when the pair is announced
/// and disappear when it is released.
#[napi(object)]
pub struct L2IpCounters {
    pub ip: String,
    pub interface: String,
    /// ARP requests / Neighbor Solicitations for this IP (including DAD probes and RFC 5227
    /// announcements, which are counted but not answered as questions).
    pub requests_received: i64,
    /// ARP replies / Neighbor Advertisements sent in answer.
    pub responses_sent: i64,
    /// Gratuitous ARP frames (request and reply forms) / unsolicited NAs sent.
    pub gratuitous_sent: i64,
}

/// Counters of one interface the announcer uses, for as long as it uses it.
#[napi(object)]
pub struct L2InterfaceCounters {
    pub interface: String,
    /// ARP / NS frames that failed validation (lengths, types, hop limit, checksum, options).
    pub malformed_dropped: i64,
    /// Well-formed ARP requests / solicitations seen, for any target.
    pub requests_received: i64,
    /// ARP replies / Neighbor Advertisements sent in answer, all IPs together.
    pub responses_sent: i64,
    /// Gratuitous ARP frames / unsolicited NAs sent, all IPs together.
    pub gratuitous_sent: i64,
}

/// Makes the LAN deliver service IPs to this node: gratuitous ARP and unsolicited Neighbor
/// Advertisements on announce, and answers to ARP requests and Neighbor Solicitations for owned
/// IPs, on raw AF_PACKET sockets (needs CAP_NET_RAW). Work happens on a native thread; every
/// method returns once the change is in force (after `release`, no further answer goes out).
#[napi]
pub struct L2Announcer {
    handle: Option<Handle>,
}

fn to_js(kind: EventKind) -> String {
    match kind {
        EventKind::InterfaceDown => "interfaceDown",
        EventKind::InterfaceUp => "interfaceUp",
        EventKind::MacChanged => "macChanged",
        EventKind::Conflict => "conflict",
        EventKind::Error => "error",
    }
    .to_string()
}

fn invalid(msg: String) -> Error {
    Error::new(Status::InvalidArg, msg)
}

fn interfaces_of(field: &str, list: &[String]) -> Result<Interfaces> {
    if list.is_empty() {
        return Err(invalid(format!("{field} must name at least one interface")));
    }
    let mut out = BTreeSet::new();
    for (j, name) in list.iter().enumerate() {
        validate_interface_name(name).map_err(|e| invalid(format!("{field}[{j}]: {e}")))?;
        out.insert(name.clone());
    }
    Ok(Arc::new(out))
}

#[napi]
impl L2Announcer {
    /// Starts the announcer thread. Sockets open lazily, per interface, on first announce.
    /// `onEvent` receives interface and error events; it does not keep Node's event loop alive.
    #[napi(constructor)]
    pub fn new(
        options: Option<L2AnnouncerOptions>,
        on_event: Option<ThreadsafeFunction<L2Event, (), L2Event, Status, true, true>>,
    ) -> Result<Self> {
        let schedule = match &options {
            Some(o) => {
                Schedule::from_options(o.garp_interval_ms, o.garp_count, o.refresh_interval_ms)
            }
            None => Ok(Schedule::default()),
        }
        .map_err(invalid)?;
        let emit: Box<dyn Fn(Event) + Send> = match on_event {
            Some(tsfn) => Box::new(move |ev: Event| {
                let js = L2Event {
                    kind: to_js(ev.kind),
                    interface: ev.interface,
                    message: ev.message,
                };
                tsfn.call(Ok(js), ThreadsafeFunctionCallMode::NonBlocking);
            }),
            None => Box::new(|_| {}),
        };
        let handle = Handle::start(schedule, emit)
            .map_err(|e| Error::from_reason(format!("cannot start the L2 announcer: {e}")))?;
        Ok(L2Announcer {
            handle: Some(handle),
        })
    }

    fn handle(&self) -> Result<&Handle> {
        self.handle
            .as_ref()
            .ok_or_else(|| Error::from_reason("L2Announcer is closed"))
    }

    /// Replaces the whole desired set; the announcer applies the difference: new (IP, interface)
    /// pairs get their gratuitous burst and are answered from now on, removed ones stop at once.
    /// All-or-nothing: a bad IP, a duplicate, an unknown interface or a missing CAP_NET_RAW
    /// throws and changes nothing.
    #[napi]
    pub fn set_announcements(&self, list: Vec<L2Announcement>) -> Result<()> {
        let mut desired = Desired::new();
        for (i, a) in list.iter().enumerate() {
            let ip = parse_service_ip(&a.ip)
                .map_err(|e| invalid(format!("announcements[{i}].ip: {e}")))?;
            let ifs = interfaces_of(&format!("announcements[{i}].interfaces"), &a.interfaces)?;
            if desired.insert(ip, ifs).is_some() {
                return Err(invalid(format!(
                    "announcements[{i}].ip: {ip} is listed more than once"
                )));
            }
        }
        self.handle()?
            .call(|r| Command::Set(desired, r))
            .map_err(Error::from_reason)
    }

    /// Same as `setAnnouncements`, with IPs grouped by the interfaces they go on; an IP may
    /// appear in one group only.
    #[napi]
    pub fn set_announcement_groups(&self, groups: Vec<L2AnnouncementGroup>) -> Result<()> {
        let mut desired = Desired::new();
        for (g, group) in groups.iter().enumerate() {
            let ifs = interfaces_of(&format!("groups[{g}].interfaces"), &group.interfaces)?;
            for (i, text) in group.ips.iter().enumerate() {
                let ip = parse_service_ip(text)
                    .map_err(|e| invalid(format!("groups[{g}].ips[{i}]: {e}")))?;
                if desired.insert(ip, ifs.clone()).is_some() {
                    return Err(invalid(format!(
                        "groups[{g}].ips[{i}]: {ip} is listed more than once"
                    )));
                }
            }
        }
        self.handle()?
            .call(|r| Command::Set(desired, r))
            .map_err(Error::from_reason)
    }

    /// Announces one IP on `interfaces` (replacing the interfaces it had, if any).
    #[napi]
    pub fn announce(&self, ip: String, interfaces: Vec<String>) -> Result<()> {
        let ip = parse_service_ip(&ip).map_err(|e| invalid(format!("ip: {e}")))?;
        let ifs = interfaces_of("interfaces", &interfaces)?;
        self.handle()?
            .call(|r| Command::Announce(ip, ifs, r))
            .map_err(Error::from_reason)
    }

    /// Stops announcing and answering for `ip` on every interface; a no-op when not owned.
    #[napi]
    pub fn release(&self, ip: String) -> Result<()> {
        let ip = parse_service_ip(&ip).map_err(|e| invalid(format!("ip: {e}")))?;
        self.handle()?
            .call(|r| Command::Release(ip, r))
            .map_err(Error::from_reason)
    }

    /// The desired set as it stands, sorted by IP.
    #[napi]
    pub fn owned(&self) -> Result<Vec<L2Announcement>> {
        let d: Desired = self
            .handle()?
            .call(Command::Owned)
            .map_err(Error::from_reason)?;
        Ok(d.into_iter()
            .map(|(ip, ifs)| L2Announcement {
                ip: ip.to_string(),
                interfaces: ifs.iter().cloned().collect(),
            })
            .collect())
    }

    /// Per (IP, interface) counters, sorted by IP then interface.
    #[napi]
    pub fn counters(&self) -> Result<Vec<L2IpCounters>> {
        let list = self
            .handle()?
            .call(Command::Counters)
            .map_err(Error::from_reason)?;
        Ok(list
            .into_iter()
            .map(|(ip, interface, c)| L2IpCounters {
                ip: ip.to_string(),
                interface,
                requests_received: c.requests_received as i64,
                responses_sent: c.responses_sent as i64,
                gratuitous_sent: c.gratuitous_sent as i64,
            })
            .collect())
    }

    /// Per-interface counters, sorted by interface.
    #[napi]
    pub fn interface_counters(&self) -> Result<Vec<L2InterfaceCounters>> {
        let list = self
            .handle()?
            .call(Command::LinkCounters)
            .map_err(Error::from_reason)?;
        Ok(list
            .into_iter()
            .map(|(interface, c)| L2InterfaceCounters {
                interface,
                malformed_dropped: c.malformed_dropped as i64,
                requests_received: c.requests_received as i64,
                responses_sent: c.responses_sent as i64,
                gratuitous_sent: c.gratuitous_sent as i64,
            })
            .collect())
    }

    /// Stops everything: sockets close and multicast groups are left before this returns.
    /// Idempotent; every other method throws afterwards.
    #[napi]
    pub fn close(&mut self) {
        if let Some(mut h) = self.handle.take() {
            h.close();
        }
    }
}
