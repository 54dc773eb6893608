//! The speaker without napi: peers keyed by name, the listener dispatching incoming
//! connections by source address, the desired route set fanned out as shared views.
//! Must be created and driven inside a tokio runtime.

use std::collections::BTreeMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::adj_rib_out::{DesiredRoutes, PeerView, RouteGroup};
use super::codec::{Notification, RouteAttributes};
use super::events::EventSink;
use super::fsm::{codes, StopReason};
use super::peer_config::PeerConfig;
use super::session::{self, PeerCommand, Routes, SessionHandle};
use super::socket::{self, Listener};
use super::status::BgpPeerStatus;
use super::update_queue::AttrTable;

/// How long `close()` waits for all sessions to flush their Cease.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

struct Inner {
    peers: BTreeMap<String, SessionHandle>,
    routes: DesiredRoutes,
    attrs: Arc<AttrTable>,
    closed: bool,
}

pub struct SpeakerCore {
    listener: Option<Arc<Listener>>,
    listen_port: Option<u16>,
    accept_task: Mutex<Option<JoinHandle<()>>>,
    inner: Arc<Mutex<Inner>>,
    events: EventSink,
}

fn lock(m: &Mutex<Inner>) -> std::sync::MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SpeakerCore {
    pub fn new(listen: Option<SocketAddr>, events: EventSink) -> io::Result<Self> {
        let inner = Arc::new(Mutex::new(Inner {
            peers: BTreeMap::new(),
            routes: DesiredRoutes::default(),
            attrs: Arc::new(Vec::new()),
            closed: false,
        }));
        let (listener, listen_port, accept_task) = match listen {
            None => (None, None, None),
            Some(addr) => {
                let l = Arc::new(Listener::bind(addr)?);
                let port = l.local_addr()?.port();
                let task = tokio::spawn(accept_loop(l.clone(), inner.clone()));
                (Some(l), Some(port), Some(task))
            }
        };
        Ok(SpeakerCore {
            listener,
            listen_port,
            accept_task: Mutex::new(accept_task),
            inner,
            events,
        })
    }

    pub fn listen_port(&self) -> Option<u16> {
        self.listen_port
    }

    /// Diffs by name: new peers start, removed ones get Cease 6/3, changed ones 6/6 and a
    /// fresh session, unchanged ones are untouched.
    pub fn set_peers(&self, peers: Vec<PeerConfig>) {
        let mut inner = lock(&self.inner);
        if inner.closed {
            return;
        }
        let wanted: BTreeMap<String, PeerConfig> =
            peers.into_iter().map(|p| (p.name.clone(), p)).collect();
        let names: Vec<String> = inner.peers.keys().cloned().collect();
        let mut released = Vec::new();
        for name in names {
            let keep = wanted
                .get(&name)
                .is_some_and(|c| *c == inner.peers[&name].shared.config);
            if !keep {
                let reason = if wanted.contains_key(&name) {
                    StopReason::ConfigChange
                } else {
                    StopReason::PeerDeconfigured
                };
                if let Some(old) = inner.peers.remove(&name) {
                    released.push(old.shared.config.address);
                    let (tx, _rx) = oneshot::channel();
                    let _ = old.tx.send(PeerCommand::Stop(reason, tx));
                }
            }
        }
        let new: Vec<PeerConfig> = wanted
            .into_values()
            .filter(|c| !inner.peers.contains_key(&c.name))
            .collect();
        let views = inner.routes.views_for(new.iter().map(|c| c.name.as_str()));
        for c in new {
            // The listener must know the MD5 key before the peer's SYN arrives.
            self.set_listener_key(c.address, c.password.as_deref());
            let routes = Routes {
                view: views.get(&c.name).cloned().unwrap_or_else(PeerView::empty),
                attrs: inner.attrs.clone(),
            };
            let name = c.name.clone();
            let handle = session::spawn(c, routes, self.events.clone());
            inner.peers.insert(name, handle);
        }
        // Drop listener keys no remaining peer uses (the key is per address).
        for addr in released {
            if !inner
                .peers
                .values()
                .any(|h| h.shared.config.address == addr)
            {
                self.set_listener_key(addr, None);
            }
        }
    }

    fn set_listener_key(&self, addr: IpAddr, key: Option<&str>) {
        if let Some(l) = &self.listener {
            if let Err(e) = l.set_md5_key(addr, key) {
                let msg = format!("setting the TCP MD5 key for {addr} on the listener: {e}");
                (self.events)(super::events::BgpEvent::error(&addr.to_string(), msg, None));
            }
        }
    }

    /// Replaces the desired route set; every session gets its (shared) view and sends the
    /// difference.
    pub fn set_routes(&self, groups: Vec<RouteGroup>, attrs: Vec<RouteAttributes>) {
        let mut inner = lock(&self.inner);
        if inner.closed {
            return;
        }
        inner.routes = DesiredRoutes { groups };
        inner.attrs = Arc::new(attrs);
        let views = inner
            .routes
            .views_for(inner.peers.keys().map(String::as_str));
        for (name, h) in &inner.peers {
            let view = views.get(name).cloned().unwrap_or_else(PeerView::empty);
            let _ = h.tx.send(PeerCommand::Routes(Routes {
                view,
                attrs: inner.attrs.clone(),
            }));
        }
        // The sessions hold the views; the per-group prefix lists are not needed any more.
        for g in &mut inner.routes.groups {
            g.v4.shrink_to_fit();
            g.v6.shrink_to_fit();
        }
    }

    pub fn status(&self) -> Vec<BgpPeerStatus> {
        let inner = lock(&self.inner);
        let now = std::time::Instant::now();
        inner
            .peers
            .values()
            .map(|h| {
                let st = h.shared.status.lock().unwrap_or_else(|e| e.into_inner());
                let mut js = st.to_js(&h.shared.config.name, h.shared.config.address, now);
                js.bfd = h
                    .shared
                    .bfd
                    .as_ref()
                    .map(|b| b.lock().unwrap_or_else(|e| e.into_inner()).to_js());
                js
            })
            .collect()
    }

    /// Cease 6/2 to every peer, flushed, then sockets and listener closed. Idempotent.
    pub async fn close(&self) {
        let (handles, task) = {
            let mut inner = lock(&self.inner);
            inner.closed = true;
            let peers = std::mem::take(&mut inner.peers);
            let task = self
                .accept_task
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            (peers, task)
        };
        if let Some(t) = task {
            t.abort();
            let _ = t.await;
        }
        let mut waits = Vec::new();
        for (_, h) in handles {
            let (tx, rx) = oneshot::channel();
            if h.tx
                .send(PeerCommand::Stop(StopReason::AdminShutdown, tx))
                .is_ok()
            {
                waits.push((rx, h.task));
            }
        }
        let all = async {
            for (rx, task) in waits {
                let _ = rx.await;
                let _ = task.await;
            }
        };
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, all).await;
    }
}

