/**
 * `mmucheck prove`: every SPTE layout rule of the selected eras and flavours proved with Z3 over the
 * whole CPU-configuration domain, compared with its expected verdict; each violation printed with
 * the configuration by variable name, the offending SPTE or mask decoded field by field, the
 * rule's reason and kernel reference. `--spec FILE` proves the rules of a user's layout instead.
 */
import { hex64 } from '../../core/bits.js';
import { fail } from '../../core/diagnostic.js';
import type { CaseOutcome, Expectation, ProofCase } from '../../core/suite.js';
import { Bool, Bv, type Field, type Layout, type Rule, lit } from '../../dsl/index.js';
import { prove, queryKey } from '../../smt/index.js';
import { type CatalogEntry, ERAS, type Era, FLAVOURS, type Flavour, commonRules, eraOf, eraRules, flavourInEra, flavourRules, witnessBlock, witnessLine } from '../../../model/spte/index.js';
import { CPU_FLAGS, CPU_FLAGS_USAGE, type Machine, parseMachine } from './cpu-flags.js';
import { fixMachine } from './mmio-eval.js';
import { expectationFor } from '../../../proofs/spte/expect.js';
import { type Command, toJson } from '../command.js';
import { ensureOutputDir } from '../output.js';
import { bool, choice, int, num, parse, str } from '../args.js';
import { loadTs } from '../load-ts.js';
import { startWatchdog } from '../watchdog.js';
import { exitFor, judge } from './ci.js';
import { runFamily } from './family-run.js';
import { cases as roleCases } from '../../../proofs/role/index.js';
import { cases as vmtypeCases } from '../../../proofs/vmtype/index.js';
import { defaultJobs, parseShard, runSelection } from '../shard.js';
import { isObject } from '../../core/shape.js';

const usage = `usage: mmucheck prove [--family spte|role|vmtype] [--kernel X.Y] [--flavour ept|tdx|npt|shadow] [--rule NAME] [--spec FILE]
                      [--smt2 DIR] [--timeout S] [--jobs N] [--shard i/N] [--json] [machine flags: --vendor V --maxphyaddr N ...]

Proves every SPTE layout rule over the whole CPU-configuration domain with Z3 and compares each
verdict with its expectation (proofs/spte). Without --kernel, every era (5.13, 6.0, 6.10, 6.13).
  --family F      spte (default): the SPTE layout rules; role: the MMU role and INIT reset rules
                  (same as 'mmucheck role'); vmtype: the VM-type rules (same as 'mmucheck vmtypes')
  --kernel X.Y    one kernel era (5.13 and later)
  --flavour F     one paging flavour (layout-wide asserts are always included)
  --rule NAME     one rule (see 'mmucheck list')
  --spec FILE     prove the rules of your own layout file instead (TypeScript; see README "Layout specs")
  --smt2 DIR      also write every query as SMT-LIB2 into DIR
  --timeout S     per-query budget in seconds (default 30); a timeout is unknown, never holds
  --jobs N        Z3 processes (default: cores, at most 4; 1 for fewer than 12 rules)
  --shard i/N     prove only the i-th of N balanced shares of the rules and print rows as JSON
  --serve         (internal, used by --jobs) answer {"positions":[...]} lines on stdin with rows
  --json          one JSON document on stdout

Prove for one machine: give the machine flags of 'mmucheck mmio' (at least --vendor and
--maxphyaddr); every rule of the machine's flavour is proved with the CPU fixed to that machine
and SPTEs, GFNs, generations and access bits quantified (a proof, not samples). A finding that
does not arise on the machine holds; a rule whose hypotheses the machine cannot meet is
'not applicable'. Without --kernel, every era that has the flavour.
${CPU_FLAGS_USAGE}`;

interface Row {
  readonly era: string;
  readonly flavour: string;
  readonly rule: string;
  readonly reason: string;
  readonly ref: string;
  readonly expected: Expectation;
  readonly outcome: CaseOutcome;
  readonly status: ReturnType<typeof judge>['status'];
  readonly detail?: string;
  readonly block?: string[];
  readonly counterexample?: { configuration: Record<string, string>; observed: Record<string, string> };
  /** The same formula as an earlier rule of this run: Z3's answer was reused. */
  readonly shared?: boolean;
  /** Machine mode: the rule's hypotheses are unsatisfiable on the machine (it holds vacuously). */
  readonly notApplicable?: boolean;
}

