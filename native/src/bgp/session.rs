//! One tokio task per peer: drives the sans-IO FSM with real sockets and timers.
//!
//! - Reading: bytes are framed and decoded by the codec; every message becomes an FSM input.
//! - Writing: whole messages are appended to an output buffer that is written as the socket
//!   accepts it; UPDATEs are generated lazily from a queue (`UpdateQueue`) in chunks of about
//!   128 KiB, so a million prefixes go out in few large writes without holding the whole
//!   encoded table, and reading (keepalives, the hold timer) never waits for writing.
//! - Collisions (RFC 4271 §6.8): an incoming connection while ours is in OpenSent/OpenConfirm
//!   gets its own FSM ("second link"); once the peer's BGP identifier is known the loser is
//!   closed with Cease 6/7.

use std::collections::HashSet;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::adj_rib_out::{diff, Families, PeerView};
use super::codec::{
    self, describe, encode_keepalive, CodecContext, Family, LocalOpen, Message, Notification, Open,
    Prefix, RouteRefresh, SUBTYPE_BORR, SUBTYPE_EORR, SUBTYPE_NORMAL,
};
use super::events::{BgpEvent, EventSink};
use super::fsm::{
    codes, Action, Fsm, FsmConfig, Input, Notify, PeerOpen, State, StopReason, Timer,
};
use super::peer_config::PeerConfig;
use super::socket::{self, ConnectOptions};
use super::status::PeerStatusData;
use super::timers::Timers;
use super::update_queue::{AttrTable, PeerContext, UpdateQueue};
use crate::bfd::service::{self as bfd_service, BfdSession, Transition};
use crate::bfd::status::{diag_text, BfdStatusData};

/// Output is refilled from the UPDATE queue up to this many bytes per round.
const FILL_TARGET: usize = 128 * 1024;
/// Read buffer growth step.
const READ_CHUNK: usize = 16 * 1024;
/// Bytes read per wake-up before the loop looks at timers, commands and writes again.
const MAX_READ_PER_WAKE: usize = 256 * 1024;
/// How long a closing connection may take to flush its last bytes (the NOTIFICATION).
const FLUSH_TIMEOUT: Duration = Duration::from_secs(3);

/// The routes a peer should have: its view and the attribute sets the view refers to.
#[derive(Clone)]
pub struct Routes {
    pub view: Arc<PeerView>,
    pub attrs: Arc<AttrTable>,
}

/// What the speaker tells a session.
pub enum PeerCommand {
    /// An accepted connection from this peer's address.
    Incoming(TcpStream),
    Routes(Routes),
    /// Send Cease with this reason on any open connection, flush, end the task.
    Stop(StopReason, oneshot::Sender<()>),
    /// The peer's BFD session went from Up to Down (with this local diagnostic).
    BfdDown(u8),
}

/// Shared between the session task and the speaker.
pub struct SessionShared {
    pub config: PeerConfig,
    pub status: Mutex<PeerStatusData>,
    pub events: EventSink,
    /// Present when the peer has BFD configured.
    pub bfd: Option<Arc<Mutex<BfdStatusData>>>,
}

pub struct SessionHandle {
    pub shared: Arc<SessionShared>,
    pub tx: mpsc::UnboundedSender<PeerCommand>,
    pub task: JoinHandle<()>,
}

pub fn spawn(config: PeerConfig, routes: Routes, events: EventSink) -> SessionHandle {
    let bfd_status = config
        .bfd
        .map(|_| Arc::new(Mutex::new(BfdStatusData::default())));
    let shared = Arc::new(SessionShared {
        config,
        status: Mutex::new(PeerStatusData::default()),
        events,
        bfd: bfd_status,
    });
    let (tx, rx) = mpsc::unbounded_channel();
    let mut session = Session::new(shared.clone(), routes);
    session.bfd = start_bfd(&shared, &tx);
    let task = tokio::spawn(session.run(rx));
    SessionHandle { shared, tx, task }
}

/// Starts the peer's BFD session, if configured. A failure (port 3784 taken, no route)
/// leaves BGP running without BFD and says why in the BFD status and an error event.
fn start_bfd(
    shared: &Arc<SessionShared>,
    tx: &mpsc::UnboundedSender<PeerCommand>,
) -> Option<BfdSession> {
    let (cfg, status) = (shared.config.bfd?, shared.bfd.clone()?);
    // Weak: the BFD session must not keep the BGP session's command channel open.
    let weak = tx.downgrade();
    let listener = Arc::new(move |t: Transition| {
        if t.is_failure() {
            if let Some(tx) = weak.upgrade() {
                let _ = tx.send(PeerCommand::BfdDown(t.diag));
            }
        }
    });
    let c = &shared.config;
    match bfd_service::start(c.address, c.source_address, cfg, status.clone(), listener) {
        Ok(s) => Some(s),
        Err(e) => {
            let msg = format!("BFD not running: {e}");
            status.lock().unwrap_or_else(|e| e.into_inner()).last_error = Some(msg.clone());
            (shared.events)(BgpEvent::error(&c.name, msg, None));
            None
        }
    }
}

