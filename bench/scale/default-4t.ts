/** Bench scale set: three vCPUs fault gfns 0..2 (two then write) while an mmu_notifier invalidation zaps gfns 0..2 (four threads, default VM). */
import { scenario } from 'mmucheck';
export default scenario({
  name: 'scale/default-4t',
  vm: 'default',
  vcpus: 3,
  threads: [
    { name: 'V0', script: [{ op: 'fault', gfn: 0 }, { op: 'access', gfn: 0, write: true }] },
    { name: 'V1', script: [{ op: 'fault', gfn: 1 }, { op: 'access', gfn: 1, write: true }] },
    { name: 'V2', script: [{ op: 'fault', gfn: 2, write: true }] },
    { name: 'N', script: [{ op: 'zap-range', start: 0, end: 3 }] },
  ],
  expect: 'holds',
});
