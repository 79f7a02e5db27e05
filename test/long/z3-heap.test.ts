/**
 * Z3's WASM heap stays bounded over many queries in one process (it is capped at 2 GiB; terms are
 * freed only when their JS wrappers are collected, which src/smt forces every few queries). Before
 * that fix, the third pass over the SPTE suite aborted with "Cannot enlarge memory arrays (OOM)".
 */
import { expect, it } from 'vitest';
import { ERAS, eraRules } from '../../model/spte/index.js';
import { prove } from '../../src/index.js';

it('proves the SPTE suite five times in one process without exhausting the WASM heap', async () => {
  const entries = ERAS.flatMap((x) => eraRules(x));
  for (let round = 0; round < 5; round++) {
    let decided = 0;
    for (const e of entries) {
      const r = await prove(e.rule);
      if (r.verdict.kind === 'holds' || r.verdict.kind === 'violated') decided++;
    }
    expect(decided).toBe(entries.length);
  }
}, 900_000);
