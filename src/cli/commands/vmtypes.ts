/**
 * `mmucheck vmtypes`: the VM-type family (KVM_CAP_VM_TYPES, the CoCo flags each type sets, the
 * memslot-deletion zap policy) per kernel era and for caught variants, proved with Z3.
 */
import { fail } from '../../core/diagnostic.js';
import { VM_RULE_NAMES } from '../../../model/vm/index.js';
import { VM_VARIANTS, variantCases } from '../../../proofs/vmtype/index.js';
import type { Command } from '../command.js';
import { FAMILY_FLAGS, runFamilyCommand } from './family-run.js';

const keys = VM_VARIANTS.map((v) => v.key);
const usage = `usage: mmucheck vmtypes [--era KEY] [--rule NAME] [--timeout S] [--cross-check] [--json]

Proves the VM-type obligations (capability fits u32, CoCo flags consistent, memslot deletion never
fast-zaps a TD) per kernel era and for historical/mutant variants, against expected verdicts.
  --era KEY     ${keys.join(', ')}, or all (default)
  --rule NAME   one rule: ${VM_RULE_NAMES.join(', ')}
${FAMILY_FLAGS}`;

export const vmtypesCommand: Command = {
  name: 'vmtypes',
  summary: 'prove the VM-type rules: KVM_CAP_VM_TYPES, CoCo flags, memslot-deletion zap policy',
  usage,
  run: (argv, io) =>
    runFamilyCommand('vmtypes', argv, io, {
      ruleNames: VM_RULE_NAMES,
      casesOf(era) {
        if (era !== 'all' && !keys.includes(era)) fail('MMC003', `--era ${era}: must be one of ${[...keys, 'all'].join(', ')}`, { subject: '--era' });
        return VM_VARIANTS.filter((v) => era === 'all' || v.key === era).flatMap(variantCases);
      },
    }),
};
