/**
 * The MMU role KVM caches per vCPU and compares to decide whether the context must be rebuilt,
 * per era, for TDP and for shadow paging. A role is a list of named fields (booleans as 0/1,
 * levels as numbers); two roles are equal when every field is.
 *
 * Facts: shared/kernel/role-vmtype-facts.md §1.2, from arch/x86/kvm/mmu/mmu.c
 * (`kvm_calc_mmu_role_common`, `kvm_calc_mmu_role_ext`, `kvm_calc_tdp_mmu_root_page_role`,
 * `kvm_calc_shadow_mmu_root_page_role` up to v5.18; `kvm_calc_cpu_role`,
 * `kvm_calc_tdp_mmu_root_page_role`, `kvm_init_shadow_mmu` from v5.19) and
 * arch/x86/include/asm/kvm_host.h (`union kvm_mmu_page_role`, `union kvm_mmu_extended_role`,
 * `union kvm_cpu_role`).
 */
import { type Bool, type Bv, all, any, bv, ite, lit } from '../../src/dsl/expr.js';
import { type RoleConfig, type RoleEra, type Regs, flags } from './regs.js';

/**
 * Deliberately broken variants (mutants) that the prover must catch: a role field no longer gated
 * on CR0.PG in the v5.19+ calculation, or an INIT decision that never or always resets.
 */
export const ROLE_MUTATIONS = ['nx-ungated', 'wp-ungated', 'pse-ungated', 'never-reset', 'always-reset'] as const;
/** A mutant of the role model. */
export type RoleMutation = (typeof ROLE_MUTATIONS)[number];

/** A role: named fields in a stable order. */
export type Role = readonly (readonly [field: string, value: Bv])[];

/** The role KVM caches under TDP and under shadow paging (the mode is `RoleConfig.tdp`). */
export interface RolePair {
  readonly tdp: Role;
  readonly shadow: Role;
}

const b01 = (x: Bool): Bv => ite(x, 1, 0);
const ACC_ALL = 7;

/** Returns the pre-v5.19 role (base + extended) of an era, for both paging modes. */
function legacyRole(era: Exclude<RoleEra, 'v5.19+'>, r: Regs, c: RoleConfig): RolePair {
  const f = flags(r);
  const gated = era !== 'v5.12' && era !== 'v1-patch06';
  const g = (x: Bool): Bool => (gated ? all(f.pg, x) : x);
  // kvm_calc_mmu_role_common: base bits shared by TDP and shadow roots.
  const common: [string, Bv][] = [
    ['base.access', bv(ACC_ALL)],
    [gated ? 'base.efer_nx' : 'base.nxe', b01(g(f.nx))],
    ['base.cr0_wp', b01(g(f.wp))],
    ['base.smm', b01(c.smm)],
    ['base.guest_mode', b01(c.guestMode)],
  ];
  // kvm_calc_mmu_role_ext.
  const ext: [string, Bv][] = [
    ['ext.valid', bv(1)],
    ['ext.cr0_pg', b01(f.pg)],
    ['ext.cr4_pae', b01(g(f.pae))],
    ['ext.cr4_pse', b01(g(f.pse))],
    ['ext.cr4_smep', b01(g(f.smep))],
    ['ext.cr4_smap', b01(g(f.smap))],
    // v5.12 takes PKE raw; from v5.14 PKE and LA57 count only in long mode.
    ['ext.cr4_pke', b01(gated ? all(f.pg, f.lma, f.pke) : f.pke)],
  ];
  if (era === 'v5.12' || era === 'v1-patch06') ext.push(['ext.maxphyaddr', c.maxphyaddr]);
  else ext.push(['ext.cr4_la57', b01(all(f.pg, f.lma, f.la57))]);
  if (era === 'v5.15') ext.push(['ext.efer_lma', b01(all(f.pg, f.lma))]);
  const extSmep = gated ? all(f.pg, f.smep) : f.smep;
  const extSmap = gated ? all(f.pg, f.smap) : f.smap;
  const tdp: Role = [
    ...common,
    ['base.level', c.tdpLevel],
    ['base.direct', bv(1)],
    ['base.gpte_is_8_bytes', bv(1)],
    ['base.smep_andnot_wp', bv(0)],
    ['base.smap_andnot_wp', bv(0)],
    ...ext,
  ];
  const shadow: Role = [
    ...common,
    ['base.level', ite(f.lma, ite(f.la57, 5, 4), 3)],
    ['base.direct', b01(f.pg.not())],
    ['base.gpte_is_8_bytes', b01(gated ? all(f.pg, f.pae) : f.pae)],
    ['base.smep_andnot_wp', b01(all(extSmep, f.wp.not()))],
    ['base.smap_andnot_wp', b01(all(extSmap, f.wp.not()))],
    ...ext,
  ];
  return { tdp, shadow };
}

