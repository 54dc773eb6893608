//! The queue of UPDATE work for one established session, encoded lazily: the session asks
//! for "about N more bytes" whenever the socket has taken what was there, so a table of a
//! million prefixes never sits fully encoded in memory and control messages are never
//! stuck behind it for long.

use std::collections::{HashMap, VecDeque};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use super::adj_rib_out::{AttrId, Diff, Families, PeerView, V4Prefix, V6Prefix};
use super::codec::{
    encode_end_of_rib, encode_withdrawals_v4, encode_withdrawals_v6, EncodeStats, Family,
    Ipv4Prefix, Ipv6Prefix, PeerEncodeContext, RouteAttributes, UpdateEncoder, MAX_MESSAGE_LEN,
};

/// The speaker's interned attribute sets, indexed by `AttrId`.
pub type AttrTable = Vec<RouteAttributes>;

/// Prefixes handed to the encoder per call. Only the last UPDATE of a call can be partly
/// filled, so large chunks keep the message count within ~1 % of the minimum.
const CHUNK_V4: usize = 64 * 1024;
const CHUNK_V6: usize = 16 * 1024;

/// Per-session encoding state: the peer context and one encoder per attribute set used.
pub struct PeerContext {
    ctx: PeerEncodeContext,
    encoders: HashMap<AttrId, Result<UpdateEncoder, String>>,
    scratch_v4: Vec<Ipv4Prefix>,
    scratch_v6: Vec<Ipv6Prefix>,
}

impl PeerContext {
    pub fn new(
        local_asn: u32,
        peer_asn: u32,
        four_octet_as: bool,
        next_hop_v4: Option<Ipv4Addr>,
        next_hop_v6: Option<Ipv6Addr>,
    ) -> Self {
        PeerContext {
            ctx: PeerEncodeContext {
                local_asn,
                peer_asn,
                four_octet_as,
                next_hop_v4,
                next_hop_v6,
                next_hop_v6_link_local: None,
                max_message_size: MAX_MESSAGE_LEN,
            },
            encoders: HashMap::new(),
            scratch_v4: Vec::new(),
            scratch_v6: Vec::new(),
        }
    }
}

enum Item {
    Withdraw4(Vec<V4Prefix>, usize),
    Withdraw6(Vec<V6Prefix>, usize),
    Announce {
        attr: AttrId,
        attrs: Arc<AttrTable>,
        v4: Vec<V4Prefix>,
        v6: Vec<V6Prefix>,
        pos4: usize,
        pos6: usize,
    },
    EndOfRib(Family),
    /// A ready message (e.g. BoRR/EoRR) that must keep its place in the sequence.
    Message(Vec<u8>),
    /// A whole view (initial table, route refresh), read in place from the shared table:
    /// one pass per attribute set, so no per-session copy of the prefixes is made.
    FullView {
        view: Arc<PeerView>,
        attrs: Arc<AttrTable>,
        families: Families,
        ids: Vec<AttrId>,
        idx: usize,
        pos4: usize,
        pos6: usize,
    },
}

/// What one `fill` produced.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Filled {
    pub messages: u64,
    pub prefixes: u64,
    pub end_of_rib: Vec<Family>,
    /// Of `messages`, those that are not UPDATEs (BoRR/EoRR ROUTE-REFRESH markers).
    pub other_messages: u64,
    /// Groups that could not be encoded for this peer (e.g. no next hop of that family).
    pub errors: Vec<String>,
}

#[derive(Default)]
pub struct UpdateQueue {
    items: VecDeque<Item>,
}

fn add(f: &mut Filled, s: EncodeStats) {
    f.messages += s.messages as u64;
    f.prefixes += s.prefixes as u64;
}

fn to_v4(p: &V4Prefix) -> Option<Ipv4Prefix> {
    Ipv4Prefix::new_masked(Ipv4Addr::from(p.addr), p.len)
}

fn to_v6(p: &V6Prefix) -> Option<Ipv6Prefix> {
    Ipv6Prefix::new_masked(Ipv6Addr::from(p.addr), p.len)
}

