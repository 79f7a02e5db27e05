/**
 * A scenario written from scratch: three vCPUs fault and access gfns while an mmu_notifier
 * invalidation zaps gfns 0..1 and the memslot is deleted. The explorer checks I1..I12 and the
 * two properties below in every interleaving, and that each witness is reached in some.
 *
 *   npx mmucheck check --model examples/three-vcpus.ts
 */
import { scenario } from 'mmucheck';

export default scenario({
  name: 'three-vcpus',
  title: 'three vCPUs access gfns 0 and 1 (mapped by the setup) and fault gfn 2 while an mmu_notifier zap of gfns 0..1 and a memslot deletion run',
  vm: 'default',
  vcpus: 3,
  setup: [
    ['V0', { op: 'fault', gfn: 0, write: true }],
    ['V1', { op: 'fault', gfn: 1 }],
  ],
  threads: [
    { name: 'V0', script: [{ op: 'access', gfn: 0, write: true }] },
    { name: 'V1', script: [{ op: 'access', gfn: 1 }] },
    { name: 'V2', script: [{ op: 'fault', gfn: 2, write: true }] },
    { name: 'H', script: [{ op: 'zap-range', start: 0, end: 2 }, { op: 'memslot-delete' }] },
  ],
  witnesses: ['guest-wrote', 'stale-fault-retried', 'slot-invalid-retried'],
  properties: [
    {
      kind: 'always',
      name: 'lock-exclusive',
      doc: 'mmu_lock has a writer or readers, never both',
      holds: (v) => v.lock.writer === undefined || v.lock.readers.length === 0,
    },
    {
      kind: 'sometimes',
      name: 'stale-tlb-window',
      doc: "vCPU 0 still caches gfn 0 after the zap cleared its SPTE (before the flush)",
      holds: (v) => v.tlb(0, 0) !== undefined && v.spte('direct', 0, 1)?.kind !== 'leaf',
    },
  ],
  expect: 'holds',
});
