/** Bench scale set: two private faults under one level-2 entry race a guest_memfd PUNCH_HOLE of gfn 0 (three threads, TDX VM). */
import { scenario } from 'mmucheck';
export default scenario({
  name: 'scale/tdx-3t',
  vm: 'tdx',
  vcpus: 2,
  privateGfns: [0, 1, 2, 3],
  threads: [
    { name: 'V0', script: [{ op: 'fault', gfn: 0, private: true }] },
    { name: 'V1', script: [{ op: 'fault', gfn: 1, private: true }] },
    { name: 'N', script: [{ op: 'gmem-punch-hole', start: 0, end: 1 }] },
  ],
  expect: 'holds',
});
