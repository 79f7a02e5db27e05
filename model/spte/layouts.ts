/**
 * SPTE layouts per paging flavour and kernel era: views of one 64-bit word (present leaf, non-leaf
 * link, MMIO, non-present/frozen) with every hardware and software bit KVM uses, and each layout's
 * rules. Bits come from `bits.ts` (spte-facts.md §2-§3; arch/x86/kvm/mmu/spte.h, mmu.h,
 * arch/x86/include/asm/vmx.h).
 */
import { type Field, type Layout, field, flag, layout } from '../../src/dsl/index.js';
import { type Era, frozenValue, nonPresentValue } from './bits.js';
import { type Flavour, type SpteConsts, flavourInEra, spteConsts } from './consts.js';
import { commonRules, flavourRules } from './rules.js';

/** Layout names: the four flavours plus the PAE variant of shadow paging. */
export const LAYOUT_NAMES = ['ept', 'tdx', 'npt', 'shadow', 'shadow-pae'] as const;
/** A layout name. */
export type LayoutName = (typeof LAYOUT_NAMES)[number];

const sw = { kind: 'sw' as const };
const H = 'arch/x86/kvm/mmu/spte.h';

/** Returns the bit numbers set in a mask, lowest first. */
function bitsOf(mask: bigint): number[] {
  const out: number[] = [];
  for (let i = 0; i < 64; i++) if ((mask >> BigInt(i)) & 1n) out.push(i);
  return out;
}

/**
 * Returns the fields of a software mask: one field (or flag) when its bits are contiguous, one per
 * run (`name_LO`) otherwise, none when it is 0. With the modelled constants every mask is one run,
 * so the views are the ones the model always had; a tree's own constants (`mmucheck kernel`) may
 * move or split them.
 */
function maskFields(name: string, mask: bigint, doc: string, opts: { kind?: 'hw' | 'sw'; ref?: string } = sw): Field[] {
  const bits = bitsOf(mask);
  const runs: [number, number][] = [];
  for (const b of bits) {
    const last = runs[runs.length - 1];
    if (last && last[1] === b - 1) last[1] = b;
    else runs.push([b, b]);
  }
  return runs.map(([lo, hi]) => field(runs.length === 1 ? name : `${name}_${lo}`, hi, lo, doc, opts));
}

/** Returns one flag per set bit of a mask, named `prefix_BIT`. */
function bitFlags(prefix: string, mask: bigint, doc: (bit: number) => string): Field[] {
  return bitsOf(mask).map((b) => flag(`${prefix}_${b}`, b, doc(b), sw));
}

function mmioView(era: Era, k: SpteConsts, ept: boolean, tdx = false): Field[] {
  const late = era === '6.10' || era === '6.13';
  const f: Field[] = [];
  if (ept) f.push(field('mmio_rwx', 2, 0, tdx ? 'RWX = 000: EPT violation, converted to #VE in the TD' : 'RWX = W|X (110): EPT misconfiguration marks the SPTE as MMIO', { ref: 'kvm_mmu_set_ept_masks' }));
  else {
    f.push(flag('mmio_present', 0, 'P set so the reserved bits fault with PFERR_RSVD'));
    f.push(...maskFields('mmio_access', k.legacyMmioAccess, 'ACC_WRITE|ACC_USER access bits (shadow_mmio_access_mask 0x6)'));
  }
  f.push(...maskFields('gen_low', k.genLow, 'MMIO generation bits 0..7', { kind: 'sw', ref: `${H}: MMIO_SPTE_GEN_LOW_START/END` }));
  f.push(...maskFields('mmu_present', k.mmuPresent, 'must be 0: an MMIO SPTE is never shadow-present'));
  f.push(field('gpa', 51, 12, 'guest physical address (L1TF: bits inside the L1TF mask also copied 5 bits higher; reserved-bit MMIO value bits overlap the top)'));
  f.push(...maskFields('gen_high', k.genHigh, 'MMIO generation bits 8..18', { kind: 'sw', ref: `${H}: MMIO_SPTE_GEN_HIGH_START/END` }));
  if (ept && late) f.push(flag('suppress_ve', 63, tdx ? 'SUPPRESS_VE clear: the TD gets #VE' : 'in the MMIO mask from 6.10 (SUPPRESS_VE)'));
  else if (!ept) f.push(flag('nx', 63, 'NX (unused in MMIO SPTEs)'));
  return f;
}

