/**
 * Memslots as a scenario field: slot 0 holds gfns 0..1, slot 1 holds gfns 2..3. The memslot
 * ioctl deletes slot 0 while vCPU 0 faults and writes gfn 2 in slot 1 and vCPU 1 faults gfn 0 in
 * the slot being deleted (it retries while the slot is invalid, and exits to userspace once the
 * slot is gone).
 *
 *   npx mmucheck check --model examples/two-memslots.ts
 */
import { scenario } from 'mmucheck';

export default scenario({
  name: 'two-memslots',
  title: 'memslot 0 (gfns 0..1) is deleted while vCPU 0 faults gfn 2 in memslot 1 and vCPU 1 faults gfn 0',
  vm: 'default',
  vcpus: 2,
  memslots: [
    { id: 0, base: 0, pages: 2 },
    { id: 1, base: 2, pages: 2 },
  ],
  threads: [
    { name: 'V0', script: [{ op: 'fault', gfn: 2, write: true }, { op: 'access', gfn: 2, write: true }] },
    { name: 'V1', script: [{ op: 'fault', gfn: 0 }] },
    { name: 'M', script: [{ op: 'memslot-delete', slot: 0 }] },
  ],
  witnesses: ['slot-invalid-retried', 'guest-wrote'],
  properties: [
    {
      kind: 'always',
      name: 'slot-1-stays',
      doc: 'deleting memslot 0 never touches memslot 1',
      holds: (v) => v.memslot(2)?.state === 'valid',
    },
    {
      kind: 'always',
      name: 'deleted-slot-unmapped',
      doc: 'once memslot 0 is deleted, no valid root maps gfn 0',
      holds: (v) => v.memslots[0]!.state !== 'deleted' || v.spte('direct', 0, 1)?.kind !== 'leaf',
    },
    {
      kind: 'sometimes',
      name: 'slot-1-mapped-after-delete',
      doc: 'gfn 2 is mapped while memslot 0 is already deleted',
      holds: (v) => v.memslots[0]!.state === 'deleted' && v.spte('direct', 2, 1)?.kind === 'leaf',
    },
  ],
  expect: 'holds',
});
