// Builds the linux/amd64 image with scripts/image-build.sh (buildah, vfs, chroot, local bases) and
// runs it: `ferrolb --version` through the image's PATH, shebang and non-root user, the native
// addon and every production dependency loaded inside, `ferrolb config validate` on an example
// (the script's verify step), the entrypoint, and what the runtime holds (one .node, no sources,
// no dev dependencies, no build tools). Then the image's controller, as the image's user, assigns
// an address on a real API server.
//
// Slow (~5 min with cached bases, ~9 min cold; a few GB of transient disk in vfs) and needs root
// and buildah: it runs only with FERROLB_IMAGE_TEST=1, e.g.
// `FERROLB_IMAGE_TEST=1 npm test -- image-build`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../ship/render.js';
import {
  createPool,
  createService,
  ensureNamespace,
  ingressOf,
  METALLB_NS,
  startKubeEnv,
  waitFor,
} from '../helpers/kube.js';

const enabled = process.env.FERROLB_IMAGE_TEST === '1';
const image = `localhost/ferrolb:test-${process.pid}`;
const bah = (...args: string[]) =>
  execFileSync('buildah', ['--storage-driver', 'vfs', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  }).trim();
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

describe(
  'container image (scripts/image-build.sh)',
  { skip: enabled ? false : 'set FERROLB_IMAGE_TEST=1' },
  () => {
    let ctr = '';
    const run = (...cmd: string[]) => bah('run', '--isolation', 'chroot', ctr, '--', ...cmd);

    before(() => {
      const out = execFileSync('bash', [join(root, 'scripts', 'image-build.sh'), 'all'], {
        env: { ...process.env, FERROLB_IMAGE: image },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      assert.equal(out.trim(), `ferrolb ${version}`);
      ctr = bah('from', '--quiet', '--pull=never', image);
    });

    after(() => {
      if (ctr) bah('rm', ctr);
      try {
        bah('rmi', image);
      } catch {
        // the build failed before tagging
      }
    });

    it('runs `ferrolb --version` as a non-root user, with Node 24 and the one native addon', () => {
      const native = /^version = "([^"]+)"/m.exec(
        readFileSync(join(root, 'native', 'Cargo.toml'), 'utf8'),
      )?.[1];
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

      assert.deepEqual(run('sh', '-c', 'ls /app/*.node').split('\n'), ['/app/ferrolb.linux-x64-gnu.node']);
      assert.equal(
        run('sh', '-c', 'ls /app/src /app/native /app/node_modules/typescript 2>/dev/null | wc -l'),
        '0',
      );
      assert.equal(run('sh', '-c', 'command -v cargo gcc rustc tsc || true'), '');
    });

    it("the image's controller assigns an address on a real API server", async () => {
      const kube = await startKubeEnv();
      // buildah's chroot isolation shares the host network, so the loopback API server is reachable.
      const child = spawn(
        'buildah',
        [
          '--storage-driver',
          'vfs',
          'run',
          '--isolation',
          'chroot',
          '--volume',
          `${kube.kubeconfig}:/kube/kubeconfig:ro`,
          ctr,
          '--',
          'node',
          '/app/dist/controller/run.js',
          '--kubeconfig',
          '/kube/kubeconfig',
          '--namespace',
          METALLB_NS,
          '--identity',
          `image-test-${process.pid}`,
        ],
        { stdio: ['ignore', 'inherit', 'inherit'] },
      );
      try {
        await ensureNamespace(kube, METALLB_NS);
        await createPool(kube, 'image-test', { addresses: ['192.0.2.10-192.0.2.20'] });
        await createService(kube, 'web');
        const ips = await waitFor(
          'the Service to get an address from the image-test pool',
          async () => {
            const svc = await kube.core.readNamespacedService({ namespace: 'default', name: 'web' });
            const got = ingressOf(svc);
            return got.length ? got : undefined;
          },
          60_000,
        );
        assert.deepEqual(ips, ['192.0.2.10']);
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 2000));
        // buildah may not forward the signal into the chroot: end the controller by its unique
        // identity argument if it is still there.
        for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
          try {
            const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
            if (cmdline.includes(`image-test-${process.pid}`) && cmdline.includes('run.js'))
              process.kill(Number(pid));
          } catch {
            // gone already
          }
        }
        await kube.stop();
      }
    });
  },
);