/// A speaker dropped without `close()` (e.g. garbage-collected in JS) still ends its
/// sessions: each sends its Cease on its own, nothing waits for it.
impl Drop for SpeakerCore {
    fn drop(&mut self) {
        if let Some(t) = self
            .accept_task
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            t.abort();
        }
        let peers = std::mem::take(&mut lock(&self.inner).peers);
        for (_, h) in peers {
            let (tx, _rx) = oneshot::channel();
            let _ = h.tx.send(PeerCommand::Stop(StopReason::AdminShutdown, tx));
        }
    }
}

/// Hands each accepted connection to the peer with that source address; strangers get
/// Cease 6/5 (Connection Rejected).
async fn accept_loop(listener: Arc<Listener>, inner: Arc<Mutex<Inner>>) {
    loop {
        let (stream, from) = match listener.accept().await {
            Ok(x) => x,
            Err(_) => {
                // EMFILE and friends: back off instead of spinning.
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let local = stream
            .local_addr()
            .map(|a| socket::canonical_ip(a.ip()))
            .ok();
        let target = {
            let inner = lock(&inner);
            // Peers sharing an address are told apart by the source address they use.
            inner
                .peers
                .values()
                .find(|h| {
                    let c = &h.shared.config;
                    c.address == from.ip() && c.source_address.is_none_or(|s| Some(s) == local)
                })
                .map(|h| h.tx.clone())
        };
        match target {
            Some(tx) => {
                let _ = tx.send(PeerCommand::Incoming(stream));
            }
            None => {
                tokio::spawn(async move {
                    let mut s = stream;
                    let mut b = Vec::new();
                    Notification::cease(codes::CEASE_CONNECTION_REJECTED).encode_into(&mut b);
                    let _ = tokio::time::timeout(Duration::from_secs(3), async {
                        s.write_all(&b).await?;
                        s.shutdown().await
                    })
                    .await;
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bgp::adj_rib_out::V4Prefix;
    use crate::bgp::events::BgpEvent;
    use crate::bgp::peer_config::{validate_peer, BgpPeerConfig};
    use std::net::Ipv4Addr;

    fn peer(
        name: &str,
        address: &str,
        local: u32,
        remote: u32,
        f: impl FnOnce(&mut BgpPeerConfig),
    ) -> PeerConfig {
        let mut p = BgpPeerConfig {
            name: name.into(),
            address: address.into(),
            local_asn: f64::from(local),
            peer_asn: f64::from(remote),
            connect_retry_secs: Some(0.2),
            hold_time_secs: Some(9.0),
            ..Default::default()
        };
        f(&mut p);
        validate_peer(0, &p, Ipv4Addr::new(10, 0, 0, local as u8)).unwrap()
    }

    fn recorder() -> (EventSink, Arc<Mutex<Vec<BgpEvent>>>) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let l = log.clone();
        (Arc::new(move |e| l.lock().unwrap().push(e)), log)
    }

    async fn wait_for(what: &str, mut f: impl FnMut() -> bool) -> bool {
        for _ in 0..100 {
            if f() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        eprintln!("timed out waiting for {what}");
        false
    }

    fn state(s: &SpeakerCore, name: &str) -> String {
        s.status()
            .into_iter()
            .find(|p| p.name == name)
            .map(|p| p.state)
            .unwrap_or_default()
    }

    /// A passive side with a listener on 127.0.0.1 and an active side from 127.0.0.2.
    async fn pair(
        pw_a: Option<&str>,
        pw_b: Option<&str>,
    ) -> (SpeakerCore, SpeakerCore, Arc<Mutex<Vec<BgpEvent>>>) {
        let (ev_a, log_a) = recorder();
        let a = SpeakerCore::new(Some("127.0.0.1:0".parse().unwrap()), ev_a).unwrap();
        let port = a.listen_port().unwrap();
        let b = SpeakerCore::new(None, crate::bgp::events::discard()).unwrap();
        let pa = pw_a.map(str::to_string);
        a.set_peers(vec![peer("b", "127.0.0.2", 65001, 65002, |p| {
            p.passive = Some(true);
            p.password = pa;
        })]);
        let pb = pw_b.map(str::to_string);
        b.set_peers(vec![peer("a", "127.0.0.1", 65002, 65001, |p| {
            p.port = Some(f64::from(port));
            p.source_address = Some("127.0.0.2".into());
            p.password = pb;
        })]);
        (a, b, log_a)
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn two_speakers_establish_exchange_routes_and_cease() {
        rt().block_on(async {
            let (a, b, log_a) = pair(None, None).await;
            assert!(wait_for("a Established", || state(&a, "b") == "Established").await);
            assert!(wait_for("b Established", || state(&b, "a") == "Established").await);
            let v4: Vec<V4Prefix> = (0..5000u32)
                .map(|i| V4Prefix {
                    addr: 0x0a00_0000 + i,
                    len: 32,
                })
                .collect();
            b.set_routes(
                vec![RouteGroup {
                    attr: 0,
                    peers: None,
                    v4,
                    v6: vec![],
                }],
                vec![RouteAttributes::default()],
            );
            let received = || a.status()[0].prefixes_received;
            assert!(
                wait_for("5000 received", || received() == 5000.0).await,
                "{}",
                received()
            );
            assert_eq!(b.status()[0].prefixes_advertised, 5000.0);
            // Withdraw half.
            let v4: Vec<V4Prefix> = (0..2500u32)
                .map(|i| V4Prefix {
                    addr: 0x0a00_0000 + i,
                    len: 32,
                })
                .collect();
            b.set_routes(
                vec![RouteGroup {
                    attr: 0,
                    peers: None,
                    v4,
                    v6: vec![],
                }],
                vec![RouteAttributes::default()],
            );
            assert!(
                wait_for("2500 received", || received() == 2500.0).await,
                "{}",
                received()
            );
            let st = b.status()[0].clone();
            assert_eq!(st.negotiated_hold_time_secs, Some(9));
            assert_eq!(st.four_octet_asn, Some(true));
            assert_eq!(st.peer_router_id.as_deref(), Some("10.0.0.233"));
            // close(): the peer sees Cease 6/2.
            b.close().await;
            assert!(
                wait_for("a sees the Cease", || a.status()[0]
                    .last_notification_received
                    .is_some())
                .await
            );
            let n = a.status()[0].last_notification_received.unwrap();
            assert_eq!((n.code, n.subcode), (6, 2));
            assert!(log_a.lock().unwrap().iter().any(|e| e.kind == "endOfRib"));
            a.close().await;
            a.close().await; // idempotent
        });
    }

    #[test]
    fn dropping_a_speaker_without_close_still_ceases() {
        rt().block_on(async {
            let (a, b, _) = pair(None, None).await;
            assert!(wait_for("Established", || state(&a, "b") == "Established").await);
            drop(b);
            let seen = || {
                a.status()[0]
                    .last_notification_received
                    .map(|n| (n.code, n.subcode))
            };
            assert!(wait_for("a sees 6/2", || seen() == Some((6, 2))).await);
            a.close().await;
        });
    }

    #[test]
    fn md5_matching_establishes_and_mismatch_does_not() {
        rt().block_on(async {
            let (a, b, _) = pair(Some("s3cret"), Some("s3cret")).await;
            assert!(wait_for("MD5 session", || state(&a, "b") == "Established").await);
            a.close().await;
            b.close().await;
            let (a, b, _) = pair(Some("s3cret"), Some("wrong")).await;
            tokio::time::sleep(Duration::from_secs(2)).await;
            assert_ne!(state(&a, "b"), "Established");
            assert_ne!(state(&b, "a"), "Established");
            assert!(b.status()[0].last_error.is_some());
            a.close().await;
            b.close().await;
        });
    }

    #[test]
    fn unknown_source_gets_connection_rejected_and_removed_peer_gets_deconfigured() {
        rt().block_on(async {
            let (a, b, _) = pair(None, None).await;
            assert!(wait_for("Established", || state(&b, "a") == "Established").await);
            // Removing the peer on a sends 6/3 to b.
            a.set_peers(vec![]);
            assert!(
                wait_for("b sees 6/3", || b.status()[0]
                    .last_notification_received
                    .map(|n| (n.code, n.subcode))
                    == Some((6, 3)))
                .await
            );
            // b reconnects and is now a stranger: 6/5.
            assert!(
                wait_for("b sees 6/5", || b.status()[0]
                    .last_notification_received
                    .map(|n| (n.code, n.subcode))
                    == Some((6, 5)))
                .await
            );
            a.close().await;
            b.close().await;
        });
    }

    #[test]
    fn both_sides_active_with_listeners_resolve_the_collision_once() {
        rt().block_on(async {
            let (ev_a, log_a) = recorder();
            let (ev_b, log_b) = recorder();
            let a = SpeakerCore::new(Some("127.0.0.1:0".parse().unwrap()), ev_a).unwrap();
            let b = SpeakerCore::new(Some("127.0.0.2:0".parse().unwrap()), ev_b).unwrap();
            let (pa, pb) = (a.listen_port().unwrap(), b.listen_port().unwrap());
            a.set_peers(vec![peer("b", "127.0.0.2", 65001, 65002, |p| {
                p.port = Some(f64::from(pb));
                p.source_address = Some("127.0.0.1".into());
            })]);
            b.set_peers(vec![peer("a", "127.0.0.1", 65002, 65001, |p| {
                p.port = Some(f64::from(pa));
                p.source_address = Some("127.0.0.2".into());
            })]);
            let ok = wait_for("a Established", || state(&a, "b") == "Established").await;
            if !ok {
                for e in log_a.lock().unwrap().iter() {
                    eprintln!("A {:?} {:?} {:?}", e.kind, e.state, e.message);
                }
                for e in log_b.lock().unwrap().iter() {
                    eprintln!("B {:?} {:?} {:?}", e.kind, e.state, e.message);
                }
                eprintln!("{:?}\n{:?}", a.status(), b.status());
            }
            assert!(ok);
            assert!(wait_for("b Established", || state(&b, "a") == "Established").await);
            // Stable: one session, no flapping afterwards.
            tokio::time::sleep(Duration::from_millis(1500)).await;
            assert_eq!(state(&a, "b"), "Established");
            assert_eq!(state(&b, "a"), "Established");
            assert_eq!(a.status()[0].established_transitions, 1.0);
            assert_eq!(b.status()[0].established_transitions, 1.0);
            a.close().await;
            b.close().await;
        });
    }
}

/// Tests against a hand-driven peer on a raw socket, built from the codec.
#[cfg(test)]
mod raw_peer_tests {
    use super::*;
    use crate::bgp::adj_rib_out::V4Prefix;
    use crate::bgp::codec::{
        decode, encode_keepalive, frame, CodecContext, Family, LocalOpen, Message, Open,
        RouteRefresh, SUBTYPE_BORR, SUBTYPE_EORR, SUBTYPE_NORMAL,
    };
    use crate::bgp::peer_config::{validate_peer, BgpPeerConfig};
    use std::net::Ipv4Addr;
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpStream;

    struct RawPeer {
        s: TcpStream,
        buf: Vec<u8>,
    }

    impl RawPeer {
        async fn next(&mut self) -> Message {
            loop {
                if let Some((_, len)) = frame(&self.buf).unwrap() {
                    let m = decode(&self.buf[..len], &CodecContext::default()).unwrap();
                    self.buf.drain(..len);
                    return m;
                }
                let mut b = [0u8; 65536];
                let n = tokio::time::timeout(Duration::from_secs(5), self.s.read(&mut b))
                    .await
                    .unwrap()
                    .unwrap();
                assert!(n > 0, "connection closed");
                self.buf.extend_from_slice(&b[..n]);
            }
        }
        async fn send(&mut self, m: &Message) {
            self.s
                .write_all(&m.encode(&CodecContext::default()))
                .await
                .unwrap();
        }
    }

    /// The real hold timer: a peer that establishes and then goes silent gets 4/0 at
    /// hold-time expiry (not earlier, not much later), and the speaker calls again.
    #[test]
    fn silent_peer_gets_hold_timer_expired_then_a_new_connection() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let sp = SpeakerCore::new(None, crate::bgp::events::discard()).unwrap();
            let p = BgpPeerConfig {
                name: "silent".into(),
                address: "127.0.0.1".into(),
                port: Some(f64::from(port)),
                local_asn: 65001.0,
                peer_asn: 65002.0,
                hold_time_secs: Some(3.0),
                connect_retry_secs: Some(0.2),
                ..Default::default()
            };
            sp.set_peers(vec![
                validate_peer(0, &p, Ipv4Addr::new(10, 0, 0, 1)).unwrap()
            ]);
            let (s, _) = listener.accept().await.unwrap();
            let mut peer = RawPeer { s, buf: Vec::new() };
            assert!(matches!(peer.next().await, Message::Open(_)));
            let open = Open::local(&LocalOpen {
                asn: 65002,
                hold_time: 3,
                bgp_id: Ipv4Addr::new(10, 0, 0, 2),
                families: vec![Family::IPV4_UNICAST],
                graceful_restart: None,
            });
            peer.send(&Message::Open(open)).await;
            peer.send(&Message::Keepalive).await;
            let silent_since = tokio::time::Instant::now();
            // From now on we only read: keepalives arrive about every second, then the 4/0.
            let mut keepalives = 0;
            let n = loop {
                match peer.next().await {
                    Message::Keepalive => keepalives += 1,
                    Message::Update(_) => {}
                    Message::Notification(n) => break n,
                    other => panic!("unexpected {other:?}"),
                }
            };
            let after = silent_since.elapsed();
            assert_eq!((n.code, n.subcode), (4, 0));
            assert!(
                after >= Duration::from_millis(2900) && after < Duration::from_millis(4500),
                "{after:?}"
            );
            assert!(keepalives >= 2, "keepalives every hold/3: {keepalives}");
            let st = sp.status()[0].clone();
            assert_ne!(st.state, "Established");
            assert_eq!(
                st.last_notification_sent.map(|n| (n.code, n.subcode)),
                Some((4, 0))
            );
            assert_eq!(
                st.last_error.as_deref(),
                Some("sent NOTIFICATION 4/0 Hold Timer Expired")
            );
            // The speaker comes back on its own.
            let again = tokio::time::timeout(Duration::from_secs(3), listener.accept()).await;
            assert!(again.is_ok(), "reconnects after the hold timer expired");
            sp.close().await;
        });
    }

    #[test]
    fn route_refresh_resends_the_family_framed_by_borr_eorr() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let sp = SpeakerCore::new(None, crate::bgp::events::discard()).unwrap();
            let mut p = BgpPeerConfig {
                name: "raw".into(),
                address: "127.0.0.1".into(),
                port: Some(f64::from(port)),
                local_asn: 65001.0,
                peer_asn: 65002.0,
                connect_retry_secs: Some(0.2),
                ..Default::default()
            };
            p.ipv6 = Some(false);
            sp.set_peers(vec![
                validate_peer(0, &p, Ipv4Addr::new(10, 0, 0, 1)).unwrap()
            ]);
            let v4: Vec<V4Prefix> = (0..3000u32)
                .map(|i| V4Prefix {
                    addr: 0x0a00_0000 + i,
                    len: 32,
                })
                .collect();
            sp.set_routes(
                vec![RouteGroup {
                    attr: 0,
                    peers: None,
                    v4,
                    v6: vec![],
                }],
                vec![RouteAttributes::default()],
            );
            let (s, _) = listener.accept().await.unwrap();
            let mut peer = RawPeer { s, buf: Vec::new() };
            assert!(matches!(peer.next().await, Message::Open(_)));
            let open = Open::local(&LocalOpen {
                asn: 65002,
                hold_time: 90,
                bgp_id: Ipv4Addr::new(10, 0, 0, 2),
                families: vec![Family::IPV4_UNICAST],
                graceful_restart: Some(60),
            });
            peer.send(&Message::Open(open)).await;
            peer.send(&Message::Keepalive).await;
            assert!(matches!(peer.next().await, Message::Keepalive));
            // Initial table, then End-of-RIB.
            let mut announced = 0;
            loop {
                match peer.next().await {
                    Message::Update(u) if u.end_of_rib().is_some() => break,
                    Message::Update(u) => announced += u.announced().len(),
                    other => panic!("unexpected {other:?}"),
                }
            }
            assert_eq!(announced, 3000);
            let st = &sp.status()[0];
            assert_eq!(st.peer_graceful_restart, Some(true));
            // A request for IPv6 (not negotiated) is ignored; one for IPv4 gets the table again.
            let rr = |family, subtype| Message::RouteRefresh(RouteRefresh { family, subtype });
            peer.send(&rr(Family::IPV6_UNICAST, SUBTYPE_NORMAL)).await;
            peer.send(&rr(Family::IPV4_UNICAST, SUBTYPE_NORMAL)).await;
            match peer.next().await {
                Message::RouteRefresh(r) => {
                    assert_eq!((r.family, r.subtype), (Family::IPV4_UNICAST, SUBTYPE_BORR))
                }
                other => panic!("expected BoRR, got {other:?}"),
            }
            let mut again = 0;
            loop {
                match peer.next().await {
                    Message::Update(u) => again += u.announced().len(),
                    Message::RouteRefresh(r) => {
                        assert_eq!((r.family, r.subtype), (Family::IPV4_UNICAST, SUBTYPE_EORR));
                        break;
                    }
                    other => panic!("unexpected {other:?}"),
                }
            }
            assert_eq!(again, 3000);
            // Our KEEPALIVE travels fine after all that; the session is still up.
            let mut ka = Vec::new();
            encode_keepalive(&mut ka);
            peer.s.write_all(&ka).await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
            assert_eq!(sp.status()[0].state, "Established");
            sp.close().await;
            // close() flushed a Cease 6/2 to the peer.
            match peer.next().await {
                Message::Notification(n) => assert_eq!((n.code, n.subcode), (6, 2)),
                other => panic!("expected Cease, got {other:?}"),
            }
        });
    }
}

/// Heap bytes allocated (minus freed) on the current thread, for the memory-per-session
/// test: a current-thread runtime keeps every session allocation on the test's thread.
#[cfg(test)]
mod heap_count {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static LIVE: Cell<isize> = const { Cell::new(0) };
    }

    pub struct Counting;

    // SAFETY: forwards to the system allocator unchanged; only adds bookkeeping in a
    // const-initialised thread-local that never allocates.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, l: Layout) -> *mut u8 {
            let _ = LIVE.try_with(|c| c.set(c.get() + l.size() as isize));
            // SAFETY: same contract as the caller's.
            unsafe { System.alloc(l) }
        }
        unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
            let _ = LIVE.try_with(|c| c.set(c.get() - l.size() as isize));
            // SAFETY: same contract as the caller's.
            unsafe { System.dealloc(p, l) }
        }
        unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
            let _ = LIVE.try_with(|c| c.set(c.get() + new as isize - l.size() as isize));
            // SAFETY: same contract as the caller's.
            unsafe { System.realloc(p, l, new) }
        }
    }

    #[global_allocator]
    static A: Counting = Counting;

    pub fn live() -> isize {
        LIVE.with(|c| c.get())
    }
}