fn fsm_config(c: &PeerConfig) -> FsmConfig {
    // Seed the retry jitter from the peer address so peers spread out but runs are stable.
    let seed = match c.address {
        IpAddr::V4(a) => u64::from(u32::from(a)),
        IpAddr::V6(a) => (u128::from(a) as u64) ^ ((u128::from(a) >> 64) as u64),
    } ^ u64::from(c.port) << 32
        ^ 0x9e37_79b9_7f4a_7c15;
    FsmConfig {
        local_asn: c.local_asn,
        peer_asn: c.peer_asn,
        router_id: u32::from(c.router_id),
        hold_time: c.hold_time,
        keepalive: c.keepalive,
        connect_retry: c.connect_retry,
        connect_retry_max: c.connect_retry_max,
        passive: c.passive,
        jitter_seed: seed,
    }
}

/// One TCP connection with its buffers.
struct Conn {
    rd: OwnedReadHalf,
    wr: OwnedWriteHalf,
    inbuf: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    /// We initiated it (for collision resolution).
    outbound: bool,
    local: SocketAddr,
}

impl Conn {
    fn new(stream: TcpStream, outbound: bool) -> io::Result<Conn> {
        let local = socket::canonical(stream.local_addr()?);
        let (rd, wr) = stream.into_split();
        Ok(Conn {
            rd,
            wr,
            inbuf: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
            outbound,
            local,
        })
    }

    fn pending_out(&self) -> usize {
        self.out.len() - self.out_pos
    }

    /// Writes what is left and shuts the write side (bounded by FLUSH_TIMEOUT).
    async fn close(mut self) {
        let pos = self.out_pos;
        let _ = tokio::time::timeout(FLUSH_TIMEOUT, async {
            self.wr.write_all(&self.out[pos..]).await?;
            self.wr.shutdown().await
        })
        .await;
    }
}

/// An FSM with its timers and its connection (RFC 4271 §8: one FSM per connection).
struct Link {
    fsm: Fsm,
    timers: Timers,
    conn: Option<Conn>,
    /// The peer's OPEN, once received.
    peer_open: Option<Open>,
    /// The UPDATE waiting for the FSM's ProcessUpdate.
    pending_update: Option<Box<codec::Update>>,
    /// The ROUTE-REFRESH request waiting for the FSM's ResendTable.
    pending_refresh: Option<RouteRefresh>,
}

