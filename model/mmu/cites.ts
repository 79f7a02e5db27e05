/**
 * The kernel function each step of the MMU operations models (a citation, for trace viewers: the
 * HTML viewer links each step to it). Names only (facts about where the kernel does a thing), by
 * operation and step; a step listed under `*` has the same function in every operation that has it.
 * A step that models no single kernel function (a guest access, the primary MMU freeing pages) is
 * absent, and viewers show no link for it.
 */

/** Step name -> kernel function, for every operation unless the operation's own table says otherwise. */
const ANY: Readonly<Record<string, string>> = {
  'reload-roots': 'kvm_mmu_reload',
  'snapshot-seq': 'kvm_mmu_faultin_pfn',
  'slot-lookup': 'kvm_vcpu_gfn_to_memslot',
  'faultin-pfn': 'kvm_mmu_faultin_pfn',
  'stale-check': 'is_page_fault_stale',
  'rcu-lock': 'kvm_tdp_mmu_map',
  'read-entry': 'kvm_tdp_mmu_map',
  split: 'tdp_mmu_split_huge_page',
  'zap-huge': 'tdp_mmu_set_spte_atomic',
  'zap-huge-hook': 'remove_external_spte',
  link: 'tdp_mmu_link_sp',
  'link-seamcall': 'tdx_sept_link_private_spt',
  'link-finish': 'set_external_spte_present',
  install: 'tdp_mmu_map_handle_target_level',
  'install-seamcall': 'tdx_sept_set_private_spte',
  'install-finish': 'set_external_spte_present',
  'remove-child': 'handle_removed_pt',
  'exit-rcu': 'kvm_tdp_mmu_map',
  'exit-unlock': 'kvm_tdp_mmu_page_fault',
  exit: 'kvm_tdp_mmu_page_fault',
  'page-add': 'tdx_gmem_post_populate',
  finalize: 'tdx_td_finalize',
  relock: 'tdp_mmu_iter_cond_resched',
  block: 'tdx_sept_zap_private_spte',
  track: 'tdx_track',
  kick: 'tdx_track',
  remove: 'tdx_sept_remove_private_spte',
  'root-done': 'kvm_tdp_mmu_put_root',
  flush: 'kvm_flush_remote_tlbs',
  'invalidate-roots': 'kvm_tdp_mmu_invalidate_roots',
  'put-roots': 'kvm_mmu_unload',
  enter: 'vcpu_enter_guest',
  'track-nx': 'track_possible_nx_huge_page',
  'sync-srcu-synced': 'kvm_swap_active_memslots',
  'sync-srcu-2-synced': 'kvm_swap_active_memslots',
};

