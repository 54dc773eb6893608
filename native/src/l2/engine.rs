//! The announcer engine: one thread that owns every socket and all state, driven by poll(2).
//!
//! Commands arrive over a channel (each answered, so `release` has taken effect when it
//! returns); ARP requests and Neighbor Solicitations are answered inline on the receive path;
//! gratuitous rounds fire from a timer heap; link changes (netlink wake-ups plus a periodic
//! re-check) close, re-open and re-announce.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::arp::{self, ArpFrame};
use super::bpf;
use super::desired::{diff, diff_one, Desired, Diff, Interfaces};
use super::ethernet::{self, Mac, BROADCAST, ETHERTYPE_ARP, ETHERTYPE_IPV6};
use super::ndp::{self, NdpFrame};
use super::schedule::Schedule;
use super::sys::{self, LinkInfo, LinkMonitor, MldSocket, PacketSocket, Waker};

/// How often interfaces are re-read even without a netlink wake-up.
const LINK_RECHECK: Duration = Duration::from_secs(1);
/// Frames read from one socket before looking at the others again.
const RECV_BUDGET: usize = 512;
/// Frames taken from the kernel per recvmmsg call.
const RECV_BATCH: usize = 64;
/// Gratuitous frames per sendmmsg burst.
const GRATUITOUS_CHUNK: usize = 512;
/// Room for the largest frame we build (an 86-byte Neighbor Advertisement).
const FRAME_CAPACITY: usize = 96;
/// Spare frame buffers kept between bursts: a couple of chunks' worth.
const SPARE_FRAMES_MAX: usize = 2 * GRATUITOUS_CHUNK;
/// A host that keeps claiming one of our IPs is reported at most this often.
const CONFLICT_REPORT_EVERY: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    InterfaceDown,
    InterfaceUp,
    MacChanged,
    /// Another host claims an IP we announce (gratuitous ARP, ARP reply or NA with its MAC).
    Conflict,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub interface: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IpCounters {
    pub requests_received: u64,
    pub responses_sent: u64,
    pub gratuitous_sent: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkCounters {
    pub malformed_dropped: u64,
    /// Every well-formed request seen on the interface, whatever its target.
    pub requests_received: u64,
    pub responses_sent: u64,
    pub gratuitous_sent: u64,
}

pub type Reply<T> = Sender<Result<T, String>>;

pub enum Command {
    /// Replace the whole desired set.
    Set(Desired, Reply<()>),
    /// Add or replace one IP's interfaces.
    Announce(IpAddr, Interfaces, Reply<()>),
    Release(IpAddr, Reply<()>),
    Owned(Reply<Desired>),
    Counters(Reply<Vec<(IpAddr, String, IpCounters)>>),
    LinkCounters(Reply<Vec<(String, LinkCounters)>>),
    Close(Reply<()>),
}

/// The caller's side: sends commands and waits for their answers.
pub struct Handle {
    tx: Sender<Command>,
    waker: Arc<Waker>,
    thread: Option<JoinHandle<()>>,
}

impl Handle {
    /// Starts the engine thread. `emit` receives link events (from the engine thread).
    pub fn start(schedule: Schedule, emit: Box<dyn Fn(Event) + Send>) -> io::Result<Handle> {
        let waker = Arc::new(Waker::new()?);
        let monitor = LinkMonitor::open().ok();
        let (tx, rx) = mpsc::channel();
        let engine = Engine::new(schedule, emit, monitor, waker.clone());
        let thread = std::thread::Builder::new()
            .name("ferrolb-l2".into())
            .spawn(move || engine.run(rx))?;
        Ok(Handle {
            tx,
            waker,
            thread: Some(thread),
        })
    }

    /// Sends a command built around a fresh reply channel and waits for the answer.
    pub fn call<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, String> {
        let (rtx, rrx) = mpsc::channel();
        self.tx
            .send(make(rtx))
            .map_err(|_| "L2Announcer is closed".to_string())?;
        self.waker.wake();
        rrx.recv()
            .map_err(|_| "L2Announcer is closed".to_string())?
    }

    /// Stops the engine: sockets close (leaving multicast groups) before this returns.
    pub fn close(&mut self) {
        let _ = self.call(Command::Close);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.close();
    }
}

/// One owned (IP, interface) pair.
struct Owned {
    counters: IpCounters,
    /// Changes whenever the pair's announcement restarts; stale timer entries carry an old one.
    epoch: u64,
    rounds: u32,
    /// When a conflict was last reported, to report one at most every CONFLICT_REPORT_EVERY.
    last_conflict: Option<Instant>,
}

/// Sockets of an interface that is present and up.
struct Open {
    info: LinkInfo,
    arp: PacketSocket,
    ndp: PacketSocket,
    mld: Option<MldSocket>,
}

struct Link {
    /// Shared with the timer entries of its IPs (thousands of them), which clone it cheaply.
    name: Arc<str>,
    open: Option<Open>,
    v4: HashMap<Ipv4Addr, Owned>,
    v6: HashMap<Ipv6Addr, Owned>,
    /// Solicited-node groups joined, by the low 24 bits, with how many owned IPs need each.
    groups: HashMap<[u8; 3], u32>,
    counters: LinkCounters,
    mld_failed: bool,
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Due {
    at: Instant,
    epoch: u64,
    ip: IpAddr,
    link: Arc<str>,
}

/// Gratuitous frames for one interface and family, with the IPs they announce, in order.
#[derive(Default)]
struct Batch {
    frames: Vec<Vec<u8>>,
    ips: Vec<IpAddr>,
}

#[derive(Clone, Copy)]
enum SocketKind {
    Arp,
    Ndp,
}

struct Engine {
    schedule: Schedule,
    emit: Box<dyn Fn(Event) + Send>,
    monitor: Option<LinkMonitor>,
    waker: Arc<Waker>,
    desired: Desired,
    links: BTreeMap<String, Link>,
    due: BinaryHeap<Reverse<Due>>,
    next_epoch: u64,
    next_check: Instant,
    rx_bufs: Vec<Vec<u8>>,
    rx_meta: Vec<(usize, u8)>,
    tx_bufs: Vec<Vec<u8>>,
    tx_ips: Vec<IpAddr>,
    /// Frame buffers of sent gratuitous chunks, reused so a burst of thousands of IPs does not
    /// allocate a buffer per frame.
    spare_frames: Vec<Vec<u8>>,
    /// (our IP, the MAC of the other host claiming it) seen in the current batch.
    conflicts: Vec<(IpAddr, Mac)>,
}

fn os_text(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The error text for a packet socket that could not be opened on `name`.
fn packet_socket_error(name: &str, e: &io::Error) -> String {
    if matches!(e.raw_os_error(), Some(libc::EPERM) | Some(libc::EACCES)) {
        format!(
            "L2Announcer needs CAP_NET_RAW to open AF_PACKET sockets on {name}: {}",
            os_text(e)
        )
    } else {
        format!("cannot open AF_PACKET socket on {name}: {}", os_text(e))
    }
}

fn group_key(ip: &Ipv6Addr) -> [u8; 3] {
    let o = ip.octets();
    [o[13], o[14], o[15]]
}

fn group_of(key: [u8; 3]) -> Ipv6Addr {
    let [a, b, c] = key;
    Ipv6Addr::new(
        0xff02,
        0,
        0,
        0,
        0,
        1,
        0xff00 | u16::from(a),
        u16::from_be_bytes([b, c]),
    )
}

impl Link {
    fn new(name: &str) -> Link {
        Link {
            name: Arc::from(name),
            open: None,
            v4: HashMap::new(),
            v6: HashMap::new(),
            groups: HashMap::new(),
            counters: LinkCounters::default(),
            mld_failed: false,
        }
    }

    fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// Opens the sockets for a present, up interface. EPERM/EACCES become the CAP_NET_RAW text.
    fn open(&mut self, info: LinkInfo) -> Result<(), String> {
        let name = self.name.to_string();
        let explain = |e: io::Error| packet_socket_error(&name, &e);
        let arp =
            PacketSocket::open(info.ifindex, ETHERTYPE_ARP, &bpf::ARP_FILTER).map_err(explain)?;
        // A flood of requests (a router refreshing thousands of entries) must not overflow
        // while the thread is briefly descheduled: room for ~16k small frames.
        let _ = arp.set_receive_buffer(16 << 20);
        let ndp =
            PacketSocket::open(info.ifindex, ETHERTYPE_IPV6, &bpf::NDP_FILTER).map_err(explain)?;
        self.open = Some(Open {
            info,
            arp,
            ndp,
            mld: MldSocket::open().ok(),
        });
        self.mld_failed = false;
        let keys: Vec<[u8; 3]> = self.groups.keys().copied().collect();
        for key in keys {
            self.membership(key, true);
        }
        Ok(())
    }

    /// Joins or leaves one solicited-node group on the open sockets. The link-layer membership
    /// is what makes the NIC pass the frames; the MLD join is best effort (it feeds snooping
    /// switches and may hit the per-socket limit), reported once per interface when it fails.
    fn membership(&mut self, key: [u8; 3], join: bool) -> Option<String> {
        let open = self.open.as_ref()?;
        let group = group_of(key);
        let mut problem = None;
        if let Err(e) = open.ndp.multicast(
            open.info.ifindex,
            ethernet::ipv6_multicast_mac(&group),
            join,
        ) {
            problem = Some(format!(
                "cannot {} {group} on {}: {}",
                if join { "join" } else { "leave" },
                self.name,
                os_text(&e)
            ));
        }
        if let Some(mld) = &open.mld {
            if let Err(e) = mld.membership(&group, open.info.ifindex, join) {
                if join && !self.mld_failed {
                    self.mld_failed = true;
                    problem.get_or_insert(format!(
                        "MLD join of {group} on {} failed ({}); solicitations still arrive unless a switch snoops MLD",
                        self.name,
                        os_text(&e)
                    ));
                }
            }
        }
        problem
    }
}

impl Engine {
    fn new(
        schedule: Schedule,
        emit: Box<dyn Fn(Event) + Send>,
        monitor: Option<LinkMonitor>,
        waker: Arc<Waker>,
    ) -> Engine {
        Engine {
            schedule,
            emit,
            monitor,
            waker,
            desired: Desired::new(),
            links: BTreeMap::new(),
            due: BinaryHeap::new(),
            next_epoch: 1,
            next_check: Instant::now() + LINK_RECHECK,
            rx_bufs: vec![vec![0; 2048]; RECV_BATCH],
            rx_meta: Vec::with_capacity(RECV_BATCH),
            tx_bufs: Vec::new(),
            spare_frames: Vec::new(),
            tx_ips: Vec::with_capacity(RECV_BATCH),
            conflicts: Vec::new(),
        }
    }

    fn event(&self, kind: EventKind, interface: &str, message: String) {
        (self.emit)(Event {
            kind,
            interface: interface.to_string(),
            message,
        });
    }

    fn run(mut self, rx: Receiver<Command>) {
        let mut fds: Vec<libc::pollfd> = Vec::new();
        let mut owners: Vec<(String, SocketKind)> = Vec::new();
        loop {
            fds.clear();
            owners.clear();
            let pollin = |fd| libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            fds.push(pollin(self.waker.raw_fd()));
            if let Some(m) = &self.monitor {
                fds.push(pollin(m.raw_fd()));
            }
            let fixed = fds.len();
            for link in self.links.values() {
                if let Some(open) = &link.open {
                    fds.push(pollin(open.arp.raw_fd()));
                    owners.push((link.name.to_string(), SocketKind::Arp));
                    fds.push(pollin(open.ndp.raw_fd()));
                    owners.push((link.name.to_string(), SocketKind::Ndp));
                }
            }
            let now = Instant::now();
            let mut wake_at = self.next_check;
            if let Some(Reverse(d)) = self.due.peek() {
                wake_at = wake_at.min(d.at);
            }
            let timeout = wake_at.saturating_duration_since(now);
            // Round up so we never wake a hair early and spin.
            let timeout_ms = timeout.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
            if let Err(e) = sys::poll(&mut fds, timeout_ms) {
                self.event(
                    EventKind::Error,
                    "",
                    format!("poll failed: {}", os_text(&e)),
                );
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
            if fds[0].revents != 0 {
                self.waker.reset();
                while let Ok(cmd) = rx.try_recv() {
                    if let Some(reply) = self.command(cmd) {
                        self.shutdown();
                        let _ = reply.send(Ok(()));
                        return;
                    }
                }
            }
            let mut check = Instant::now() >= self.next_check;
            if fixed == 2 && fds[1].revents != 0 {
                if let Some(m) = &self.monitor {
                    m.drain();
                }
                check = true;
            }
            for (i, (name, kind)) in owners.iter().enumerate() {
                if fds[fixed + i].revents != 0 {
                    self.receive(name, *kind);
                }
            }
            if check {
                self.check_links();
                self.next_check = Instant::now() + LINK_RECHECK;
            }
            self.fire_due();
        }
    }

    /// Handles one command; returns the reply channel when the command was Close.
    fn command(&mut self, cmd: Command) -> Option<Reply<()>> {
        match cmd {
            Command::Set(desired, reply) => {
                let change = diff(&self.desired, &desired);
                let result = self.apply(change);
                if result.is_ok() {
                    self.desired = desired;
                }
                let _ = reply.send(result);
                self.close_unused_links();
            }
            Command::Announce(ip, ifs, reply) => {
                let mut change = Diff::default();
                diff_one(
                    &mut change,
                    ip,
                    self.desired.get(&ip).map(|s| &**s),
                    Some(&ifs),
                );
                let result = self.apply(change);
                if result.is_ok() {
                    self.desired.insert(ip, ifs);
                }
                let _ = reply.send(result);
                self.close_unused_links();
            }
            Command::Release(ip, reply) => {
                let mut change = Diff::default();
                diff_one(&mut change, ip, self.desired.get(&ip).map(|s| &**s), None);
                let result = self.apply(change);
                if result.is_ok() {
                    self.desired.remove(&ip);
                }
                let _ = reply.send(result);
                self.close_unused_links();
            }
            Command::Owned(reply) => {
                let _ = reply.send(Ok(self.desired.clone()));
            }
            Command::Counters(reply) => {
                let mut out = Vec::new();
                for link in self.links.values() {
                    out.extend(
                        link.v4
                            .iter()
                            .map(|(ip, o)| (IpAddr::V4(*ip), link.name.to_string(), o.counters)),
                    );
                    out.extend(
                        link.v6
                            .iter()
                            .map(|(ip, o)| (IpAddr::V6(*ip), link.name.to_string(), o.counters)),
                    );
                }
                out.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
                let _ = reply.send(Ok(out));
            }
            Command::LinkCounters(reply) => {
                let out = self
                    .links
                    .values()
                    .map(|l| (l.name.to_string(), l.counters))
                    .collect();
                let _ = reply.send(Ok(out));
            }
            Command::Close(reply) => return Some(reply),
        }
        None
    }

    /// Applies a change of (IP, interface) pairs. Every interface a new pair needs is checked
    /// (and opened) first, so a bad name or a missing capability changes nothing.
    fn apply(&mut self, change: Diff) -> Result<(), String> {
        let mut failure = None;
        for (_, name) in &change.added {
            if let Err(e) = self.ensure_link(name) {
                failure = Some(e);
                break;
            }
        }
        if let Some(e) = failure {
            return Err(e);
        }
        for (ip, name) in &change.removed {
            self.remove_pair(*ip, name);
        }
        let now = Instant::now();
        for (ip, name) in &change.added {
            self.add_pair(*ip, name, now);
        }
        Ok(())
    }

    /// Closes the sockets of interfaces no IP uses any more. Runs after the caller has its
    /// answer: closing a packet socket waits for an RCU grace period (tens of ms).
    fn close_unused_links(&mut self) {
        self.links.retain(|_, l| !l.is_empty());
    }

    fn ensure_link(&mut self, name: &str) -> Result<(), String> {
        if self.links.contains_key(name) {
            return Ok(());
        }
        let info = sys::link_info(name)
            .map_err(|e| format!("cannot look up interface {name}: {}", os_text(&e)))?
            .ok_or_else(|| format!("unknown interface {name}"))?;
        let mut link = Link::new(name);
        if info.up {
            link.open(info)?;
        } else {
            // Fail now, not when the link comes up, if we could never open its sockets.
            sys::packet_sockets_allowed().map_err(|e| packet_socket_error(name, &e))?;
            self.event(
                EventKind::InterfaceDown,
                name,
                format!("interface {name} is down; announcements wait for it"),
            );
        }
        self.links.insert(name.to_string(), link);
        Ok(())
    }

    fn epoch(&mut self) -> u64 {
        self.next_epoch += 1;
        self.next_epoch
    }

    fn add_pair(&mut self, ip: IpAddr, name: &str, now: Instant) {
        let epoch = self.epoch();
        let immediate = self.schedule.immediate();
        let first = if immediate {
            Some(Duration::ZERO)
        } else {
            self.schedule.delay_after(0)
        };
        let Some(link) = self.links.get_mut(name) else {
            return;
        };
        let shared = link.name.clone();
        let owned = Owned {
            counters: IpCounters::default(),
            epoch,
            rounds: 0,
            last_conflict: None,
        };
        let mut problem = None;
        match ip {
            IpAddr::V4(v4) => {
                link.v4.insert(v4, owned);
            }
            IpAddr::V6(v6) => {
                link.v6.insert(v6, owned);
                let key = group_key(&v6);
                let count = link.groups.entry(key).or_insert(0);
                *count += 1;
                if *count == 1 {
                    problem = link.membership(key, true);
                }
            }
        }
        if let Some(msg) = problem {
            self.event(EventKind::Error, name, msg);
        }
        if let Some(d) = first {
            self.due.push(Reverse(Due {
                at: now + d,
                epoch,
                ip,
                link: shared,
            }));
        }
    }

    fn remove_pair(&mut self, ip: IpAddr, name: &str) {
        let Some(link) = self.links.get_mut(name) else {
            return;
        };
        let mut problem = None;
        match ip {
            IpAddr::V4(v4) => {
                link.v4.remove(&v4);
            }
            IpAddr::V6(v6) => {
                if link.v6.remove(&v6).is_some() {
                    let key = group_key(&v6);
                    if let Some(count) = link.groups.get_mut(&key) {
                        *count -= 1;
                        if *count == 0 {
                            link.groups.remove(&key);
                            problem = link.membership(key, false);
                        }
                    }
                }
            }
        }
        if let Some(msg) = problem {
            self.event(EventKind::Error, name, msg);
        }
    }

    /// Restarts the announcement schedule of every pair on `name` (after up or MAC change).
    fn restart_link(&mut self, name: &str) {
        let now = Instant::now();
        let ips: Vec<IpAddr> = match self.links.get(name) {
            Some(l) => {
                l.v4.keys()
                    .map(|ip| IpAddr::V4(*ip))
                    .chain(l.v6.keys().map(|ip| IpAddr::V6(*ip)))
                    .collect()
            }
            None => return,
        };
        let first = if self.schedule.immediate() {
            Some(Duration::ZERO)
        } else {
            self.schedule.delay_after(0)
        };
        for ip in ips {
            let epoch = self.epoch();
            let Some(link) = self.links.get_mut(name) else {
                return;
            };
            let shared = link.name.clone();
            let owned = match ip {
                IpAddr::V4(v4) => link.v4.get_mut(&v4),
                IpAddr::V6(v6) => link.v6.get_mut(&v6),
            };
            if let Some(o) = owned {
                o.epoch = epoch;
                o.rounds = 0;
                if let Some(d) = first {
                    self.due.push(Reverse(Due {
                        at: now + d,
                        epoch,
                        ip,
                        link: shared,
                    }));
                }
            }
        }
    }

    fn check_links(&mut self) {
        let names: Vec<String> = self.links.keys().cloned().collect();
        for name in names {
            let looked_up = match sys::link_info(&name) {
                Ok(i) => i,
                Err(e) => {
                    self.event(
                        EventKind::Error,
                        &name,
                        format!("cannot look up interface {name}: {}", os_text(&e)),
                    );
                    continue;
                }
            };
            let Some(link) = self.links.get_mut(&name) else {
                continue;
            };
            let was = link.open.as_ref().map(|o| o.info);
            let mut restart = false;
            let event = match (was, looked_up.filter(|i| i.up)) {
                (None, None) => None,
                (Some(_), None) => {
                    link.open = None;
                    let why = if looked_up.is_some() {
                        "is down"
                    } else {
                        "disappeared"
                    };
                    Some((
                        EventKind::InterfaceDown,
                        format!("interface {name} {why}; announcements paused"),
                    ))
                }
                (was, Some(info)) if was.map(|w| w.ifindex) != Some(info.ifindex) => {
                    link.open = None;
                    match link.open(info) {
                        Ok(()) => {
                            restart = true;
                            let mac = ethernet::format_mac(&info.mac);
                            Some((
                                EventKind::InterfaceUp,
                                format!("interface {name} is up with MAC {mac}; re-announcing"),
                            ))
                        }
                        Err(e) => Some((EventKind::Error, e)),
                    }
                }
                (Some(w), Some(info)) if w.mac != info.mac => {
                    if let Some(open) = link.open.as_mut() {
                        open.info = info;
                    }
                    restart = true;
                    let (old, new) = (
                        ethernet::format_mac(&w.mac),
                        ethernet::format_mac(&info.mac),
                    );
                    Some((
                        EventKind::MacChanged,
                        format!("interface {name} changed MAC from {old} to {new}; re-announcing"),
                    ))
                }
                _ => None,
            };
            if let Some((kind, message)) = event {
                self.event(kind, &name, message);
            }
            if restart {
                self.restart_link(&name);
            }
        }
    }

    /// Drains one socket in batches: every batch of requests is answered with one sendmmsg.
    fn receive(&mut self, name: &str, kind: SocketKind) {
        let Some(link) = self.links.get_mut(name) else {
            return;
        };
        let mut handled = 0;
        while handled < RECV_BUDGET {
            let Some(open) = &link.open else { return };
            let sock = match kind {
                SocketKind::Arp => &open.arp,
                SocketKind::Ndp => &open.ndp,
            };
            let n = match sock.recv_many(&mut self.rx_bufs, &mut self.rx_meta) {
                Ok(n) => n,
                Err(e) => {
                    let message = format!("receive on {name} failed: {}", os_text(&e));
                    (self.emit)(Event {
                        kind: EventKind::Error,
                        interface: name.to_string(),
                        message,
                    });
                    return;
                }
            };
            let mut answers = 0;
            self.tx_ips.clear();
            for (buf, &(len, pkt_type)) in self.rx_bufs.iter().zip(&self.rx_meta) {
                if u32::from(pkt_type) == bpf::PACKET_OUTGOING {
                    continue;
                }
                if answers == self.tx_bufs.len() {
                    self.tx_bufs.push(Vec::with_capacity(96));
                }
                let out = &mut self.tx_bufs[answers];
                let answered = match kind {
                    SocketKind::Arp => handle_arp(link, &buf[..len], out, &mut self.conflicts),
                    SocketKind::Ndp => handle_ndp(link, &buf[..len], out, &mut self.conflicts),
                };
                if let Some(ip) = answered {
                    self.tx_ips.push(ip);
                    answers += 1;
                }
            }
            if answers > 0 {
                let Some(open) = &link.open else { return };
                let sock = match kind {
                    SocketKind::Arp => &open.arp,
                    SocketKind::Ndp => &open.ndp,
                };
                let (sent, _) = sock.send_all(&self.tx_bufs[..answers]);
                link.counters.responses_sent += sent as u64;
                for ip in &self.tx_ips[..sent] {
                    let owned = match ip {
                        IpAddr::V4(v4) => link.v4.get_mut(v4),
                        IpAddr::V6(v6) => link.v6.get_mut(v6),
                    };
                    if let Some(o) = owned {
                        o.counters.responses_sent += 1;
                    }
                }
            }
            for (ip, claimer) in self.conflicts.drain(..) {
                let owned = match ip {
                    IpAddr::V4(v4) => link.v4.get_mut(&v4),
                    IpAddr::V6(v6) => link.v6.get_mut(&v6),
                };
                let Some(owned) = owned else { continue };
                let now = Instant::now();
                if owned
                    .last_conflict
                    .is_some_and(|t| now.duration_since(t) < CONFLICT_REPORT_EVERY)
                {
                    continue;
                }
                owned.last_conflict = Some(now);
                let message = format!(
                    "{ip} is also claimed on {name} by {}: another host announces it",
                    ethernet::format_mac(&claimer)
                );
                (self.emit)(Event {
                    kind: EventKind::Conflict,
                    interface: name.to_string(),
                    message,
                });
            }
            handled += n;
            if n < self.rx_bufs.len() {
                return;
            }
        }
    }

    /// Sends every gratuitous round that is due, batched per interface.
    fn fire_due(&mut self) {
        let now = Instant::now();
        // Per interface and family: IPv4 frames leave on the ARP socket, IPv6 on the NDP one.
        let mut batches: BTreeMap<(Arc<str>, bool), Batch> = BTreeMap::new();
        while let Some(Reverse(d)) = self.due.peek() {
            if d.at > now {
                break;
            }
            let Some(Reverse(d)) = self.due.pop() else {
                break;
            };
            let Some(link) = self.links.get_mut(&*d.link) else {
                continue;
            };
            let owned = match d.ip {
                IpAddr::V4(v4) => link.v4.get_mut(&v4),
                IpAddr::V6(v6) => link.v6.get_mut(&v6),
            };
            let Some(owned) = owned else { continue };
            if owned.epoch != d.epoch {
                continue;
            }
            // A down interface gets a fresh schedule when it comes back.
            let Some(open) = &link.open else { continue };
            let mac = open.info.mac;
            owned.rounds += 1;
            if let Some(delay) = self.schedule.delay_after(owned.rounds) {
                // Anchored to the announce time; after a stall, skip missed rounds rather than
                // firing them back to back.
                let mut at = d.at + delay;
                if at <= now {
                    at = now + delay;
                }
                self.due.push(Reverse(Due {
                    at,
                    epoch: d.epoch,
                    ip: d.ip,
                    link: d.link.clone(),
                }));
            }
            let key = (d.link, d.ip.is_ipv6());
            let batch = batches.entry(key.clone()).or_default();
            match d.ip {
                IpAddr::V4(v4) => {
                    let mut f = spare_frame(&mut self.spare_frames);
                    arp::gratuitous_request(&mut f, mac, v4);
                    batch.frames.push(f);
                    let mut f = spare_frame(&mut self.spare_frames);
                    arp::gratuitous_reply(&mut f, mac, v4);
                    batch.frames.push(f);
                }
                IpAddr::V6(v6) => {
                    let mut f = spare_frame(&mut self.spare_frames);
                    ndp::unsolicited_advertisement(&mut f, mac, &v6);
                    batch.frames.push(f);
                }
            }
            batch.ips.push(d.ip);
            // Big rounds go out in chunks as they are built: the first frames leave at once.
            if batch.frames.len() >= GRATUITOUS_CHUNK {
                if let Some(full) = batches.remove(&key) {
                    self.send_gratuitous(&key.0, key.1, full);
                }
            }
        }
        for ((name, v6), batch) in batches {
            self.send_gratuitous(&name, v6, batch);
        }
    }

    /// Sends one batch of gratuitous frames and credits the counters of what left.
    fn send_gratuitous(&mut self, name: &str, v6: bool, Batch { frames, ips }: Batch) {
        let Some(link) = self.links.get_mut(name) else {
            return;
        };
        let Some(open) = &link.open else { return };
        let sock = if v6 { &open.ndp } else { &open.arp };
        let (sent, error) = sock.send_all(&frames);
        // Frames went out in order: credit each IP for the frames of its own that left.
        let mut left = sent;
        for ip in ips {
            let (per_ip, owned) = match ip {
                IpAddr::V4(v4) => (2, link.v4.get_mut(&v4)),
                IpAddr::V6(v6) => (1, link.v6.get_mut(&v6)),
            };
            let n = left.min(per_ip);
            left -= n;
            if let Some(o) = owned {
                o.counters.gratuitous_sent += n as u64;
            }
        }
        link.counters.gratuitous_sent += sent as u64;
        if let Some(e) = error {
            let msg = format!(
                "sending gratuitous frames on {name} failed after {sent} of {}: {}",
                frames.len(),
                os_text(&e)
            );
            self.event(EventKind::Error, name, msg);
        }
        if self.spare_frames.len() < SPARE_FRAMES_MAX {
            self.spare_frames.extend(frames);
        }
    }

    fn shutdown(&mut self) {
        self.spare_frames = Vec::new();
        // Dropping the sockets leaves every multicast group they joined.
        self.links.clear();
        self.due.clear();
    }
}

/// A cleared frame buffer, recycled when one is spare.
fn spare_frame(spare: &mut Vec<Vec<u8>>) -> Vec<u8> {
    spare
        .pop()
        .unwrap_or_else(|| Vec::with_capacity(FRAME_CAPACITY))
}

/// ARP receive path: validate, count, and write the answer to a request for an owned IP into
/// `out`, returning that IP.
fn handle_arp(
    link: &mut Link,
    frame: &[u8],
    out: &mut Vec<u8>,
    conflicts: &mut Vec<(IpAddr, Mac)>,
) -> Option<IpAddr> {
    let open = link.open.as_ref()?;
    let mac: Mac = open.info.mac;
    match arp::parse(frame) {
        ArpFrame::Malformed(_) => {
            link.counters.malformed_dropped += 1;
            None
        }
        ArpFrame::Other => None,
        ArpFrame::Reply(rep) => {
            if rep.sender_mac != mac && link.v4.contains_key(&rep.sender_ip) {
                conflicts.push((IpAddr::V4(rep.sender_ip), rep.sender_mac));
            }
            None
        }
        ArpFrame::Request(req) => {
            // Our own frames coming back through a bridge, or frames for somebody else.
            if req.sender_mac == mac || (req.eth_dst != BROADCAST && req.eth_dst != mac) {
                return None;
            }
            link.counters.requests_received += 1;
            let owned = link.v4.get_mut(&req.target_ip)?;
            owned.counters.requests_received += 1;
            if req.is_announcement() {
                conflicts.push((IpAddr::V4(req.target_ip), req.sender_mac));
                return None;
            }
            arp::reply(out, mac, &req);
            Some(IpAddr::V4(req.target_ip))
        }
    }
}

/// NDP receive path: validate, count, and write the answer to a solicitation for an owned IP
/// into `out`, returning that IP (DAD probes get the all-nodes defence of RFC 4861 §7.2.4
/// instead of a unicast answer).
fn handle_ndp(
    link: &mut Link,
    frame: &[u8],
    out: &mut Vec<u8>,
    conflicts: &mut Vec<(IpAddr, Mac)>,
) -> Option<IpAddr> {
    let open = link.open.as_ref()?;
    let mac: Mac = open.info.mac;
    match ndp::parse(frame) {
        NdpFrame::Malformed(_) => {
            link.counters.malformed_dropped += 1;
            None
        }
        NdpFrame::Other => None,
        NdpFrame::Advertisement(na) => {
            let claimed = na.claimed_mac();
            if na.eth_src != mac && claimed != mac && link.v6.contains_key(&na.target) {
                conflicts.push((IpAddr::V6(na.target), claimed));
            }
            None
        }
        NdpFrame::Solicitation(ns) => {
            if ns.eth_src == mac {
                return None;
            }
            // A solicitation is for us when sent to the target's solicited-node group or to the
            // target itself; anything else on the wire (promiscuous capture) is not.
            if ns.dst_ip != ethernet::solicited_node(&ns.target) && ns.dst_ip != ns.target {
                return None;
            }
            link.counters.requests_received += 1;
            let owned = link.v6.get_mut(&ns.target)?;
            owned.counters.requests_received += 1;
            ndp::answer(out, mac, &ns);
            Some(IpAddr::V6(ns.target))
        }
    }
}
