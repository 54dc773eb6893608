// One-host end to end with Kubernetes, all real: kube-apiserver + etcd, one `ferrolb controller`
// process, and three `ferrolb speaker` processes, each in its own network namespace on one LAN
// with BIRD (and, for one scenario, FRR too) in a router namespace and a client namespace
// (../kubernetes-lab/lab.ts). Behaviour is read where users see it: the routers' RIBs and
// sessions, the client's arping/ndisc6/tcpdump and neighbour table, the speakers' /metrics, and
// the objects in the apiserver. Scenarios share one lab and run in order.
import assert from 'node:assert/strict';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { after, before, describe, it } from 'node:test';

import { startDaemon, type PeerDaemon } from '../helpers/bgp-daemons.js';
import { METALLB_NS, createService, waitForIngress, type KubeEnv } from '../helpers/kube.js';
import { Capture, arping, kernelResolve, macString, ndisc6, neigh } from '../helpers/l2-tools.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { KubernetesLab } from '../kubernetes-lab/lab.js';
import {
  EXCLUDE_LB_LABEL,
  createMetalLB,
  labelNode,
  listL2Statuses,
  patchMetalLB,
  setEndpoints,
  setNodeCondition,
} from '../kubernetes-lab/objects.js';
import { ASN, ROUTER_IP, electionOrder, nodeIP } from '../standalone/lab.js';

const nodes = ['node1', 'node2', 'node3'];
// FRR shares the router namespace with BIRD (which holds *:179): another address and port.
const FRR_IP = '10.77.0.2';
const FRR_PORT = 1179;
const idx = (node: string) => nodes.indexOf(node) + 1;
// node3 is configured through the DaemonSet's METALLB_* environment variables, the others by flags.
const fromEnv = (i: number) => ({ fromEnv: i === 3 });

