// Standalone e2e, FRR variant: the three standalone speakers also peer with FRR bgpd (a second
// router address in the router namespace, next to BIRD). FRR must hold the service prefix from
// all three nodes with the configured LOCAL_PREF and community, and see it withdrawn when the
// Service goes away.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startDaemon, type PeerDaemon } from '../helpers/bgp-daemons.js';
import { waitFor } from '../helpers/wait.js';
import { BGP_PREFIX, config } from '../standalone/e2e-config.js';
import { ASN, StandaloneLab, nodeIP } from '../standalone/lab.js';

const FRR_IP = '10.77.0.2';
// BIRD's listener holds *:179 in the router namespace; FRR listens on another port.
const FRR_PORT = 1179;

const withFrrPeer = (yaml: string) => `${yaml}---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: frr, namespace: metallb-system}
spec: {myASN: ${ASN}, peerASN: ${ASN}, peerAddress: ${FRR_IP}, peerPort: ${FRR_PORT}}
`;

interface FrrPath {
  nexthops?: { ip: string }[];
  locPrf?: number;
  community?: { list?: string[]; string?: string };
}

describe('standalone e2e with FRR', { timeout: 180_000 }, () => {
  let lab: StandaloneLab;
  let frr: PeerDaemon;
  const failLog = () =>
    `${lab.speakers.map((s) => `--- ${s.name}\n${s.log.slice(-2000)}`).join('\n')}\n--- frr\n${frr?.logs().slice(-2000)}`;

  const paths = async (): Promise<FrrPath[]> => {
    const out = JSON.parse(await frr.cli(`show bgp ipv4 unicast ${BGP_PREFIX} json`)) as {
      paths?: FrrPath[];
    };
    return out.paths ?? [];
  };

  before(async () => {
    lab = await StandaloneLab.create(3, withFrrPeer(config({ community: '64512:10', localPref: 150 })));
    await lab.lab.exec(lab.routerNs, 'ip', ['addr', 'add', `${FRR_IP}/24`, 'dev', 'eth0']);
    frr = await startDaemon('frr', {
      asn: ASN,
      routerId: FRR_IP,
      listenAddresses: [FRR_IP],
      port: FRR_PORT,
      netns: lab.routerNs,
      neighbors: [1, 2, 3].map((i) => ({ address: nodeIP(i), asn: ASN })),
    });
    for (const i of [1, 2, 3]) lab.start(i);
  });
  after(async () => {
    if (lab) for (const i of [1, 2, 3]) await lab.signal(i, 'SIGTERM');
    await frr?.stop();
    await lab?.destroy();
  });

  it('FRR holds the prefix from all three nodes with LOCAL_PREF and community', async () => {
    const got = await waitFor(
      'three paths at FRR',
      async () => {
        const p = await paths();
        return p.length === 3 ? p : undefined;
      },
      { timeoutMs: 60_000 },
    ).catch((e: Error) => assert.fail(`${e.message}\n${failLog()}`));
    assert.deepEqual(got.map((p) => p.nexthops?.[0]?.ip).sort(), [nodeIP(1), nodeIP(2), nodeIP(3)]);
    for (const p of got) {
      assert.equal(p.locPrf, 150);
      assert.equal(p.community?.string, '64512:10');
    }
    // BIRD, peered at the same time, holds the same three paths.
    assert.equal((await lab.paths(BGP_PREFIX)).length, 3);
  });

  it('removing the Services withdraws the prefix at FRR', async () => {
    lab.writeConfig(withFrrPeer(config({ community: '64512:10', localPref: 150, withServices: false })));
    await waitFor('withdrawn at FRR', async () => (await paths()).length === 0);
  });
});
