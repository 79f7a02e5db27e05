/**
 * SPTE layouts per paging flavour and kernel era: views of one 64-bit word (present leaf, non-leaf
 * link, MMIO, non-present/frozen) with every hardware and software bit KVM uses, and each layout's
 * rules. Bits come from `bits.ts` (spte-facts.md §2-§3; arch/x86/kvm/mmu/spte.h, mmu.h,
 * arch/x86/include/asm/vmx.h).
 */
import { type Field, type Layout, field, flag, layout } from '../../src/dsl/index.js';
import { type Era } from './bits.js';
import { type Flavour, flavourInEra } from './consts.js';
import { commonRules, flavourRules } from './rules.js';

/** Layout names: the four flavours plus the PAE variant of shadow paging. */
export const LAYOUT_NAMES = ['ept', 'tdx', 'npt', 'shadow', 'shadow-pae'] as const;
/** A layout name. */
export type LayoutName = (typeof LAYOUT_NAMES)[number];

const sw = { kind: 'sw' as const };
const H = 'arch/x86/kvm/mmu/spte.h';

function mmioView(era: Era, ept: boolean, tdx = false): Field[] {
  const late = era === '6.10' || era === '6.13';
  const f: Field[] = [];
  if (ept) f.push(field('mmio_rwx', 2, 0, tdx ? 'RWX = 000: EPT violation, converted to #VE in the TD' : 'RWX = W|X (110): EPT misconfiguration marks the SPTE as MMIO', { ref: 'kvm_mmu_set_ept_masks' }));
  else {
    f.push(flag('mmio_present', 0, 'P set so the reserved bits fault with PFERR_RSVD'));
    f.push(field('mmio_access', 2, 1, 'ACC_WRITE|ACC_USER access bits (shadow_mmio_access_mask 0x6)', sw));
  }
  f.push(field('gen_low', 10, 3, 'MMIO generation bits 0..7', { kind: 'sw', ref: `${H}: MMIO_SPTE_GEN_LOW_START/END` }));
  f.push(flag('mmu_present', 11, 'must be 0: an MMIO SPTE is never shadow-present', sw));
  f.push(field('gpa', 51, 12, 'guest physical address (L1TF: bits inside the L1TF mask also copied 5 bits higher; reserved-bit MMIO value bits overlap the top)'));
  f.push(field('gen_high', 62, 52, 'MMIO generation bits 8..18', { kind: 'sw', ref: `${H}: MMIO_SPTE_GEN_HIGH_START/END` }));
  if (ept && late) f.push(flag('suppress_ve', 63, tdx ? 'SUPPRESS_VE clear: the TD gets #VE' : 'in the MMIO mask from 6.10 (SUPPRESS_VE)'));
  else if (!ept) f.push(flag('nx', 63, 'NX (unused in MMIO SPTEs)'));
  return f;
}

function nonpresentView(era: Era): Field[] {
  const late = era === '6.10' || era === '6.13';
  const f: Field[] = [
    flag('frozen_5', 5, 'FROZEN_SPTE/REMOVED_SPTE marker bit 5', sw),
    flag('frozen_7', 7, 'FROZEN_SPTE/REMOVED_SPTE marker bit 7', sw),
    flag('frozen_8', 8, 'FROZEN_SPTE/REMOVED_SPTE marker bit 8', sw),
    flag('frozen_10', 10, 'FROZEN_SPTE/REMOVED_SPTE marker bit 10', sw),
    flag('mmu_present', 11, 'must be 0', sw),
  ];
  if (late) f.push(flag('nonpresent_63', 63, 'SHADOW_NONPRESENT_VALUE (bit 63; SUPPRESS_VE on EPT)', sw));
  return f;
}

