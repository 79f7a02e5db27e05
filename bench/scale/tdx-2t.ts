/** Bench scale set: a private fault of gfn 0 races a guest_memfd PUNCH_HOLE of gfn 0 (two threads, TDX VM). */
import { scenario } from 'mmucheck';
export default scenario({
  name: 'scale/tdx-2t',
  vm: 'tdx',
  vcpus: 1,
  privateGfns: [0, 1, 2, 3],
  threads: [
    { name: 'V0', script: [{ op: 'fault', gfn: 0, private: true }, { op: 'access', gfn: 0, write: true }] },
    { name: 'N', script: [{ op: 'gmem-punch-hole', start: 0, end: 1 }] },
  ],
  expect: 'holds',
});
