// Worker-thread entry of ThreadedSpeakerList: runs a SpeakerList off the main event loop, so a
// busy main thread (a large config reload, GC pauses) cannot delay acks and get this speaker
// falsely declared dead. Commands come in as messages; events go out as messages.
import { parentPort, workerData } from 'node:worker_threads';

import type { Address } from './messages.js';
import { SpeakerList, type SpeakerListOptions } from './speakerlist.js';

export type WorkerCommand =
  | { cmd: 'join'; seeds: Address[] }
  | { cmd: 'rejoin' }
  | { cmd: 'leave'; lingerMs: number }
  | { cmd: 'stop' }
  | { cmd: 'query'; id: number };

const port = parentPort;
if (!port) throw new Error('speakerlist worker must run in a worker thread');

const sl = new SpeakerList(workerData as SpeakerListOptions);
for (const type of ['memberJoined', 'memberLeft', 'memberFailed', 'memberSuspect', 'memberUpdated'] as const)
  sl.on(type, (event) => port.postMessage({ type: 'event', name: type, event }));
sl.on('change', (live) => port.postMessage({ type: 'change', live: [...live] }));

try {
  await sl.start();
  port.postMessage({ type: 'started', port: sl.port, live: [...sl.liveMembers()] });
} catch (e) {
  port.postMessage({ type: 'error', message: (e as Error).message });
}

port.on('message', (m: WorkerCommand) => {
  switch (m.cmd) {
    case 'join':
      sl.join(m.seeds);
      break;
    case 'rejoin':
      sl.rejoin();
      break;
    case 'leave':
      void sl.leave(m.lingerMs).then(() => port.postMessage({ type: 'left' }));
      break;
    case 'stop':
      void sl.stop().then(() => {
        port.postMessage({ type: 'stopped' });
        port.close();
      });
      break;
    case 'query':
      port.postMessage({ type: 'answer', id: m.id, members: sl.members(), stats: sl.stats });
      break;
  }
});
