/**
 * Bench scale set, the TDX target of issue 11: three vCPUs fault private gfns 0, 1 and 2 while a
 * guest_memfd PUNCH_HOLE removes gfn 0 and the memslot is deleted (five threads, TDX VM).
 */
import { scenario } from 'mmucheck';
export default scenario({
  name: 'scale/tdx-three-vcpus',
  vm: 'tdx',
  vcpus: 3,
  privateGfns: [0, 1, 2, 3],
  threads: [
    { name: 'V0', script: [{ op: 'fault', gfn: 0, private: true }] },
    { name: 'V1', script: [{ op: 'fault', gfn: 1, private: true }] },
    { name: 'V2', script: [{ op: 'fault', gfn: 2, private: true }] },
    { name: 'N', script: [{ op: 'gmem-punch-hole', start: 0, end: 1 }] },
    { name: 'M', script: [{ op: 'memslot-delete' }] },
  ],
  expect: 'holds',
});
