import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALLOCATED_FROM_POOL,
  annotationPatch,
  cleared,
  desired,
  statusPatch,
  viewOf,
} from '../../src/controller/service-status.js';
import { ip } from '../allocator/fixtures.js';

const svc = (ingress: string[], pool?: string) => ({
  metadata: { annotations: pool ? { [ALLOCATED_FROM_POOL]: pool } : {} },
  status: { loadBalancer: { ingress: ingress.map((i) => ({ ip: i })) } },
});

describe('service status writes', () => {
  const cases: {
    name: string;
    obj: object;
    want: ReturnType<typeof desired>;
    status: object | null;
    annotation: object | null;
  }[] = [
    {
      name: 'nothing to do',
      obj: svc(['10.0.0.1'], 'p'),
      want: desired([ip('10.0.0.1')], 'p'),
      status: null,
      annotation: null,
    },
    {
      name: 'new allocation',
      obj: svc([]),
      want: desired([ip('10.0.0.1'), ip('fd00::1')], 'p'),
      status: { status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }] } } },
      annotation: { metadata: { annotations: { [ALLOCATED_FROM_POOL]: 'p' } } },
    },
    {
      name: 'family order matters',
      obj: svc(['fd00::1', '10.0.0.1'], 'p'),
      want: desired([ip('10.0.0.1'), ip('fd00::1')], 'p'),
      status: { status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }] } } },
      annotation: null,
    },
    {
      name: 'clearing removes the list and the annotation',
      obj: svc(['10.0.0.1'], 'p'),
      want: cleared,
      status: { status: { loadBalancer: { ingress: null } } },
      annotation: { metadata: { annotations: { [ALLOCATED_FROM_POOL]: null } } },
    },
    { name: 'clearing what is clear', obj: { metadata: {} }, want: cleared, status: null, annotation: null },
  ];
  for (const c of cases)
    it(c.name, () => {
      const view = viewOf(c.obj);
      assert.deepEqual(statusPatch(view, c.want), c.status);
      assert.deepEqual(annotationPatch(view, c.want), c.annotation);
    });

  it('ignores hostname-only ingress entries', () => {
    assert.deepEqual(
      viewOf({ status: { loadBalancer: { ingress: [{ hostname: 'lb.example' }] } } }).ingressIPs,
      [],
    );
  });
});
