/**
 * Real SPTE words of the executable MMU (model/mmu/spte64.ts): the compact encoding is a bijection
 * with the era's real 64-bit words on every word the model can produce, the words carry the era's
 * bits (SUPPRESS_VE, SHADOW_NONPRESENT_VALUE, aligned large-page frames), are classified as the step
 * meant and as `mmucheck decode` classifies them, and a mask mutant shows up both in `prove` and as
 * an interleaving that breaks the classification property.
 */
import { describe, expect, it } from 'vitest';
import { FROZEN, MmuMachine, NP, check, formatSpte, mkLeaf, mkLink, mkMmio, parseSpte, prove, withAT } from '../../src/internal.js';
import { buildMachine } from '../../model/mmu/build.js';
import { SCENARIOS } from '../../model/mmu/scenarios.js';
import { PAGE_PFN_BASE, SPTE_CLASSIFICATION, type SpteFormat, SpteWords, misclassifiedEntry, spteClassificationProperty } from '../../model/mmu/spte64.js';
import { flavourRules, spteConsts } from '../../model/spte/index.js';
import { cli } from '../cli/helpers.js';

/** Every compact word the model can produce at a level (leaf flags as make_spte and aging leave them). */
function producible(level: number): number[] {
  const out = [NP, FROZEN];
  for (let g = 0; g < 64; g++) out.push(mkMmio(g));
  if (level > 1) for (let t = 0; t < 63; t++) out.push(mkLink(t));
  const span = 1 << (level - 1);
  for (let p = 0; p < 63; p += span) {
    for (let f = 0; f < 16; f++) {
      const leaf = mkLeaf(p, level, { w: (f & 1) !== 0, a: (f & 2) !== 0, d: (f & 4) !== 0, mw: (f & 8) !== 0 });
      out.push(leaf, withAT(leaf));
    }
  }
  return [...new Set(out)];
}

const FORMATS: readonly SpteFormat[] = [
  {},
  { flavour: 'tdx' },
  { ad: false },
  { era: '6.10' },
  { era: '6.0' },
  { era: '5.13' },
  { flavour: 'npt' },
  { flavour: 'shadow' },
];

const hex = (x: bigint): string => `0x${x.toString(16).padStart(16, '0')}`;

