// The ferrolb demo: three standalone speakers in network namespaces on one LAN, BIRD as the
// upstream router, a client. Shows BIRD's routes (ECMP into the router's kernel), the client's
// ARP resolution of the layer 2 service, and timed failovers (SIGKILL, then SIGTERM).
// Run through scripts/demo.sh (root). Everything it creates is removed on exit.
import { arping, kernelResolve, neigh } from '../../__test__/helpers/l2-tools.js';
import { waitFor } from '../../__test__/helpers/wait.js';
import { BGP_PREFIX, L2_IP, config } from '../../__test__/standalone/e2e-config.js';
import { StandaloneLab, electionOrder } from '../../__test__/standalone/lab.js';

const say = (s: string) => process.stdout.write(`\n\x1b[1m== ${s}\x1b[0m\n`);
const nodes = ['node1', 'node2', 'node3'];

const lab = await StandaloneLab.create(3, config({ community: '64512:10', localPref: 150 }));
const cleanup = async () => {
  for (const i of [1, 2, 3]) await lab.signal(i, 'SIGTERM').catch(() => {});
  await lab.destroy();
};
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
try {
  say(`lab: router (BIRD, AS 64512) 10.77.0.1, client 10.77.0.100, node1..3 10.77.0.11-13 on one bridge`);
  process.stdout.write(`configuration shared by all nodes: ${lab.configFile}\n`);
  for (const i of [1, 2, 3]) lab.start(i);
  say('each node announces 198.51.100.0 over BGP (iBGP, LOCAL_PREF 150, community 64512:10)');
  await waitFor('three paths at BIRD', async () => (await lab.paths(BGP_PREFIX)).length === 3, {
    timeoutMs: 60_000,
  });
  process.stdout.write(await lab.birdc('show', 'route', BGP_PREFIX, 'all'));
  say("the router's kernel: one ECMP route, a next hop per node");
  await waitFor('ECMP route', async () => (await lab.kernelNextHops(BGP_PREFIX)).length === 3);
  process.stdout.write((await lab.lab.exec(lab.routerNs, 'ip', ['route', 'show', BGP_PREFIX])).stdout);

  const order = electionOrder(nodes, L2_IP);
  const macOf = (mac: string | null | undefined) =>
    nodes.find((n) => lab.macs.get(n) === mac) ?? `unknown (${mac})`;
  say(`layer 2 service ${L2_IP}: the client asks who has it (election order ${order.join(' > ')})`);
  const mac = await waitFor('an ARP answer', () =>
    arping(lab.lab, lab.clientNs, 'eth0', L2_IP).then((m) => m ?? undefined),
  );
  process.stdout.write(`${L2_IP} is-at ${mac} = ${macOf(mac)}\n`);

  const failover = async (victim: string, next: string, signal: NodeJS.Signals) => {
    await kernelResolve(lab.lab, lab.clientNs, L2_IP);
    await waitFor(
      'client neighbour entry',
      async () => (await neigh(lab.lab, lab.clientNs, 'eth0', L2_IP))?.lladdr,
    );
    const t0 = performance.now();
    const done = lab.signal(nodes.indexOf(victim) + 1, signal);
    await waitFor(
      `the client's neighbour entry moving to ${next}`,
      async () => (await neigh(lab.lab, lab.clientNs, 'eth0', L2_IP))?.lladdr === lab.macs.get(next),
      { timeoutMs: 15_000, intervalMs: 5 },
    );
    const ms = performance.now() - t0;
    await done;
    process.stdout.write(
      `${signal} ${victim}: the client's ARP entry points at ${next} after ${ms.toFixed(0)} ms\n`,
    );
  };
  say(`failover: SIGKILL the owner (${order[0]}); the others notice through speakerlist and re-elect`);
  await failover(order[0] as string, order[1] as string, 'SIGKILL');
  say(`graceful handoff: SIGTERM the new owner (${order[1]}); it leaves speakerlist first`);
  await failover(order[1] as string, order[2] as string, 'SIGTERM');
  say('BIRD now holds only the path of the last node');
  process.stdout.write(await lab.birdc('show', 'route', BGP_PREFIX));
} finally {
  say('cleaning up');
  await cleanup();
}