function show(v: bigint | boolean): string {
  return typeof v === 'boolean' ? String(v) : hex64(v);
}

async function runOne(
  era: string,
  flavour: string,
  rule: Rule,
  expected: Expectation,
  opts: { timeoutS: number; smt2?: string },
  render: (w: { assignment: Record<string, bigint | boolean>; observed: Record<string, bigint | boolean>; vars: readonly import('../../dsl/index.js').VarDecl[] }) => { line: string; block: string[] },
): Promise<Row> {
  const file = opts.smt2 === undefined ? undefined : `${opts.smt2}/${`${era}_${flavour}_${rule.name}`.replace(/[^A-Za-z0-9.-]+/g, '_')}.smt2`;
  const r = await prove(rule, { timeoutMs: opts.timeoutS * 1000, ...(file ? { smt2File: file } : {}) });
  const v = r.verdict;
  let outcome: CaseOutcome = { verdict: v, seconds: r.seconds };
  let block: string[] | undefined;
  let counterexample: Row['counterexample'];
  if (v.kind === 'violated') {
    const w = v.witness;
    const rendered = render(w);
    outcome = { ...outcome, witnessText: rendered.line };
    block = rendered.block;
    counterexample = {
      configuration: Object.fromEntries(Object.entries(w.assignment).map(([k, x]) => [k, show(x)])),
      observed: Object.fromEntries(Object.entries(w.observed).map(([k, x]) => [k, show(x)])),
    };
  }
  const pc = { suite: 'spte', id: `${era}/${flavour}/${rule.name}`, title: rule.reason, expect: expected } as unknown as ProofCase;
  const j = judge(pc, outcome);
  return {
    era, flavour, rule: rule.name, reason: rule.reason, ref: rule.ref, expected, outcome, status: j.status,
    ...(j.detail !== undefined ? { detail: j.detail } : {}),
    ...(block ? { block } : {}),
    ...(counterexample ? { counterexample } : {}),
    ...(r.shared ? { shared: true } : {}),
  };
}

/** Returns the machine of `prove` as JSON (`kernel` only when --kernel chose one era; otherwise every era is proved). */
function machineJson(m: Machine, kernelGiven: boolean): Record<string, unknown> {
  return { ...(kernelGiven ? { kernel: m.kernel } : {}), flavour: m.flavour, vm: m.vm, configuration: Object.fromEntries(Object.entries(m.cfg).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])), notes: m.notes };
}

/** Returns the one-line description of the machine printed above prove's table. */
function machineLine(m: Machine): string {
  const cfg = Object.entries(m.cfg).map(([k, v]) => `${k}=${typeof v === 'boolean' ? (v ? 'on' : 'off') : v}`).join(' ');
  return `machine: flavour ${m.flavour}, VM ${m.vm}, ${cfg}${m.notes.map((n) => `\n  note: ${n}`).join('')}`;
}

/**
 * Proves one rule with the machine fixed (`fixMachine`). A rule expected violated over the whole
 * domain (a finding) may hold on the machine: that is as expected. When it holds, a second query
 * asks whether the hypotheses are satisfiable at all on the machine (not applicable otherwise).
 */
async function proveOnMachine(e: CatalogEntry, m: Machine, opts: { timeoutS: number; smt2?: string }): Promise<Row> {
  const rule = fixMachine(e.rule, m.cfg);
  const domainEx = expectationFor(e.era, e.flavour, e.rule.name);
  const row = await runOne(e.era, e.flavour, rule, domainEx, opts, (w) => ({ line: witnessLine(e, w), block: witnessBlock(e, w, e.era) }));
  if (row.outcome.verdict.kind !== 'holds') return row;
  const { observe: _o, ...plain } = rule;
  const vac = await prove({ ...plain, name: `${rule.name}-hypotheses`, holds: rule.assume.not(), assume: lit(true) }, { timeoutMs: opts.timeoutS * 1000 });
  const na = vac.verdict.kind === 'holds';
  const detail = domainEx.verdict === 'violated' ? 'the finding does not arise on this machine' : undefined;
  const { detail: _d, ...rest } = row;
  return { ...rest, status: 'pass', ...(detail ? { detail } : {}), ...(na ? { notApplicable: true } : {}) };
}

