/**
 * `mmucheck role`: the MMU role family (role computation and the INIT reset decision per kernel
 * era), proved with Z3 and cross-checked by enumeration; counterexamples printed by bit name.
 */
import { fail } from '../../core/diagnostic.js';
import { ROLE_ERAS, ROLE_ERA_ALIASES, ROLE_RULE_NAMES, type RoleEra, roleEra } from '../../../model/role/index.js';
import { eraCases } from '../../../proofs/role/index.js';
import type { Command } from '../command.js';
import { bool, num, parse, str } from '../args.js';
import { runFamily } from './family-run.js';

const usage = `usage: mmucheck role [--era ERA] [--rule NAME] [--timeout S] [--cross-check] [--json]

Proves the MMU role obligations (role depends only on relevant bits; INIT resets the MMU context
exactly when needed) for each kernel era and compares each verdict with its expectation.
  --era ERA     pre (= v1-patch06), post (= v5.19+), ${ROLE_ERAS.join(', ')}, or all (default)
  --rule NAME   one rule: ${ROLE_RULE_NAMES.join(', ')}
  --cross-check also cross-check each Z3 verdict by exhaustive enumeration of the relevant values
  --timeout S   Z3 time budget per rule in seconds (default 30)
  --json        one JSON document on stdout`;

export const roleCommand: Command = {
  name: 'role',
  summary: 'prove the MMU role / RESET-INIT context-reset rules per kernel era (counterexamples by bit name)',
  usage,
  async run(argv, io) {
    const p = parse('role', argv, { era: { type: 'string' }, rule: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' }, 'cross-check': { type: 'boolean' } });
    const eraName = str(p, 'era') ?? 'all';
    const allowed = [...Object.keys(ROLE_ERA_ALIASES), ...ROLE_ERAS, 'all'];
    let eras: readonly RoleEra[];
    if (eraName === 'all') eras = ROLE_ERAS;
    else {
      const e = roleEra(eraName);
      if (!e) fail('MMC003', `--era ${eraName}: must be one of ${allowed.join(', ')}`, { subject: '--era' });
      eras = [e];
    }
    const rule = str(p, 'rule');
    if (rule !== undefined && !(ROLE_RULE_NAMES as readonly string[]).includes(rule)) {
      fail('MMC005', `--rule ${rule}: unknown rule; rules: ${ROLE_RULE_NAMES.join(', ')}`, { subject: '--rule' });
    }
    const cases = eras.flatMap(eraCases).filter((c) => rule === undefined || c.id.endsWith(`/${rule}`));
    return runFamily('role', cases, num(p, 'timeout', 0.1, 86400, 30)!, bool(p, 'json'), io, bool(p, 'cross-check'));
  },
};
