// Child process for the memory-per-session benchmark: brings up `count` sessions from 127.0.1.x to
// the BIRD listening on 127.0.0.1:`port`, holds them, and prints its own anonymous RSS (KiB) as the
// last line. The parent runs it with 0 and with 200 sessions; identical steps otherwise, so the
// difference is what the sessions cost.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BgpSpeaker } from '../../index.js';

const [count, port] = process.argv.slice(2).map(Number);
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const speaker = new BgpSpeaker({ routerId: '10.255.0.2' });
const routes = Buffer.alloc(100 * 5);
for (let i = 0; i < 100; i++) {
  routes.writeUInt32BE(0x0a000000 + i, i * 5);
  routes[i * 5 + 4] = 32;
}
speaker.setRoutes([{ attributes: { communities: ['65000:1'] }, packedV4: routes }]);
speaker.setPeers(
  Array.from({ length: count }, (_, i) => ({
    name: `p${i}`,
    address: '127.0.0.1',
    port,
    sourceAddress: `127.0.1.${i + 1}`,
    localAsn: 64513,
    peerAsn: 64512,
    ipv6: false,
    ebgpMultihop: true,
    nextHopV4: '192.0.2.1',
    connectRetrySecs: 1,
    connectRetryMaxSecs: 4,
  })),
);
const up = () => speaker.peerStatus().filter((p) => p.state === 'Established').length;
const deadline = Date.now() + 120_000;
while (up() < count && Date.now() < deadline) await sleep(200);
if (up() < count) {
  console.error(`only ${up()} of ${count} sessions came up`);
  process.exit(1);
}
// Hold the sessions through a few keepalive rounds, then settle the JS heap before measuring.
await sleep(4000);
if (up() < count) {
  console.error(`only ${up()} of ${count} sessions stayed up`);
  process.exit(1);
}
gc();
gc();
await sleep(500);
const anon = /RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
await speaker.close();
console.log(anon);
