// The `ferrolb` CLI as users run it: a separate process, exit codes, stdout/stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(root, 'src/cli/main.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function ferrolb(args: string[], opts: { input?: string; nodeArgs?: string[] } = {}): Run {
  const r = spawnSync(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', MAIN, ...args], {
    cwd: root,
    encoding: 'utf8',
    input: opts.input,
    maxBuffer: 16 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmp(): { dir: string; file: (name: string, text: string) => string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ferrolb-cli-'));
  return {
    dir,
    file: (name, text) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
    done: () => rmSync(dir, { recursive: true, force: true }),
  };
}

test('--version, --help, usage errors', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    version: string;
    bin: Record<string, string>;
  };
  assert.equal(pkg.bin.ferrolb, 'dist/cli/main.js');
  const v = ferrolb(['--version']);
  assert.equal(v.code, 0);
  assert.equal(v.stdout, `ferrolb ${pkg.version}\n`);
  const h = ferrolb(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /^Usage: ferrolb COMMAND/);
  assert.match(h.stdout, /\n {2}config +validate MetalLB configuration/);
  const none = ferrolb([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Usage: ferrolb/);
  const unknown = ferrolb(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  const noFile = ferrolb(['config', 'validate']);
  assert.equal(noFile.code, 2);
  assert.match(noFile.stderr, /at least one FILE is required/);
  const badFlag = ferrolb(['config', 'validate', '--frob', 'x']);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /unknown option --frob/);
  const configHelp = ferrolb(['config', '--help']);
  assert.equal(configHelp.code, 0);
  assert.match(configHelp.stdout, /ferrolb config convert/);
});

test('every example validates, with a one-line summary', () => {
  const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.yaml'));
  assert.ok(examples.length >= 7, `examples: ${examples.join(', ')}`);
  for (const f of examples) {
    const r = ferrolb(['config', 'validate', `examples/${f}`]);
    assert.equal(r.code, 0, `${f}:\n${r.stderr}`);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stdout);
    assert.match(
      lines[0]!,
      /^valid: 1 file, \d+ objects?: \d+ IPAddressPools? \(\d+ IPv4 \+ \d+ IPv6 addresses\), /,
    );
  }
  const dual = ferrolb(['config', 'validate', 'examples/dual-stack.yaml']);
  assert.equal(
    dual.stdout,
    'valid: 1 file, 4 objects: 1 IPAddressPool (64 IPv4 + 272 IPv6 addresses), 0 L2Advertisements, 1 BGPAdvertisement, 1 BGPPeer, 0 BFDProfiles, 0 community aliases, 1 Service\n',
  );
});

test('invalid configuration: exit 1 and every error as file:doc Kind/ns/name: field: reason', () => {
  const t = tmp();
  try {
    const a = t.file(
      'a.yaml',
      `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: one, namespace: metallb-system}
spec: {addresses: [10.0.0.0/24]}
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: p, namespace: metallb-system}
spec: {myASN: 64500, peerASN: 64500, peerAddress: 10.0.0.1, ebgpMultiHop: true, holdTime: 2s}
`,
    );
    const b = t.file(
      'b.yaml',
      `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: two, namespace: metallb-system}
spec: {addresses: [10.0.0.100-10.0.0.110]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default, annotations: {metallb.universe.tf/loadBalancerIPs: 10.0.0.999}}
spec: {type: LoadBalancer}
`,
    );
    const r = ferrolb(['config', 'validate', a, b]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      [
        `warning: ${b}:1 Service/default/web: metadata.annotations[metallb.universe.tf/loadBalancerIPs]: deprecated annotation prefix, use metallb.io/loadBalancerIPs`,
        `${a}:1 BGPPeer/metallb-system/p: spec.ebgpMultiHop: invalid ebgp-multihop parameter set for an ibgp peer`,
        `${a}:1 BGPPeer/metallb-system/p: spec.holdTime: invalid hold time 2s: must be 0 or >=3s`,
        `${b}:0 IPAddressPool/metallb-system/two: spec.addresses[0]: CIDR "10.0.0.100-10.0.0.110" overlaps with "10.0.0.0/24" in IPAddressPool "one"`,
        `${b}:1 Service/default/web: metadata.annotations[metallb.universe.tf/loadBalancerIPs]: invalid IP "10.0.0.999"`,
        'invalid: 4 errors',
        '',
      ].join('\n'),
    );
  } finally {
    t.done();
  }
});

