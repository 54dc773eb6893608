// The Dockerfile's multi-arch path, checked without building: builders run on $BUILDPLATFORM and
// the runtime stage runs nothing (so `buildx --platform linux/arm64` needs no emulation), the
// cross-compile step picks the right Rust target, cross gcc and linker for each platform (the
// step itself is executed here with stand-ins for rustup/apt-get), and the build context admits
// every file the Dockerfile copies. The real amd64 build is __test__/integration/image-build.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './render.js';

const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
// Instructions with continuation lines joined; comments dropped.
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

interface Stage {
  from: string;
  name: string;
  lines: string[];
}
const stages: Stage[] = [];
for (const line of instructions) {
  const from = /^FROM\s+(.*?)(?:\s+AS\s+(\S+))?$/i.exec(line);
  if (from) stages.push({ from: from[1] ?? '', name: from[2] ?? '', lines: [] });
  else stages.at(-1)?.lines.push(line);
}
const runtime = stages.at(-1);
const napiTargets = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { napi: { targets: string[] } }
).napi.targets;

describe('Dockerfile', () => {
  it('takes every base image from a build arg with a default', () => {
    const preamble = instructions.slice(
      0,
      instructions.findIndex((l) => /^FROM /i.test(l)),
    );
    const args = new Map(
      preamble.flatMap((l) => {
        const m = /^ARG\s+(\w+)=(\S+)$/.exec(l);
        return m ? [[m[1], m[2]] as const] : [];
      }),
    );
    for (const name of ['NODE_IMAGE', 'RUST_IMAGE', 'NODE_RUNTIME_IMAGE'])
      assert.ok(args.get(name), `ARG ${name}=...`);
    for (const s of stages) {
      const image = s.from.replace(/^--platform=\S+\s+/, '');
      assert.match(image, /^\$\{(\w+)\}$/, `FROM ${s.from}`);
      assert.ok(args.has(image.slice(2, -1)), `FROM ${s.from} names a declared ARG`);
    }
  });

  it('builds on $BUILDPLATFORM and runs nothing in the target-platform runtime stage', () => {
    assert.ok(runtime);
    for (const s of stages.slice(0, -1))
      assert.match(s.from, /^--platform=\$BUILDPLATFORM /, `stage ${s.name}`);
    assert.doesNotMatch(runtime.from, /--platform/);
    assert.deepEqual(
      runtime.lines.filter((l) => /^RUN /i.test(l)),
      [],
    );
  });

  it('enters through `ferrolb` as a non-root user', () => {
    assert.ok(runtime);
    assert.ok(runtime.lines.includes('ENTRYPOINT ["ferrolb"]'));
    const user = runtime.lines.filter((l) => l.startsWith('USER ')).at(-1);
    assert.match(user ?? '', /^USER [1-9]\d*(:\d+)?$/);
  });

  it('has a linker for every napi target of package.json', () => {
    for (const triple of napiTargets) {
      const arch = triple.split('-')[0] ?? '';
      const gcc = `${arch}-linux-gnu-gcc`;
      assert.match(
        dockerfile,
        new RegExp(`CARGO_TARGET_${triple.toUpperCase().replace(/-/g, '_')}_LINKER=${gcc}\\b`),
      );
      assert.match(dockerfile, new RegExp(`CC_${triple.replace(/-/g, '_')}=${gcc}\\b`));
    }
    assert.match(dockerfile, /napi build --platform --release --no-js --target "\$\(cat \/rust-target\)"/);
  });

  // Runs the native stage's target-selection step with logging stand-ins for the tools it calls.
  function selectTarget(buildPlatform: string, targetPlatform: string) {
    const step = stages
      .find((s) => s.name === 'native')
      ?.lines.find((l) => l.includes('case "${TARGETPLATFORM'));
    assert.ok(step, 'native stage has the target-selection RUN');
    const dir = mkdtempSync(join(tmpdir(), 'ferrolb-dockerfile-'));
    try {
      const bin = join(dir, 'bin');
      const sysroot = join(dir, 'sysroot');
      mkdirSync(bin);
      for (const tool of ['rustup', 'apt-get', 'cargo', 'node']) {
        writeFileSync(join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> "${dir}/calls"\n`);
        chmodSync(join(bin, tool), 0o755);
      }
      // rustc reports a sysroot holding the std of whatever `rustup target add` installed.
      writeFileSync(
        join(bin, 'rustc'),
        `#!/bin/sh\nfor t in x86_64-unknown-linux-gnu $(sed -n 's/^rustup target add //p' "${dir}/calls" 2>/dev/null); do mkdir -p "${sysroot}/lib/rustlib/$t/lib"; done\necho "${sysroot}"\n`,
      );
      chmodSync(join(bin, 'rustc'), 0o755);
      const script = step.replace(/^RUN /, '').replaceAll('/rust-target', join(dir, 'rust-target'));
      const res = spawnSync('sh', ['-c', script], {
        encoding: 'utf8',
        env: { PATH: `${bin}:/usr/bin:/bin`, BUILDPLATFORM: buildPlatform, TARGETPLATFORM: targetPlatform },
      });
      const calls = existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8') : '';
      const triple = existsSync(join(dir, 'rust-target'))
        ? readFileSync(join(dir, 'rust-target'), 'utf8').trim()
        : '';
      return { status: res.status, stderr: res.stderr, calls, triple };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('cross-compiles linux/arm64 on amd64: rust target, cross gcc and arm64 libc', () => {
    const r = selectTarget('linux/amd64', 'linux/arm64');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.triple, 'aarch64-unknown-linux-gnu');
    assert.match(r.calls, /^rustup target add aarch64-unknown-linux-gnu$/m);
    assert.match(r.calls, /^apt-get install .*\bgcc-aarch64-linux-gnu\b.*\blibc6-dev-arm64-cross\b/m);
  });

  it('cross-compiles linux/amd64 on arm64 the same way', () => {
    const r = selectTarget('linux/arm64', 'linux/amd64');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.triple, 'x86_64-unknown-linux-gnu');
    assert.match(r.calls, /^rustup target add x86_64-unknown-linux-gnu$/m);
    assert.match(r.calls, /^apt-get install .*\bgcc-x86-64-linux-gnu\b.*\blibc6-dev-amd64-cross\b/m);
  });

  it('builds natively without rustup or apt when the platforms match', () => {
    const r = selectTarget('linux/amd64', 'linux/amd64');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.triple, 'x86_64-unknown-linux-gnu');
    assert.doesNotMatch(r.calls, /rustup|apt-get/);
  });

  it('refuses a platform it cannot build', () => {
    const r = selectTarget('linux/amd64', 'linux/s390x');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /unsupported TARGETPLATFORM=linux\/s390x/);
  });

  it('the build context (.dockerignore) admits every file the Dockerfile copies, and no more', () => {
    const patterns = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const excluded = (path: string) => {
      let out = false;
      for (const p of patterns) {
        const negate = p.startsWith('!');
        const glob = (negate ? p.slice(1) : p).replace(/\/$/, '');
        const re = new RegExp(`^${glob.replace(/[.+^$()|[\]{}]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`);
        if (re.test(path)) out = !negate;
      }
      return out;
    };
    const sources = instructions
      .filter((l) => /^COPY /.test(l) && !l.includes('--from='))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    assert.ok(sources.length > 5);
    for (const src of sources) {
      assert.ok(existsSync(join(root, src)), `${src} exists`);
      assert.equal(excluded(src), false, `${src} is in the build context`);
    }
    for (const kept of [
      'node_modules',
      'target',
      'dist',
      '.git',
      'ferrolb.linux-x64-gnu.node',
      '__test__',
      'bench',
    ])
      assert.equal(excluded(kept), true, `${kept} stays out of the build context`);
  });

  it('installs production dependencies without install scripts, so one tree serves every platform', () => {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; hasInstallScript?: boolean; os?: string[]; cpu?: string[] }>;
    };
    const platformSpecific = Object.entries(lock.packages).filter(
      ([path, p]) => path && !p.dev && (p.hasInstallScript || p.os || p.cpu),
    );
    assert.deepEqual(
      platformSpecific.map(([path]) => path),
      [],
    );
  });
});
