//! The syscall boundary of the L2 announcer: AF_PACKET sockets with BPF filters, link-layer
//! multicast membership, interface lookups, a NETLINK_ROUTE link monitor, an eventfd and poll.
//! Every `unsafe` block of the L2 code lives here.

use std::ffi::CString;
use std::io;
use std::mem::{size_of, zeroed};
use std::net::Ipv6Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use super::bpf::Insn;
use super::ethernet::Mac;

fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn cvt_size(ret: libc::ssize_t) -> io::Result<usize> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret as usize)
    }
}

fn new_socket(domain: libc::c_int, ty: libc::c_int, proto: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: plain socket(2) call; on success we own the returned descriptor.
    let fd =
        cvt(unsafe { libc::socket(domain, ty | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, proto) })?;
    // SAFETY: `fd` is a fresh, valid descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn setsockopt<T>(fd: RawFd, level: libc::c_int, name: libc::c_int, value: &T) -> io::Result<()> {
    // SAFETY: `value` points to a live T of exactly the size we pass.
    cvt(unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (value as *const T).cast(),
            size_of::<T>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// A raw AF_PACKET socket bound to one interface and one ethertype, with a BPF filter.
#[derive(Debug)]
pub struct PacketSocket {
    fd: OwnedFd,
}

impl PacketSocket {
    /// Opens the socket, attaches `filter` and only then binds, so that no unfiltered frame
    /// can be queued in between (a socket with protocol 0 receives nothing until bound).
    pub fn open(ifindex: u32, ethertype: u16, filter: &[Insn]) -> io::Result<PacketSocket> {
        let fd = new_socket(libc::AF_PACKET, libc::SOCK_RAW, 0)?;
        let prog = libc::sock_fprog {
            len: filter.len() as u16,
            // The kernel copies the program; `Insn` has the layout of `struct sock_filter`.
            filter: filter.as_ptr() as *mut libc::sock_filter,
        };
        setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ATTACH_FILTER,
            &prog,
        )?;
        // Room for bursts of requests; the forced variant needs CAP_NET_ADMIN, so fall back.
        let rcvbuf: libc::c_int = 4 << 20;
        if setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUFFORCE,
            &rcvbuf,
        )
        .is_err()
        {
            let _ = setsockopt(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_RCVBUF, &rcvbuf);
        }
        // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
        let mut sll: libc::sockaddr_ll = unsafe { zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = ethertype.to_be();
        sll.sll_ifindex = ifindex as i32;
        // SAFETY: `sll` is a valid sockaddr_ll and we pass its exact size.
        cvt(unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&sll as *const libc::sockaddr_ll).cast(),
                size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        })?;
        Ok(PacketSocket { fd })
    }

    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Asks for a receive buffer of `bytes` (forced past rmem_max when CAP_NET_ADMIN allows).
    pub fn set_receive_buffer(&self, bytes: usize) -> io::Result<()> {
        let v = bytes.min(i32::MAX as usize) as libc::c_int;
        setsockopt(
            self.fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUFFORCE,
            &v,
        )
        .or_else(|_| setsockopt(self.fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_RCVBUF, &v))
    }

    /// Receives one frame into `buf`; `Ok(None)` when nothing is queued. Returns the frame
    /// length (clipped to `buf`) and the kernel's packet type (PACKET_HOST, _BROADCAST, ...).
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Option<(usize, u8)>> {
        // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
        let mut sll: libc::sockaddr_ll = unsafe { zeroed() };
        let mut len = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
        // SAFETY: `buf` and `sll` are valid for writes of the lengths we pass.
        let n = unsafe {
            libc::recvfrom(
                self.fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                0,
                (&mut sll as *mut libc::sockaddr_ll).cast(),
                &mut len,
            )
        };
        match cvt_size(n) {
            Ok(n) => Ok(Some((n.min(buf.len()), sll.sll_pkttype))),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sends one complete Ethernet frame out of the bound interface.
    pub fn send(&self, frame: &[u8]) -> io::Result<()> {
        // SAFETY: `frame` is valid for reads of its length.
        let n = unsafe { libc::send(self.fd.as_raw_fd(), frame.as_ptr().cast(), frame.len(), 0) };
        cvt_size(n).map(drop)
    }

    /// Receives up to `bufs.len()` queued frames with one recvmmsg call, without waiting.
    /// `meta` gets (length clipped to the buffer, packet type) per frame; returns the count.
    pub fn recv_many(
        &self,
        bufs: &mut [Vec<u8>],
        meta: &mut Vec<(usize, u8)>,
    ) -> io::Result<usize> {
        meta.clear();
        // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
        let mut addrs: Vec<libc::sockaddr_ll> = vec![unsafe { zeroed() }; bufs.len()];
        let mut iovs: Vec<libc::iovec> = bufs
            .iter_mut()
            .map(|b| libc::iovec {
                iov_base: b.as_mut_ptr().cast(),
                iov_len: b.len(),
            })
            .collect();
        let mut msgs: Vec<libc::mmsghdr> = iovs
            .iter_mut()
            .zip(addrs.iter_mut())
            .map(|(iov, addr)| {
                // SAFETY: mmsghdr is plain old data; all-zero is a valid value.
                let mut m: libc::mmsghdr = unsafe { zeroed() };
                m.msg_hdr.msg_iov = iov;
                m.msg_hdr.msg_iovlen = 1;
                m.msg_hdr.msg_name = (addr as *mut libc::sockaddr_ll).cast();
                m.msg_hdr.msg_namelen = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
                m
            })
            .collect();
        // SAFETY: every header points at a live iovec (into `bufs`) and a live sockaddr_ll,
        // all of which outlive the call; the kernel writes at most the lengths given.
        let n = unsafe {
            libc::recvmmsg(
                self.fd.as_raw_fd(),
                msgs.as_mut_ptr(),
                msgs.len() as u32,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        match cvt(n) {
            Ok(n) => {
                let n = n as usize;
                for (i, m) in msgs.iter().take(n).enumerate() {
                    meta.push((
                        (m.msg_len as usize).min(bufs[i].len()),
                        addrs[i].sll_pkttype,
                    ));
                }
                Ok(n)
            }
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock
                    || e.kind() == io::ErrorKind::Interrupted =>
            {
                Ok(0)
            }
            Err(e) => Err(e),
        }
    }

    /// Sends many frames with as few syscalls as possible (sendmmsg), in order. Waits for room
    /// in the socket buffer when the kernel pushes back. Returns how many frames went out and
    /// the error that stopped it early, if any.
    pub fn send_all(&self, frames: &[Vec<u8>]) -> (usize, Option<io::Error>) {
        const BATCH: usize = 256;
        let mut sent = 0;
        let mut stalls = 0;
        while sent < frames.len() {
            let chunk = &frames[sent..(sent + BATCH).min(frames.len())];
            let mut iovs: Vec<libc::iovec> = chunk
                .iter()
                .map(|f| libc::iovec {
                    iov_base: f.as_ptr() as *mut libc::c_void,
                    iov_len: f.len(),
                })
                .collect();
            let mut msgs: Vec<libc::mmsghdr> = iovs
                .iter_mut()
                .map(|iov| {
                    // SAFETY: mmsghdr is plain old data; all-zero is a valid value.
                    let mut m: libc::mmsghdr = unsafe { zeroed() };
                    m.msg_hdr.msg_iov = iov;
                    m.msg_hdr.msg_iovlen = 1;
                    m
                })
                .collect();
            // SAFETY: `msgs` points to `msgs.len()` headers whose iovecs reference `frames`,
            // all of which outlive the call.
            let n = unsafe {
                libc::sendmmsg(self.fd.as_raw_fd(), msgs.as_mut_ptr(), msgs.len() as u32, 0)
            };
            match cvt(n) {
                Ok(n) => sent += n as usize,
                Err(e)
                    if e.kind() == io::ErrorKind::WouldBlock
                        || e.raw_os_error() == Some(libc::ENOBUFS) =>
                {
                    // Give the device a moment; a link that stays stuck is an error, not a hang.
                    stalls += 1;
                    if stalls > 50 {
                        return (sent, Some(e));
                    }
                    if let Err(e) = wait_writable(self.fd.as_raw_fd()) {
                        return (sent, Some(e));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return (sent, Some(e)),
            }
        }
        (sent, None)
    }

    /// Adds (or drops) a link-layer multicast address on the interface for this socket, so the
    /// NIC's filter passes frames sent to it (PACKET_ADD_MEMBERSHIP / PACKET_DROP_MEMBERSHIP).
    pub fn multicast(&self, ifindex: u32, mac: Mac, join: bool) -> io::Result<()> {
        // SAFETY: packet_mreq is plain old data; all-zero is a valid value.
        let mut mreq: libc::packet_mreq = unsafe { zeroed() };
        mreq.mr_ifindex = ifindex as i32;
        mreq.mr_type = libc::PACKET_MR_MULTICAST as u16;
        mreq.mr_alen = 6;
        mreq.mr_address[..6].copy_from_slice(&mac);
        let opt = if join {
            libc::PACKET_ADD_MEMBERSHIP
        } else {
            libc::PACKET_DROP_MEMBERSHIP
        };
        setsockopt(self.fd.as_raw_fd(), libc::SOL_PACKET, opt, &mreq)
    }
}

fn wait_writable(fd: RawFd) -> io::Result<()> {
    let mut p = [libc::pollfd {
        fd,
        events: libc::POLLOUT,
        revents: 0,
    }];
    poll(&mut p, 100).map(drop)
}

/// An unbound UDP/IPv6 socket used only to join IPv6 multicast groups, which makes the kernel
/// send MLD reports: switches doing MLD snooping then forward solicited-node traffic to us.
#[derive(Debug)]
pub struct MldSocket {
    sock: socket2::Socket,
}

impl MldSocket {
    pub fn open() -> io::Result<MldSocket> {
        let sock = socket2::Socket::new(socket2::Domain::IPV6, socket2::Type::DGRAM, None)?;
        Ok(MldSocket { sock })
    }

    pub fn membership(&self, group: &Ipv6Addr, ifindex: u32, join: bool) -> io::Result<()> {
        if join {
            self.sock.join_multicast_v6(group, ifindex)
        } else {
            self.sock.leave_multicast_v6(group, ifindex)
        }
    }
}

/// Whether this process may open AF_PACKET sockets (it needs CAP_NET_RAW).
pub fn packet_sockets_allowed() -> io::Result<()> {
    new_socket(libc::AF_PACKET, libc::SOCK_RAW, 0).map(drop)
}

/// What the kernel says about an interface right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkInfo {
    pub ifindex: u32,
    pub mac: Mac,
    /// Administratively up (IFF_UP).
    pub up: bool,
}

fn ifreq_for(name: &str) -> io::Result<libc::ifreq> {
    let c = CString::new(name)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in name"))?;
    let bytes = c.as_bytes_with_nul();
    if bytes.len() > libc::IFNAMSIZ {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "interface name longer than 15 bytes",
        ));
    }
    // SAFETY: ifreq is plain old data; all-zero is a valid value.
    let mut ifr: libc::ifreq = unsafe { zeroed() };
    for (d, s) in ifr.ifr_name.iter_mut().zip(bytes) {
        *d = *s as libc::c_char;
    }
    Ok(ifr)
}

fn ioctl(fd: RawFd, req: libc::c_ulong, ifr: &mut libc::ifreq) -> io::Result<()> {
    // SAFETY: `ifr` is a valid ifreq the interface ioctls read and write in place.
    cvt(unsafe { libc::ioctl(fd, req as _, ifr as *mut libc::ifreq) }).map(drop)
}

/// Looks `name` up; `Ok(None)` when no such interface exists (in this network namespace).
pub fn link_info(name: &str) -> io::Result<Option<LinkInfo>> {
    let sock = new_socket(libc::AF_INET, libc::SOCK_DGRAM, 0)?;
    let fd = sock.as_raw_fd();
    let mut ifr = ifreq_for(name)?;
    match ioctl(fd, libc::SIOCGIFINDEX, &mut ifr) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::ENODEV) => return Ok(None),
        Err(e) => return Err(e),
    }
    // SAFETY: SIOCGIFINDEX filled the ifindex member of the union.
    let ifindex = unsafe { ifr.ifr_ifru.ifru_ifindex } as u32;
    let mut ifr = ifreq_for(name)?;
    ioctl(fd, libc::SIOCGIFHWADDR, &mut ifr)?;
    // SAFETY: SIOCGIFHWADDR filled the hwaddr member of the union.
    let hw = unsafe { ifr.ifr_ifru.ifru_hwaddr };
    let mut mac = [0u8; 6];
    for (d, s) in mac.iter_mut().zip(hw.sa_data.iter()) {
        *d = *s as u8;
    }
    let mut ifr = ifreq_for(name)?;
    ioctl(fd, libc::SIOCGIFFLAGS, &mut ifr)?;
    // SAFETY: SIOCGIFFLAGS filled the flags member of the union.
    let flags = unsafe { ifr.ifr_ifru.ifru_flags };
    Ok(Some(LinkInfo {
        ifindex,
        mac,
        up: flags & libc::IFF_UP as libc::c_short != 0,
    }))
}

