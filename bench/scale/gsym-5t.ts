/**
 * Bench scale set, gfn symmetry: the five-thread scenario of issue 11 (five.ts) reshaped so that its
 * gfns are interchangeable: three vCPUs (fault g2 then write g2, fault g3 then write g3, write-fault
 * g0), and the notifier's zap split into one invalidation per gfn of the pair (a walk over both
 * visits them in order, which a swap does not preserve); no fast zap (it walks every gfn), 4K host
 * pages (a 2M leaf over the pair would map them in pfn order). Declares `symmetricGfns: [[2, 3]]`.
 */
import { scenario } from 'mmucheck';
export default scenario({
  name: 'scale/gsym-5t',
  vm: 'default',
  vcpus: 3,
  host: { huge: false },
  symmetricGfns: [[2, 3]],
  threads: [
    { name: 'V0', script: [{ op: 'fault', gfn: 2 }, { op: 'access', gfn: 2, write: true }] },
    { name: 'V1', script: [{ op: 'fault', gfn: 3 }, { op: 'access', gfn: 3, write: true }] },
    { name: 'V2', script: [{ op: 'fault', gfn: 0, write: true }] },
    { name: 'N0', script: [{ op: 'zap-range', start: 2, end: 3 }] },
    { name: 'N1', script: [{ op: 'zap-range', start: 3, end: 4 }] },
  ],
  expect: 'holds',
});