#[cfg(test)]
mod memory_tests {
    use super::*;
    use crate::bgp::adj_rib_out::V4Prefix;
    use crate::bgp::peer_config::{validate_peer, BgpPeerConfig};
    use std::net::Ipv4Addr;

    /// 100 sessions between two speakers in this process sharing one 1000-route table:
    /// heap per session end stays small (the table is shared, buffers are released).
    #[test]
    fn heap_per_session_is_small() {
        const N: u32 = 100;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let cfg = |name: String,
                       addr: String,
                       local: u32,
                       remote: u32,
                       edit: &dyn Fn(&mut BgpPeerConfig)| {
                let mut p = BgpPeerConfig {
                    name,
                    address: addr,
                    local_asn: f64::from(local),
                    peer_asn: f64::from(remote),
                    connect_retry_secs: Some(0.2),
                    ..Default::default()
                };
                edit(&mut p);
                validate_peer(0, &p, Ipv4Addr::new(10, 0, 0, local as u8)).unwrap()
            };
            let v4: Vec<V4Prefix> = (0..1000u32)
                .map(|i| V4Prefix {
                    addr: 0x0a00_0000 + i,
                    len: 32,
                })
                .collect();
            let before = heap_count::live();
            let a = SpeakerCore::new(
                Some("127.0.0.1:0".parse().unwrap()),
                crate::bgp::events::discard(),
            )
            .unwrap();
            let port = a.listen_port().unwrap();
            let b = SpeakerCore::new(None, crate::bgp::events::discard()).unwrap();
            a.set_peers(
                (0..N)
                    .map(|i| {
                        cfg(
                            format!("b{i}"),
                            format!("127.0.3.{}", i + 1),
                            65001,
                            65002,
                            &|p| p.passive = Some(true),
                        )
                    })
                    .collect(),
            );
            b.set_peers(
                (0..N)
                    .map(|i| {
                        cfg(format!("a{i}"), "127.0.0.1".into(), 65002, 65001, &|p| {
                            p.port = Some(f64::from(port));
                            p.source_address = Some(format!("127.0.3.{}", i + 1));
                        })
                    })
                    .collect(),
            );
            b.set_routes(
                vec![RouteGroup {
                    attr: 0,
                    peers: None,
                    v4,
                    v6: vec![],
                }],
                vec![RouteAttributes::default()],
            );
            let mut up = 0;
            for _ in 0..200 {
                up = a
                    .status()
                    .iter()
                    .filter(|p| p.prefixes_received == 1000.0)
                    .count()
                    + b.status()
                        .iter()
                        .filter(|p| p.state == "Established")
                        .count();
                if up == 2 * N as usize {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert_eq!(
                up,
                2 * N as usize,
                "all sessions up with the table received"
            );
            // Let the writers drain and release their buffers.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let per_session = (heap_count::live() - before) as f64 / f64::from(2 * N) / 1024.0;
            // The receiving side also keeps 1000 received prefixes per session (counted, ~30 KiB).
            eprintln!("heap per session end: {per_session:.1} KiB (incl. received-prefix sets)");
            assert!(per_session < 64.0, "{per_session:.1} KiB per session");
            a.close().await;
            b.close().await;
        });
    }
}
