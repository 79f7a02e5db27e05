/**
 * Proof cases of the `spte` family: every SPTE obligation per era and flavour (one per rule × era ×
 * flavour where it applies; layout-wide asserts once per era) with its expected verdict, plus the
 * mutants, each expected `violated`.
 */
import { type CaseOutcome, type ProofCase, prove, queryKey } from '../../src/internal.js';
import { type CatalogEntry, ERAS, eraRules, witnessLine } from '../../model/spte/index.js';
import { expectationFor } from './expect.js';
import { MUTANTS, mutantEntries } from './mutants.js';

/** Runs one catalog entry with Z3 and renders its witness. */
export async function runEntry(e: CatalogEntry, timeoutSeconds: number, smt2File?: string): Promise<CaseOutcome> {
  const r = await prove(e.rule, { timeoutMs: timeoutSeconds * 1000, ...(smt2File ? { smt2File } : {}) });
  const v = r.verdict;
  return v.kind === 'violated' ? { verdict: v, witnessText: witnessLine(e, v.witness), seconds: r.seconds } : { verdict: v, seconds: r.seconds };
}

function smt2(dir: string | undefined, id: string): string | undefined {
  return dir === undefined ? undefined : `${dir}/${id.replace(/[^A-Za-z0-9.-]+/g, '_')}.smt2`;
}

/** Returns the obligation cases (without mutants). */
export function obligationCases(): ProofCase[] {
  return ERAS.flatMap((era) =>
    eraRules(era).map((e): ProofCase => {
      const id = `spte/${era}/${e.flavour}/${e.rule.name}`;
      return {
        suite: 'spte',
        id,
        title: e.rule.reason,
        expect: expectationFor(era, e.flavour, e.rule.name),
        affinity: queryKey(e.rule),
        run: (ctx) => runEntry(e, ctx.timeoutSeconds, smt2(ctx.smt2Dir, id)),
      };
    }),
  );
}

/** Returns the mutant cases (each expected violated). */
export function mutantCases(): ProofCase[] {
  return MUTANTS.flatMap((m) =>
    mutantEntries(m).map((e): ProofCase => {
      const id = `spte/mutant/${m.name}/${m.era}/${m.flavour}/${e.rule.name}`;
      return {
        suite: 'spte',
        id,
        title: `mutant: ${m.doc}`,
        expect: { verdict: 'violated', kind: 'mutant', note: `mutant ${m.name}: ${m.doc}` },
        affinity: queryKey(e.rule),
        run: (ctx) => runEntry(e, ctx.timeoutSeconds, smt2(ctx.smt2Dir, id)),
      };
    }),
  );
}

/** Returns the cases of this family. */
export function cases(): ProofCase[] {
  return [...obligationCases(), ...mutantCases()];
}
