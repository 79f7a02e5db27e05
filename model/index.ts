/**
 * The registry of checkable models by stable name, for `mmucheck check NAME` and worker threads.
 *
 * Add a model by adding an entry (or spreading a family's record, e.g. `...mmuCheckModels`); a
 * worker thread rebuilds it from `{ moduleUrl: checkModelsUrl, exportName: 'checkModels', key, params }`.
 */
import type { ModelEntry } from '../src/internal.js';
import { tdpCas } from './bench/tdp-cas.js';
import { tdpLivelock } from './bench/tdp-livelock.js';
import { counters } from './toys/counters.js';
import { mmuCheckModels } from './mmu/registry.js';

/** This module's URL (the `moduleUrl` of a `ModelRef` into {@link checkModels}). */
export const checkModelsUrl: string = import.meta.url;

/** Every model `mmucheck check` knows, by name. */
export const checkModels: Record<string, ModelEntry> = {
  ...mmuCheckModels,
  'tdp-cas': {
    doc: 'the reference workload ../shared/bench/tdp_cas.pml (lock-free SPTE install, freeze/flush/clear zap) ported step for step',
    params: [
      { name: 'NV', default: 3, min: 1, max: 6, doc: 'number of vCPU threads' },
      { name: 'NG', default: 2, min: 1, max: 4, doc: 'number of guest frames' },
      { name: 'ITER', default: 2, min: 0, max: 6, doc: 'faults per vCPU' },
      { name: 'NZ', default: 1, min: 0, max: 3, doc: 'number of zapper threads' },
      { name: 'ZITER', default: 2, min: 0, max: 6, doc: 'zaps per zapper' },
      { name: 'BUG_WALK', default: 0, min: 0, max: 1, doc: '1 splits the TLB fill into a read and a later fill (stale-TLB bug)' },
    ],
    create: (p) => tdpCas({ NV: p['NV']!, NG: p['NG']!, ITER: p['ITER']!, NZ: p['NZ']!, ZITER: p['ZITER']!, BUG_WALK: p['BUG_WALK']! }),
  },
  'tdp-livelock': {
    doc: 'the liveness reference workload ../shared/bench/tdp_livelock.pml (two-entry lock-free freeze with undo and retry; progress = an install) ported step for step',
    params: [
      { name: 'NV', default: 3, min: 1, max: 8, doc: 'number of vCPU threads' },
      { name: 'NE', default: 3, min: 1, max: 8, doc: 'number of SPTE entries' },
      { name: 'ROUNDS', default: 2, min: 0, max: 4, doc: 'installs per vCPU' },
      { name: 'ORDERED', default: 0, min: 0, max: 1, doc: '0: each vCPU freezes its pair in its own order (livelock); 1: lower entry first (the fix)' },
    ],
    create: (p) => tdpLivelock({ NV: p['NV']!, NE: p['NE']!, ROUNDS: p['ROUNDS']!, ORDERED: p['ORDERED']! }),
  },
  counters: {
    doc: 'scalable toy: N processes each counting 0..K in any interleaving, exactly (K+1)^N states',
    params: [
      { name: 'N', default: 4, min: 1, max: 16, doc: 'number of processes' },
      { name: 'K', default: 9, min: 1, max: 1000, doc: 'count limit' },
    ],
    create: (p) => counters(p['N']!, p['K']!),
  },
};