function eptViews(era: Era, tdx: boolean): Record<string, Field[]> {
  const late = era === '6.10' || era === '6.13';
  const ve = flag('suppress_ve', 63, late ? 'SUPPRESS_VE: part of shadow_present_mask from 6.10' : 'SUPPRESS_VE (not used by KVM before 6.10)');
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
    flag('mmu_present', 11, 'SPTE_MMU_PRESENT_MASK: KVM considers the SPTE present', sw),
    field('pfn', 51, 12, 'host physical frame (KeyID bits above x86_phys_bits never set by KVM)'),
    field('ad_type', 53, 52, 'SPTE_TDP_AD_MASK: 00 enabled, 01 disabled, 10 write-protect-only', sw),
    flag('saved_r', 54, 'access tracking: saved R', sw),
    flag('saved_x', 56, 'access tracking: saved X', sw),
    flag('host_writable', 57, 'EPT_SPTE_HOST_WRITABLE', sw),
    flag('mmu_writable', 58, 'EPT_SPTE_MMU_WRITABLE', sw),
    ve,
  ];
  const link: Field[] = [
    field('rwx', 2, 0, 'RWX of the next level'),
    flag('accessed', 8, 'accessed'),
    flag('mmu_present', 11, 'SPTE_MMU_PRESENT_MASK', sw),
    field('table_pfn', 51, 12, 'next-level page table'),
    ve,
  ];
  const views: Record<string, Field[]> = { present, link, mmio: mmioView(era, true, tdx), nonpresent: nonpresentView(era) };
  if (tdx) {
    views['gpa-gpaw52'] = [field('offset', 11, 0, 'page offset'), field('gfn', 50, 12, 'private/shared GFN'), flag('shared', 51, 'TDX shared bit with GPAW 52 (gfn_direct_bits = gfn bit 39)')];
    views['gpa-gpaw48'] = [field('offset', 11, 0, 'page offset'), field('gfn', 46, 12, 'private/shared GFN'), flag('shared', 47, 'TDX shared bit with GPAW 48 (gfn_direct_bits = gfn bit 35)'), field('above_gpaw', 51, 48, 'outside a GPAW-48 TD')];
  }
  return views;
}

function legacyViews(era: Era, kind: 'npt' | 'shadow' | 'shadow-pae'): Record<string, Field[]> {
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
    flag('host_writable', 9, 'DEFAULT_SPTE_HOST_WRITABLE', sw),
    flag('mmu_writable', 10, 'DEFAULT_SPTE_MMU_WRITABLE', sw),
    flag('mmu_present', 11, 'SPTE_MMU_PRESENT_MASK', sw),
    field('pfn', 51, 12, 'host physical frame (bit 12 is PAT on large leaves; SME C-bit when active)'),
  ];
  if (kind === 'npt') present.push(field('ad_type', 53, 52, 'SPTE_TDP_AD_MASK (TDP A/D type)', sw));
  if (kind === 'shadow-pae') present.push(field('reserved_pae', 62, 52, 'reserved in PAE entries: why SPTE_TDP_AD_ENABLED must be 0'));
  present.push(flag('nx', 63, 'no-execute (shadow_nx_mask)'));
  const link: Field[] = [
    flag('p', 0, 'present'),
    flag('rw', 1, 'writable'),
    flag('us', 2, 'user'),
    flag('accessed', 5, 'accessed'),
    flag('mmu_present', 11, 'SPTE_MMU_PRESENT_MASK', sw),
    field('table_pfn', 51, 12, 'next-level page table'),
    flag('nx', 63, 'no-execute'),
  ];
  return { present, link, mmio: mmioView(era, false), nonpresent: kind === 'shadow-pae' ? nonpresentView('5.13') : nonpresentView(era) };
}

/** Returns the layout of a flavour in an era, with its rules (layout-wide asserts and the flavour's rules). */
export function spteLayout(name: LayoutName, era: Era): Layout {
  const flavour: Flavour = name === 'shadow-pae' ? 'shadow' : name;
  if (!flavourInEra(flavour, era)) {
    return layout(`${name}@${era}`, `${name} does not exist in era ${era}`, {}, []);
  }
  const views = name === 'ept' || name === 'tdx' ? eptViews(era, name === 'tdx') : legacyViews(era, name);
  const doc =
    name === 'tdx'
      ? 'TDX: the mirror root uses the EPT layout (the S-EPT entry format is owned by the TDX module and out of scope); shared GPAs are mapped through the direct root at GFN | shared bit'
      : name === 'shadow-pae'
        ? 'legacy shadow paging with PAE guest tables (32-bit hosts: SHADOW_NONPRESENT_VALUE is 0)'
        : `${name} SPTE layout`;
  return layout(`${name}@${era}`, doc, views, [...commonRules(era), ...flavourRules(era, flavour)].map((e) => e.rule));
}
