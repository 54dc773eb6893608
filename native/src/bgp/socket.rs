//! TCP sockets for BGP: outgoing connections with source binding, TTL and TCP MD5
//! (RFC 2385), and the listener for passive peers. The only place with `unsafe` in the
//! BGP core: the `TCP_MD5SIG` setsockopt, which neither std nor socket2 wraps.

use std::io;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::os::fd::AsRawFd;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// Linux `TCP_MD5SIG_MAXKEYLEN`.
pub const MD5_MAX_KEY_LEN: usize = 80;

/// Linux `struct tcp_md5sig` (include/uapi/linux/tcp.h). The address is a
/// `__kernel_sockaddr_storage`: 128 bytes, 8-byte aligned.
#[repr(C)]
struct TcpMd5Sig {
    addr: SockaddrStorage,
    flags: u8,
    prefixlen: u8,
    keylen: u16,
    ifindex: i32,
    key: [u8; MD5_MAX_KEY_LEN],
}

#[repr(C, align(8))]
struct SockaddrStorage([u8; 128]);

/// Writes `addr` as a `sockaddr_in`/`sockaddr_in6` (port 0) into a storage buffer. A
/// socket of the IPv6 family needs IPv4 peers as v4-mapped addresses.
fn sockaddr_for(addr: IpAddr, v6_socket: bool) -> SockaddrStorage {
    let mut s = [0u8; 128];
    let addr = match addr {
        IpAddr::V4(a) if v6_socket => IpAddr::V6(a.to_ipv6_mapped()),
        other => other,
    };
    match addr {
        IpAddr::V4(a) => {
            s[0..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
            s[4..8].copy_from_slice(&a.octets());
        }
        IpAddr::V6(a) => {
            s[0..2].copy_from_slice(&(libc::AF_INET6 as u16).to_ne_bytes());
            s[8..24].copy_from_slice(&a.octets());
        }
    }
    SockaddrStorage(s)
}

/// Installs (or with `None` removes) the TCP MD5 key for segments to/from `peer` on this
/// socket. On a listening socket the key must be there before the peer's SYN arrives.
pub fn set_md5_key<S: AsRawFd>(
    sock: &S,
    v6_socket: bool,
    peer: IpAddr,
    key: Option<&str>,
) -> io::Result<()> {
    let key = key.unwrap_or("").as_bytes();
    if key.len() > MD5_MAX_KEY_LEN {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "TCP MD5 password longer than 80 bytes",
        ));
    }
    let mut sig = TcpMd5Sig {
        addr: sockaddr_for(peer, v6_socket),
        flags: 0,
        prefixlen: 0,
        keylen: key.len() as u16,
        ifindex: 0,
        key: [0; MD5_MAX_KEY_LEN],
    };
    sig.key[..key.len()].copy_from_slice(key);
    // SAFETY: `sig` is a fully initialised #[repr(C)] value laid out like the kernel's
    // `struct tcp_md5sig`; the pointer and size describe exactly that value, which lives
    // for the whole call; the fd is owned by `sock` and open for the call's duration.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_MD5SIG,
            (&sig as *const TcpMd5Sig).cast(),
            std::mem::size_of::<TcpMd5Sig>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        let err = io::Error::last_os_error();
        // Removing a key that was never set is not an error worth reporting.
        if key.is_empty() && err.raw_os_error() == Some(libc::ENOENT) {
            return Ok(());
        }
        Err(err)
    }
}

/// How an outgoing or accepted BGP connection is set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectOptions {
    pub peer: SocketAddr,
    pub source: Option<IpAddr>,
    pub password: Option<String>,
    /// 1 for single-hop eBGP, 255 for multihop eBGP and iBGP.
    pub ttl: u32,
}

/// TTL / hop limit, no Nagle, DSCP CS6 (network control, RFC 4594).
fn set_session_options(sock: &Socket, v6: bool, ttl: u32) -> io::Result<()> {
    sock.set_nodelay(true)?;
    if v6 {
        sock.set_unicast_hops_v6(ttl)?;
        let _ = sock.set_tclass_v6(0xc0);
        // A v6 socket talking to a v4-mapped peer sends IPv4 packets: set both.
        let _ = sock.set_ttl(ttl);
    } else {
        sock.set_ttl(ttl)?;
        let _ = sock.set_tos(0xc0);
    }
    Ok(())
}

/// Opens a BGP connection: bind the source address if any, set MD5/TTL before the SYN.
pub async fn connect(opts: &ConnectOptions) -> io::Result<TcpStream> {
    let v6 = opts.peer.is_ipv6();
    let domain = if v6 { Domain::IPV6 } else { Domain::IPV4 };
    let sock = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))?;
    sock.set_nonblocking(true)?;
    if let Some(src) = opts.source {
        let src = match (src, v6) {
            (IpAddr::V4(a), true) => IpAddr::V6(a.to_ipv6_mapped()),
            (IpAddr::V6(a), false) => match a.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "sourceAddress is IPv6 but the peer is IPv4",
                    ))
                }
            },
            (a, _) => a,
        };
        sock.bind(&SockAddr::from(SocketAddr::new(src, 0)))?;
    }
    if let Some(pw) = opts.password.as_deref().filter(|p| !p.is_empty()) {
        set_md5_key(&sock, v6, opts.peer.ip(), Some(pw))?;
    }
    set_session_options(&sock, v6, opts.ttl)?;
    let std_stream: std::net::TcpStream = sock.into();
    TcpSocket::from_std_stream(std_stream)
        .connect(opts.peer)
        .await
}

