//! UDP sockets for single-hop BFD (RFC 5881): the shared receivers on port 3784 that
//! report each datagram's TTL/hop limit, and per-session senders with TTL 255 and a
//! source port in 49152–65535. Every `unsafe` of the BFD code lives here.

use std::io;
use std::mem::{size_of, size_of_val, zeroed};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsRawFd, RawFd};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use tokio::io::Interest;
use tokio::net::UdpSocket;

/// RFC 5881 §4: single-hop Control packets go to this port.
pub const CONTROL_PORT: u16 = 3784;
/// RFC 5881 §4: the source port range.
pub const SOURCE_PORTS: std::ops::RangeInclusive<u16> = 49152..=65535;
/// RFC 5881 §5: sent with, and required on receipt.
pub const TTL: u8 = 255;

fn set_int_opt(fd: RawFd, level: libc::c_int, name: libc::c_int, v: libc::c_int) -> io::Result<()> {
    // SAFETY: the value is a live `c_int` and the length passed is its size; the fd is
    // open for the duration of the call (owned by the caller's socket).
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&v as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The receiving socket of one address family, bound to the wildcard address on 3784.
pub fn bind_receiver(v6: bool) -> io::Result<UdpSocket> {
    let (domain, addr) = if v6 {
        (
            Domain::IPV6,
            SocketAddr::from((Ipv6Addr::UNSPECIFIED, CONTROL_PORT)),
        )
    } else {
        (
            Domain::IPV4,
            SocketAddr::from((Ipv4Addr::UNSPECIFIED, CONTROL_PORT)),
        )
    };
    let s = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
    if v6 {
        s.set_only_v6(true)?;
        set_int_opt(
            s.as_raw_fd(),
            libc::IPPROTO_IPV6,
            libc::IPV6_RECVHOPLIMIT,
            1,
        )?;
    } else {
        set_int_opt(s.as_raw_fd(), libc::IPPROTO_IP, libc::IP_RECVTTL, 1)?;
    }
    s.set_nonblocking(true)?;
    s.bind(&addr.into())?;
    UdpSocket::from_std(s.into())
}

/// A session's sending socket: TTL/hop limit 255, bound to `local` (or any address) and a
/// free port in 49152–65535, connected to the peer's port 3784.
pub fn bind_sender(peer: IpAddr, local: Option<IpAddr>, seed: u64) -> io::Result<UdpSocket> {
    let domain = if peer.is_ipv4() {
        Domain::IPV4
    } else {
        Domain::IPV6
    };
    let s = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
    if peer.is_ipv4() {
        s.set_ttl(u32::from(TTL))?;
    } else {
        s.set_unicast_hops_v6(u32::from(TTL))?;
    }
    s.set_nonblocking(true)?;
    let ip = local.unwrap_or(match peer {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    });
    let span = u64::from(SOURCE_PORTS.end() - SOURCE_PORTS.start()) + 1;
    let mut last = io::Error::new(io::ErrorKind::AddrInUse, "no free source port");
    for i in 0..span {
        let port = SOURCE_PORTS.start() + ((seed.wrapping_add(i)) % span) as u16;
        match s.bind(&SocketAddr::new(ip, port).into()) {
            Ok(()) => {
                s.connect(&SocketAddr::new(peer, CONTROL_PORT).into())?;
                return UdpSocket::from_std(s.into());
            }
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// One datagram: its length, sender, and the TTL/hop limit it arrived with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Received {
    pub len: usize,
    pub from: IpAddr,
    pub ttl: Option<u8>,
}

/// `recvmsg` with the TTL (IPv4 `IP_TTL`) or hop limit (`IPV6_HOPLIMIT`) control message.
fn recv_with_ttl(fd: RawFd, buf: &mut [u8]) -> io::Result<Received> {
    // SAFETY: all-zero is a valid `sockaddr_storage` and `msghdr`.
    let mut addr: libc::sockaddr_storage = unsafe { zeroed() };
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // u64 elements keep the control buffer aligned for `cmsghdr`.
    let mut control = [0u64; 16];
    // SAFETY: as above.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_name = (&mut addr as *mut libc::sockaddr_storage).cast();
    msg.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = size_of_val(&control);
    // SAFETY: every pointer in `msg` refers to a live local buffer of the length given
    // (`buf` through `iov`, `addr`, `control`), all outliving the call.
    let n = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_DONTWAIT) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut ttl = None;
    // SAFETY: `msg` was filled by a successful recvmsg; the CMSG_* macros walk only the
    // `msg_controllen` bytes the kernel wrote into `control`, and the data of the two
    // messages read is a `c_int` (read unaligned to be safe).
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            let h = &*c;
            let wanted = (h.cmsg_level == libc::IPPROTO_IP && h.cmsg_type == libc::IP_TTL)
                || (h.cmsg_level == libc::IPPROTO_IPV6 && h.cmsg_type == libc::IPV6_HOPLIMIT);
            if wanted {
                let v = std::ptr::read_unaligned(libc::CMSG_DATA(c).cast::<libc::c_int>());
                ttl = u8::try_from(v).ok();
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    // SAFETY: the kernel wrote a socket address of `msg_namelen` bytes into `addr`.
    let from = unsafe { SockAddr::new(addr, msg.msg_namelen) }
        .as_socket()
        .map(|a| match a.ip() {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        })
        .ok_or_else(|| io::Error::other("datagram without an IP source address"))?;
    Ok(Received {
        len: n as usize,
        from,
        ttl,
    })
}

/// Waits for the next datagram on a receiver made by `bind_receiver`.
pub async fn recv(sock: &UdpSocket, buf: &mut [u8]) -> io::Result<Received> {
    sock.async_io(Interest::READABLE, || recv_with_ttl(sock.as_raw_fd(), buf))
        .await
}
