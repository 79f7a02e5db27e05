/**
 * A reviewer's patch idea as a variant: "check is_page_fault_stale() before taking mmu_lock, to
 * shorten the read-side critical section". The step list of `fault` is edited by name; the
 * checker then explores every interleaving with kvm_mmu_zap_all_fast.
 *
 *   npx mmucheck check --model examples/early-stale-check.ts
 */
import { variant } from 'mmucheck';

export default variant({
  from: 'mmu/c6-fault-vs-fast-zap/fixed',
  name: 'early-stale-check',
  doc: 'is_page_fault_stale() moved before read_lock(&kvm->mmu_lock)',
  edits: [{ op: 'fault', move: 'stale-check', before: 'lock-read' }],
  expect: 'violated',
});
