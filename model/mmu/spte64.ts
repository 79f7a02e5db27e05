/**
 * The real 64-bit EPT SPTE (6.13 era) of a compact SPTE word, built from the one source of truth
 * for bits (model/spte/bits.ts), and its decoding by field for trace display.
 */
import { decodeSpte } from '../../src/index.js';
import { EPT, frozenValue, nonPresentValue, PT, SW } from '../spte/bits.js';

/** Host physical frame of page `p` and of page-table page `t` in rendered SPTEs. */
export const PAGE_PFN_BASE = 0x100n;
export const TABLE_PFN_BASE = 0x800n;

/** Returns the 64-bit SPTE of a compact SPTE word. */
export function spte64(v: number): bigint {
  const d = decodeSpte(v);
  switch (d.kind) {
    case 'np':
      return nonPresentValue('6.13');
    case 'frozen':
      return frozenValue('6.13');
    case 'mmio':
      return nonPresentValue('6.13') | EPT.misconfigWx | ((BigInt(d.gen ?? 0) << BigInt(SW.genLowShift)) & SW.genLow);
    case 'link':
      return ((TABLE_PFN_BASE + BigInt(d.table ?? 0)) << 12n) | EPT.rwx | SW.mmuPresent;
    case 'leaf': {
      let x = ((PAGE_PFN_BASE + BigInt(d.pfn ?? 0)) << 12n) | SW.mmuPresent | (6n << 3n) | SW.eptHostWritable;
      if (d.mmuWritable) x |= SW.eptMmuWritable;
      if ((d.level ?? 1) > 1) x |= PT.pageSize;
      if (d.a) x |= EPT.accessed;
      if (d.d) x |= EPT.dirty;
      if (d.accessTracked) x |= SW.accTrackSaved;
      else x |= EPT.readable | EPT.executable | (d.w ? EPT.writable : 0n);
      return x;
    }
  }
}

/** Returns the fields of a 64-bit SPTE as rendered by spte64 (for the step table). */
export function decode64(x: bigint): string {
  if (x === frozenValue('6.13')) return 'FROZEN';
  if ((x & SW.mmuPresent) === 0n) return (x & EPT.misconfigWx) === EPT.misconfigWx ? 'MMIO' : 'not-present';
  const pfn = (x & SW.baseAddr) >> 12n;
  if (pfn >= TABLE_PFN_BASE) return `non-leaf pfn=0x${pfn.toString(16)} (t${pfn - TABLE_PFN_BASE})`;
  const f: string[] = [`pfn=0x${pfn.toString(16)}`];
  f.push((x & PT.pageSize) !== 0n ? 'level=2M' : 'level=4K');
  if ((x & SW.accTrackSaved) !== 0n && (x & EPT.readable) === 0n) f.push('access-tracked');
  else f.push(`R${(x & EPT.writable) !== 0n ? 'W' : '-'}X`);
  if ((x & EPT.accessed) !== 0n) f.push('A');
  if ((x & EPT.dirty) !== 0n) f.push('D');
  if ((x & SW.eptMmuWritable) !== 0n) f.push('mmu-writable');
  return f.join(' ');
}