/** Returns an outcome without its bigint witness (already rendered into the row), for a shard's JSON. */
function wireOutcome(o: CaseOutcome): CaseOutcome {
  return o.verdict.kind === 'violated' ? { ...o, verdict: { kind: 'violated', witness: null } } : o;
}

/** The exports a spec file may have: `export default layout(...)` and `export const expect`. */
const SPEC_EXPORTS = ['default', 'expect'];
/** The verdicts `expect` may name. */
const SPEC_VERDICTS = ['holds', 'violated'];
/** Flags of `prove` that do not apply to `--spec` (it proves the file's rules, in this process). */
const NOT_WITH_SPEC = ['kernel', 'flavour', 'jobs', 'shard', 'serve'] as const;

/** Returns a short description of a value found in a spec file, for diagnostics. */
function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (typeof x === 'function') return 'a function';
  if (typeof x === 'object') return `an object with keys ${Object.keys(x).join(', ') || '(none)'}`;
  return `${typeof x} ${typeof x === 'bigint' ? x : JSON.stringify(x)}`.slice(0, 80);
}

/** Returns true for a field as built by field()/flag(). */
function isField(x: unknown): x is Field {
  return isObject(x) && typeof x['name'] === 'string' && Number.isInteger(x['hi']) && Number.isInteger(x['lo']) && (x['kind'] === 'hw' || x['kind'] === 'sw') && typeof x['doc'] === 'string';
}

/** Returns true for a rule as built by invariant(). */
function isRule(x: unknown): x is Rule {
  if (!isObject(x) || !['name', 'reason', 'ref'].every((k) => typeof x[k] === 'string')) return false;
  if (!(x['holds'] instanceof Bool) || !(x['assume'] instanceof Bool)) return false;
  const obs = x['observe'];
  return obs === undefined || (isObject(obs) && Object.values(obs).every((e) => e instanceof Bv || e instanceof Bool));
}

/** Returns what keeps `x` from being a layout built by layout() (undefined: it is one). */
function notALayout(x: unknown): string | undefined {
  if (x === undefined) return 'no default export';
  if (!isObject(x)) return describe(x);
  const whose = `${describe(x)} whose`;
  for (const k of ['name', 'doc']) if (typeof x[k] !== 'string') return `${whose} ${k} is ${describe(x[k])}`;
  const views = x['views'];
  if (!isObject(views)) return `${whose} views is ${describe(views)}`;
  for (const [v, fields] of Object.entries(views)) {
    if (!Array.isArray(fields)) return `${whose} views.${v} is ${describe(fields)}`;
    const i = fields.findIndex((f) => !isField(f));
    if (i >= 0) return `${whose} views.${v}[${i}] is ${describe(fields[i])}, not a field(...)`;
  }
  const rules = x['rules'];
  if (!Array.isArray(rules)) return `${whose} rules is ${describe(rules)}`;
  const i = rules.findIndex((r) => !isRule(r));
  return i >= 0 ? `${whose} rules[${i}] is ${describe(rules[i])}, not an invariant(...)` : undefined;
}

/**
 * Returns the layout and expectations of a spec module: `export default layout(...)` (MMC007
 * naming what was found otherwise), `export const expect` mapping rules of that layout (MMC005
 * listing the rules) to 'holds' or 'violated' (MMC007), and no other export (MMC007: nothing a
 * user writes is silently ignored).
 */