/// Applies the per-session options to an accepted connection.
pub fn prepare_accepted(stream: &TcpStream, ttl: u32) -> io::Result<()> {
    let sock = socket2::SockRef::from(stream);
    let v6 = stream.local_addr()?.is_ipv6();
    set_session_options(&sock, v6, ttl)
}

/// The passive side: one listening socket. An IPv6 wildcard listener also accepts IPv4
/// (v4-mapped), so `::` serves both families.
pub struct Listener {
    inner: TcpListener,
    v6: bool,
}

impl Listener {
    pub fn bind(addr: SocketAddr) -> io::Result<Self> {
        let v6 = addr.is_ipv6();
        let domain = if v6 { Domain::IPV6 } else { Domain::IPV4 };
        let sock = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))?;
        sock.set_reuse_address(true)?;
        if v6 {
            sock.set_only_v6(false)?;
        }
        sock.set_nonblocking(true)?;
        sock.bind(&SockAddr::from(addr))?;
        sock.listen(1024)?;
        let inner = TcpListener::from_std(sock.into())?;
        Ok(Listener { inner, v6 })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// Sets or removes the MD5 key for one peer address on the listening socket.
    pub fn set_md5_key(&self, peer: IpAddr, key: Option<&str>) -> io::Result<()> {
        if !self.v6 && peer.is_ipv6() {
            // A v4 listener never sees this peer; nothing to install.
            return Ok(());
        }
        set_md5_key(&self.inner, self.v6, peer, key)
    }

    /// Accepts one connection; the peer address is given in canonical form (v4-mapped → v4).
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (s, a) = self.inner.accept().await?;
        Ok((s, canonical(a)))
    }
}

/// `::ffff:a.b.c.d` → `a.b.c.d`, so addresses compare equal to the configured ones.
pub fn canonical(a: SocketAddr) -> SocketAddr {
    SocketAddr::new(canonical_ip(a.ip()), a.port())
}

pub fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The IPv4-mapped form of an IPv4 address (next hop for IPv6 routes on an IPv4 session).
pub fn v4_mapped(ip: IpAddr) -> Ipv6Addr {
    match ip {
        IpAddr::V4(a) => a.to_ipv6_mapped(),
        IpAddr::V6(a) => a,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn sockaddr_layout() {
        assert_eq!(std::mem::size_of::<TcpMd5Sig>(), 128 + 1 + 1 + 2 + 4 + 80);
        let s = sockaddr_for("10.1.2.3".parse().unwrap(), false);
        assert_eq!(&s.0[4..8], &[10, 1, 2, 3]);
        let s = sockaddr_for("10.1.2.3".parse().unwrap(), true);
        assert_eq!(u16::from_ne_bytes([s.0[0], s.0[1]]), libc::AF_INET6 as u16);
        assert_eq!(
            &s.0[8..24],
            &"::ffff:10.1.2.3".parse::<Ipv6Addr>().unwrap().octets()
        );
    }

    /// Connects 127.0.0.1 → listener with the given keys; returns whether data flows.
    async fn md5_roundtrip(
        listen: &str,
        client_key: Option<&str>,
        server_key: Option<&str>,
    ) -> bool {
        let l = Listener::bind(format!("{listen}:0").parse().unwrap()).unwrap();
        let port = l.local_addr().unwrap().port();
        l.set_md5_key("127.0.0.1".parse().unwrap(), server_key)
            .unwrap();
        let opts = ConnectOptions {
            peer: SocketAddr::new("127.0.0.1".parse().unwrap(), port),
            source: Some("127.0.0.1".parse().unwrap()),
            password: client_key.map(str::to_string),
            ttl: 1,
        };
        let server = async {
            let (mut s, from) = l.accept().await.unwrap();
            assert_eq!(from.ip(), "127.0.0.1".parse::<IpAddr>().unwrap());
            prepare_accepted(&s, 255).unwrap();
            let mut b = [0u8; 5];
            s.read_exact(&mut b).await.unwrap();
            b
        };
        let client = async {
            let mut c = connect(&opts).await?;
            c.write_all(b"hello").await?;
            Ok::<_, io::Error>(c)
        };
        let run = async {
            let (c, b) = tokio::join!(client, server);
            c.is_ok() && &b == b"hello"
        };
        tokio::time::timeout(std::time::Duration::from_secs(2), run)
            .await
            .unwrap_or(false)
    }

    #[test]
    fn md5_matching_keys_connect_mismatched_do_not() {
        rt().block_on(async {
            assert!(md5_roundtrip("127.0.0.1", None, None).await);
            assert!(md5_roundtrip("127.0.0.1", Some("s3cret"), Some("s3cret")).await);
            assert!(
                md5_roundtrip("[::]", Some("s3cret"), Some("s3cret")).await,
                "dual-stack listener"
            );
            assert!(!md5_roundtrip("127.0.0.1", Some("s3cret"), Some("other")).await);
            assert!(!md5_roundtrip("127.0.0.1", Some("s3cret"), None).await);
        });
    }

    #[test]
    fn md5_key_too_long_is_rejected() {
        rt().block_on(async {
            let l = Listener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let long = "x".repeat(81);
            assert!(l
                .set_md5_key("127.0.0.1".parse().unwrap(), Some(&long))
                .is_err());
            // Removing a key that was never set is fine.
            l.set_md5_key("127.0.0.9".parse().unwrap(), None).unwrap();
        });
    }

    #[test]
    fn canonicalises_v4_mapped() {
        let a: SocketAddr = "[::ffff:127.0.0.5]:179".parse().unwrap();
        assert_eq!(canonical(a), "127.0.0.5:179".parse().unwrap());
    }
}