test('convert: legacy ConfigMap → CRDs that validate and match the checked-in conversion', () => {
  const r = ferrolb(['config', 'convert', 'examples/legacy-configmap.yaml']);
  assert.equal(r.code, 0, r.stderr);
  const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as unknown);
  const expected = docs(readFileSync(join(root, 'examples/legacy-configmap.converted.yaml'), 'utf8'));
  assert.deepEqual(docs(r.stdout), expected);
  assert.deepEqual(
    (expected as { kind: string }[]).map((d) => d.kind),
    [
      'IPAddressPool',
      'IPAddressPool',
      'IPAddressPool',
      'BFDProfile',
      'Community',
      'BGPPeer',
      'BGPPeer',
      'BGPAdvertisement',
      'BGPAdvertisement',
      'BGPAdvertisement',
      'L2Advertisement',
    ],
  );
  const v = ferrolb(['config', 'validate', '-'], { input: r.stdout });
  assert.equal(v.code, 0, v.stderr);

  const t = tmp();
  try {
    const notLegacy = ferrolb(['config', 'convert', 'examples/l2-pool.yaml']);
    assert.equal(notLegacy.code, 1);
    assert.match(notLegacy.stderr, /no legacy MetalLB ConfigMap \(data\.config\) found/);
    const bad = t.file(
      'bad.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config, namespace: metallb-system}\ndata:\n  config: |\n    address-pools:\n    - name: x\n      protocol: bgp\n      addresses: [10.0.0.0/33]\n',
    );
    const invalid = ferrolb(['config', 'convert', bad]);
    assert.equal(invalid.code, 1);
    assert.equal(invalid.stdout, '', 'nothing printed for invalid input');
    assert.equal(
      invalid.stderr,
      `${bad}:0 ConfigMap/metallb-system/config: data.config.address-pools[0].addresses[0]: invalid CIDR "10.0.0.0/33": prefix length exceeds 32\n`,
    );
  } finally {
    t.done();
  }
});

test('unreadable, binary and oversized inputs fail cleanly with bounded memory', async () => {
  const t = tmp();
  try {
    const missing = ferrolb(['config', 'validate', join(t.dir, 'nope.yaml')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.yaml:0 \/\/: cannot read: ENOENT/);
    const dir = ferrolb(['config', 'validate', t.dir]);
    assert.equal(dir.code, 1);
    assert.match(dir.stderr, /is a directory/);
    const bin = t.file('bin.yaml', 'a: \u0000');
    assert.match(ferrolb(['config', 'validate', bin]).stderr, /not a text file/);
    const notYaml = t.file('x.yaml', '{{{{ ]]]]');
    const ny = ferrolb(['config', 'validate', notYaml]);
    assert.equal(ny.code, 1);
    assert.match(ny.stderr, /x\.yaml:0 \/\/: not valid YAML/);

    // 100 MB on disk: refused from its size; the process runs with a 48 MB heap to prove it.
    const huge = join(t.dir, 'huge.yaml');
    writeFileSync(huge, '');
    truncateSync(huge, 100 * 1024 * 1024);
    const h = ferrolb(['config', 'validate', huge], { nodeArgs: ['--max-old-space-size=48'] });
    assert.equal(h.code, 1, h.stderr);
    assert.match(h.stderr, /huge\.yaml:0 \/\/: file is too large \(104857600 bytes, limit 8388608 bytes\)/);

    // 100 MB through a pipe: reading stops at the limit.
    const child = spawn(
      process.execPath,
      ['--max-old-space-size=96', '--import', 'tsx', MAIN, 'config', 'validate', '-'],
      {
        cwd: root,
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.on('error', () => {}); // EPIPE once the CLI stops reading
    const chunk = Buffer.from('- item: value\n'.repeat(64 * 1024));
    let written = 0;
    const pump = () => {
      while (written < 100 * 1024 * 1024) {
        written += chunk.length;
        if (!child.stdin.write(chunk)) return child.stdin.once('drain', pump);
      }
      child.stdin.end();
    };
    pump();
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 1, stderr);
    assert.match(stderr, /-:0 \/\/: input is too large \(more than 8388608 bytes\)/);
  } finally {
    t.done();
  }
});

test('the built bin runs (dist/cli/main.js, produced by npm run build)', (t) => {
  const bin = join(root, 'dist/cli/main.js');
  if (!existsSync(bin)) {
    t.skip('dist/ not built (npm run build:ts)');
    return;
  }
  const r = spawnSync(process.execPath, [bin, 'config', 'validate', 'examples/l2-pool.yaml'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^valid: 1 file/);
});

test('--namespace selects the namespace MetalLB objects must live in', () => {
  const t = tmp();
  try {
    const f = t.file(
      'ns.yaml',
      'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: a, namespace: lb}\nspec: {addresses: [10.0.0.0/24]}\n',
    );
    const wrong = ferrolb(['config', 'validate', f]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /IPAddressPool\/lb\/a: metadata\.namespace: must be "metallb-system"/);
    const right = ferrolb(['config', 'validate', '--namespace', 'lb', f]);
    assert.equal(right.code, 0, right.stderr);
    assert.equal(ferrolb(['config', 'validate', '-n=lb', f]).code, 0);
  } finally {
    t.done();
  }
});