function specLayout(mod: Record<string, unknown>, file: string): { lay: Layout; expect: Record<string, string> } {
  const extra = Object.keys(mod).filter((k) => !SPEC_EXPORTS.includes(k));
  if (extra.length) fail('MMC007', `--spec ${file}: export '${extra[0]}' is not used (a spec exports default layout(...) and optionally expect); remove the export`, { subject: '--spec' });
  const lay = mod['default'];
  const wrong = notALayout(lay);
  if (wrong !== undefined) fail('MMC007', `--spec ${file}: must export default layout(...) from 'mmucheck'; found ${wrong}`, { subject: '--spec' });
  const l = lay as Layout;
  const ex = mod['expect'];
  if (ex === undefined) return { lay: l, expect: {} };
  if (!isObject(ex)) fail('MMC007', `--spec ${file}: export const expect must be an object { 'rule-name': 'holds' | 'violated' }; found ${describe(ex)}`, { subject: 'expect' });
  const names = l.rules.map((r) => r.name);
  for (const [k, v] of Object.entries(ex)) {
    if (!names.includes(k)) fail('MMC005', `--spec ${file}: expect names rule '${k}', which layout ${l.name} does not have; rules: ${names.join(', ') || '(none)'}`, { subject: k });
    if (typeof v !== 'string' || !SPEC_VERDICTS.includes(v)) fail('MMC007', `--spec ${file}: expect['${k}'] is ${describe(v)}; allowed: ${SPEC_VERDICTS.map((x) => `'${x}'`).join(', ')}`, { subject: k });
  }
  return { lay: l, expect: ex as Record<string, string> };
}