/// A NETLINK_ROUTE socket subscribed to link changes. Messages are only a wake-up: the
/// announcer re-reads the interfaces it uses, which stays right even if messages are lost.
#[derive(Debug)]
pub struct LinkMonitor {
    fd: OwnedFd,
}

impl LinkMonitor {
    pub fn open() -> io::Result<LinkMonitor> {
        let fd = new_socket(libc::AF_NETLINK, libc::SOCK_RAW, libc::NETLINK_ROUTE)?;
        // SAFETY: sockaddr_nl is plain old data; all-zero is a valid value.
        let mut snl: libc::sockaddr_nl = unsafe { zeroed() };
        snl.nl_family = libc::AF_NETLINK as u16;
        snl.nl_groups = libc::RTMGRP_LINK as u32;
        // SAFETY: `snl` is a valid sockaddr_nl and we pass its exact size.
        cvt(unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&snl as *const libc::sockaddr_nl).cast(),
                size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        })?;
        Ok(LinkMonitor { fd })
    }

    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Reads and discards everything queued (ENOBUFS on overflow also means "re-check").
    pub fn drain(&self) {
        let mut buf = [0u8; 8192];
        loop {
            // SAFETY: `buf` is valid for writes of its length.
            let n =
                unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted && e.raw_os_error() != Some(libc::ENOBUFS)
                {
                    return;
                }
            } else if n == 0 {
                return;
            }
        }
    }
}