impl UpdateQueue {
    pub fn clear(&mut self) {
        self.items.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Withdrawals first (they free the peer's memory and are small), then announcements per
    /// attribute set.
    pub fn push_diff(&mut self, d: Diff, attrs: Arc<AttrTable>) {
        if !d.withdraw_v4.is_empty() {
            self.items.push_back(Item::Withdraw4(d.withdraw_v4, 0));
        }
        if !d.withdraw_v6.is_empty() {
            self.items.push_back(Item::Withdraw6(d.withdraw_v6, 0));
        }
        for (attr, (v4, v6)) in d.announce {
            self.items.push_back(Item::Announce {
                attr,
                attrs: attrs.clone(),
                v4,
                v6,
                pos4: 0,
                pos6: 0,
            });
        }
    }

    /// Queues every route of `view` in the given families.
    pub fn push_full_view(
        &mut self,
        view: Arc<PeerView>,
        attrs: Arc<AttrTable>,
        families: Families,
    ) {
        let ids = view.attr_ids(families);
        if !ids.is_empty() {
            self.items.push_back(Item::FullView {
                view,
                attrs,
                families,
                ids,
                idx: 0,
                pos4: 0,
                pos6: 0,
            });
        }
    }

    pub fn push_message(&mut self, bytes: Vec<u8>) {
        self.items.push_back(Item::Message(bytes));
    }

    pub fn push_end_of_rib(&mut self, family: Family) {
        self.items.push_back(Item::EndOfRib(family));
    }

    /// Appends encoded UPDATEs to `out` until it holds at least `target` bytes or the
    /// queue is empty.
    pub fn fill(&mut self, pc: &mut PeerContext, out: &mut Vec<u8>, target: usize) -> Filled {
        let mut f = Filled::default();
        while out.len() < target {
            let Some(item) = self.items.front_mut() else {
                break;
            };
            let done = match item {
                Item::FullView {
                    view,
                    attrs,
                    families,
                    ids,
                    idx,
                    pos4,
                    pos6,
                } => {
                    let attr = ids[*idx];
                    let ctx = &pc.ctx;
                    let enc =
                        pc.encoders
                            .entry(attr)
                            .or_insert_with(|| match attrs.get(attr as usize) {
                                Some(a) => UpdateEncoder::new(a, ctx),
                                None => Err(format!("attribute set {attr} is unknown")),
                            });
                    let v4_left = families.v4 && *pos4 < view.len_v4();
                    let v6_left = families.v6 && *pos6 < view.len_v6();
                    match enc {
                        Err(e) => {
                            f.errors.push(e.clone());
                            (*pos4, *pos6) = (view.len_v4(), view.len_v6());
                        }
                        Ok(enc) if v4_left => {
                            let mut chunk = Vec::with_capacity(CHUNK_V4.min(view.len_v4()));
                            view.collect_v4(attr, pos4, CHUNK_V4, &mut chunk);
                            pc.scratch_v4.clear();
                            pc.scratch_v4.extend(chunk.iter().filter_map(to_v4));
                            match enc.encode_v4(&pc.scratch_v4, out) {
                                Ok(s) => add(&mut f, s),
                                Err(e) => {
                                    f.errors.push(e);
                                    *pos4 = view.len_v4();
                                }
                            }
                        }
                        Ok(enc) if v6_left => {
                            let mut chunk = Vec::with_capacity(CHUNK_V6.min(view.len_v6()));
                            view.collect_v6(attr, pos6, CHUNK_V6, &mut chunk);
                            pc.scratch_v6.clear();
                            pc.scratch_v6.extend(chunk.iter().filter_map(to_v6));
                            match enc.encode_v6(&pc.scratch_v6, out) {
                                Ok(s) => add(&mut f, s),
                                Err(e) => {
                                    f.errors.push(e);
                                    *pos6 = view.len_v6();
                                }
                            }
                        }
                        Ok(_) => {}
                    }
                    let v4_done = !families.v4 || *pos4 >= view.len_v4();
                    let v6_done = !families.v6 || *pos6 >= view.len_v6();
                    if v4_done && v6_done {
                        // Next attribute set: walk the view again from the start.
                        *idx += 1;
                        (*pos4, *pos6) = (0, 0);
                    }
                    *idx >= ids.len()
                }
                Item::Message(b) => {
                    out.extend_from_slice(b);
                    f.messages += 1;
                    f.other_messages += 1;
                    true
                }
                Item::EndOfRib(family) => {
                    encode_end_of_rib(*family, out);
                    f.messages += 1;
                    f.end_of_rib.push(*family);
                    true
                }
                Item::Withdraw4(v, pos) => {
                    let end = (*pos + CHUNK_V4).min(v.len());
                    pc.scratch_v4.clear();
                    pc.scratch_v4.extend(v[*pos..end].iter().filter_map(to_v4));
                    if let Ok(s) =
                        encode_withdrawals_v4(&pc.scratch_v4, pc.ctx.max_message_size, out)
                    {
                        add(&mut f, s);
                    }
                    *pos = end;
                    end == v.len()
                }
                Item::Withdraw6(v, pos) => {
                    let end = (*pos + CHUNK_V6).min(v.len());
                    pc.scratch_v6.clear();
                    pc.scratch_v6.extend(v[*pos..end].iter().filter_map(to_v6));
                    if let Ok(s) =
                        encode_withdrawals_v6(&pc.scratch_v6, pc.ctx.max_message_size, out)
                    {
                        add(&mut f, s);
                    }
                    *pos = end;
                    end == v.len()
                }
                Item::Announce {
                    attr,
                    attrs,
                    v4,
                    v6,
                    pos4,
                    pos6,
                } => {
                    let ctx = &pc.ctx;
                    let enc = pc.encoders.entry(*attr).or_insert_with(|| {
                        match attrs.get(*attr as usize) {
                            Some(a) => UpdateEncoder::new(a, ctx),
                            None => Err(format!("attribute set {attr} is unknown")),
                        }
                    });
                    match enc {
                        Err(e) => {
                            f.errors.push(e.clone());
                            true
                        }
                        Ok(enc) if *pos4 < v4.len() => {
                            let end = (*pos4 + CHUNK_V4).min(v4.len());
                            pc.scratch_v4.clear();
                            pc.scratch_v4
                                .extend(v4[*pos4..end].iter().filter_map(to_v4));
                            match enc.encode_v4(&pc.scratch_v4, out) {
                                Ok(s) => add(&mut f, s),
                                Err(e) => {
                                    f.errors.push(e);
                                    *pos4 = v4.len();
                                }
                            }
                            *pos4 = end.max(*pos4);
                            *pos4 == v4.len() && v6.is_empty()
                        }
                        Ok(enc) => {
                            let end = (*pos6 + CHUNK_V6).min(v6.len());
                            pc.scratch_v6.clear();
                            pc.scratch_v6
                                .extend(v6[*pos6..end].iter().filter_map(to_v6));
                            match enc.encode_v6(&pc.scratch_v6, out) {
                                Ok(s) => add(&mut f, s),
                                Err(e) => {
                                    f.errors.push(e);
                                    *pos6 = v6.len();
                                }
                            }
                            *pos6 = end.max(*pos6);
                            *pos6 == v6.len()
                        }
                    }
                }
            };
            if done {
                self.items.pop_front();
            }
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bgp::adj_rib_out::{diff, Families, PeerView, RouteGroup};
    use crate::bgp::codec::{decode, frame, CodecContext, Message};

    fn decode_all(mut b: &[u8]) -> Vec<Message> {
        let mut v = Vec::new();
        while let Some((_, len)) = frame(b).unwrap() {
            v.push(decode(&b[..len], &CodecContext::default()).unwrap());
            b = &b[len..];
        }
        assert!(b.is_empty());
        v
    }

    #[test]
    fn full_table_then_end_of_rib_in_bounded_fills() {
        let v4: Vec<V4Prefix> = (0..200_000u32)
            .map(|i| V4Prefix {
                addr: 0x0a00_0000 + i,
                len: 32,
            })
            .collect();
        let v6: Vec<V6Prefix> = (0..1000u128)
            .map(|i| V6Prefix {
                addr: (0x2001_0db8u128 << 96) | i,
                len: 128,
            })
            .collect();
        let g = RouteGroup {
            attr: 0,
            peers: None,
            v4,
            v6,
        };
        let view = PeerView::build(&[&g]);
        let mut q = UpdateQueue::default();
        q.push_diff(
            diff(&PeerView::default(), &view, Families { v4: true, v6: true }),
            Arc::new(vec![RouteAttributes::default()]),
        );
        q.push_end_of_rib(Family::IPV4_UNICAST);
        q.push_end_of_rib(Family::IPV6_UNICAST);
        let mut pc = PeerContext::new(65001, 65002, true, Some(Ipv4Addr::new(192, 0, 2, 1)), None);
        let (mut announced, mut messages, mut rounds, mut eor) = (0, 0, 0, vec![]);
        while !q.is_empty() {
            let mut out = Vec::new();
            let f = q.fill(&mut pc, &mut out, 128 * 1024);
            assert!(f.errors.is_empty(), "{:?}", f.errors);
            assert!(
                out.len() < 128 * 1024 + 64 * 1024 * 5 + 8192,
                "bounded: {}",
                out.len()
            );
            let msgs = decode_all(&out);
            assert_eq!(msgs.len() as u64, f.messages);
            for m in msgs {
                if let Message::Update(u) = m {
                    announced += u.announced().len();
                    if let Some(fam) = u.end_of_rib() {
                        eor.push(fam);
                    }
                }
            }
            messages += f.messages;
            rounds += 1;
        }
        assert_eq!(announced, 201_000);
        assert_eq!(eor, vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST]);
        // ~800 host routes per 4096-byte UPDATE: close to the minimum message count.
        assert!(
            messages < 200_000 / 780 + 1000 / 100 + 10,
            "{messages} messages"
        );
        assert!(rounds > 1);
    }

    #[test]
    fn full_view_sends_every_route_once_per_attribute_set() {
        let v4a: Vec<V4Prefix> = (0..150_000u32)
            .map(|i| V4Prefix {
                addr: 0x0a00_0000 + 2 * i,
                len: 32,
            })
            .collect();
        let v4b: Vec<V4Prefix> = (0..50_000u32)
            .map(|i| V4Prefix {
                addr: 0x0a00_0001 + 2 * i,
                len: 32,
            })
            .collect();
        let v6: Vec<V6Prefix> = (0..100u128)
            .map(|i| V6Prefix {
                addr: (0x2001_0db8u128 << 96) | i,
                len: 128,
            })
            .collect();
        let view = Arc::new(PeerView::build(&[
            &RouteGroup {
                attr: 0,
                peers: None,
                v4: v4a,
                v6,
            },
            &RouteGroup {
                attr: 1,
                peers: None,
                v4: v4b,
                v6: vec![],
            },
        ]));
        let attrs = Arc::new(vec![
            RouteAttributes::default(),
            RouteAttributes {
                med: Some(7),
                ..Default::default()
            },
        ]);
        let mut q = UpdateQueue::default();
        q.push_full_view(view, attrs, Families { v4: true, v6: true });
        let mut pc = PeerContext::new(65001, 65002, true, Some(Ipv4Addr::new(192, 0, 2, 1)), None);
        let (mut with_med, mut without, mut v6_seen) = (0, 0, 0);
        while !q.is_empty() {
            let mut out = Vec::new();
            q.fill(&mut pc, &mut out, 128 * 1024);
            for m in decode_all(&out) {
                if let Message::Update(u) = m {
                    let n = u.announced().len();
                    if u.mp_reach.is_some() {
                        v6_seen += n;
                    } else if u.attributes.med == Some(7) {
                        with_med += n;
                    } else {
                        without += n;
                    }
                }
            }
        }
        assert_eq!((without, with_med, v6_seen), (150_000, 50_000, 100));
    }

    #[test]
    fn withdrawals_and_missing_next_hop() {
        let old = PeerView::build(&[&RouteGroup {
            attr: 0,
            peers: None,
            v4: vec![V4Prefix {
                addr: 0x0a00_0000,
                len: 24,
            }],
            v6: vec![V6Prefix {
                addr: 0x2001_0db8u128 << 96,
                len: 32,
            }],
        }]);
        let mut q = UpdateQueue::default();
        q.push_diff(
            diff(&old, &PeerView::default(), Families { v4: true, v6: true }),
            Arc::new(vec![]),
        );
        let mut pc = PeerContext::new(65001, 65002, true, None, None);
        let mut out = Vec::new();
        let f = q.fill(&mut pc, &mut out, 1 << 20);
        assert_eq!((f.messages, f.prefixes), (2, 2));
        let w: usize = decode_all(&out)
            .iter()
            .map(|m| {
                if let Message::Update(u) = m {
                    u.withdrawn_prefixes().len()
                } else {
                    0
                }
            })
            .sum();
        assert_eq!(w, 2);
        // Announcing IPv4 without any IPv4 next hop is reported, not sent.
        q.push_diff(
            diff(
                &PeerView::default(),
                &old,
                Families {
                    v4: true,
                    v6: false,
                },
            ),
            Arc::new(vec![RouteAttributes::default()]),
        );
        let f = q.fill(&mut pc, &mut out, 1 << 20);
        assert_eq!(f.messages, 0);
        assert_eq!(f.errors.len(), 1);
        assert!(q.is_empty());
    }
}