impl Link {
    fn new(fsm: Fsm) -> Self {
        Link {
            fsm,
            timers: Timers::default(),
            conn: None,
            peer_open: None,
            pending_update: None,
            pending_refresh: None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Which {
    Main,
    Second,
}

enum Wake {
    Command(Option<PeerCommand>),
    Connected(io::Result<TcpStream>),
    Read(Which, io::Result<()>),
    Wrote(Which, io::Result<usize>),
    Timer,
}

/// The per-session state beyond the FSM: what is advertised, what was received.
struct Session {
    shared: Arc<SessionShared>,
    main: Link,
    second: Option<Link>,
    connecting: Option<JoinHandle<io::Result<TcpStream>>>,
    routes: Routes,
    /// What this session has queued for the peer since Established (the Adj-RIB-Out state).
    advertised: Arc<PeerView>,
    families: Families,
    queue: UpdateQueue,
    peer_ctx: Option<PeerContext>,
    codec_ctx: CodecContext,
    /// Prefixes held from the peer (counted, not used): compact keys, address | length.
    received_v4: HashSet<u64>,
    received_v6: HashSet<[u8; 17]>,
    stopping: bool,
    /// Connections closed while stopping: flushed before `stop` returns.
    closing: Vec<Conn>,
    /// Set when the second link just became the main one (collision won by the incoming).
    promoted: bool,
    enhanced_route_refresh: bool,
    bfd: Option<BfdSession>,
}

/// Waits until the connection is readable; no buffer is held while waiting, so an idle
/// session costs no read buffer.
async fn readable(part: ReadPart<'_>) -> io::Result<()> {
    match part {
        Some(rd) => rd.readable().await,
        None => std::future::pending().await,
    }
}

async fn write_some(wr: WritePart<'_>) -> io::Result<usize> {
    match wr {
        Some((w, b)) => w.write(b).await,
        None => std::future::pending().await,
    }
}

impl Session {
    fn new(shared: Arc<SessionShared>, routes: Routes) -> Self {
        let fsm = Fsm::new(fsm_config(&shared.config));
        Session {
            shared,
            main: Link::new(fsm),
            second: None,
            connecting: None,
            routes,
            advertised: PeerView::empty(),
            families: Families {
                v4: false,
                v6: false,
            },
            queue: UpdateQueue::default(),
            peer_ctx: None,
            codec_ctx: CodecContext::default(),
            received_v4: HashSet::new(),
            received_v6: HashSet::new(),
            stopping: false,
            closing: Vec::new(),
            promoted: false,
            enhanced_route_refresh: false,
            bfd: None,
        }
    }

    fn config(&self) -> &PeerConfig {
        &self.shared.config
    }

    fn status(&self) -> std::sync::MutexGuard<'_, PeerStatusData> {
        self.shared.status.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn emit(&self, e: BgpEvent) {
        (self.shared.events)(e)
    }

    fn link(&mut self, w: Which) -> Option<&mut Link> {
        match w {
            Which::Main => Some(&mut self.main),
            Which::Second => self.second.as_mut(),
        }
    }

    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<PeerCommand>) {
        self.feed(Which::Main, Input::ManualStart);
        loop {
            let wake = self.wait(&mut rx).await;
            match wake {
                Wake::Command(None) => {
                    self.stop(StopReason::AdminShutdown).await;
                    return;
                }
                Wake::Command(Some(PeerCommand::Stop(reason, done))) => {
                    self.stop(reason).await;
                    let _ = done.send(());
                    return;
                }
                Wake::Command(Some(PeerCommand::Incoming(stream))) => self.incoming(stream),
                Wake::Command(Some(PeerCommand::Routes(r))) => self.set_routes(r),
                Wake::Command(Some(PeerCommand::BfdDown(diag))) => self.bfd_down(diag),
                Wake::Connected(res) => {
                    self.connecting = None;
                    self.connected(res);
                }
                Wake::Read(w, res) => self.on_read(w, res),
                Wake::Wrote(w, res) => self.on_write(w, res),
                Wake::Timer => self.on_timers(),
            }
        }
    }

    async fn wait(&mut self, rx: &mut mpsc::UnboundedReceiver<PeerCommand>) -> Wake {
        let deadline = [
            self.main.timers.next(),
            self.second.as_ref().and_then(|l| l.timers.next()),
        ]
        .into_iter()
        .flatten()
        .min()
        .map(Instant::from_std);
        let has_connecting = self.connecting.is_some();
        let has_deadline = deadline.is_some();
        let connecting = self.connecting.as_mut();
        let (main_rd, main_wr) = split_io(&mut self.main);
        let (sec_rd, sec_wr) = match self.second.as_mut() {
            Some(l) => split_io(l),
            None => (None, None),
        };
        tokio::select! {
            biased;
            cmd = rx.recv() => Wake::Command(cmd),
            res = async { connecting.expect("guarded").await }, if has_connecting => {
                Wake::Connected(res.unwrap_or_else(|e| Err(io::Error::other(e))))
            }
            r = readable(main_rd) => Wake::Read(Which::Main, r),
            r = readable(sec_rd) => Wake::Read(Which::Second, r),
            _ = async { tokio::time::sleep_until(deadline.expect("guarded")).await }, if has_deadline => Wake::Timer,
            r = write_some(main_wr) => Wake::Wrote(Which::Main, r),
            r = write_some(sec_wr) => Wake::Wrote(Which::Second, r),
        }
    }

    // ------------------------------------------------------------------ inputs

    fn connected(&mut self, res: io::Result<TcpStream>) {
        match res.and_then(|s| Conn::new(s, true)) {
            Ok(conn)
                if matches!(self.main.fsm.state(), State::Connect | State::Active)
                    && self.main.conn.is_none() =>
            {
                self.main.conn = Some(conn);
                self.feed(Which::Main, Input::TcpConnected);
            }
            // An incoming connection got there first: ours becomes the second candidate and
            // collision detection picks one (dropping ours here could leave both sides with
            // each other's abandoned connection).
            Ok(conn)
                if matches!(self.main.fsm.state(), State::OpenSent | State::OpenConfirm)
                    && self.second.is_none() =>
            {
                self.start_second(conn);
            }
            Ok(conn) => {
                tokio::spawn(conn.close());
            }
            Err(e) => {
                self.status().last_error = Some(format!("connect to {}: {e}", self.peer_addr()));
                self.feed(Which::Main, Input::TcpConnectFailed);
            }
        }
    }

    /// Runs a second FSM on `conn` next to the main one until the collision is resolved.
    fn start_second(&mut self, conn: Conn) {
        let mut link = Link::new(Fsm::new_accepting(fsm_config(self.config())));
        link.conn = Some(conn);
        self.second = Some(link);
        // Resolution waits for the OPEN on this connection (§6.8): if the peer drops it
        // without one (it already chose the other), the main session simply carries on.
        self.feed(Which::Second, Input::TcpConnected);
    }

    fn peer_addr(&self) -> SocketAddr {
        SocketAddr::new(self.config().address, self.config().port)
    }

    fn incoming(&mut self, stream: TcpStream) {
        let _ = socket::prepare_accepted(&stream, self.config().ttl());
        // Backing off after an error: the peer's new connection restarts the session at
        // once (RFC 4271 event 5) instead of being refused; otherwise two speakers that back
        // off out of phase keep refusing each other.
        if self.main.fsm.state() == State::Idle && self.main.fsm.is_started() {
            self.feed(Which::Main, Input::AutomaticStartPassive);
        }
        match self.main.fsm.state() {
            State::Connect | State::Active if self.main.conn.is_none() => {
                // Our own attempt (if any) keeps going: if it completes it becomes the second
                // candidate, and collision detection keeps the right one.
                match Conn::new(stream, false) {
                    Ok(conn) => {
                        self.main.conn = Some(conn);
                        self.feed(Which::Main, Input::TcpConnected);
                    }
                    Err(e) => self.status().last_error = Some(format!("incoming connection: {e}")),
                }
            }
            State::OpenSent | State::OpenConfirm if self.second.is_none() => {
                let Ok(conn) = Conn::new(stream, false) else {
                    return;
                };
                self.start_second(conn);
            }
            // Idle (backing off or stopped), Established, or a collision already in progress:
            // refuse the newcomer (§6.8: an Established session is kept).
            state => {
                let n = Notification::cease(super::fsm::codes::CEASE_COLLISION);
                if state == State::Idle {
                    drop(stream);
                } else {
                    tokio::spawn(async move {
                        let mut s = stream;
                        let mut b = Vec::new();
                        n.encode_into(&mut b);
                        let _ = tokio::time::timeout(FLUSH_TIMEOUT, s.write_all(&b)).await;
                    });
                }
            }
        }
    }

    fn set_routes(&mut self, routes: Routes) {
        self.routes = routes;
        if self.main.fsm.state() == State::Established && !self.stopping {
            self.queue_view_change();
            self.refill(Which::Main);
        }
    }

    /// Queues the difference between what was queued before and the current desired view.
    fn queue_view_change(&mut self) {
        if Arc::ptr_eq(&self.advertised, &self.routes.view) {
            return;
        }
        let d = diff(&self.advertised, &self.routes.view, self.families);
        self.advertised = self.routes.view.clone();
        self.queue.push_diff(d, self.routes.attrs.clone());
        let n = self.advertised_count();
        self.status().prefixes_advertised = n;
    }

    fn advertised_count(&self) -> u64 {
        let mut n = 0;
        if self.families.v4 {
            n += self.advertised.len_v4();
        }
        if self.families.v6 {
            n += self.advertised.len_v6();
        }
        n as u64
    }

    /// Reads what the socket has (up to a bound, so one busy peer cannot starve the rest of
    /// the loop), then processes the complete messages.
    fn on_read(&mut self, w: Which, res: io::Result<()>) {
        if let Err(e) = res {
            self.status().last_error = Some(format!("read: {e}"));
            self.feed(w, Input::TcpClosed);
            return;
        }
        let Some(conn) = self.link(w).and_then(|l| l.conn.as_mut()) else {
            return;
        };
        let mut total = 0;
        let outcome = loop {
            conn.inbuf.reserve(READ_CHUNK);
            match conn.rd.try_read_buf(&mut conn.inbuf) {
                Ok(0) => break Err(None),
                Ok(n) => {
                    total += n;
                    if total >= MAX_READ_PER_WAKE {
                        break Ok(());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Ok(()),
                Err(e) => break Err(Some(e)),
            }
        };
        if total > 0 {
            self.process_input(w);
        }
        match outcome {
            Ok(()) => {}
            Err(None) => {
                self.status().last_error = Some("connection closed by the peer".into());
                self.feed(w, Input::TcpClosed);
            }
            Err(Some(e)) => {
                self.status().last_error = Some(format!("read: {e}"));
                self.feed(w, Input::TcpClosed);
            }
        }
    }

    /// Frames and decodes every complete message in the read buffer.
    fn process_input(&mut self, mut w: Which) {
        self.promoted = false;
        loop {
            // Re-read each time: Established (4-octet AS or not) can happen mid-buffer.
            let ctx = self.codec_ctx;
            let Some(conn) = self.link(w).and_then(|l| l.conn.as_mut()) else {
                return;
            };
            let framed = match codec::frame(&conn.inbuf) {
                Ok(None) => break,
                Ok(Some((_, len))) => codec::decode(&conn.inbuf[..len], &ctx).map(|m| (m, len)),
                Err(e) => Err(e),
            };
            match framed {
                Ok((msg, len)) => {
                    // Consume before acting: the message may move this connection to the
                    // other link (collision) or close it.
                    conn.inbuf.drain(..len);
                    self.status().messages_in += 1;
                    self.on_message(w, msg);
                    if w == Which::Second && std::mem::take(&mut self.promoted) {
                        w = Which::Main;
                    }
                }
                Err(e) => {
                    let reason = e.to_string();
                    self.feed(
                        w,
                        Input::MessageError(Notify {
                            code: e.code,
                            subcode: e.subcode,
                            data: e.data,
                        }),
                    );
                    self.status().last_error = Some(format!("sent NOTIFICATION {reason}"));
                    return;
                }
            }
        }
        if let Some(conn) = self.link(w).and_then(|l| l.conn.as_mut()) {
            if conn.inbuf.is_empty() {
                conn.inbuf = Vec::new();
            }
        }
    }

    fn on_message(&mut self, w: Which, msg: Message) {
        match msg {
            Message::Open(open) => {
                let peer = PeerOpen {
                    asn: open.peer_asn(),
                    hold_time: open.hold_time,
                    router_id: u32::from(open.bgp_id),
                };
                if let Some(l) = self.link(w) {
                    l.peer_open = Some(open);
                }
                self.feed(w, Input::OpenReceived(peer));
                self.check_collision();
            }
            Message::Update(u) => {
                self.status().updates_in += 1;
                if let Some(l) = self.link(w) {
                    l.pending_update = Some(u);
                }
                self.feed(w, Input::UpdateReceived);
            }
            Message::Notification(n) => {
                {
                    let mut st = self.status();
                    st.last_notification_received = Some((n.code, n.subcode));
                    st.last_error = Some(format!(
                        "received NOTIFICATION {}",
                        describe(n.code, n.subcode)
                    ));
                }
                let mut message = format!("received NOTIFICATION {}", describe(n.code, n.subcode));
                if let Some(text) = n.shutdown_communication() {
                    message.push_str(&format!(": {text}"));
                }
                self.emit(BgpEvent::error(
                    &self.config().name,
                    message,
                    Some((n.code, n.subcode)),
                ));
                self.feed(
                    w,
                    Input::NotificationReceived {
                        code: n.code,
                        subcode: n.subcode,
                    },
                );
            }
            Message::Keepalive => self.feed(w, Input::KeepaliveReceived),
            Message::RouteRefresh(rr) => {
                // Only a normal request (subtype 0) asks for our routes; BoRR/EoRR (RFC 7313)
                // frame the peer's own re-advertisement, which we only count.
                if let Some(l) = self.link(w) {
                    l.pending_refresh = (rr.subtype == SUBTYPE_NORMAL).then_some(rr);
                }
                self.feed(w, Input::RouteRefreshReceived);
            }
        }
    }

    fn on_write(&mut self, w: Which, res: io::Result<usize>) {
        match res {
            Ok(n) => {
                let Some(conn) = self.link(w).and_then(|l| l.conn.as_mut()) else {
                    return;
                };
                conn.out_pos += n;
                if conn.out_pos == conn.out.len() {
                    conn.out.clear();
                    conn.out_pos = 0;
                    self.refill(w);
                    // Idle sessions hold no write buffer.
                    if let Some(conn) = self.link(w).and_then(|l| l.conn.as_mut()) {
                        if conn.out.is_empty() {
                            conn.out = Vec::new();
                        }
                    }
                }
            }
            Err(e) => {
                self.status().last_error = Some(format!("write: {e}"));
                self.feed(w, Input::TcpClosed);
            }
        }
    }

    /// Tops the output buffer up from the UPDATE queue (main link, Established only).
    fn refill(&mut self, w: Which) {
        if w != Which::Main || self.main.fsm.state() != State::Established {
            return;
        }
        let Some(ctx) = self.peer_ctx.as_mut() else {
            return;
        };
        let Some(conn) = self.main.conn.as_mut() else {
            return;
        };
        if conn.pending_out() >= FILL_TARGET {
            return;
        }
        let filled = self.queue.fill(ctx, &mut conn.out, FILL_TARGET);
        let updates = filled.messages - filled.other_messages;
        let mut st = self.shared.status.lock().unwrap_or_else(|e| e.into_inner());
        st.messages_out += filled.messages;
        st.updates_out += updates;
        drop(st);
        if updates > 0 {
            // End-of-RIB markers count: they are UPDATEs on the wire too.
            self.feed(Which::Main, Input::UpdateSent);
        }
        for family in filled.end_of_rib {
            self.emit(BgpEvent::end_of_rib(
                &self.config().name,
                family_name(family),
            ));
        }
    }

    fn on_timers(&mut self) {
        let now = std::time::Instant::now();
        for w in [Which::Main, Which::Second] {
            let expired = match self.link(w) {
                Some(l) => l.timers.take_expired(now),
                None => continue,
            };
            for t in expired {
                if t == Timer::ConnectRetry && w == Which::Main && self.connecting.is_some() {
                    let msg = format!("connect to {}: no answer before the retry timer (filtered, or TCP MD5 mismatch?)", self.peer_addr());
                    self.status().last_error = Some(msg);
                }
                if t == Timer::Hold {
                    let msg = format!(
                        "hold timer expired ({} s without a message)",
                        self.negotiated_hold(w)
                    );
                    self.status().last_error = Some(msg);
                }
                self.feed(w, Input::TimerExpired(t));
            }
        }
    }

    /// RFC 5882 §4.3: the forwarding path to the peer failed, so the session is closed at
    /// once (Cease "BFD Down", RFC 9384) instead of waiting out the hold timer; the FSM's
    /// restart backoff then applies as after any error.
    fn bfd_down(&mut self, diag: u8) {
        for w in [Which::Main, Which::Second] {
            let connected = self.link(w).is_some_and(|l| {
                matches!(
                    l.fsm.state(),
                    State::OpenSent | State::OpenConfirm | State::Established
                )
            });
            if !connected {
                continue;
            }
            let msg = format!("BFD down ({})", diag_text(diag));
            self.status().last_error = Some(msg.clone());
            let name = self.config().name.clone();
            self.emit(BgpEvent::error(
                &name,
                msg,
                Some((codes::CEASE, codes::CEASE_BFD_DOWN)),
            ));
            self.feed(
                w,
                Input::MessageError(Notify::new(codes::CEASE, codes::CEASE_BFD_DOWN)),
            );
        }
    }

    fn negotiated_hold(&mut self, w: Which) -> u16 {
        self.link(w)
            .and_then(|l| l.fsm.negotiated())
            .map_or(240, |n| n.hold_time)
    }

    // -------------------------------------------------------------- FSM driver

    fn feed(&mut self, w: Which, input: Input) {
        let Some(link) = self.link(w) else { return };
        let actions = link.fsm.handle(input);
        for a in actions {
            self.apply(w, a);
        }
        // A second link that ended (lost, failed) is simply forgotten.
        if w == Which::Second
            && self
                .second
                .as_ref()
                .is_some_and(|l| l.fsm.state() == State::Idle)
        {
            self.second = None;
        }
    }

    fn apply(&mut self, w: Which, action: Action) {
        let now = std::time::Instant::now();
        match action {
            Action::Connect => {
                if w == Which::Main && self.connecting.is_none() && self.main.conn.is_none() {
                    let c = self.config();
                    let opts = ConnectOptions {
                        peer: SocketAddr::new(c.address, c.port),
                        source: c.source_address,
                        password: c.password.clone(),
                        ttl: c.ttl(),
                    };
                    self.connecting =
                        Some(tokio::spawn(async move { socket::connect(&opts).await }));
                }
            }
            Action::CloseConnection => {
                if w == Which::Main {
                    if let Some(c) = self.connecting.take() {
                        c.abort();
                    }
                }
                let Some(link) = self.link(w) else { return };
                link.peer_open = None;
                link.pending_update = None;
                link.pending_refresh = None;
                if let Some(conn) = link.conn.take() {
                    if !self.stopping {
                        tokio::spawn(conn.close());
                    } else {
                        self.closing.push(conn);
                    }
                }
            }
            Action::SendOpen => {
                let open = self.local_open(w);
                self.send(w, |out| open.encode_into(out));
            }
            Action::SendKeepalive => self.send(w, encode_keepalive),
            Action::SendNotification(n) => {
                let text = describe(n.code, n.subcode);
                if w == Which::Main {
                    let mut st = self.status();
                    st.last_notification_sent = Some((n.code, n.subcode));
                    st.last_error = Some(format!("sent NOTIFICATION {text}"));
                }
                self.emit(BgpEvent::error(
                    &self.config().name,
                    format!("sent NOTIFICATION {text}"),
                    Some((n.code, n.subcode)),
                ));
                let msg = Notification::new(n.code, n.subcode, n.data);
                self.send(w, |out| msg.encode_into(out));
            }
            Action::StartTimer(t, d) => {
                if let Some(l) = self.link(w) {
                    l.timers.start(t, d, now);
                }
            }
            Action::StopTimer(t) => {
                if let Some(l) = self.link(w) {
                    l.timers.stop(t);
                }
            }
            Action::Established(neg) => {
                if w == Which::Second {
                    // Collision resolution happens in OpenConfirm; a second link cannot get here
                    // while the main one lives, but promote it defensively.
                    self.promote_second();
                }
                self.on_established(neg);
            }
            Action::SessionDown => {
                self.queue.clear();
                self.advertised = PeerView::empty();
                self.peer_ctx = None;
                self.received_v4.clear();
                self.received_v6.clear();
                let mut st = self.status();
                st.prefixes_advertised = 0;
                st.prefixes_received = 0;
                st.established_at = None;
            }
            Action::ResendTable => {
                let Some(rr) = self.link(w).and_then(|l| l.pending_refresh.take()) else {
                    return;
                };
                // RFC 2918: the request names one family; ignore families not negotiated.
                let families = Families {
                    v4: self.families.v4 && rr.family == Family::IPV4_UNICAST,
                    v6: self.families.v6 && rr.family == Family::IPV6_UNICAST,
                };
                if !families.v4 && !families.v6 {
                    return;
                }
                let marker = |subtype| {
                    let mut b = Vec::new();
                    RouteRefresh {
                        family: rr.family,
                        subtype,
                    }
                    .encode_into(&mut b);
                    b
                };
                // RFC 7313: with enhanced route refresh, frame the table with BoRR/EoRR.
                if self.enhanced_route_refresh {
                    self.queue.push_message(marker(SUBTYPE_BORR));
                }
                self.queue.push_full_view(
                    self.advertised.clone(),
                    self.routes.attrs.clone(),
                    families,
                );
                if self.enhanced_route_refresh {
                    self.queue.push_message(marker(SUBTYPE_EORR));
                }
                self.refill(Which::Main);
            }
            Action::ProcessUpdate => {
                let u = self.link(w).and_then(|l| l.pending_update.take());
                if let Some(u) = u {
                    self.count_received(&u);
                }
            }
            Action::StateChanged { from, to } => {
                if w == Which::Main {
                    self.status().state = to;
                    self.emit(BgpEvent::state(&self.config().name, from, to));
                }
            }
        }
    }

    fn send(&mut self, w: Which, encode: impl FnOnce(&mut Vec<u8>)) {
        let Some(conn) = self.link(w).and_then(|l| l.conn.as_mut()) else {
            return;
        };
        encode(&mut conn.out);
        self.status().messages_out += 1;
    }

    fn local_open(&mut self, w: Which) -> Open {
        let c = self.config().clone();
        let local = self
            .link(w)
            .and_then(|l| l.conn.as_ref())
            .map(|c| c.local.ip());
        let mut families = Vec::new();
        // IPv4 routes need an IPv4 next hop: only offer the family when we have one.
        if c.ipv4 && (c.next_hop_v4.is_some() || matches!(local, Some(IpAddr::V4(_)))) {
            families.push(Family::IPV4_UNICAST);
        }
        if c.ipv6 {
            families.push(Family::IPV6_UNICAST);
        }
        Open::local(&LocalOpen {
            asn: c.local_asn,
            hold_time: c.hold_time,
            bgp_id: c.router_id,
            families,
            graceful_restart: c.graceful_restart,
        })
    }

    fn on_established(&mut self, neg: super::fsm::Negotiated) {
        let c = self.config().clone();
        let Some(open) = self.main.peer_open.clone() else {
            return;
        };
        let local = self.main.conn.as_ref().map(|c| c.local);
        let ours = self.local_open(Which::Main).families();
        let theirs = open.families();
        let both = |f: Family| ours.contains(&f) && theirs.contains(&f);
        self.families = Families {
            v4: both(Family::IPV4_UNICAST),
            v6: both(Family::IPV6_UNICAST),
        };
        let four_octet = open.four_octet_as().is_some();
        // We always offer enhanced route refresh (the codec's OPEN); it is on when the peer does too.
        self.enhanced_route_refresh = open.supports_enhanced_route_refresh();
        self.codec_ctx = CodecContext {
            four_octet_as: four_octet,
        };
        let local_ip = local.map(|a| a.ip());
        let next_hop_v4 = c.next_hop_v4.or(match local_ip {
            Some(IpAddr::V4(a)) => Some(a),
            _ => None,
        });
        let next_hop_v6 = c.next_hop_v6.or(local_ip.map(socket::v4_mapped));
        self.peer_ctx = Some(PeerContext::new(
            c.local_asn,
            c.peer_asn,
            four_octet,
            next_hop_v4,
            next_hop_v6,
        ));
        {
            let mut st = self.status();
            st.established_at = Some(std::time::Instant::now());
            st.established_transitions += 1;
            st.local_address = local_ip;
            st.negotiated_hold_time = Some(neg.hold_time);
            st.peer_router_id = Some(Ipv4Addr::from(neg.peer_router_id));
            st.four_octet_asn = Some(four_octet);
            st.peer_graceful_restart = Some(open.graceful_restart().is_some());
            st.prefixes_received = 0;
        }
        // The initial table, read in place from the shared view (no per-session copy), then
        // End-of-RIB per negotiated family (RFC 4724 §2).
        self.queue.clear();
        self.advertised = self.routes.view.clone();
        self.queue.push_full_view(
            self.advertised.clone(),
            self.routes.attrs.clone(),
            self.families,
        );
        if self.families.v4 {
            self.queue.push_end_of_rib(Family::IPV4_UNICAST);
        }
        if self.families.v6 {
            self.queue.push_end_of_rib(Family::IPV6_UNICAST);
        }
        let n = self.advertised_count();
        self.status().prefixes_advertised = n;
        self.refill(Which::Main);
    }

    fn count_received(&mut self, u: &codec::Update) {
        for p in u.withdrawn_prefixes() {
            match p {
                Prefix::V4(p) => self.received_v4.remove(&key_v4(&p)),
                Prefix::V6(p) => self.received_v6.remove(&key_v6(&p)),
            };
        }
        for p in u.announced() {
            match p {
                Prefix::V4(p) => self.received_v4.insert(key_v4(&p)),
                Prefix::V6(p) => self.received_v6.insert(key_v6(&p)),
            };
        }
        if !u.errors.is_empty() {
            let msg = format!("UPDATE error handled per RFC 7606: {}", u.errors.join("; "));
            self.emit(BgpEvent::error(&self.config().name, msg, None));
        }
        let n = (self.received_v4.len() + self.received_v6.len()) as u64;
        self.status().prefixes_received = n;
    }

    // ------------------------------------------------------------- collisions

    /// RFC 4271 §6.8: with two connections to the same peer, once the peer's BGP identifier
    /// is known, keep the connection initiated by the side with the higher identifier.
    fn check_collision(&mut self) {
        let Some(second) = self.second.as_ref() else {
            return;
        };
        let remote_id = match (&self.main.peer_open, &second.peer_open) {
            (Some(o), _) | (None, Some(o)) => u32::from(o.bgp_id),
            (None, None) => return,
        };
        let live = |s: State| matches!(s, State::OpenSent | State::OpenConfirm);
        if !live(self.main.fsm.state()) || !live(second.fsm.state()) {
            return;
        }
        let local_id = u32::from(self.config().router_id);
        let main_outbound = self.main.conn.as_ref().is_some_and(|c| c.outbound);
        let second_outbound = second.conn.as_ref().is_some_and(|c| c.outbound);
        // Keep the connection opened by the side with the higher BGP identifier; two
        // connections in the same direction cannot be told apart that way: keep the older.
        let keep_outbound = local_id > remote_id;
        let main_loses = main_outbound != second_outbound && main_outbound != keep_outbound;
        if main_loses {
            let actions = self.main.fsm.handle(Input::CollisionLost);
            for a in actions {
                if !matches!(a, Action::StateChanged { .. } | Action::SessionDown) {
                    self.apply(Which::Main, a);
                }
            }
            self.promote_second();
        } else {
            self.feed(Which::Second, Input::CollisionLost);
        }
        let kept_outbound = if main_loses {
            second_outbound
        } else {
            main_outbound
        };
        self.emit(BgpEvent::error(
            &self.config().name,
            format!(
                "connection collision resolved (RFC 4271 §6.8): kept the connection opened by {}",
                if kept_outbound { "us" } else { "the peer" }
            ),
            Some((6, 7)),
        ));
    }

    fn promote_second(&mut self) {
        if let Some(second) = self.second.take() {
            let from = self.main.fsm.state();
            if let Some(c) = self.connecting.take() {
                c.abort();
            }
            self.main = second;
            self.promoted = true;
            let to = self.main.fsm.state();
            self.status().state = to;
            if from != to {
                self.emit(BgpEvent::state(&self.config().name, from, to));
            }
        }
    }

    // ------------------------------------------------------------------ stop

    /// Cease on every live connection, flushed before returning (close() relies on it).
    async fn stop(&mut self, reason: StopReason) {
        self.stopping = true;
        if let Some(c) = self.connecting.take() {
            c.abort();
        }
        // Nothing more from the UPDATE queue: the Cease must not wait behind a table.
        self.queue.clear();
        self.feed(Which::Main, Input::ManualStop(reason));
        if self.second.is_some() {
            self.feed(Which::Second, Input::ManualStop(reason));
        }
        let closing = std::mem::take(&mut self.closing);
        for conn in closing {
            conn.close().await;
        }
        // AdminDown tells the peer the BFD session ends on purpose (RFC 5882 §3.2).
        if let Some(b) = self.bfd.take() {
            b.stop().await;
        }
    }
}

type ReadPart<'a> = Option<&'a OwnedReadHalf>;
type WritePart<'a> = Option<(&'a mut OwnedWriteHalf, &'a [u8])>;

fn split_io(link: &mut Link) -> (ReadPart<'_>, WritePart<'_>) {
    let Some(c) = link.conn.as_mut() else {
        return (None, None);
    };
    let wr = if c.out_pos < c.out.len() {
        Some((&mut c.wr, &c.out[c.out_pos..]))
    } else {
        None
    };
    (Some(&c.rd), wr)
}

fn key_v4(p: &codec::Ipv4Prefix) -> u64 {
    u64::from(u32::from(p.addr())) << 8 | u64::from(p.prefix_len())
}

fn key_v6(p: &codec::Ipv6Prefix) -> [u8; 17] {
    let mut k = [0u8; 17];
    k[..16].copy_from_slice(&p.addr().octets());
    k[16] = p.prefix_len();
    k
}

fn family_name(f: Family) -> &'static str {
    if f == Family::IPV6_UNICAST {
        "ipv6-unicast"
    } else {
        "ipv4-unicast"
    }
}