/// An eventfd that other threads poke to wake the engine's poll loop.
#[derive(Debug)]
pub struct Waker {
    fd: OwnedFd,
}

impl Waker {
    pub fn new() -> io::Result<Waker> {
        // SAFETY: plain eventfd(2) call; on success we own the returned descriptor.
        let fd = cvt(unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) })?;
        // SAFETY: `fd` is a fresh, valid descriptor nobody else owns.
        Ok(Waker {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    pub fn wake(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64, as eventfd requires. A full counter
        // (EAGAIN) already means "wake up", so the result does not matter.
        let _ = unsafe { libc::write(self.fd.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }

    pub fn reset(&self) {
        let mut v: u64 = 0;
        // SAFETY: reads 8 bytes into a live u64, as eventfd requires.
        let _ = unsafe { libc::read(self.fd.as_raw_fd(), (&mut v as *mut u64).cast(), 8) };
    }
}

/// CLOCK_MONOTONIC in microseconds: the clock Node's `process.hrtime` reads, so timestamps
/// taken in different processes (and network namespaces) of one machine compare.
pub fn monotonic_us() -> u64 {
    // SAFETY: timespec is plain old data; all-zero is a valid value.
    let mut ts: libc::timespec = unsafe { zeroed() };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1000
}

/// poll(2) over `fds`, retrying on EINTR; returns the number of ready descriptors.
pub fn poll(fds: &mut [libc::pollfd], timeout_ms: i32) -> io::Result<usize> {
    loop {
        // SAFETY: `fds` is a valid, writable slice of pollfd of the length we pass.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
        match cvt(n) {
            Ok(n) => return Ok(n as usize),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_found_and_unknown_names_are_not() {
        let lo = link_info("lo").unwrap().expect("lo exists");
        assert!(lo.ifindex > 0);
        assert_eq!(lo.mac, [0; 6]);
        assert_eq!(link_info("nope-ferrolb0").unwrap(), None);
        assert!(link_info("a-name-longer-than-15").is_err());
    }

    #[test]
    fn waker_wakes_poll() {
        let w = Waker::new().unwrap();
        let mut p = [libc::pollfd {
            fd: w.raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        }];
        assert_eq!(poll(&mut p, 0).unwrap(), 0);
        w.wake();
        assert_eq!(poll(&mut p, 0).unwrap(), 1);
        w.reset();
        assert_eq!(poll(&mut p, 0).unwrap(), 0);
    }
}
