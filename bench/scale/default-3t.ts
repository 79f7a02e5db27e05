/** Bench scale set: two vCPUs fault (and one writes) gfns 0 and 1 while an mmu_notifier invalidation zaps gfns 0..2 (three threads, default VM). */
import { scenario } from 'mmucheck';
export default scenario({
  name: 'scale/default-3t',
  vm: 'default',
  vcpus: 2,
  threads: [
    { name: 'V0', script: [{ op: 'fault', gfn: 0 }, { op: 'access', gfn: 0, write: true }] },
    { name: 'V1', script: [{ op: 'fault', gfn: 1, write: true }] },
    { name: 'N', script: [{ op: 'zap-range', start: 0, end: 3 }] },
  ],
  expect: 'holds',
});