/** Per operation: steps whose function differs from {@link ANY}. */
const BY_OP: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  fault: { 'lock-read': 'kvm_tdp_mmu_page_fault', flush: 'kvm_flush_remote_tlbs_gfn' },
  'page-add': { 'lock-read': 'kvm_tdp_mmu_page_fault', flush: 'kvm_flush_remote_tlbs_gfn' },
  'pre-fault': { 'lock-read': 'kvm_tdp_mmu_page_fault', flush: 'kvm_flush_remote_tlbs_gfn', exit: 'kvm_tdp_map_page' },
  'zap-range': {
    'lock-write': 'kvm_mmu_notifier_invalidate_range_start',
    begin: 'kvm_mmu_invalidate_begin',
    'next-root': 'tdp_mmu_next_root',
    read: 'tdp_mmu_zap_leafs',
    zap: 'tdp_mmu_set_spte',
    unlock: 'kvm_mmu_notifier_invalidate_range_start',
    'end-lock': 'kvm_mmu_notifier_invalidate_range_end',
    end: 'kvm_mmu_invalidate_end',
    'end-unlock': 'kvm_mmu_notifier_invalidate_range_end',
  },
  'gmem-punch-hole': {
    'lock-write': 'kvm_gmem_invalidate_begin',
    begin: 'kvm_mmu_invalidate_begin',
    'next-root': 'tdp_mmu_next_root',
    read: 'tdp_mmu_zap_leafs',
    zap: 'tdp_mmu_set_spte',
    unlock: 'kvm_gmem_invalidate_begin',
    'free-pages': 'kvm_gmem_punch_hole',
    'end-lock': 'kvm_gmem_invalidate_end',
    end: 'kvm_mmu_invalidate_end',
    'end-unlock': 'kvm_gmem_invalidate_end',
  },
  'fast-zap': {
    'lock-write': 'kvm_mmu_zap_all_fast',
    unlock: 'kvm_mmu_zap_all_fast',
    'lock-read': 'kvm_tdp_mmu_zap_invalidated_roots',
    'next-root': 'kvm_tdp_mmu_zap_invalidated_roots',
    read: 'tdp_mmu_zap_root',
    zap: 'tdp_mmu_set_spte_atomic',
    'unlock-read': 'kvm_tdp_mmu_zap_invalidated_roots',
  },
  'memslot-delete': {
    'invalidate-slot': 'kvm_invalidate_memslot',
    'sync-srcu': 'kvm_swap_active_memslots',
    'sync-srcu-wait': 'kvm_swap_active_memslots',
    'lock-write': 'kvm_mmu_zap_all_fast',
    unlock: 'kvm_mmu_zap_all_fast',
    'lock-read': 'kvm_tdp_mmu_zap_invalidated_roots',
    'next-root': 'kvm_tdp_mmu_zap_invalidated_roots',
    read: 'tdp_mmu_zap_root',
    zap: 'tdp_mmu_set_spte_atomic',
    'unlock-read': 'kvm_tdp_mmu_zap_invalidated_roots',
    'delete-slot': 'kvm_delete_memslot',
    'sync-srcu-2': 'kvm_swap_active_memslots',
    'sync-srcu-2-wait': 'kvm_swap_active_memslots',
  },
  'memslot-create': {
    'create-slot': 'kvm_create_memslot',
    'sync-srcu': 'kvm_swap_active_memslots',
    'sync-srcu-wait': 'kvm_swap_active_memslots',
  },
  'memslot-move': {
    'invalidate-slot': 'kvm_invalidate_memslot',
    'sync-srcu': 'kvm_swap_active_memslots',
    'sync-srcu-wait': 'kvm_swap_active_memslots',
    'lock-write': 'kvm_mmu_zap_all_fast',
    unlock: 'kvm_mmu_zap_all_fast',
    'lock-read': 'kvm_tdp_mmu_zap_invalidated_roots',
    'next-root': 'kvm_tdp_mmu_zap_invalidated_roots',
    read: 'tdp_mmu_zap_root',
    zap: 'tdp_mmu_set_spte_atomic',
    'unlock-read': 'kvm_tdp_mmu_zap_invalidated_roots',
    'move-slot': 'kvm_move_memslot',
    'sync-srcu-2': 'kvm_swap_active_memslots',
    'sync-srcu-2-wait': 'kvm_swap_active_memslots',
  },
  munmap: {
    'find-memslots': 'kvm_mmu_notifier_invalidate_range_start',
    'lock-write': 'kvm_mmu_notifier_invalidate_range_start',
    begin: 'kvm_mmu_invalidate_begin',
    'next-root': 'tdp_mmu_next_root',
    read: 'tdp_mmu_zap_leafs',
    zap: 'tdp_mmu_set_spte',
    unlock: 'kvm_mmu_notifier_invalidate_range_start',
    'end-lock': 'kvm_mmu_notifier_invalidate_range_end',
    end: 'kvm_mmu_invalidate_end',
    'end-unlock': 'kvm_mmu_notifier_invalidate_range_end',
  },
  'dirty-log-enable': {
    'set-flag': 'kvm_set_memslot',
    'lock-read': 'kvm_mmu_slot_remove_write_access',
    'next-root': 'kvm_tdp_mmu_wrprot_slot',
    read: 'wrprot_gfn_range',
    // with PML (dirtyLogByDBit) the same steps model clear_dirty_gfn_range (kvm_tdp_mmu_clear_dirty_slot)
    wrprot: 'wrprot_gfn_range',
    'root-done': 'kvm_tdp_mmu_wrprot_slot',
    flush: 'kvm_flush_remote_tlbs_memslot',
    unlock: 'kvm_mmu_slot_remove_write_access',
    'logging-on': 'kvm_mmu_slot_apply_flags',
  },
  'dirty-log-harvest': {
    'lock-write': 'kvm_get_dirty_log_protect',
    'take-bitmap': 'kvm_get_dirty_log_protect',
    'next-root': 'kvm_tdp_mmu_clear_dirty_pt_masked',
    read: 'clear_dirty_pt_masked',
    wrprot: 'tdp_mmu_clear_spte_bits',
    'root-done': 'kvm_tdp_mmu_clear_dirty_pt_masked',
    unlock: 'kvm_get_dirty_log_protect',
    flush: 'kvm_flush_remote_tlbs_memslot',
    return: 'kvm_get_dirty_log_protect',
  },
  'eager-split': {
    'lock-read': 'kvm_mmu_slot_try_split_huge_pages',
    'next-root': 'kvm_tdp_mmu_try_split_huge_pages',
    read: 'tdp_mmu_split_huge_pages_root',
    'root-done': 'kvm_tdp_mmu_try_split_huge_pages',
    unlock: 'kvm_mmu_slot_try_split_huge_pages',
  },
  'nx-recover': {
    'lock-read': 'kvm_recover_nx_huge_pages',
    pick: 'kvm_recover_nx_huge_pages',
    'read-parent': 'kvm_tdp_mmu_zap_sp',
    zap: 'kvm_tdp_mmu_zap_sp',
    done: 'kvm_recover_nx_huge_pages',
    unlock: 'kvm_recover_nx_huge_pages',
  },
  age: {
    'next-root': 'kvm_tdp_mmu_age_gfn_range',
    read: 'kvm_tdp_mmu_age_gfn_range',
    age: 'kvm_tdp_mmu_age_spte',
    'root-done': 'kvm_tdp_mmu_age_gfn_range',
  },
};

/** Returns the kernel function step `step` of operation `op` models, or undefined (no citation). */
export function kernelFunctionOf(op: string, step: string): string | undefined {
  // the zap of every root when a memslot update wraps the MMIO generation (kvm_mmu_invalidate_mmio_sptes -> kvm_mmu_zap_all_fast)
  const wrap = /^sync-srcu(?:-2)?-wrap-(.+)$/.exec(step);
  if (wrap) return BY_OP['fast-zap']![wrap[1]!] ?? ANY[wrap[1]!];
  return BY_OP[op]?.[step] ?? ANY[step];
}
