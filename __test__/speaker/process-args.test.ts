// Argument handling of `ferrolb speaker` / `ferrolb standalone` that needs no network.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { main, usage } from '../../src/cli/main.js';
import { parseSeeds } from '../../src/speaker/process.js';

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l) }, out, err };
};

describe('speaker process arguments', () => {
  const cases: [string, { host: string; port: number }[]][] = [
    ['10.0.0.1:7000', [{ host: '10.0.0.1', port: 7000 }]],
    ['10.0.0.1', [{ host: '10.0.0.1', port: 7946 }]],
    [
      'node-a:7946, node-b',
      [
        { host: 'node-a', port: 7946 },
        { host: 'node-b', port: 7946 },
      ],
    ],
    ['[2001:db8::1]:7001', [{ host: '2001:db8::1', port: 7001 }]],
    ['[2001:db8::1]', [{ host: '2001:db8::1', port: 7946 }]],
    ['2001:db8::2', [{ host: '2001:db8::2', port: 7946 }]],
    ['', []],
  ];
  for (const [text, expected] of cases)
    it(`seeds ${JSON.stringify(text)}`, () => assert.deepEqual(parseSeeds(text), expected));

  it('the dispatcher lists speaker, controller and standalone', () => {
    for (const c of ['speaker', 'controller', 'standalone'])
      assert.match(usage(), new RegExp(`^  ${c} `, 'm'));
  });

  it('speaker and standalone need a node name; bad numbers are usage errors', async () => {
    const saved = process.env.METALLB_NODE_NAME;
    delete process.env.METALLB_NODE_NAME;
    try {
      const a = capture();
      assert.equal(await main(['speaker'], a.io), 2);
      assert.match(a.err.join('\n'), /--node-name/);
      const b = capture();
      assert.equal(await main(['speaker', '--node-name', 'n', '--l2-refresh-interval', 'soon'], b.io), 2);
      assert.match(b.err.join('\n'), /--l2-refresh-interval: soon/);
      const c = capture();
      assert.equal(
        await main(['standalone', '--node-name', 'n', '--l2-refresh-interval', '-1', 'x.yaml'], c.io),
        2,
      );
      const d = capture();
      assert.equal(await main(['standalone', '--node-name', 'n', '--bogus', 'x.yaml'], d.io), 2);
      assert.match(d.err.join('\n'), /unknown option --bogus/);
    } finally {
      if (saved !== undefined) process.env.METALLB_NODE_NAME = saved;
    }
  });

  it('standalone refuses speakerlist without a secret, before touching the network', async () => {
    const c = capture();
    const code = await main(
      ['standalone', '--node-name', 'n', '--ml-bindaddr', '127.0.0.1', 'examples/l2-pool.yaml'],
      c.io,
    );
    assert.equal(code, 2);
    assert.match(c.err.join('\n'), /--ml-bindaddr needs --ml-secret-key-path/);
  });
});
