/**
 * A step body written with the public API only: the fault's `read-entry` step (the TDP MMU walk's
 * R(e) in kvm_tdp_mmu_map) re-written with named locals, SPTE locations and `spte` predicates, no
 * state offsets. It behaves like the built-in step, so the checker finds the same states; edit it
 * to model a patch (e.g. drop the FROZEN check: a SEAMCALL then fails, I7).
 *
 *   npx mmucheck check --model examples/step-body.ts
 */
import { spte, type StepContext, variant } from 'mmucheck';

/** Ends the fault with RET_PF_RETRY (`out` 1) or as done (`out` 0), through the RCU/lock exit steps. */
function exit(c: StepContext, retry: boolean): void {
  c.setLocal('out', retry ? 1 : 0);
  c.goto('exit-rcu');
}

export default variant({
  from: 'tdx/2m-vs-4k/freeze',
  name: 'read-entry-public-api',
  doc: "the fault's read-entry step written with the public step API",
  edits: [
    {
      op: 'fault',
      replace: 'read-entry',
      with: {
        doc: 'R(e) at the current level; FROZEN -> retry; descend through links; huge leaf -> split or zap',
        run(c) {
          const old = c.readSpte(c.here());
          c.setLocal('old', old);
          const level = c.local('level');
          if (spte.isFrozen(old)) {
            c.seen('frozen-observed');
            exit(c, true);
            return;
          }
          if (level === c.local('goal') && c.params.private === true && spte.isLink(old)) {
            c.setLocal('goal', level - 1); // a private table exists where a huge page was wanted: map at 4K
          } else if (level === c.local('goal')) {
            c.goto('install');
            return;
          }
          if (spte.isLink(old)) {
            c.iterDown(spte.child(old));
            c.stay();
          } else if (!spte.isLeaf(old)) {
            c.goto('link');
          } else if (c.params.private !== true) {
            c.goto('split');
          } else if (c.opts['mirrorInstall'] === 'cas-then-seamcall') {
            c.goto('zap-huge');
          } else {
            c.note('private huge leaf already maps the gfn: spurious');
            exit(c, false);
          }
        },
      },
    },
  ],
  expect: 'holds',
});
