// One-host end to end, standalone variant: three `ferrolb standalone` speakers in their own
// network namespaces on one LAN, BIRD in a router namespace, a client namespace. Real kernels,
// real BIRD, real speakerlist over UDP; nothing mocked.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { kernelResolve, neigh, arping } from '../helpers/l2-tools.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { StandaloneLab, electionOrder, nodeIP } from '../standalone/lab.js';
import { BGP_PREFIX, L2_IP, config } from '../standalone/e2e-config.js';

const nodes = ['node1', 'node2', 'node3'];
// Each speaker has its own namespace, so each can serve the monitoring endpoint on MetalLB's port.
const MONITORING = ['--port', '7472'];

describe('standalone e2e: three speakers, BIRD, a client', { timeout: 180_000 }, () => {
  let lab: StandaloneLab;
  const failLog = () => lab.speakers.map((s) => `--- ${s.name}\n${s.log.slice(-3000)}`).join('\n');

  before(async () => {
    lab = await StandaloneLab.create(3, config({ community: '64512:10', localPref: 150 }));
    for (const i of [1, 2, 3]) lab.start(i, MONITORING);
  });
  after(async () => {
    if (lab) {
      for (const i of [1, 2, 3]) await lab.signal(i, 'SIGTERM');
      await lab.destroy();
    }
  });

  it('BIRD holds the BGP route from all three nodes with the configured attributes (ECMP)', async () => {
    const paths = await waitFor(
      'three paths at BIRD',
      async () => {
        const p = await lab.paths(BGP_PREFIX);
        return p.length === 3 ? p : undefined;
      },
      { timeoutMs: 60_000 },
    ).catch((e: Error) => assert.fail(`${e.message}\n${failLog()}`));
    assert.deepEqual(paths.map((p) => p.nextHop).sort(), [nodeIP(1), nodeIP(2), nodeIP(3)]);
    for (const p of paths) {
      assert.equal(p.localPref, 150);
      assert.deepEqual(p.communities, ['64512:10']);
      assert.deepEqual(p.asPath, []);
    }
    // BIRD merges the three paths into one multipath route in the router's kernel.
    await waitFor(
      'ECMP route in the router kernel',
      async () => (await lab.kernelNextHops(BGP_PREFIX)).join() === [nodeIP(1), nodeIP(2), nodeIP(3)].join(),
    );
  });

  it("the client's ARP for the L2 service resolves to the elected node's MAC", async () => {
    const owner = electionOrder(nodes, L2_IP)[0] as string;
    const mac = await waitFor(
      'an ARP answer',
      () => arping(lab.lab, lab.clientNs, 'eth0', L2_IP).then((m) => m ?? undefined),
      {
        timeoutMs: 20_000,
      },
    );
    assert.equal(mac, lab.macs.get(owner), `answered by ${mac}; owner ${owner}\n${failLog()}`);
  });

  it('an edit of community and LOCAL_PREF is applied without resetting any session', async () => {
    const before = await lab.sessionSince();
    assert.equal(before.length, 3);
    lab.writeConfig(config({ community: '64512:20', localPref: 250 }));
    await waitFor('new attributes on all three paths', async () => {
      const p = await lab.paths(BGP_PREFIX);
      return p.length === 3 && p.every((x) => x.localPref === 250 && x.communities.join() === '64512:20');
    });
    assert.deepEqual(await lab.sessionSince(), before);
  });

  it('an invalid edit is reported and ignored; the last good configuration stays', async () => {
    lab.writeConfig(config({ community: 'not-a-community', localPref: 250 }));
    await waitFor('the error on stderr of every speaker', () =>
      lab.speakers.every((s) => /invalid configuration ignored/.test(s.log)),
    );
    const p = await lab.paths(BGP_PREFIX);
    assert.equal(p.length, 3);
    assert.ok(p.every((x) => x.communities.join() === '64512:20'));
    lab.writeConfig(config({ community: '64512:20', localPref: 250 }));
  });

  it('a restarting speaker does not grab the L2 address before it has heard from the others', async () => {
    const order = electionOrder(nodes, L2_IP);
    const owner = order[0] as string;
    const last = nodes.indexOf(order[2] as string) + 1;
    await kernelResolve(lab.lab, lab.clientNs, L2_IP);
    await waitFor(
      'client neighbour entry',
      async () => (await neigh(lab.lab, lab.clientNs, 'eth0', L2_IP))?.lladdr,
    );
    await lab.signal(last, 'SIGKILL');
    lab.start(last, MONITORING);
    const seen = new Set<string>();
    const until = Date.now() + 4000;
    while (Date.now() < until) {
      const mac = (await neigh(lab.lab, lab.clientNs, 'eth0', L2_IP))?.lladdr;
      if (mac) seen.add(mac);
      await sleep(20);
    }
    assert.deepEqual([...seen], [lab.macs.get(owner)], failLog());
    await waitFor(
      'the restarted speaker back in BGP',
      async () => (await lab.paths(BGP_PREFIX)).length === 3,
    );
  });

  it('SIGTERM of the owner: graceful leave, the next node takes over the L2 address', async () => {
    const order = electionOrder(nodes, L2_IP);
    const owner = order[0] as string;
    const next = order[1] as string;
    await kernelResolve(lab.lab, lab.clientNs, L2_IP);
    await waitFor(
      'client neighbour entry',
      async () => (await neigh(lab.lab, lab.clientNs, 'eth0', L2_IP))?.lladdr,
    );
    assert.equal((await neigh(lab.lab, lab.clientNs, 'eth0', L2_IP))?.lladdr, lab.macs.get(owner));
    const t0 = Date.now();
    const ownerIdx = nodes.indexOf(owner) + 1;
    const stopped = lab.signal(ownerIdx, 'SIGTERM');
    await waitFor(
      'neighbour entry moving to the next node',
      async () => (await neigh(lab.lab, lab.clientNs, 'eth0', L2_IP))?.lladdr === lab.macs.get(next),
      { timeoutMs: 10_000, intervalMs: 10 },
    ).catch((e: Error) => assert.fail(`${e.message}\n${failLog()}`));
    const ms = Date.now() - t0;
    await stopped;
    process.stderr.write(`standalone e2e: SIGTERM handoff ${ms} ms\n`);
    // Its BGP path is withdrawn (Cease) too.
    await waitFor('two paths left', async () => (await lab.paths(BGP_PREFIX)).length === 2);
  });

  it('SIGKILL of the new owner: the last node takes over after failure detection', async () => {
    const order = electionOrder(nodes, L2_IP);
    const owner = order[1] as string;
    const last = order[2] as string;
    const t0 = Date.now();
    await lab.signal(nodes.indexOf(owner) + 1, 'SIGKILL');
    await waitFor(
      'neighbour entry moving to the last node',
      async () => (await neigh(lab.lab, lab.clientNs, 'eth0', L2_IP))?.lladdr === lab.macs.get(last),
      { timeoutMs: 15_000, intervalMs: 10 },
    ).catch((e: Error) => assert.fail(`${e.message}\n${failLog()}`));
    process.stderr.write(`standalone e2e: SIGKILL failover ${Date.now() - t0} ms\n`);

    // The new owner's own metrics saw it: a timed takeover, one live member, the L2 announcement.
    const ns = lab.speakers[nodes.indexOf(last)]!.ns;
    const scrape = async () => {
      const { stdout } = await lab.lab.exec(ns, process.execPath, [
        '-e',
        "fetch('http://127.0.0.1:7472/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))",
      ]);
      return stdout;
    };
    const text = await waitFor('takeover in the metrics', async () => {
      const t = await scrape();
      return /^ferrolb_layer2_takeover_seconds_count [1-9]/m.test(t) ? t : undefined;
    });
    assert.match(text, /^ferrolb_speakerlist_live_members 1$/m);
    assert.match(text, /^ferrolb_layer2_election_changes_total\{change="gained"\} [1-9]/m);
    assert.match(
      text,
      new RegExp(
        `^metallb_speaker_announced\\{ip="${L2_IP.replace(/\./g, '\\.')}",node="${last}",protocol="layer2",[^}]*\\} 1$`,
        'm',
      ),
    );
  });

  it('removing the Services withdraws the route and stops ARP answers', async () => {
    lab.writeConfig(config({ community: '64512:20', localPref: 250, withServices: false }));
    await waitFor('route withdrawn at BIRD', async () => (await lab.paths(BGP_PREFIX)).length === 0);
    await waitFor('no ARP answer', async () => (await arping(lab.lab, lab.clientNs, 'eth0', L2_IP)) === null);
    await sleep(10);
  });
});
