/**
 * Counterexample views built from constants (model/spte/layouts.ts spteViews): with the modelled
 * constants they are exactly the era's layout views; with a tree's constants a moved bit is shown
 * where the tree put it and a split mask as one field per run (what `mmucheck kernel` decodes with).
 */
import { describe, expect, it } from 'vitest';
import { ERAS, LAYOUT_NAMES, spteConsts, spteLayout, spteViews } from '../../model/spte/index.js';

describe('spteViews', () => {
  it('with the modelled constants: the layout views of every flavour and era', () => {
    for (const era of ERAS) for (const name of LAYOUT_NAMES) expect([name, era, spteViews(name, era)]).toEqual([name, era, spteLayout(name, era).views]);
  });
  it("with a tree's constants: the present bit moved to 10, a generation mask split in two runs", () => {
    const k = { ...spteConsts('6.13'), mmuPresent: 1n << 10n, genLow: 0x3f8n | (1n << 12n) };
    const mmio = spteViews('ept', '6.13', k)['mmio']!.map((f) => `${f.name}[${f.hi}..${f.lo}]`);
    expect(mmio).toEqual(['mmio_rwx[2..0]', 'gen_low_3[9..3]', 'gen_low_12[12..12]', 'mmu_present[10..10]', 'gpa[51..12]', 'gen_high[62..52]', 'suppress_ve[63..63]']);
    const np = spteViews('npt', '6.13', k)['nonpresent']!.map((f) => f.name);
    // FROZEN_SPTE's bit 10 is now the present bit: not a frozen marker bit any more
    expect(np).toEqual(['frozen_5', 'frozen_7', 'frozen_8', 'mmu_present', 'nonpresent_63']);
  });
});
