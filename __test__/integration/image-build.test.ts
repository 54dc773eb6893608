// Builds the linux/amd64 image with scripts/image-build.sh (buildah, vfs, chroot, local bases) and
// runs it: `ferrolb --version` through the image's PATH, shebang and non-root user, the native
// addon and every production dependency loaded inside, `ferrolb config validate` on an example
// (the script's verify step), the entrypoint, and what the runtime holds (one .node, no sources,
// no dev dependencies, no build tools).
//
// Slow (~4 min with cached bases, ~8 min cold; a few GB of transient disk in vfs) and needs root
// and buildah: it runs only with
// FERROLB_IMAGE_TEST=1, e.g. `FERROLB_IMAGE_TEST=1 npm test -- image-build`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../ship/render.js';

const enabled = process.env.FERROLB_IMAGE_TEST === '1';
const image = `localhost/ferrolb:test-${process.pid}`;
const bah = (...args: string[]) =>
  execFileSync('buildah', ['--storage-driver', 'vfs', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  }).trim();

describe(
  'container image (scripts/image-build.sh)',
  { skip: enabled ? false : 'set FERROLB_IMAGE_TEST=1' },
  () => {
    it('builds, and runs `ferrolb --version` as a non-root user', () => {
      const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
        .version;
      const native = /^version = "([^"]+)"/m.exec(
        readFileSync(join(root, 'native', 'Cargo.toml'), 'utf8'),
      )?.[1];
      let ctr = '';
      try {
        const out = execFileSync('bash', [join(root, 'scripts', 'image-build.sh'), 'all'], {
          env: { ...process.env, FERROLB_IMAGE: image },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        assert.equal(out.trim(), `ferrolb ${version}`);

        ctr = bah('from', '--quiet', '--pull=never', image);
        const run = (...cmd: string[]) => bah('run', '--isolation', 'chroot', ctr, '--', ...cmd);
        assert.equal(run('ferrolb', '--version'), `ferrolb ${version}`);
        assert.equal(
          run('node', '-e', "import('/app/index.js').then((m) => console.log(m.nativeVersion()))"),
          native,
        );
        assert.match(run('node', '--version'), /^v24\./);
        assert.notEqual(run('node', '-p', 'process.getuid()'), '0');

        const config = JSON.parse(bah('inspect', '--type', 'image', image)) as {
          OCIv1: { config: { Entrypoint: string[]; User: string } };
        };
        assert.deepEqual(config.OCIv1.config.Entrypoint, ['ferrolb']);

        const addons = run('sh', '-c', 'ls /app/*.node').split('\n');
        assert.deepEqual(addons, ['/app/ferrolb.linux-x64-gnu.node']);
        assert.equal(
          run('sh', '-c', 'ls /app/src /app/native /app/node_modules/typescript 2>/dev/null | wc -l'),
          '0',
        );
        assert.equal(run('sh', '-c', 'command -v cargo gcc rustc tsc || true'), '');
      } finally {
        if (ctr) bah('rm', ctr);
        try {
          bah('rmi', image);
        } catch {
          // the build failed before tagging
        }
      }
    });
  },
);
