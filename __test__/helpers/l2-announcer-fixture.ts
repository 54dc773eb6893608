// Runs an L2Announcer in whatever network namespace it is started in, driven by JSON lines on
// stdin, so tests in the root namespace can steer an announcer inside a lab namespace:
//
//   ip netns exec NS node --import tsx __test__/helpers/l2-announcer-fixture.ts '{"garpCount":5}'
//
// stdin:  {"id":1,"method":"announce","args":["192.0.2.100",["eth0"]]}
// stdout: {"ready":true} once, then {"id":1,"result":...} or {"id":1,"error":"..."} per call,
//         and {"event":{...}} for every announcer event.
import { createInterface } from 'node:readline';
import { L2Announcer, type L2AnnouncerOptions, type L2Event } from '../../src/native/addon.js';

const options = JSON.parse(process.argv[2] ?? '{}') as L2AnnouncerOptions;
const send = (msg: unknown) => process.stdout.write(JSON.stringify(msg) + '\n');

const announcer = new L2Announcer(options, (err: Error | null, event: L2Event) => {
  send(err ? { event: { kind: 'error', interface: '', message: err.message } } : { event });
});
const methods: Record<string, (...args: never[]) => unknown> = {
  setAnnouncements: (list: never) => announcer.setAnnouncements(list),
  setAnnouncementGroups: (groups: never) => announcer.setAnnouncementGroups(groups),
  announce: (ip: never, ifs: never) => announcer.announce(ip, ifs),
  release: (ip: never) => announcer.release(ip),
  owned: () => announcer.owned(),
  counters: () => announcer.counters(),
  interfaceCounters: () => announcer.interfaceCounters(),
  close: () => announcer.close(),
  now: () => Number(process.hrtime.bigint() / 1000n),
};

send({ ready: true, pid: process.pid });
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (!line.trim()) return;
  const { id, method, args } = JSON.parse(line) as { id: number; method: string; args?: never[] };
  const fn = methods[method];
  try {
    if (!fn) throw new Error(`unknown method ${method}`);
    // Monotonic µs around the call, for callers that time what happens on the wire.
    const startUs = Number(process.hrtime.bigint() / 1000n);
    const result = fn(...(args ?? []));
    send({ id, result: result ?? null, startUs, endUs: Number(process.hrtime.bigint() / 1000n) });
  } catch (err) {
    send({ id, error: (err as Error).message });
  }
});
lines.on('close', () => {
  announcer.close();
  process.exit(0);
});
