// BFDProfile (metallb.io/v1beta1): intervals in milliseconds, ranges as MetalLB enforces them,
// defaults as FRR's bfdd applies them (which MetalLB documents).
import { checkKnownKeys, readBool, readInt, type Issues } from '../fields.js';
import type { RawObject } from '../model.js';
import { specOf } from './common.js';

export interface BFDDraft {
  readonly receiveInterval: number;
  readonly transmitInterval: number;
  readonly detectMultiplier: number;
  readonly echoInterval: number;
  readonly echoMode: boolean;
  readonly passiveMode: boolean;
  readonly minimumTtl: number;
}

export function parseBFDProfile(obj: RawObject, issues: Issues): BFDDraft {
  const spec = specOf(obj, issues, false);
  checkKnownKeys(
    spec,
    [
      'receiveInterval',
      'transmitInterval',
      'detectMultiplier',
      'echoInterval',
      'echoMode',
      'passiveMode',
      'minimumTtl',
    ],
    'spec',
    issues,
  );
  return {
    receiveInterval: readInt(spec, 'receiveInterval', 'spec', issues, 10, 60000) ?? 300,
    transmitInterval: readInt(spec, 'transmitInterval', 'spec', issues, 10, 60000) ?? 300,
    detectMultiplier: readInt(spec, 'detectMultiplier', 'spec', issues, 2, 255) ?? 3,
    echoInterval: readInt(spec, 'echoInterval', 'spec', issues, 10, 60000) ?? 50,
    echoMode: readBool(spec, 'echoMode', 'spec', issues) ?? false,
    passiveMode: readBool(spec, 'passiveMode', 'spec', issues) ?? false,
    minimumTtl: readInt(spec, 'minimumTtl', 'spec', issues, 1, 254) ?? 254,
  };
}