/** The `prove` command. */
export const proveCommand: Command = {
  name: 'prove',
  summary: 'prove every SPTE layout rule with Z3 (per era and flavour) or the rules of your own layout (--spec)',
  usage,
  async run(argv, io) {
    const p = parse('prove', argv, {
      ...CPU_FLAGS,
      kernel: { type: 'string' }, flavour: { type: 'string' }, rule: { type: 'string' }, spec: { type: 'string' },
      smt2: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' },
      jobs: { type: 'string' }, shard: { type: 'string' }, serve: { type: 'boolean' }, family: { type: 'string' },
    });
    const shard = parseShard(str(p, 'shard'));
    const family = choice(p, 'family', ['spte', 'role', 'vmtype'] as const, 'spte')!;
    if (family !== 'spte') {
      for (const f of ['kernel', 'flavour', 'spec', 'shard', 'smt2', 'jobs', ...Object.keys(CPU_FLAGS)]) {
        if (str(p, f) !== undefined) fail('MMC001', `prove --family ${family}: --${f} applies to the spte family only (use 'mmucheck ${family === 'role' ? 'role --era' : 'vmtypes'}' for era filters)`, { subject: `--${f}` });
      }
      let cs = family === 'role' ? roleCases() : vmtypeCases();
      const rn = str(p, 'rule');
      if (rn !== undefined) {
        const names = [...new Set(cs.map((c) => c.id.split('/').pop()!))];
        cs = cs.filter((c) => c.id.endsWith(`/${rn}`));
        if (!cs.length) fail('MMC005', `--rule ${rn}: no such ${family} rule; rules: ${names.join(', ')}`, { subject: '--rule' });
      }
      return runFamily(family, cs, num(p, 'timeout', 0.001, 86400, 30)!, bool(p, 'json'), io);
    }
    const timeoutS = num(p, 'timeout', 0.001, 86400, 30)!;
    const smt2 = str(p, 'smt2');
    if (smt2 !== undefined) ensureOutputDir('--smt2', smt2);
    const ruleName = str(p, 'rule');
    const kernel = str(p, 'kernel');
    const flavour = choice(p, 'flavour', FLAVOURS, undefined) as Flavour | undefined;
    const specFile = str(p, 'spec');
    const opts = { timeoutS, ...(smt2 ? { smt2 } : {}) };
    const rows: Row[] = [];
    const t0 = performance.now();
    const machineFlags = Object.keys(CPU_FLAGS).filter((f) => f !== 'kernel' && str(p, f) !== undefined);
    let machine: Machine | undefined;
    if (machineFlags.length) {
      for (const f of ['spec', 'shard', 'jobs', 'flavour'] as const) {
        if (str(p, f) !== undefined) fail('MMC001', `--${f} does not apply with the machine flags (--${machineFlags[0]}): the machine selects its flavour and its rules are proved in this process`, { subject: `--${f}` });
      }
      machine = parseMachine(p);
      const m = machine;
      const eras: Era[] = kernel === undefined ? ERAS.filter((e) => flavourInEra(m.flavour, e)) : [m.era];
      let entries = eras.flatMap((era) => [...commonRules(era), ...flavourRules(era, m.flavour)]);
      if (ruleName !== undefined) {
        const names = [...new Set(entries.map((e) => e.rule.name))];
        entries = entries.filter((e) => e.rule.name === ruleName);
        if (!entries.length) fail('MMC005', `--rule ${ruleName}: not a rule of flavour ${m.flavour}; rules: ${names.join(', ')}`, { subject: '--rule' });
      }
      for (const e of entries) rows.push(await proveOnMachine(e, m, opts));
    } else if (specFile !== undefined) {
      for (const f of NOT_WITH_SPEC) {
        if (f === 'serve' ? bool(p, f) : str(p, f) !== undefined) fail('MMC001', `--${f} does not apply to --spec (it proves the rules of the file's own layout)`, { subject: `--${f}` });
      }
      // the spec's top level is user code: bounded by --timeout when given
      startWatchdog(str(p, 'timeout') !== undefined ? { limitSeconds: timeoutS } : {});
      const { lay, expect } = specLayout(await loadTs(specFile, '--spec'), specFile);
      let rules = lay.rules;
      if (ruleName !== undefined) {
        rules = rules.filter((r) => r.name === ruleName);
        if (!rules.length) fail('MMC005', `--rule ${ruleName}: no such rule in ${lay.name}; rules: ${lay.rules.map((r) => r.name).join(', ')}`, { subject: '--rule' });
      }
      for (const r of rules) {
        const ex: Expectation = expect[r.name] === 'violated' ? { verdict: 'violated', note: 'expected by the spec' } : { verdict: 'holds' };
        rows.push(await runOne('spec', lay.name, r, ex, opts, (w) => {
          const entry: CatalogEntry = { rule: r, era: '6.13', flavour: 'all', decodeAs: {} };
          return { line: witnessLine(entry, w), block: witnessBlock(entry, w, '6.13') };
        }));
      }
    } else {
      const eras: Era[] = kernel === undefined ? [...ERAS] : [eraOf(kernel)];
      let entries = eras.flatMap((e) => eraRules(e));
      if (flavour !== undefined) entries = entries.filter((e) => e.flavour === flavour || e.flavour === 'all');
      if (ruleName !== undefined) {
        const names = [...new Set(entries.map((e) => e.rule.name))];
        entries = entries.filter((e) => e.rule.name === ruleName);
        if (!entries.length) fail('MMC005', `--rule ${ruleName}: unknown rule for this selection; rules: ${names.join(', ')}`, { subject: '--rule' });
      }
      if (flavour !== undefined && !entries.some((e) => e.flavour === flavour)) {
        fail('MMC005', `--flavour ${flavour}: not modelled in era ${eras.join(', ')} (TDX host support is 6.16+, era 6.13)`, { subject: '--flavour' });
      }
      // Rules whose queries are identical (same formula in several eras or flavours) go to the same
      // process, where Z3 answers them once.
      const serving = bool(p, 'serve');
      const indexed = await runSelection({
        command: 'prove',
        childArgv: argv.filter((a, i) => a !== '--json' && a !== '--jobs' && argv[i - 1] !== '--jobs'),
        keys: entries.map((e) => queryKey(e.rule)),
        serve: serving,
        shard,
        jobs: serving || shard ? 1 : defaultJobs(int(p, 'jobs', 1, 64), entries.length),
        runAt: async (positions) => {
          const out: (Row & { index: number })[] = [];
          for (const index of positions) {
            const e = entries[index]!;
            const row = await runOne(e.era, e.flavour, e.rule, expectationFor(e.era, e.flavour, e.rule.name), opts, (w) => ({ line: witnessLine(e, w), block: witnessBlock(e, w, e.era) }));
            out.push({ index, ...row, outcome: wireOutcome(row.outcome) });
          }
          return out;
        },
        interrupted: (index, reason): Row & { index: number } => {
          const e = entries[index]!;
          const expected = expectationFor(e.era, e.flavour, e.rule.name);
          return { index, era: e.era, flavour: e.flavour, rule: e.rule.name, reason: e.rule.reason, ref: e.rule.ref, expected, outcome: { verdict: { kind: 'unknown', reason }, seconds: 0 }, status: 'unknown', detail: reason };
        },
      });
      if (serving) return exitFor(indexed);
      rows.push(...(shard ? indexed : indexed.map(({ index: _i, ...r }) => r)));
    }
    if (shard) {
      io.out(toJson({ shard, rows }));
      return exitFor(rows);
    }
    const seconds = (performance.now() - t0) / 1000;
    const code = exitFor(rows);
    const counts = (s: string): number => rows.filter((r) => r.status === s).length;
    const notApplicable = rows.filter((r) => r.notApplicable).length;
    const summary = `prove${machine ? ' (one machine)' : ''}: ${rows.length} rules,${notApplicable ? ` ${notApplicable} not applicable to the machine,` : ''} ${counts('pass')} as expected, ${counts('unexpected-violation')} unexpected violations, ${counts('mismatch')} differ, ${counts('unknown')} unknown, ${counts('error')} errors (${seconds.toFixed(1)}s)`;
    if (bool(p, 'json')) {
      io.out(toJson({
        summary, exitCode: code, seconds,
        ...(machine ? { machine: machineJson(machine, kernel !== undefined) } : {}),
        rules: rows.map((r) => ({
          ...(machine ? { applicable: !r.notApplicable } : {}),
          era: r.era, flavour: r.flavour, rule: r.rule, verdict: r.outcome.verdict.kind, expected: r.expected.verdict, status: r.status,
          seconds: r.outcome.seconds, reason: r.reason, ref: r.ref,
          ...(r.shared ? { sameQueryAsEarlierRule: true } : {}),
          ...(r.expected.note ? { note: r.expected.note } : {}),
          ...(r.outcome.verdict.kind === 'unknown' ? { unknownReason: r.outcome.verdict.reason } : {}),
          ...(r.outcome.verdict.kind === 'holds' ? { domain: r.outcome.verdict.domain } : {}),
          ...(r.counterexample ? { counterexample: r.counterexample } : {}),
        })),
      }));
      return code;
    }
    if (machine) io.out(machineLine(machine));
    const w = Math.max(4, ...rows.map((r) => r.rule.length));
    io.out(`${'era'.padEnd(5)} ${'flavour'.padEnd(7)} ${'rule'.padEnd(w)} ${'verdict'.padEnd(9)} ${'expected'.padEnd(9)} status   time`);
    for (const r of rows) {
      const st = r.status === 'pass' ? 'ok' : r.status.toUpperCase();
      io.out(`${r.era.padEnd(5)} ${r.flavour.padEnd(7)} ${r.rule.padEnd(w)} ${r.outcome.verdict.kind.padEnd(9)} ${r.expected.verdict.padEnd(9)} ${st.padEnd(8)} ${r.outcome.seconds.toFixed(2)}s${r.shared ? ' (same query as an earlier rule)' : ''}${r.notApplicable ? ' (not applicable to the machine)' : ''}${r.detail && machine && r.status === 'pass' && r.outcome.verdict.kind === 'holds' ? ` (${r.detail})` : ''}`);
    }
    for (const r of rows) {
      if (r.outcome.verdict.kind === 'holds') continue;
      io.out('');
      io.out(`${r.outcome.verdict.kind.toUpperCase()} ${r.era}/${r.flavour}/${r.rule}${r.status === 'pass' ? ' (expected)' : ''}`);
      io.out(`  reason: ${r.reason}`);
      io.out(`  kernel: ${r.ref}`);
      if (r.expected.note) io.out(`  note:   ${r.expected.note}`);
      if (r.outcome.verdict.kind === 'unknown') io.out(`  unknown: ${r.outcome.verdict.reason}`);
      if (r.outcome.verdict.kind === 'error') io.out(`  error: ${r.outcome.verdict.diagnostic.code}: ${r.outcome.verdict.diagnostic.message}`);
      for (const l of r.block ?? []) io.out(l);
    }
    io.out('');
    io.out(summary);
    return code;
  },
};
