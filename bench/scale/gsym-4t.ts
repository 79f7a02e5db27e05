/**
 * Bench scale set, gfn symmetry: two vCPUs fault then write g2 and g3 while two mmu_notifier
 * invalidations zap one of them each (four threads, default VM, 4K host pages). The scenario is
 * symmetric under swapping g2 and g3 together with V0/V1 and N0/N1, and declares it
 * (`symmetricGfns`): with `--symmetry on` (the default in safety mode) the checker merges the two.
 */
import { scenario } from 'mmucheck';
export default scenario({
  name: 'scale/gsym-4t',
  vm: 'default',
  vcpus: 2,
  host: { huge: false },
  symmetricGfns: [[2, 3]],
  threads: [
    { name: 'V0', script: [{ op: 'fault', gfn: 2 }, { op: 'access', gfn: 2, write: true }] },
    { name: 'V1', script: [{ op: 'fault', gfn: 3 }, { op: 'access', gfn: 3, write: true }] },
    { name: 'N0', script: [{ op: 'zap-range', start: 2, end: 3 }] },
    { name: 'N1', script: [{ op: 'zap-range', start: 3, end: 4 }] },
  ],
  witnesses: ['guest-wrote'],
  expect: 'holds',
});
