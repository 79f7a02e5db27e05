/** Bench scale set: a vCPU faults and writes gfn 0 while an mmu_notifier invalidation zaps gfns 0..1 (two threads, default VM). */
import { scenario } from 'mmucheck';
export default scenario({
  name: 'scale/default-2t',
  vm: 'default',
  vcpus: 1,
  threads: [
    { name: 'V0', script: [{ op: 'fault', gfn: 0 }, { op: 'access', gfn: 0, write: true }] },
    { name: 'N', script: [{ op: 'zap-range', start: 0, end: 2 }] },
  ],
  expect: 'holds',
});