describe(
  'kubernetes e2e on the network: controller, three speakers, BIRD, a client',
  { timeout: 240_000 },
  () => {
    let lab: KubernetesLab;
    let env: KubeEnv;
    const fail = (e: Error): never => assert.fail(`${e.message}\n${lab.logs()}`);
    const mac = (node: string) => lab.net.macs.get(node);
    const clientNs = () => lab.net.clientNs;
    /** The MAC in the client kernel's neighbour entry for `ip`, if any. */
    const clientNeigh = async (ip: string) => (await neigh(lab.net.lab, clientNs(), 'eth0', ip))?.lladdr;
    /** Next hops of every path BIRD holds for `prefix`, sorted. */
    const nextHops = async (prefix: string) => (await lab.net.paths(prefix)).map((p) => p.nextHop).sort();
    const sessions = async (names: string[]) =>
      (await lab.net.sessionSince()).filter((l) => names.includes(l.split(' ')[0] ?? ''));
    /** Every MAC that answers one ARP request for `ip` (captured on the client): exactly one owner. */
    const arpAnswerers = async (ip: string) => {
      const cap = await Capture.start(lab.net.lab, clientNs(), 'eth0', 'arp and arp[6:2] = 2');
      await arping(lab.net.lab, clientNs(), 'eth0', ip);
      await sleep(300); // late duplicates
      const target = ip.split('.').map(Number).join();
      return [
        ...new Set(
          (await cap.frames())
            .filter((f) => [...f.data.subarray(28, 32)].join() === target)
            .map((f) => macString(f.data.subarray(22, 28))),
        ),
      ];
    };

    let frr: PeerDaemon | undefined;
    // Filled in as the scenarios go.
    let webIPs: string[] = [];
    let apiPrefix = '';

    before(async () => {
      lab = await KubernetesLab.create(3);
      env = lab.env;
      await createMetalLB(env, 'IPAddressPool', 'ipaddresspools', 'lan', {
        addresses: ['10.77.0.200-10.77.0.210', 'fd00:77::200-fd00:77::210'],
      });
      await createMetalLB(env, 'L2Advertisement', 'l2advertisements', 'lan', { ipAddressPools: ['lan'] });
      await createMetalLB(env, 'IPAddressPool', 'ipaddresspools', 'public', {
        addresses: ['198.51.100.0/28'],
        autoAssign: false,
      });
      await createMetalLB(env, 'BGPPeer', 'bgppeers', 'router', {
        myASN: ASN,
        peerASN: ASN,
        peerAddress: ROUTER_IP,
      });
      await createMetalLB(env, 'BGPAdvertisement', 'bgpadvertisements', 'public', {
        ipAddressPools: ['public'],
        communities: ['64512:10'],
        localPref: 150,
      });
      for (const i of [1, 2, 3]) lab.startSpeaker(i, fromEnv(i));
    });
    after(async () => {
      await frr?.stop();
      await lab?.destroy();
    });

    it("L2, IPv4: the controller allocates, the client's ARP resolves to the elected node, ServiceL2Status names it", async () => {
      await createService(env, 'web', { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] });
      await setEndpoints(env, 'web', [{ node: 'node1', ip: '10.244.1.5' }]);
      webIPs = await waitForIngress(env, 'web', (ips) => ips.length === 2);
      assert.deepEqual(webIPs, ['10.77.0.200', 'fd00:77::200']);
      const owner = electionOrder(nodes, webIPs[0] as string)[0] as string;
      // The speakers start together: until all three have heard of each other, an earlier-live
      // subset may elect another node for a moment. Wait for the converged answer.
      let answer: string | null = null;
      await waitFor(
        `the elected node ${owner} answers ARP for the web IP`,
        async () => {
          answer = await arping(lab.net.lab, clientNs(), 'eth0', '10.77.0.200');
          return answer === mac(owner) ? true : undefined;
        },
        { timeoutMs: 60_000 },
      ).catch((e: Error) => fail(new Error(`${e.message} (last answer: ${answer})`)));
      assert.deepEqual(await arpAnswerers('10.77.0.200'), [mac(owner)], 'only the elected node answers');
      const statuses = await waitFor('the ServiceL2Status of web', async () => {
        const l = (await listL2Statuses(env)).filter((s) => s.status?.serviceName === 'web');
        return l.length === 1 && l[0]?.status?.node === owner ? l : undefined;
      }).catch(fail);
      assert.equal(statuses[0]?.status?.node, owner);
      assert.equal(statuses[0]?.status?.serviceNamespace, 'default');
    });

    it('L2, IPv6: ndisc6 from the client is answered with the same elected node’s MAC', async () => {
      const owner = electionOrder(nodes, webIPs[0] as string)[0] as string;
      const answer = await waitFor(`${owner} answers ndisc6 for the web IPv6`, async () => {
        const m = await ndisc6(lab.net.lab, clientNs(), 'eth0', 'fd00:77::200');
        return m === mac(owner) ? m : undefined;
      }).catch(fail);
      assert.equal(answer, mac(owner));
      // The client's own kernel resolves it to the same node (`ip -6 neigh`).
      await kernelResolve(lab.net.lab, clientNs(), 'fd00:77::200');
      await waitFor(
        'the client’s IPv6 neighbour entry',
        async () => (await clientNeigh('fd00:77::200')) === mac(owner),
      ).catch(fail);
    });

    it('BGP: BIRD holds the route from all three nodes (ECMP) with the community and LOCAL_PREF', async () => {
      await createService(env, 'api', { annotations: { 'metallb.io/address-pool': 'public' } });
      await setEndpoints(env, 'api', [{ node: 'node1', ip: '10.244.1.6' }]);
      const [ip] = await waitForIngress(env, 'api');
      apiPrefix = `${ip}/32`;
      const paths = await waitFor(
        'three paths at BIRD',
        async () => {
          const p = await lab.net.paths(apiPrefix);
          return p.length === 3 ? p : undefined;
        },
        { timeoutMs: 60_000 },
      ).catch(fail);
      assert.deepEqual(paths.map((p) => p.nextHop).sort(), [nodeIP(1), nodeIP(2), nodeIP(3)]);
      for (const p of paths) {
        assert.equal(p.localPref, 150);
        assert.deepEqual(p.communities, ['64512:10']);
      }
      await waitFor(
        'ECMP in the router kernel',
        async () =>
          (await lab.net.kernelNextHops(apiPrefix)).join() === [nodeIP(1), nodeIP(2), nodeIP(3)].join(),
      );
    });

    it('monitoring: each speaker serves /metrics on its node address and reports what it announces', async () => {
      const owner = electionOrder(nodes, webIPs[0] as string)[0] as string;
      const apiIP = apiPrefix.split('/')[0] as string;
      for (const i of [1, 2, 3]) {
        // Scraped from the client, as Prometheus would (node3 binds only METALLB_HOST).
        const text = await waitFor(`metrics of node${i}`, async () => {
          const { stdout } = await lab.net.lab.exec(clientNs(), process.execPath, [
            '-e',
            `fetch('http://${nodeIP(i)}:7472/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))`,
          ]);
          return stdout.includes(`ip="${apiIP}"`) ? stdout : undefined;
        }).catch(fail);
        const announced = (ip: string, protocol: string) =>
          new RegExp(
            `^metallb_speaker_announced\\{ip="${ip}",node="node${i}",protocol="${protocol}",[^}]*\\} 1$`,
            'm',
          );
        assert.match(text, announced(apiIP, 'bgp'));
        if (`node${i}` === owner) assert.match(text, announced(webIPs[0] as string, 'layer2'));
        else assert.doesNotMatch(text, announced(webIPs[0] as string, 'layer2'));
      }
    });

    it('BGP: a new community and LOCAL_PREF in the BGPAdvertisement reach BIRD without a session reset', async () => {
      const before = await lab.net.sessionSince();
      assert.equal(before.length, 3);
      await patchMetalLB(env, 'bgpadvertisements', 'public', { communities: ['64512:20'], localPref: 250 });
      await waitFor('the new attributes on all three paths', async () => {
        const p = await lab.net.paths(apiPrefix);
        return p.length === 3 && p.every((x) => x.localPref === 250 && x.communities.join() === '64512:20');
      }).catch(fail);
      assert.deepEqual(await lab.net.sessionSince(), before);
    });

    it("BGP: a nodeSelector on the BGPPeer drops node3's session only; removing it brings node3 back", async () => {
      const kept = await sessions(['node1', 'node2']);
      await patchMetalLB(env, 'bgppeers', 'router', {
        nodeSelectors: [
          {
            matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node1', 'node2'] }],
          },
        ],
      });
      await waitFor(
        'paths from node1 and node2 only',
        async () => (await nextHops(apiPrefix)).join() === [nodeIP(1), nodeIP(2)].join(),
      ).catch(fail);
      assert.deepEqual(await sessions(['node1', 'node2']), kept, 'the other sessions were not reset');
      await waitFor('node3’s session closed', async () => {
        const [node3] = await sessions(['node3']);
        return node3 !== undefined && !/ up /.test(node3);
      }).catch(fail);
      // RFC 4486: the speaker closed it with Cease / Peer De-configured.
      assert.match(await lab.net.birdc('show', 'protocols', 'all', 'node3'), /Received: Peer de-configured/);
      await patchMetalLB(env, 'bgppeers', 'router', { nodeSelectors: null });
      await waitFor(
        'node3 back',
        async () => (await nextHops(apiPrefix)).join() === [nodeIP(1), nodeIP(2), nodeIP(3)].join(),
        { timeoutMs: 30_000 },
      ).catch(fail);
      assert.deepEqual(await sessions(['node1', 'node2']), kept);
    });

    it('BGP: the exclude-from-external-load-balancers label withdraws that node’s path, session kept', async () => {
      const before = await lab.net.sessionSince();
      await labelNode(env, 'node2', { [EXCLUDE_LB_LABEL]: '' });
      await waitFor(
        'node2 withdrawn',
        async () => (await nextHops(apiPrefix)).join() === [nodeIP(1), nodeIP(3)].join(),
      ).catch(fail);
      await labelNode(env, 'node2', { [EXCLUDE_LB_LABEL]: null });
      await waitFor('node2 back', async () => (await nextHops(apiPrefix)).length === 3).catch(fail);
      assert.deepEqual(await lab.net.sessionSince(), before);
    });

    it('BGP: a second peer (FRR) added, filtered by BGPAdvertisement.peers and removed, leaving BIRD’s sessions alone', async () => {
      await lab.net.lab.exec(lab.net.routerNs, 'ip', ['addr', 'add', `${FRR_IP}/24`, 'dev', 'eth0']);
      frr = await startDaemon('frr', {
        asn: ASN,
        routerId: FRR_IP,
        listenAddresses: [FRR_IP],
        port: FRR_PORT,
        netns: lab.net.routerNs,
        neighbors: [1, 2, 3].map((i) => ({ address: nodeIP(i), asn: ASN })),
      });
      const birdSessions = await lab.net.sessionSince();
      const frrHops = async () => {
        const out = JSON.parse(await (frr as PeerDaemon).cli(`show bgp ipv4 unicast ${apiPrefix} json`)) as {
          paths?: { nexthops?: { ip: string }[]; locPrf?: number; community?: { string?: string } }[];
        };
        return (out.paths ?? [])
          .map((p) => `${p.nexthops?.[0]?.ip} ${p.locPrf} ${p.community?.string}`)
          .sort();
      };
      const all = (attrs: string) => [1, 2, 3].map((i) => `${nodeIP(i)} ${attrs}`);

      await createMetalLB(env, 'BGPPeer', 'bgppeers', 'frr', {
        myASN: ASN,
        peerASN: ASN,
        peerAddress: FRR_IP,
        peerPort: FRR_PORT,
      });
      await waitFor(
        'three paths at FRR with the attributes',
        async () => (await frrHops()).join() === all('250 64512:20').join(),
        { timeoutMs: 30_000 },
      ).catch(fail);
      assert.deepEqual(await lab.net.sessionSince(), birdSessions, 'adding a peer touched no other session');

      await patchMetalLB(env, 'bgpadvertisements', 'public', { peers: ['frr'] });
      await waitFor('BIRD withdrawn, FRR kept', async () => (await nextHops(apiPrefix)).length === 0).catch(
        fail,
      );
      assert.equal((await frrHops()).length, 3);
      await patchMetalLB(env, 'bgpadvertisements', 'public', { peers: null });
      await waitFor('BIRD back', async () => (await nextHops(apiPrefix)).length === 3).catch(fail);

      await env.custom.deleteNamespacedCustomObject({
        group: 'metallb.io',
        version: 'v1beta2',
        namespace: METALLB_NS,
        plural: 'bgppeers',
        name: 'frr',
      });
      await waitFor('FRR sessions closed', async () => {
        const up = await Promise.all([1, 2, 3].map((i) => (frr as PeerDaemon).established(nodeIP(i))));
        return up.every((u) => !u);
      }).catch(fail);
      assert.deepEqual(await lab.net.sessionSince(), birdSessions, 'no BIRD session reset along the way');
    });

    it('externalTrafficPolicy Local: only the node with a ready endpoint announces, and it follows the endpoint', async () => {
      await createService(env, 'local', {
        annotations: { 'metallb.io/address-pool': 'public' },
        externalTrafficPolicy: 'Local',
      });
      await createService(env, 'local-l2', { externalTrafficPolicy: 'Local' });
      await setEndpoints(env, 'local', [{ node: 'node2', ip: '10.244.2.7' }]);
      await setEndpoints(env, 'local-l2', [{ node: 'node2', ip: '10.244.2.8' }]);
      const [bgpIP] = await waitForIngress(env, 'local');
      const [l2IP] = await waitForIngress(env, 'local-l2');
      const prefix = `${bgpIP}/32`;
      const arp = () => arping(lab.net.lab, clientNs(), 'eth0', l2IP as string);

      await waitFor('BGP: node2 only', async () => (await nextHops(prefix)).join() === nodeIP(2), {
        timeoutMs: 30_000,
      }).catch(fail);
      await waitFor('L2: node2 answers', async () => (await arp()) === mac('node2')).catch(fail);

      await setEndpoints(env, 'local', [{ node: 'node3', ip: '10.244.3.7' }]);
      await setEndpoints(env, 'local-l2', [{ node: 'node3', ip: '10.244.3.8' }]);
      await waitFor('BGP: node3 only', async () => (await nextHops(prefix)).join() === nodeIP(3)).catch(fail);
      await waitFor('L2: node3 answers', async () => (await arp()) === mac('node3')).catch(fail);
      assert.deepEqual(await arpAnswerers(l2IP as string), [mac('node3')]);
    });

    it('L2: every Service elects its own node, the same on all speakers', async () => {
      const names = ['many-a', 'many-b', 'many-c', 'many-d', 'many-e'];
      for (const name of names) {
        await createService(env, name);
        await setEndpoints(env, name, [{ node: 'node1', ip: '10.244.1.20' }]);
      }
      const owners = new Set<string>();
      for (const name of names) {
        const [ip] = await waitForIngress(env, name);
        const owner = electionOrder(nodes, ip as string)[0] as string;
        owners.add(owner);
        await waitFor(
          `${name} (${ip}) answered by ${owner}`,
          async () => (await arping(lab.net.lab, clientNs(), 'eth0', ip as string)) === mac(owner),
        ).catch(fail);
        assert.deepEqual(await arpAnswerers(ip as string), [mac(owner)], `only ${owner} answers for ${ip}`);
      }
      process.stderr.write(
        `kubernetes e2e: ${names.length} L2 Services spread over ${[...owners].join(', ')}\n`,
      );
    });

    it('L2 eligibility: an L2Advertisement nodeSelector, NetworkUnavailable and the exclude label move the address to the next node', async () => {
      const ip = webIPs[0] as string;
      const [owner, next] = electionOrder(nodes, ip) as [string, string];
      const answeredBy = (node: string) => async () =>
        (await arping(lab.net.lab, clientNs(), 'eth0', ip)) === mac(node);
      await patchMetalLB(env, 'l2advertisements', 'lan', {
        nodeSelectors: [
          { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: [owner] }] },
        ],
      });
      await waitFor('the next node answering (nodeSelector)', answeredBy(next)).catch(fail);
      assert.deepEqual(await arpAnswerers(ip), [mac(next)]);
      await patchMetalLB(env, 'l2advertisements', 'lan', { nodeSelectors: null });
      await waitFor('the owner answering again', answeredBy(owner)).catch(fail);

      await setNodeCondition(env, owner, 'NetworkUnavailable', 'True');
      await waitFor('the next node answering (NetworkUnavailable)', answeredBy(next)).catch(fail);
      assert.deepEqual(await arpAnswerers(ip), [mac(next)]);
      await setNodeCondition(env, owner, 'NetworkUnavailable', 'False');
      await waitFor('the owner answering again', answeredBy(owner)).catch(fail);

      await labelNode(env, owner, { [EXCLUDE_LB_LABEL]: '' });
      await waitFor('the next node answering (exclude label)', answeredBy(next)).catch(fail);
      await labelNode(env, owner, { [EXCLUDE_LB_LABEL]: null });
      await waitFor('the owner answering again', answeredBy(owner)).catch(fail);
    });

    /**
     * Stops the owner of web's addresses with `signal`; returns ms until the client's IPv4 entry
     * moved (the IPv6 entry must follow too: unsolicited NA), then restarts the owner.
     */
    async function failover(signal: NodeJS.Signals): Promise<number> {
      const [ip, ip6] = webIPs as [string, string];
      const [owner, next] = electionOrder(nodes, ip) as [string, string];
      await kernelResolve(lab.net.lab, clientNs(), ip);
      await kernelResolve(lab.net.lab, clientNs(), ip6);
      await waitFor(
        'the client’s IPv6 entry pointing at the owner',
        async () => (await clientNeigh(ip6)) === mac(owner),
      ).catch(fail);
      await waitFor(
        'the client’s entry pointing at the owner',
        async () => (await clientNeigh(ip)) === mac(owner),
        {
          timeoutMs: 30_000,
        },
      ).catch(fail);
      const t0 = Date.now();
      const stopped = lab.net.signal(idx(owner), signal);
      await waitFor(
        'the client’s entry moving to the next node',
        async () => (await clientNeigh(ip)) === mac(next),
        {
          timeoutMs: 15_000,
          intervalMs: 10,
        },
      ).catch(fail);
      const ms = Date.now() - t0;
      await waitFor(
        'the client’s IPv6 entry moving to the next node',
        async () => (await clientNeigh(ip6)) === mac(next),
        {
          timeoutMs: 15_000,
        },
      ).catch(fail);
      await stopped;
      if (signal === 'SIGTERM')
        // A graceful stop deletes the leaver's ServiceL2Status; the new owner publishes its own.
        await waitFor('ServiceL2Status of web naming the next node only', async () => {
          const l = (await listL2Statuses(env)).filter((x) => x.status?.serviceName === 'web');
          return l.length === 1 && l[0]?.status?.node === next;
        }).catch(fail);
      // The owner comes back (a restarted pod) and takes its address back: the election is stable.
      lab.startSpeaker(idx(owner), fromEnv(idx(owner)));
      await waitFor(
        'the restarted owner announcing again',
        async () => (await clientNeigh(ip)) === mac(owner),
        {
          timeoutMs: 30_000,
        },
      ).catch(fail);
      await waitFor('three BGP paths again', async () => (await nextHops(apiPrefix)).length === 3, {
        timeoutMs: 30_000,
      }).catch(fail);
      // Statuses converge on the owner again: the restarted speaker rewrote its own (a SIGKILL left
      // it behind), the interim owner deleted the one it had created.
      await waitFor('one ServiceL2Status of web, naming the owner', async () => {
        const l = (await listL2Statuses(env)).filter((x) => x.status?.serviceName === 'web');
        return l.length === 1 && l[0]?.status?.node === owner;
      }).catch(fail);
      return ms;
    }

    it('failover: SIGKILL of the owning speaker, another node answers ARP and the client’s entry moves', async () => {
      const ms = await failover('SIGKILL');
      process.stderr.write(`kubernetes e2e: SIGKILL failover ${ms} ms\n`);
      assert.ok(ms < 15_000);
    });

    it('failover: SIGTERM of the owning speaker hands the address over at once (graceful leave)', async () => {
      const ms = await failover('SIGTERM');
      process.stderr.write(`kubernetes e2e: SIGTERM handoff ${ms} ms\n`);
      assert.ok(ms < 15_000);
    });

    it('an apiserver outage changes nothing on the network; afterwards new Services are served again', async () => {
      const ip = webIPs[0] as string;
      const owner = electionOrder(nodes, ip)[0] as string;
      let checks = 0;
      const steady = async () => {
        const [paths, answer] = await Promise.all([
          nextHops(apiPrefix),
          arping(lab.net.lab, clientNs(), 'eth0', ip),
        ]);
        assert.equal(paths.length, 3, 'BGP paths kept while the apiserver is away');
        assert.equal(answer, mac(owner), 'ARP still answered by the owner');
        checks++;
      };
      let watching = true;
      const watcher = (async () => {
        while (watching) await steady();
      })();
      try {
        await env.restartApiserver(3000);
      } finally {
        watching = false;
        await watcher;
      }
      assert.ok(checks >= 3, `checked ${checks} times`);
      await createService(env, 'late', {});
      await setEndpoints(env, 'late', [{ node: 'node1', ip: '10.244.1.9' }]);
      const [late] = await waitForIngress(env, 'late', undefined, 'default', 60_000).catch(fail);
      const lateOwner = electionOrder(nodes, late as string)[0] as string;
      await waitFor(
        'the new Service answered by its elected node',
        async () => (await arping(lab.net.lab, clientNs(), 'eth0', late as string)) === mac(lateOwner),
        { timeoutMs: 60_000 },
      ).catch(fail);
    });

    it('BGP: a TCP MD5 password from a basic-auth Secret (BGPPeer passwordSecret) brings the sessions back', async () => {
      await lab.net.setBirdPassword('lab-md5-0123');
      // BIRD restarts its sessions and now drops every segment without the right signature.
      await waitFor(
        'the paths gone without the password',
        async () => (await nextHops(apiPrefix)).length === 0,
        {
          timeoutMs: 30_000,
        },
      ).catch(fail);
      await sleep(2000);
      assert.deepEqual(await nextHops(apiPrefix), [], 'no session without MD5');
      await env.core.createNamespacedSecret({
        namespace: METALLB_NS,
        body: {
          metadata: { name: 'router-password' },
          type: 'kubernetes.io/basic-auth',
          stringData: { password: 'lab-md5-0123' },
        },
      });
      await patchMetalLB(env, 'bgppeers', 'router', {
        passwordSecret: { name: 'router-password', namespace: METALLB_NS },
      });
      await waitFor(
        'three paths over MD5-signed sessions',
        async () => (await nextHops(apiPrefix)).join() === [nodeIP(1), nodeIP(2), nodeIP(3)].join(),
        { timeoutMs: 30_000 },
      ).catch(fail);
      assert.equal((await lab.net.sessionSince()).filter((l) => / up /.test(l)).length, 3);
    });

    it('an invalid configuration (overlapping pools) is reported and ignored; nothing is withdrawn', async () => {
      const ip = webIPs[0] as string;
      const owner = electionOrder(nodes, ip)[0] as string;
      await createMetalLB(env, 'IPAddressPool', 'ipaddresspools', 'overlap', {
        addresses: ['198.51.100.8/29'],
      });
      await waitFor('every speaker reporting the invalid configuration', () =>
        lab.speakers.every((s) => s.log.includes('configuration invalid; keeping the last good one')),
      ).catch(fail);
      await sleep(500); // a wrong withdrawal would have reached BIRD by now
      assert.equal((await nextHops(apiPrefix)).length, 3);
      assert.equal(await arping(lab.net.lab, clientNs(), 'eth0', ip), mac(owner));
      await env.custom.deleteNamespacedCustomObject({
        group: 'metallb.io',
        version: 'v1beta1',
        namespace: METALLB_NS,
        plural: 'ipaddresspools',
        name: 'overlap',
      });
      await waitFor('every speaker valid again', () =>
        lab.speakers.every((s) => s.log.includes('configuration valid again')),
      ).catch(fail);
    });

    it('changing a Service: a new requested IP moves the route, type ClusterIP withdraws it', async () => {
      await createService(env, 'moving', { annotations: { 'metallb.io/loadBalancerIPs': '198.51.100.5' } });
      await setEndpoints(env, 'moving', [{ node: 'node1', ip: '10.244.1.10' }]);
      assert.deepEqual(await waitForIngress(env, 'moving'), ['198.51.100.5']);
      await waitFor(
        '198.51.100.5 from three nodes',
        async () => (await nextHops('198.51.100.5/32')).length === 3,
      ).catch(fail);
      await env.core.patchNamespacedService(
        {
          name: 'moving',
          namespace: 'default',
          body: { metadata: { annotations: { 'metallb.io/loadBalancerIPs': '198.51.100.6' } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await waitForIngress(env, 'moving', (ips) => ips.join() === '198.51.100.6').catch(fail);
      await waitFor('the route moved to 198.51.100.6', async () => {
        const [old, now] = await Promise.all([nextHops('198.51.100.5/32'), nextHops('198.51.100.6/32')]);
        return old.length === 0 && now.length === 3;
      }).catch(fail);
      await env.core.patchNamespacedService(
        { name: 'moving', namespace: 'default', body: { spec: { type: 'ClusterIP' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await waitFor(
        'withdrawn once no longer a LoadBalancer',
        async () => (await nextHops('198.51.100.6/32')).length === 0,
      ).catch(fail);
    });

    it('deleting the Services withdraws everything', async () => {
      const localPrefix = `${(await waitForIngress(env, 'local'))[0]}/32`;
      for (const name of [
        'web',
        'api',
        'local',
        'local-l2',
        'late',
        'moving',
        'many-a',
        'many-b',
        'many-c',
        'many-d',
        'many-e',
      ])
        await env.core.deleteNamespacedService({ name, namespace: 'default' });
      await waitFor('no routes at BIRD', async () => {
        const [a, b] = await Promise.all([lab.net.paths(apiPrefix), lab.net.paths(localPrefix)]);
        return a.length === 0 && b.length === 0;
      }).catch(fail);
      await waitFor(
        'no ARP answer',
        async () => (await arping(lab.net.lab, clientNs(), 'eth0', webIPs[0] as string)) === null,
      ).catch(fail);
      assert.equal(await ndisc6(lab.net.lab, clientNs(), 'eth0', webIPs[1] as string), null);
      await waitFor('no ServiceL2Status left', async () => (await listL2Statuses(env)).length === 0).catch(
        fail,
      );
    });
  },
);
