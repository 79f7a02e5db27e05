/**
 * The host mapping as a scenario field: gfns 0..3 are backed by pfns 1..4, and the host maps pfns
 * 2..3 (gfns 1..2) with one 2M page (THP). That huge page straddles the guest's 2M boundary: gfn 2
 * and its pfn 3 are not congruent modulo 2M (the memslot's userspace address is misaligned with
 * its base gfn), so KVM may not map gfns 2..3 with a 2M leaf; and the host maps gfn 0 with a 4K
 * page. Both 2M faults are mapped with 4K leaves (the trace notes say why: `hugepage adjust`).
 *
 *   npx mmucheck check --model examples/unaligned-hugepage.ts
 */
import { scenario } from 'mmucheck';

export default scenario({
  name: 'unaligned-hugepage',
  title: '2M faults on a misaligned host huge page (gfns 1..2 on one 2M THP) and on 4K host pages are mapped at 4K',
  vm: 'default',
  vcpus: 2,
  host: { pfns: [1, 2, 3, 4], huge: [1, 2] },
  threads: [
    { name: 'V0', script: [{ op: 'fault', gfn: 2, level: 2, write: true }, { op: 'access', gfn: 2, write: true }] },
    { name: 'V1', script: [{ op: 'fault', gfn: 0, level: 2 }] },
  ],
  witnesses: ['guest-wrote'],
  properties: [
    {
      kind: 'always',
      name: 'no-huge-leaf',
      doc: 'no 2M leaf maps gfns 0..1 or 2..3',
      holds: (v) => v.spte('direct', 0, 2)?.kind !== 'leaf' && v.spte('direct', 2, 2)?.kind !== 'leaf',
    },
    {
      kind: 'sometimes',
      name: 'g2-at-4k',
      doc: 'gfn 2 is mapped by a 4K leaf to its own host page, pfn 3',
      holds: (v) => v.spte('direct', 2, 1)?.kind === 'leaf' && v.pfn(2) === 3,
    },
  ],
  expect: 'holds',
});
