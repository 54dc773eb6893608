// The speaker's monitoring endpoint, scraped from a running `ferrolb standalone` process peering
// with a real GoBGP on loopback: /healthz, /readyz and MetalLB's metrics move with real events
// (session up, service announced, service removed, peer gone).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDaemon, type PeerDaemon } from '../helpers/bgp-daemons.js';
import { scrapeMetrics } from '../helpers/metrics.js';
import { freePort, freePortBelow } from '../helpers/ports.js';
import { start } from '../helpers/run.js';
import { waitFor } from '../helpers/wait.js';

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const SOURCE = '127.0.0.61';

function config(bgpPort: number, withService: boolean): string {
  const docs = [
    `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: public, namespace: metallb-system }
spec:
  addresses: [198.51.100.0/28]`,
    `apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: { name: gobgp, namespace: metallb-system }
spec:
  myASN: 64513
  peerASN: 64512
  peerAddress: 127.0.0.1
  peerPort: ${bgpPort}
  sourceAddress: ${SOURCE}
  ebgpMultiHop: true`,
    `apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: { name: all, namespace: metallb-system }
spec:
  ipAddressPools: [public]`,
  ];
  if (withService) {
    docs.push(`apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec:
  type: LoadBalancer
  ports: [{ port: 80, protocol: TCP }]`);
  }
  return docs.join('\n---\n') + '\n';
}

describe('monitoring endpoint of a running speaker', () => {
  let dir: string;
  let gobgp: PeerDaemon;
  let speaker: ReturnType<typeof start>;
  let port: number;
  let bgpPort: number;
  const file = () => join(dir, 'cluster.yaml');
  const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
  const metrics = () => scrapeMetrics(port);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flb-metrics-'));
    // MetalLB (and so the BGPPeer schema) caps peerPort at 16384: look for a free one below it.
    bgpPort = await freePortBelow(16384);
    gobgp = await startDaemon('gobgp', {
      asn: 64512,
      routerId: '10.255.0.1',
      listenAddresses: ['127.0.0.1'],
      port: bgpPort,
      neighbors: [{ address: SOURCE, asn: 64513, multihop: true, families: ['ipv4'] }],
    });
    writeFileSync(file(), config(bgpPort, true));
    port = await freePort();
    speaker = start(process.execPath, [
      '--import',
      'tsx',
      cli,
      'standalone',
      '--node-name',
      'node1',
      '--assume-interfaces',
      'eth0',
      '--router-id',
      '10.255.0.2',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      file(),
    ]);
  });

  after(async () => {
    speaker?.kill('SIGTERM');
    await gobgp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('healthz and readyz answer once the speaker runs', async () => {
    await waitFor('/readyz 200', async () => (await get('/readyz')).status === 200, {
      timeoutMs: 30_000,
    }).catch((e: Error) => {
      throw new Error(`${e.message}; speaker output: ${speaker.output()}`);
    });
    assert.equal((await get('/healthz')).status, 200);
    assert.equal((await get('/nope')).status, 404);
  });

  test('session up and the service announced show in the metrics', async () => {
    const up = 'metallb_bgp_session_up{peer="127.0.0.1"}';
    const prefixes = 'metallb_bgp_announced_prefixes_total{peer="127.0.0.1"}';
    const m = await waitFor('session up with one prefix', async () => {
      const m = await metrics();
      return m.get(up) === 1 && m.get(prefixes) === 1 ? m : undefined;
    });
    assert.equal(
      m.get('metallb_speaker_announced{ip="198.51.100.0",node="node1",protocol="bgp",service="default/web"}'),
      1,
      [...m.keys()].filter((k) => k.startsWith('metallb_speaker')).join(', '),
    );
    assert.ok((m.get('metallb_bgp_updates_total{peer="127.0.0.1"}') ?? 0) >= 1);
    assert.ok(await gobgp.established(SOURCE), 'GoBGP sees the session too');
  });

  test('removing the service withdraws it and the metrics follow', async () => {
    writeFileSync(file(), config(bgpPort, false));
    const m = await waitFor('prefix withdrawn', async () => {
      const m = await metrics();
      return m.get('metallb_bgp_announced_prefixes_total{peer="127.0.0.1"}') === 0 ? m : undefined;
    });
    assert.equal([...m.keys()].filter((k) => k.startsWith('metallb_speaker_announced{')).length, 0);
  });

  test('a peer that goes away is reported down', async () => {
    await gobgp.stop();
    await waitFor(
      'session down',
      async () => (await metrics()).get('metallb_bgp_session_up{peer="127.0.0.1"}') === 0,
    );
  });
});
