/**
 * `mmucheck role`: the MMU role family (role computation and the INIT reset decision per kernel
 * era), proved with Z3 and cross-checked by enumeration; counterexamples printed by bit name.
 */
import { fail } from '../../core/diagnostic.js';
import { ROLE_ERAS, ROLE_ERA_ALIASES, ROLE_RULE_NAMES, roleEra } from '../../../model/role/index.js';
import { eraCases } from '../../../proofs/role/index.js';
import type { Command } from '../command.js';
import { FAMILY_FLAGS, runFamilyCommand } from './family-run.js';

const usage = `usage: mmucheck role [--era ERA] [--rule NAME] [--timeout S] [--cross-check] [--json]

Proves the MMU role obligations (role depends only on relevant bits; INIT resets the MMU context
exactly when needed) for each kernel era and compares each verdict with its expectation.
  --era ERA     pre (= v1-patch06), post (= v5.19+), ${ROLE_ERAS.join(', ')}, or all (default)
  --rule NAME   one rule: ${ROLE_RULE_NAMES.join(', ')}
${FAMILY_FLAGS}`;

export const roleCommand: Command = {
  name: 'role',
  summary: 'prove the MMU role / RESET-INIT context-reset rules per kernel era (counterexamples by bit name)',
  usage,
  run: (argv, io) =>
    runFamilyCommand('role', argv, io, {
      ruleNames: ROLE_RULE_NAMES,
      casesOf(era) {
        if (era === 'all') return ROLE_ERAS.flatMap(eraCases);
        const e = roleEra(era);
        if (!e) fail('MMC003', `--era ${era}: must be one of ${[...Object.keys(ROLE_ERA_ALIASES), ...ROLE_ERAS, 'all'].join(', ')}`, { subject: '--era' });
        return eraCases(e);
      },
    }),
};