describe('compact words and real SPTEs', () => {
  for (const f of FORMATS) {
    it(`compact(real(x)) === x and classification as meant: ${JSON.stringify(f)}`, () => {
      const w = new SpteWords(f);
      for (const level of [1, 2, 3]) {
        const reals = new Set<bigint>();
        for (const v of producible(level)) {
          const x = w.real(v);
          expect(w.compact(x, level), `${hex(x)} at level ${level}`).toBe(v);
          expect(w.classOf(v), hex(x)).toBe(SpteWords.intended(v));
          reals.add(x);
        }
        expect(reals.size).toBe(producible(level).length);
      }
    });
  }

  it('a TDX flavour outside era 6.13 is MMC301 naming the field', () => {
    const err = (() => {
      try {
        new SpteWords({ era: '6.10', flavour: 'tdx' });
      } catch (e) {
        return e as { diagnostic?: { code: string; message: string } };
      }
      return undefined;
    })();
    expect(err?.diagnostic?.code).toBe('MMC301');
    expect(err?.diagnostic?.message).toMatch(/^spte: flavour 'tdx' does not exist in era 6\.10 .*flavours of era 6\.10: ept, npt, shadow$/);
  });

  it('parseSpte inverts formatSpte (the step records name words by formatSpte)', () => {
    for (const level of [1, 2, 3]) for (const v of producible(level)) expect(parseSpte(formatSpte(v))).toBe(v);
    expect(parseSpte('leaf(pfn=1)')).toBeUndefined();
  });

  it('6.10+ EPT: present SPTEs carry SUPPRESS_VE (bit 63), non-present and FROZEN are the era values; 6.0 has no bit 63', () => {
    const w = new SpteWords();
    const leaf = mkLeaf(2, 1, { w: true, a: true, d: true, mw: true });
    expect(w.real(leaf) >> 63n).toBe(1n);
    expect(w.real(mkLink(3)) >> 63n).toBe(1n);
    expect(w.real(NP)).toBe(0x8000000000000000n);
    expect(w.real(FROZEN)).toBe(0x80000000000005a0n);
    expect(new SpteWords({ era: '6.0' }).real(leaf) >> 63n).toBe(0n);
    expect(new SpteWords({ era: '6.0' }).real(FROZEN)).toBe(0x5a0n);
  });

  it('a 2M leaf maps a 512-aligned frame, a 1G leaf a 2^18-aligned one; 4K frames of one 2M page are contiguous', () => {
    const w = new SpteWords();
    const frame = (v: number): bigint => (w.real(v) & 0x000ffffffffff000n) >> 12n;
    for (let p = 0; p < 16; p += 2) expect(frame(mkLeaf(p, 2)) % 512n, `page ${p}`).toBe(0n);
    for (let p = 0; p < 16; p += 4) expect(frame(mkLeaf(p, 3)) % (1n << 18n), `page ${p}`).toBe(0n);
    expect(frame(mkLeaf(3, 1)) - frame(mkLeaf(2, 2))).toBe(1n);
    expect(frame(mkLeaf(0, 1))).toBe(PAGE_PFN_BASE);
  });

  it('mmucheck decode classifies every kind of word as the model does', () => {
    const w = new SpteWords();
    const want: Record<string, string> = { present: 'present', frozen: 'frozen', mmio: 'MMIO', 'non-present': 'non-present (SHADOW_NONPRESENT_VALUE)' };
    for (const v of [mkLeaf(2, 2, { w: true, a: true, mw: true }), withAT(mkLeaf(1, 1, { a: true })), mkLink(4), FROZEN, NP, mkMmio(5)]) {
      const r = cli(['decode', '--flavour', 'ept', hex(w.real(v)), '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).classification, hex(w.real(v))).toBe(want[SpteWords.intended(v)]);
    }
  });
});

/** Returns the states of a machine reachable in BFS order, at most `cap`. */
function reachable(mm: MmuMachine, cap: number): Int32Array[] {
  const seen = new Set<string>();
  const out: Int32Array[] = [];
  const queue = mm.initStates();
  while (queue.length && out.length < cap) {
    const s = queue.shift()!;
    const key = s.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
    const acts: number[] = [];
    mm.actions(s, acts);
    for (const a of acts) {
      const nx = new Int32Array(mm.stateSize);
      if (mm.next(s, a, nx)) queue.push(nx);
    }
  }
  return out;
}

describe('classification property over explored states', () => {
  it('every registered scenario carries the property, and it holds in its explored states', () => {
    for (const scn of SCENARIOS) {
      const mm = buildMachine(scn);
      expect(mm.properties().map((p) => p.name), scn.name).toContain(SPTE_CLASSIFICATION);
      const words = (mm.spec.display as { words?: SpteWords }).words!;
      expect(words.flavour).toBe(scn.vm === 'tdx' ? 'tdx' : 'ept');
      for (const s of reachable(mm, 3000)) expect(misclassifiedEntry(mm, words, s), scn.name).toBeUndefined();
    }
  });
});

describe('a mask mutant breaks both the prove rule and the interleaving', () => {
  const k13 = spteConsts('6.13');
  const mutate = (scenario: string, words: SpteWords): MmuMachine => {
    const base = buildMachine(SCENARIOS.find((s) => s.name === scenario)!);
    return new MmuMachine({ ...base.spec, properties: (mm) => [spteClassificationProperty(mm, words)], display: words.display() });
  };

  it('FROZEN_SPTE without bit 63 in a TD: nonpresent-never-mmio is refuted and a frozen entry classifies as MMIO', async () => {
    const consts = { ...k13, frozen: 0x5a0n };
    const rule = flavourRules('6.13', 'tdx', { consts }).find((e) => e.rule.name === 'nonpresent-never-mmio')!;
    expect((await prove(rule.rule, { timeoutMs: 20_000 })).verdict.kind).toBe('violated');
    const words = new SpteWords({ flavour: 'tdx', consts });
    expect(words.classOf(FROZEN)).not.toBe('frozen');
    const r = check(mutate('tdx/2m-vs-4k/freeze', words), { strategy: 'bfs' });
    expect(r.verdict.kind).toBe('violated');
    if (r.verdict.kind === 'violated') expect(r.verdict.witness.property).toBe(SPTE_CLASSIFICATION);
    const real = check(mutate('tdx/2m-vs-4k/freeze', new SpteWords({ flavour: 'tdx' })), { strategy: 'bfs' });
    expect(real.verdict.kind).toBe('holds');
  });

  it('an EPT MMIO value that looks present (0x7, RWX): present-never-mmio is refuted and a present SPTE classifies as ambiguous', async () => {
    const variant = { eptMmioValue: 0x7n };
    const rule = flavourRules('6.0', 'ept', { variant }).find((e) => e.rule.name === 'present-never-mmio')!;
    expect((await prove(rule.rule, { timeoutMs: 20_000 })).verdict.kind).toBe('violated');
    const words = new SpteWords({ era: '6.0', variant });
    const r = check(mutate('mmu/grid/fault-fault', words), { strategy: 'bfs' });
    expect(r.verdict.kind).toBe('violated');
    expect(words.classOf(mkLeaf(0, 1, { w: true }))).toBe('ambiguous');
    expect(new SpteWords({ era: '6.0' }).classOf(mkLeaf(0, 1, { w: true }))).toBe('present');
  });
});