/** Returns the v5.19+ role: `cpu_role` (base + ext) and `root_role`, for both paging modes. */
function splitRole(r: Regs, c: RoleConfig, mutation: RoleMutation | undefined): RolePair {
  const f = flags(r);
  const pg = f.pg;
  const gate = (m: RoleMutation, x: Bool): Bool => (mutation === m ? x : all(pg, x));
  const level = ite(pg, ite(f.lma, ite(f.la57, 5, 4), ite(f.pae, 3, 2)), 0);
  // kvm_calc_cpu_role: with CR0.PG=0 only access, smm, guest_mode, direct and ext.valid.
  const cpu: [string, Bv][] = [
    ['cpu.base.access', bv(ACC_ALL)],
    ['cpu.base.smm', b01(c.smm)],
    ['cpu.base.guest_mode', b01(c.guestMode)],
    ['cpu.base.direct', b01(pg.not())],
    ['cpu.base.level', level],
    ['cpu.base.efer_nx', b01(gate('nx-ungated', f.nx))],
    ['cpu.base.cr0_wp', b01(gate('wp-ungated', f.wp))],
    ['cpu.base.smep_andnot_wp', b01(all(pg, f.smep, f.wp.not()))],
    ['cpu.base.smap_andnot_wp', b01(all(pg, f.smap, f.wp.not()))],
    ['cpu.base.has_4_byte_gpte', b01(all(pg, f.pae.not()))],
    ['cpu.ext.valid', bv(1)],
    ['cpu.ext.cr4_smep', b01(all(pg, f.smep))],
    ['cpu.ext.cr4_smap', b01(all(pg, f.smap))],
    ['cpu.ext.cr4_pse', b01(gate('pse-ungated', f.pse))],
    ['cpu.ext.cr4_pke', b01(all(pg, f.lma, f.pke))],
    ['cpu.ext.cr4_la57', b01(all(pg, f.lma, f.la57))],
    ['cpu.ext.efer_lma', b01(all(pg, f.lma))],
  ];
  const get = (name: string): Bv => cpu.find(([n]) => n === name)![1];
  // kvm_calc_tdp_mmu_root_page_role: fixed WP/NX, level from the TDP configuration.
  const tdpRoot: [string, Bv][] = [
    ['root.access', bv(ACC_ALL)],
    ['root.cr0_wp', bv(1)],
    ['root.efer_nx', bv(1)],
    ['root.smm', get('cpu.base.smm')],
    ['root.guest_mode', get('cpu.base.guest_mode')],
    ['root.level', c.tdpLevel],
    ['root.direct', bv(1)],
    ['root.has_4_byte_gpte', bv(0)],
    ['root.smep_andnot_wp', bv(0)],
    ['root.smap_andnot_wp', bv(0)],
  ];
  // kvm_init_shadow_mmu: cpu_role.base with level >= 3 (PAE) and NX forced on.
  const shadowRoot: [string, Bv][] = cpu
    .filter(([n]) => n.startsWith('cpu.base.'))
    .map(([n, v]): [string, Bv] => {
      const field = n.slice('cpu.base.'.length);
      if (field === 'level') return ['root.level', ite(level.ult(3), 3, level)];
      if (field === 'efer_nx') return ['root.efer_nx', bv(1)];
      return [`root.${field}`, v];
    });
  return { tdp: [...cpu, ...tdpRoot], shadow: [...cpu, ...shadowRoot] };
}

/** Returns the role of an era for a register state and configuration (mutations apply to v5.19+). */
export function roleOf(era: RoleEra, r: Regs, c: RoleConfig, mutation?: RoleMutation): RolePair {
  return era === 'v5.19+' ? splitRole(r, c, mutation) : legacyRole(era, r, c);
}

function sameFields(a: Role, b: Role): Bool {
  if (a.length !== b.length || a.some(([n], i) => n !== b[i]![0])) throw new Error('internal error: roles of different shapes compared');
  return all(...a.map(([, v], i) => v.eq(b[i]![1])), lit(true));
}

/** Returns true when two roles of the same era are equal in the configured paging mode. */
export function rolesEqual(c: RoleConfig, a: RolePair, b: RolePair): Bool {
  return any(all(c.tdp, sameFields(a.tdp, b.tdp)), all(c.tdp.not(), sameFields(a.shadow, b.shadow)));
}

/** Returns `if c then a else b`, field by field. */
export function chooseRole(c: Bool, a: RolePair, b: RolePair): RolePair {
  const pick = (x: Role, y: Role): Role => x.map(([n, v], i) => [n, ite(c, v, y[i]![1])] as const);
  return { tdp: pick(a.tdp, b.tdp), shadow: pick(a.shadow, b.shadow) };
}