function nonpresentView(era: Era, k: SpteConsts): Field[] {
  const late = era === '6.10' || era === '6.13';
  const f: Field[] = [
    ...bitFlags('frozen', k.frozen & ~k.nonPresent & ~k.mmuPresent, (b) => `FROZEN_SPTE/REMOVED_SPTE marker bit ${b}`),
    ...maskFields('mmu_present', k.mmuPresent, 'must be 0'),
  ];
  if (late) f.push(...bitFlags('nonpresent', k.nonPresent, (b) => `SHADOW_NONPRESENT_VALUE (bit ${b}${b === 63 ? '; SUPPRESS_VE on EPT' : ''})`));
  return f;
}

function eptViews(era: Era, k: SpteConsts, tdx: boolean): Record<string, Field[]> {
  const late = era === '6.10' || era === '6.13';
  const ve = flag('suppress_ve', 63, late ? 'SUPPRESS_VE: part of shadow_present_mask from 6.10' : 'SUPPRESS_VE (not used by KVM before 6.10)');
  const saved = (bit: bigint, name: string, doc: string): Field[] => ((k.accTrackSavedBits & bit) !== 0n ? maskFields(name, bit << k.accTrackSavedShift, doc) : []);
  const present: Field[] = [
    flag('r', 0, 'readable (shadow_user_mask, present mask unless execute-only)'),
    flag('w', 1, 'writable'),
    flag('x', 2, 'executable (shadow_x_mask)'),
    field('memtype', 5, 3, 'EPT memory type'),
    flag('ipat', 6, 'ignore PAT'),
    flag('page_size', 7, 'large page (non-4K leaf)'),
    flag('accessed', 8, 'accessed (A/D enabled; 6.13+: mask always set)'),
    flag('dirty', 9, 'dirty'),
    flag('user_exec', 10, 'ignored unless MBEC (not used by KVM)'),
    ...maskFields('mmu_present', k.mmuPresent, 'SPTE_MMU_PRESENT_MASK: KVM considers the SPTE present'),
    field('pfn', 51, 12, 'host physical frame (KeyID bits above x86_phys_bits never set by KVM)'),
    ...maskFields('ad_type', k.tdpAdMask, 'SPTE_TDP_AD_MASK: 00 enabled, 01 disabled, 10 write-protect-only'),
    ...saved(1n, 'saved_r', 'access tracking: saved R'),
    ...saved(4n, 'saved_x', 'access tracking: saved X'),
    ...maskFields('host_writable', k.eptHostWritable, 'EPT_SPTE_HOST_WRITABLE'),
    ...maskFields('mmu_writable', k.eptMmuWritable, 'EPT_SPTE_MMU_WRITABLE'),
    ve,
  ];
  const link: Field[] = [
    field('rwx', 2, 0, 'RWX of the next level'),
    flag('accessed', 8, 'accessed'),
    ...maskFields('mmu_present', k.mmuPresent, 'SPTE_MMU_PRESENT_MASK'),
    field('table_pfn', 51, 12, 'next-level page table'),
    ve,
  ];
  const views: Record<string, Field[]> = { present, link, mmio: mmioView(era, k, true, tdx), nonpresent: nonpresentView(era, k) };
  if (tdx) {
    views['gpa-gpaw52'] = [field('offset', 11, 0, 'page offset'), field('gfn', 50, 12, 'private/shared GFN'), flag('shared', 51, 'TDX shared bit with GPAW 52 (gfn_direct_bits = gfn bit 39)')];
    views['gpa-gpaw48'] = [field('offset', 11, 0, 'page offset'), field('gfn', 46, 12, 'private/shared GFN'), flag('shared', 47, 'TDX shared bit with GPAW 48 (gfn_direct_bits = gfn bit 35)'), field('above_gpaw', 51, 48, 'outside a GPAW-48 TD')];
  }
  return views;
}

