// The network lab helper other integration tests build on: namespaces, veth, bridges, exec,
// and cleanup that happens even when the test body throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsLab, run, withLab } from '../helpers/netns.js';

async function namespaces(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout.split('\n').map((l) => l.split(' ')[0] ?? '');
}

test('a lab wires namespaces through a bridge and removes everything on destroy', async () => {
  const lab = await NetnsLab.create('helper');
  let names: string[] = [];
  try {
    const lan = await lab.addNamespace('lan');
    await lab.bridge(lan, 'br0');
    const a = await lab.addNamespace('a');
    const b = await lab.addNamespace('b');
    await lab.plug(
      lan,
      'br0',
      { ns: a, ifname: 'eth0', mac: '02:00:00:00:0a:01', addrs: ['192.0.2.1/24'] },
      'p-a',
    );
    await lab.plug(lan, 'br0', { ns: b, ifname: 'eth0', addrs: ['192.0.2.2/24'] }, 'p-b');
    names = [lan, a, b];
    assert.ok(names.every((n) => n.startsWith(lab.prefix)));
    assert.equal(await lab.mac(a, 'eth0'), '02:00:00:00:0a:01');
    const probe = await lab.exec(a, 'arping', ['-c', '1', '-w', '2', '-r', '-i', 'eth0', '192.0.2.2'], {
      allowFail: true,
    });
    assert.equal(
      probe.stdout.trim(),
      await lab.mac(b, 'eth0'),
      `a reaches b across the bridge: ${probe.stderr}`,
    );
    const sleeper = lab.spawn(b, 'sleep', ['60']);
    assert.ok(sleeper.pid);
  } finally {
    await lab.destroy();
  }
  const left = await namespaces();
  assert.deepEqual(
    names.filter((n) => left.includes(n)),
    [],
    'no namespace left behind',
  );
});

test('withLab cleans up when the body throws', async () => {
  let created = '';
  await assert.rejects(
    withLab('throws', async (lab) => {
      created = await lab.addNamespace('x');
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.ok(created);
  assert.ok(!(await namespaces()).includes(created));
});
