/**
 * Bench scale set: the five-thread scenario of issue 11 (three vCPUs: fault g0 then write g0, fault
 * g1 then write g1, write-fault g2; an mmu_notifier zap of g0..g2; a fast zap), default VM.
 */
import { scenario } from 'mmucheck';
export default scenario({
  name: 'five-threads',
  vm: 'default',
  vcpus: 3,
  threads: [
    { name: 'V0', script: [{ op: 'fault', gfn: 0 }, { op: 'access', gfn: 0, write: true }] },
    { name: 'V1', script: [{ op: 'fault', gfn: 1 }, { op: 'access', gfn: 1, write: true }] },
    { name: 'V2', script: [{ op: 'fault', gfn: 2, write: true }] },
    { name: 'N', script: [{ op: 'zap-range', start: 0, end: 3 }] },
    { name: 'Z', script: [{ op: 'fast-zap' }] },
  ],
  expect: 'holds',
});
