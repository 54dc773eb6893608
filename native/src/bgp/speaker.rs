//! The napi `BgpSpeaker` class: argument validation (errors name the field), then the
//! Rust `SpeakerCore` on napi's tokio runtime. Events reach JS through a non-blocking
//! ThreadsafeFunction, so a slow JS callback never stalls a session.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use super::adj_rib_out::RouteGroup;
use super::events::{discard, BgpEvent, EventSink};
use super::napi_codec::{parse_route_attributes, BgpRouteGroup};
use super::peer_config::{validate_peers, BgpPeerConfig};
use super::route_set::{parse_packed_v4, parse_packed_v6, parse_prefix_strings, AttrInterner};
use super::speaker_core::SpeakerCore;
use super::status::BgpPeerStatus;

#[napi(object)]
pub struct BgpSpeakerOptions {
    /// Default router id (dotted quad) for peers that do not set their own.
    pub router_id: String,
    /// Listener for passive peers and incoming connections (collision detection), e.g.
    /// "127.0.0.1" or "::" (both families); absent = do not listen.
    pub listen_address: Option<String>,
    /// Default 179; 0 = ephemeral (see `listenPort`).
    pub listen_port: Option<u32>,
}

/// Weak: an event callback alone does not keep the Node.js process alive.
type EventFn = ThreadsafeFunction<BgpEvent, Unknown<'static>, BgpEvent, Status, true, true>;

fn invalid(msg: String) -> Error {
    Error::new(Status::InvalidArg, msg)
}

/// A BGP speaker owning its sessions on the addon's tokio runtime.
#[napi]
pub struct BgpSpeaker {
    core: Arc<SpeakerCore>,
    router_id: Ipv4Addr,
    interner: AttrInterner,
}

#[napi]
impl BgpSpeaker {
    /// Starts the runtime side; the callback receives every event.
    #[napi(constructor)]
    pub fn new(
        options: BgpSpeakerOptions,
        #[napi(ts_arg_type = "(err: Error | null, event: BgpEvent) => void")] on_event: Option<
            EventFn,
        >,
    ) -> Result<Self> {
        let router_id = options
            .router_id
            .parse::<Ipv4Addr>()
            .ok()
            .filter(|a| !a.is_unspecified())
            .ok_or_else(|| {
                invalid(format!(
                    "options.routerId: {:?} is not a non-zero dotted-quad router id",
                    options.router_id
                ))
            })?;
        let listen = match &options.listen_address {
            None => None,
            Some(a) => {
                let ip: IpAddr = a.parse().map_err(|_| {
                    invalid(format!("options.listenAddress: {a:?} is not an IP address"))
                })?;
                let port = options.listen_port.unwrap_or(179);
                let port = u16::try_from(port).map_err(|_| {
                    invalid(format!(
                        "options.listenPort: {port} is not a port (0..65535)"
                    ))
                })?;
                Some(SocketAddr::new(ip, port))
            }
        };
        let events: EventSink = match on_event {
            None => discard(),
            Some(f) => {
                let f = Arc::new(f);
                Arc::new(move |e: BgpEvent| {
                    f.call(Ok(e), ThreadsafeFunctionCallMode::NonBlocking);
                })
            }
        };
        let core =
            within_runtime_if_available(|| SpeakerCore::new(listen, events)).map_err(|e| {
                let at = listen.map(|a| a.to_string()).unwrap_or_default();
                Error::new(
                    Status::GenericFailure,
                    format!("options.listenAddress: cannot listen on {at}: {e}"),
                )
            })?;
        Ok(BgpSpeaker {
            core: Arc::new(core),
            router_id,
            interner: AttrInterner::default(),
        })
    }

    /// The actual listening port (useful with listenPort 0), or null when not listening.
    #[napi(getter)]
    pub fn listen_port(&self) -> Option<u32> {
        self.core.listen_port().map(u32::from)
    }

    /// Desired peer set: added peers start, removed ones get Cease 6/3, changed ones 6/6.
    #[napi]
    pub fn set_peers(&self, peers: Vec<BgpPeerConfig>) -> Result<()> {
        let peers = validate_peers(&peers, self.router_id).map_err(invalid)?;
        within_runtime_if_available(|| self.core.set_peers(peers));
        Ok(())
    }

    /// Desired route set (whole); each peer is sent only the difference.
    #[napi]
    pub fn set_routes(&mut self, groups: Vec<BgpRouteGroup>) -> Result<()> {
        let mut out = Vec::with_capacity(groups.len());
        // Parse everything before interning so a bad group leaves no trace.
        let mut parsed = Vec::with_capacity(groups.len());
        for (i, g) in groups.iter().enumerate() {
            let field = format!("groups[{i}]");
            let attrs = parse_route_attributes(&g.attributes, &format!("{field}.attributes"))
                .map_err(invalid)?;
            let (mut v4, mut v6) = (Vec::new(), Vec::new());
            if let Some(list) = &g.prefixes {
                parse_prefix_strings(&format!("{field}.prefixes"), list, &mut v4, &mut v6)
                    .map_err(invalid)?;
            }
            if let Some(b) = &g.packed_v4 {
                parse_packed_v4(&format!("{field}.packedV4"), b, &mut v4).map_err(invalid)?;
            }
            if let Some(b) = &g.packed_v6 {
                parse_packed_v6(&format!("{field}.packedV6"), b, &mut v6).map_err(invalid)?;
            }
            let peers = g.peers.clone().filter(|p| !p.is_empty());
            parsed.push((attrs, peers, v4, v6));
        }
        for (attrs, peers, v4, v6) in parsed {
            let attr = self.interner.intern(attrs).map_err(invalid)?;
            out.push(RouteGroup {
                attr,
                peers,
                v4,
                v6,
            });
        }
        let table = self.interner.table().to_vec();
        within_runtime_if_available(|| self.core.set_routes(out, table));
        Ok(())
    }

    #[napi]
    pub fn peer_status(&self) -> Vec<BgpPeerStatus> {
        self.core.status()
    }

    /// Sends Cease/Administrative Shutdown (6/2) to every peer, flushed to the wire, then
    /// closes sockets and the listener. Idempotent.
    #[napi]
    pub async fn close(&self) -> Result<()> {
        self.core.close().await;
        Ok(())
    }
}