function legacyViews(era: Era, k: SpteConsts, kind: 'npt' | 'shadow' | 'shadow-pae'): Record<string, Field[]> {
  const present: Field[] = [
    flag('p', 0, 'present (shadow_present_mask)'),
    flag('rw', 1, 'writable'),
    flag('us', 2, 'user (shadow_user_mask)'),
    flag('pwt', 3, 'write-through'),
    flag('pcd', 4, 'cache disable'),
    flag('accessed', 5, 'accessed'),
    flag('dirty', 6, 'dirty'),
    flag('ps_pat', 7, 'page size (large) / PAT (4K leaf)'),
    flag('global', 8, 'global'),
    ...maskFields('host_writable', k.defaultHostWritable, 'DEFAULT_SPTE_HOST_WRITABLE'),
    ...maskFields('mmu_writable', k.defaultMmuWritable, 'DEFAULT_SPTE_MMU_WRITABLE'),
    ...maskFields('mmu_present', k.mmuPresent, 'SPTE_MMU_PRESENT_MASK'),
    field('pfn', 51, 12, 'host physical frame (bit 12 is PAT on large leaves; SME C-bit when active)'),
  ];
  if (kind === 'npt') present.push(...maskFields('ad_type', k.tdpAdMask, 'SPTE_TDP_AD_MASK (TDP A/D type)'));
  if (kind === 'shadow-pae') present.push(field('reserved_pae', 62, 52, 'reserved in PAE entries: why SPTE_TDP_AD_ENABLED must be 0'));
  present.push(flag('nx', 63, 'no-execute (shadow_nx_mask)'));
  const link: Field[] = [
    flag('p', 0, 'present'),
    flag('rw', 1, 'writable'),
    flag('us', 2, 'user'),
    flag('accessed', 5, 'accessed'),
    ...maskFields('mmu_present', k.mmuPresent, 'SPTE_MMU_PRESENT_MASK'),
    field('table_pfn', 51, 12, 'next-level page table'),
    flag('nx', 63, 'no-execute'),
  ];
  const pae = { ...k, nonPresent: nonPresentValue('5.13'), frozen: frozenValue('5.13') };
  return { present, link, mmio: mmioView(era, k, false), nonpresent: kind === 'shadow-pae' ? nonpresentView('5.13', pae) : nonpresentView(era, k) };
}

/**
 * Returns the views of a flavour's SPTEs in an era with the given constants (a tree's own, for
 * `mmucheck kernel` counterexamples), without checking that fields are disjoint: a tree whose
 * constants overlap shows both fields. Empty when the flavour does not exist in the era.
 */
export function spteViews(name: LayoutName, era: Era, k: SpteConsts = spteConsts(era)): Record<string, Field[]> {
  const flavour: Flavour = name === 'shadow-pae' ? 'shadow' : name;
  if (!flavourInEra(flavour, era)) return {};
  return name === 'ept' || name === 'tdx' ? eptViews(era, k, name === 'tdx') : legacyViews(era, k, name);
}

/** Returns the layout of a flavour in an era, with its rules (layout-wide asserts and the flavour's rules). */
export function spteLayout(name: LayoutName, era: Era): Layout {
  const flavour: Flavour = name === 'shadow-pae' ? 'shadow' : name;
  if (!flavourInEra(flavour, era)) {
    return layout(`${name}@${era}`, `${name} does not exist in era ${era}`, {}, []);
  }
  const views = spteViews(name, era);
  const doc =
    name === 'tdx'
      ? 'TDX: the mirror root uses the EPT layout (the S-EPT entry format is owned by the TDX module and out of scope); shared GPAs are mapped through the direct root at GFN | shared bit'
      : name === 'shadow-pae'
        ? 'legacy shadow paging with PAE guest tables (32-bit hosts: SHADOW_NONPRESENT_VALUE is 0)'
        : `${name} SPTE layout`;
  return layout(`${name}@${era}`, doc, views, [...commonRules(era), ...flavourRules(era, flavour)].map((e) => e.rule));
}
