// A point-to-point lab link for BGP tests: a network namespace holding the peer router, joined to
// the root namespace by a veth pair with IPv4 and IPv6 addresses. The speaker under test runs in the
// root namespace and talks only to the peer address inside the namespace this lab created.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { run } from './run.js';

export interface PeerLink {
  netns: string;
  hostIf: string;
  hostV4: string;
  peerV4: string;
  hostV6: string;
  peerV6: string;
  destroy(): Promise<void>;
}

const live = new Set<string>();
process.on('exit', () => {
  // Last resort when a test process dies before its `after` hook: never leave namespaces behind.
  for (const ns of live) destroySync(ns);
});

function destroySync(ns: string) {
  try {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    /* already gone */
  }
}

async function usedThirdOctets(): Promise<Set<number>> {
  const out = await run('ip', ['-4', '-o', 'addr', 'show']);
  return new Set([...out.matchAll(/inet 198\.18\.(\d+)\./g)].map((m) => Number(m[1])));
}

export async function createPeerLink(): Promise<PeerLink> {
  const id = randomBytes(3).toString('hex');
  const netns = `flb-bgp-${id}`;
  const hostIf = `fb${id}h`;
  const peerIf = `fb${id}p`;
  const used = await usedThirdOctets();
  let n = randomBytes(1)[0]!;
  while (used.has(n)) n = (n + 1) % 256;
  const link = {
    netns,
    hostIf,
    hostV4: `198.18.${n}.1`,
    peerV4: `198.18.${n}.2`,
    hostV6: `fd00:f10b:${n.toString(16)}::1`,
    peerV6: `fd00:f10b:${n.toString(16)}::2`,
  };
  live.add(netns);
  try {
    await run('ip', ['netns', 'add', netns]);
    await run('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', peerIf]);
    await run('ip', ['link', 'set', peerIf, 'netns', netns]);
    await run('ip', ['addr', 'add', `${link.hostV4}/30`, 'dev', hostIf]);
    await run('ip', ['-6', 'addr', 'add', `${link.hostV6}/64`, 'dev', hostIf, 'nodad']);
    await run('ip', ['link', 'set', hostIf, 'up']);
    const inNs = (args: string[]) => run('ip', args, { netns });
    await inNs(['link', 'set', 'lo', 'up']);
    await inNs(['addr', 'add', `${link.peerV4}/30`, 'dev', peerIf]);
    await inNs(['-6', 'addr', 'add', `${link.peerV6}/64`, 'dev', peerIf, 'nodad']);
    await inNs(['link', 'set', peerIf, 'up']);
  } catch (err) {
    await destroy();
    throw err;
  }
  async function destroy() {
    // Deleting the namespace deletes the veth pair with it.
    await run('ip', ['netns', 'del', netns]).catch(() => undefined);
    await run('ip', ['link', 'del', hostIf]).catch(() => undefined);
    live.delete(netns);
  }
  return { ...link, destroy };
}
