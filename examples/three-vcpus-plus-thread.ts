/**
 * A variant that adds a thread to a registered scenario: `mmu/grid/fault-vs-notifier` (a vCPU
 * faults and writes gfn 0 while an mmu_notifier invalidation zaps gfns 0..1) plus a third thread
 * that ages gfn 0 meanwhile. The added thread runs in every interleaving with the two others, and
 * the exploration must also reach the `aged` witness.
 *
 *   npx mmucheck check --model examples/three-vcpus-plus-thread.ts
 */
import { variant } from 'mmucheck';

export default variant({
  from: 'mmu/grid/fault-vs-notifier',
  name: 'fault-vs-notifier-plus-aging',
  doc: 'the grid scenario with an aging thread (kvm_age_gfn) racing the fault and the zap',
  addThreads: [{ name: 'A', script: [{ op: 'age', start: 0, end: 1 }] }],
  addWitnesses: ['aged'],
  expect: 'holds',
});
