/**
 * `mmucheck role`: the MMU role family (role computation and the INIT reset decision per kernel
 * era), proved with Z3 and cross-checked by enumeration; counterexamples printed by bit name.
 * `--init --cr0 X --cr4 Y --efer Z` is a what-if: INIT from those registers, per era.
 */
import { fail } from '../../core/diagnostic.js';
import { EXIT } from '../../core/exit.js';
import { INIT_VENDORS, type InitVendor, ROLE_ERAS, ROLE_ERA_ALIASES, ROLE_RULE_NAMES, type RoleEra, brokenRegisterRule, initWhatIf, roleEra } from '../../../model/role/index.js';
import { eraCases } from '../../../proofs/role/index.js';
import { bool, choice, onOff, parse, str } from '../args.js';
import { type Command, type Io, toJson } from '../command.js';
import { FAMILY_FLAGS, runFamilyCommand } from './family-run.js';

const usage = `usage: mmucheck role [--era ERA] [--rule NAME] [--timeout S] [--cross-check] [--json]
       mmucheck role --init --cr0 X --cr4 Y --efer Z [--vendor amd|intel|intel-no-ug] [--tdp on|off] [--era ERA] [--json]

Proves the MMU role obligations (role depends only on relevant bits; INIT resets the MMU context
exactly when needed) for each kernel era and compares each verdict with its expectation.
  --era ERA     pre (= v1-patch06), post (= v5.19+), ${ROLE_ERAS.join(', ')}, or all (default)
  --rule NAME   one rule: ${ROLE_RULE_NAMES.join(', ')}
${FAMILY_FLAGS}

What-if (--init): INIT of an L1 vCPU outside SMM whose registers before INIT are CR0 X, CR4 Y,
EFER Z (numbers, 0x hex or decimal): prints whether KVM resets the MMU context, the registers and
the role before and after, and every stale field (held role != the role the era computes for the
new registers), for the era (or every era with --era all, the default).
  --vendor V    amd (SVM), intel (VMX with unrestricted guest, default), intel-no-ug (VMX without it);
                matters in v5.12 and v5.14, whose vendor code resets on its own
  --tdp on|off  EPT/NPT (default on) or shadow paging: which role KVM compares`;

/** Returns an era name as eras (MMC003 listing the names). */
function erasOf(era: string): RoleEra[] {
  if (era === 'all') return [...ROLE_ERAS];
  const e = roleEra(era);
  if (!e) fail('MMC003', `--era ${era}: must be one of ${[...Object.keys(ROLE_ERA_ALIASES), ...ROLE_ERAS, 'all'].join(', ')}`, { subject: '--era' });
  return [e];
}

/** Parses a register value (MMC001 naming the flag). */
function reg(name: string, text: string | undefined): bigint {
  if (text === undefined) fail('MMC001', `--init needs --${name} (the register before INIT, 0x hex or decimal)`, { subject: `--${name}` });
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(text!.trim())) fail('MMC001', `--${name} ${text}: not a number (0x hex or decimal)`, { subject: `--${name}` });
  const v = BigInt(text!.trim());
  if (v >> 64n) fail('MMC001', `--${name} ${text}: does not fit 64 bits`, { subject: `--${name}` });
  return v;
}

/** Runs the INIT what-if. */
function runInit(argv: string[], io: Io): number {
  const p = parse('role', argv, { init: { type: 'boolean' }, cr0: { type: 'string' }, cr4: { type: 'string' }, efer: { type: 'string' }, vendor: { type: 'string' }, tdp: { type: 'string' }, era: { type: 'string' }, json: { type: 'boolean' } });
  const input = {
    cr0: reg('cr0', str(p, 'cr0')),
    cr4: reg('cr4', str(p, 'cr4')),
    efer: reg('efer', str(p, 'efer')),
    vendor: choice(p, 'vendor', Object.keys(INIT_VENDORS) as InitVendor[], 'intel')!,
    tdp: onOff(p, 'tdp', true)!,
  };
  const broken = brokenRegisterRule(input);
  if (broken) fail('MMC004', `${broken.flag} ${str(p, broken.flag.slice(2)) ?? ''}: not a state KVM can hold before INIT: ${broken.text}`.replace('  ', ' '), { subject: broken.flag });
  const rows = erasOf(str(p, 'era') ?? 'all').map((e) => initWhatIf(e, input));
  if (bool(p, 'json')) {
    io.out(toJson({ vendor: input.vendor, tdp: input.tdp, eras: rows.map((r) => ({ ...r, fields: r.fields.map((f) => ({ field: f.field, before: Number(f.before), held: Number(f.held), fresh: Number(f.fresh) })) })) }));
    return EXIT.ok;
  }
  for (const r of rows) {
    io.out(`era ${r.era}: INIT (${input.tdp ? 'TDP' : 'shadow paging'}, vendor ${input.vendor})`);
    io.out(`  before: CR0=${r.before.cr0} CR4=${r.before.cr4} EFER=${r.before.efer}`);
    io.out(`  after:  CR0=${r.after.cr0} CR4=${r.after.cr4} EFER=${r.after.efer}`);
    io.out(`  MMU context reset: ${r.reset ? 'yes' : 'no'}`);
    const changed = r.fields.filter((f) => f.before !== f.held || f.held !== f.fresh);
    io.out(`  role fields that change or are stale [before -> held; fresh]:${changed.length ? '' : ' (none)'}`);
    for (const f of changed) io.out(`    ${f.field.padEnd(28)} ${f.before} -> ${f.held}; fresh ${f.fresh}${f.held !== f.fresh ? '  STALE' : ''}`);
    io.out(`  stale fields: ${r.stale.length ? r.stale.join(', ') : 'none'}`);
  }
  return EXIT.ok;
}

export const roleCommand: Command = {
  name: 'role',
  summary: 'prove the MMU role / RESET-INIT context-reset rules per kernel era (counterexamples by bit name); --init: INIT what-if',
  usage,
  run: (argv, io) =>
    argv.includes('--init')
      ? Promise.resolve(runInit(argv, io))
      : runFamilyCommand('role', argv, io, {
          ruleNames: ROLE_RULE_NAMES,
          casesOf: (era) => erasOf(era).flatMap(eraCases),
        }),
};
