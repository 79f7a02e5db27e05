/**
 * The real 64-bit SPTE of a compact SPTE word of the executable MMU, per kernel era and paging
 * flavour, built from the layout definitions that `mmucheck prove` proves (model/spte constants,
 * model/kvm derivations evaluated for a concrete machine), and classified and decoded by the same
 * code as `mmucheck decode` (the derivations' `isShadowPresent` / `isMmio`, FROZEN_SPTE and
 * SHADOW_NONPRESENT_VALUE of the era; `formatDecoded` of the layout's views).
 *
 * The compact word (src/mmu/spte.ts) stays the state's encoding for speed; `real` and `compact`
 * are a bijection on every word the model writes (test/mmu/spte-words.test.ts).
 *
 * Host frames: page `p` of the model (a fan-out-2 tree) is the real frame `PAGE_PFN_BASE +
 * spread(p)`, where bit i < 2 of `p` moves to bit 9*i (the index bit of level i+2 in a 512-way
 * table): a 2M leaf of the model (even `p`) is 512-aligned, a 1G leaf (p % 4 == 0) 2^18-aligned.
 * Page-table page `t` is frame `TABLE_PFN_BASE + t`.
 */
import { evaluate, decodeView, formatDecoded, bv } from '../../src/dsl/index.js';
import { SpteKind, decodeSpte, fail, mkLeaf, mkLink, mkMmio, type MachineDisplay, type MmuMachine, mmuState, type FootprintProperty, type SpteFields } from '../../src/internal.js';
import { type CpuConfig, cpuVars } from '../cpus/index.js';
import { type Derived, type KvmVariant, type VmType, derive } from '../kvm/index.js';
import { EPT, type Era, PT, SW } from '../spte/bits.js';
import { type Flavour, type SpteConsts, flavourInEra, spteConsts } from '../spte/consts.js';
import { DEFAULT_ERA } from '../spte/era.js';
import { type LayoutName, spteLayout } from '../spte/layouts.js';
import { SEPT_NAMES, septState } from '../tdx/module.js';

/** First host frame of model pages (4 GiB; 2^20-aligned, so every large leaf stays aligned). */
export const PAGE_PFN_BASE = 0x100000n;
/** First host frame of page-table pages (16 MiB). */
export const TABLE_PFN_BASE = 0x1000n;

/** What KVM and the hardware make of a 64-bit SPTE (the classification of `mmucheck decode`). */
export type SpteClass = 'present' | 'mmio' | 'frozen' | 'non-present' | 'ambiguous';

/** The era, flavour and machine whose SPTE words a scenario's MMU writes. */
export interface SpteFormat {
  /** Kernel era (default 6.13). */
  readonly era?: Era;
  /** Paging flavour (default `ept`; `tdx` is EPT in a TD: per-VM MMIO value 0). */
  readonly flavour?: Flavour;
  /** EPT/NPT A/D bits enabled (else present SPTEs carry SPTE_TDP_AD_DISABLED). Default true. */
  readonly ad?: boolean;
  /** Replaced constants (mutants): the words are built and classified with them. */
  readonly consts?: SpteConsts;
  /** Altered KVM logic (mutants), e.g. another EPT MMIO value. */
  readonly variant?: KvmVariant;
}

/** Returns the default machine of a flavour, as `mmucheck decode` assumes it (Intel MAXPHYADDR 46 / AMD 48). */
export function defaultMachine(flavour: Flavour): CpuConfig {
  const amd = flavour === 'npt';
  const ept = flavour === 'ept' || flavour === 'tdx';
  return {
    maxphyaddr: amd ? 48n : 46n, amd, mem_encrypt: false, cbit: 0n, phys_reduction: 0n, sme: false, keyid_bits: 0n, l1tf: false,
    cache_bits: amd ? 48n : 46n, ept, ept_ad: ept, exec_only: ept, tdx_gpaw: 52n, sev_es: false, mmio_caching: true,
  };
}

/** Returns page `p`'s index bits spread to 512-way table positions (see the file comment). */
export function spreadPage(p: number): bigint {
  return BigInt(p & 1) | (BigInt((p >> 1) & 1) << 9n) | (BigInt(p >> 2) << 18n);
}

/** Returns the model page of a spread frame offset, or undefined when `q` has bits outside the spread positions. */
export function unspreadPage(q: bigint): number | undefined {
  if ((q & ~(1n | (1n << 9n) | (~0n << 18n))) !== 0n) return undefined;
  const p = Number(q & 1n) | (Number((q >> 9n) & 1n) << 1) | (Number(q >> 18n) << 2);
  return p < 64 ? p : undefined;
}

/**
 * The real SPTE words of one era, flavour and machine: `real` (compact to 64-bit), `compact` (its
 * inverse at a level), `classify` (KVM's own predicates) and `describe` (the layout's views).
 */
export class SpteWords {
  readonly era: Era;
  readonly flavour: Flavour;
  readonly ad: boolean;
  readonly consts: SpteConsts;
  readonly derived: Derived;
  readonly vm: VmType;
  private readonly env: Record<string, bigint | boolean>;
  private readonly ept: boolean;
  private readonly presentMask: bigint;
  private readonly views: Readonly<Record<string, Parameters<typeof formatDecoded>[0]>>;
  /** Classification per compact word (0 = not yet computed). */
  private readonly classes = new Int8Array(1 << 16);

  constructor(f: SpteFormat = {}) {
    this.era = f.era ?? DEFAULT_ERA;
    this.flavour = f.flavour ?? 'ept';
    if (!flavourInEra(this.flavour, this.era)) fail('MMC301', `spte: flavour '${this.flavour}' does not exist in era ${this.era} (TDX host support is era 6.13 only); flavours of era ${this.era}: ept, npt, shadow`, { subject: 'spte.flavour' });
    this.ad = f.ad ?? true;
    this.consts = f.consts ?? spteConsts(this.era);
    this.derived = derive(this.era, this.flavour, this.consts, cpuVars(), f.variant ?? {});
    this.vm = this.flavour === 'tdx' ? 'tdx' : 'default';
    this.env = { ...defaultMachine(this.flavour) };
    this.ept = this.flavour === 'ept' || this.flavour === 'tdx';
    this.presentMask = evaluate(this.derived.presentMask, this.env);
    this.views = spteLayout(this.flavour as LayoutName, this.era).views;
  }

  /** The A/D-type bits of a present SPTE (SPTE_TDP_AD_DISABLED when A/D bits are off; none for shadow paging). */
  private adType(): bigint {
    return this.ad || this.flavour === 'shadow' ? this.consts.tdpAdEnabled : SW.tdpAdDisabled;
  }

  /** Returns the real 64-bit SPTE of a compact word (make_spte, make_nonleaf_spte, make_mmio_spte, the era's values). */
  real(v: number): bigint {
    const k = this.consts;
    const d = decodeSpte(v);
    switch (d.kind) {
      case 'np':
        return k.nonPresent;
      case 'frozen':
        return k.frozen;
      case 'mmio':
        return evaluate(this.derived.encode(this.vm, bv(0), bv(BigInt(d.gen ?? 0)), bv(0)), this.env);
      case 'link': {
        const base = k.mmuPresent | this.presentMask | ((TABLE_PFN_BASE + BigInt(d.table ?? 0)) << 12n) | this.adType();
        const acc = this.ad ? (this.ept ? EPT.accessed : PT.accessed) : 0n;
        return base | (this.ept ? EPT.rwx : PT.writable | PT.user) | acc;
      }
      case 'leaf':
        return this.ept ? this.eptLeaf(v) : this.legacyLeaf(v);
    }
  }

  /** make_spte for EPT: user=R, X, WB memtype with IPAT, host- and MMU-writable, A/D or access tracking. */
  private eptLeaf(v: number): bigint {
    const d = decodeSpte(v);
    const k = this.consts;
    let x = k.mmuPresent | this.presentMask | ((PAGE_PFN_BASE + spreadPage(d.pfn ?? 0)) << 12n) | (6n << 3n) | EPT.ipat | k.eptHostWritable | this.adType();
    if (d.mmuWritable) x |= k.eptMmuWritable;
    if ((d.level ?? 1) > 1) x |= PT.pageSize;
    if (d.a) x |= EPT.accessed;
    if (d.d) x |= EPT.dirty;
    const rx = EPT.readable | EPT.executable;
    // mark_spte_for_access_track: R and X saved in bits 54/56, R/W/X cleared (present mask included).
    if (d.accessTracked) return ((x | rx) & ~EPT.rwx) | (rx << k.accTrackSavedShift);
    return x | rx | (d.w ? EPT.writable : 0n);
  }

  /** make_spte for NPT and legacy shadow paging (PT_* bits; access tracking keeps P and saves nothing: A cleared). */
  private legacyLeaf(v: number): bigint {
    const d = decodeSpte(v);
    const k = this.consts;
    let x = k.mmuPresent | this.presentMask | PT.user | ((PAGE_PFN_BASE + spreadPage(d.pfn ?? 0)) << 12n) | k.defaultHostWritable | this.adType();
    if (d.mmuWritable) x |= k.defaultMmuWritable;
    if ((d.level ?? 1) > 1) x |= PT.pageSize;
    if (d.a) x |= PT.accessed;
    if (d.d) x |= PT.dirty;
    if (d.w) x |= PT.writable;
    // Access tracking does not exist with A/D bits: the model's flag is kept in the saved-bits slot.
    if (d.accessTracked) x |= k.accTrackSaved;
    return x;
  }

  /**
   * Returns the compact word of a real SPTE found in an entry of a table at `level`, or undefined
   * when no compact word renders to it (the inverse of {@link real}).
   */
  compact(x: bigint, level: number): number | undefined {
    const k = this.consts;
    if (x === k.nonPresent) return 0;
    if (x === k.frozen) return 1;
    const candidates: number[] = [];
    const frame = (x & 0x000ffffffffff000n) >> 12n;
    if ((x & k.mmuPresent) === 0n) {
      const gen = Number(evaluate(this.derived.decodeGen(bv(x)), this.env));
      if (gen < 64) candidates.push(mkMmio(gen));
    } else if (frame >= TABLE_PFN_BASE && frame < TABLE_PFN_BASE + 64n) {
      candidates.push(mkLink(Number(frame - TABLE_PFN_BASE)));
    } else {
      const p = frame >= PAGE_PFN_BASE ? unspreadPage(frame - PAGE_PFN_BASE) : undefined;
      if (p !== undefined) {
        const ept = this.ept;
        const on = (b: bigint): boolean => (x & b) !== 0n;
        const at = ept ? (x & EPT.rwx) === 0n : on(k.accTrackSaved);
        candidates.push(mkLeaf(p, level, {
          w: on(ept ? EPT.writable : PT.writable),
          a: on(ept ? EPT.accessed : PT.accessed),
          d: on(ept ? EPT.dirty : PT.dirty),
          at,
          mw: on(ept ? k.eptMmuWritable : k.defaultMmuWritable),
        }));
      }
    }
    return candidates.find((c) => this.real(c) === x);
  }

  /** Returns KVM's classification of a 64-bit SPTE: FROZEN_SPTE, is_mmio_spte, is_shadow_present_pte, else non-present. */
  classify(x: bigint): SpteClass {
    const s = bv(x);
    const mmio = evaluate(this.derived.isMmio(this.vm, s), this.env);
    const present = evaluate(this.derived.isShadowPresent(s), this.env);
    const frozen = x === this.consts.frozen;
    if (Number(mmio) + Number(present) + Number(frozen) > 1) return 'ambiguous';
    return frozen ? 'frozen' : mmio ? 'mmio' : present ? 'present' : 'non-present';
  }

  /** Returns the classification of the real word of compact word `v` (cached per word). */
  classOf(v: number): SpteClass {
    const i = v & 0xffff;
    const c = this.classes[i]!;
    if (c !== 0) return CLASSES[c - 1]!;
    const got = this.classify(this.real(v));
    this.classes[i] = CLASSES.indexOf(got) + 1;
    return got;
  }

  /** Returns the classification a step means when it writes compact word `v` (leaf and link: present). */
  static intended(v: number): SpteClass {
    switch (v & 7) {
      case SpteKind.np: return 'non-present';
      case SpteKind.frozen: return 'frozen';
      case SpteKind.mmio: return 'mmio';
      default: return 'present';
    }
  }

  /**
   * Returns a 64-bit SPTE as a reviewer reads it: its classification, what the model meant (page,
   * child table, generation) and the non-zero fields of the matching view of the layout.
   */
  describe(x: bigint): string {
    const cls = this.classify(x);
    const view = (name: string): string => formatDecoded(this.views[name] ?? [], x);
    if (cls === 'frozen') return `frozen (FROZEN_SPTE)`;
    if (cls === 'non-present') return x === this.consts.nonPresent ? 'non-present (SHADOW_NONPRESENT_VALUE)' : `non-present: ${view('nonpresent')}`;
    if (cls === 'mmio') return `MMIO: generation ${evaluate(this.derived.decodeGen(bv(x)), this.env)}`;
    if (cls === 'ambiguous') return `AMBIGUOUS (present and MMIO or frozen): ${view('present')}`;
    const frame = (x & 0x000ffffffffff000n) >> 12n;
    if (frame >= TABLE_PFN_BASE && frame < TABLE_PFN_BASE + 64n) return `non-leaf, present -> table t${frame - TABLE_PFN_BASE}: ${view('link')}`;
    const p = frame >= PAGE_PFN_BASE ? unspreadPage(frame - PAGE_PFN_BASE) : undefined;
    const size = (x & PT.pageSize) !== 0n ? ', large page' : '';
    const at = this.ept && (x & EPT.rwx) === 0n ? ', access-tracked' : '';
    return `leaf, present${size}${at} -> page ${p ?? '?'}: ${view('present')}`;
  }

  /**
   * Returns a 64-bit SPTE decoded by field: its classification and every field of the layout view
   * that fits it (present leaf, link, MMIO, non-present), by `decodeView` as `mmucheck decode`.
   */
  fields(x: bigint): SpteFields {
    const cls = this.classify(x);
    const frame = (x & 0x000ffffffffff000n) >> 12n;
    const link = cls === 'present' && frame >= TABLE_PFN_BASE && frame < TABLE_PFN_BASE + 64n;
    const view = cls === 'mmio' ? 'mmio' : cls === 'present' || cls === 'ambiguous' ? (link ? 'link' : 'present') : 'nonpresent';
    return { class: cls, view, fields: decodeView(this.views[view] ?? [], x).map((f) => ({ name: f.name, bits: f.bits, value: f.value, ...(f.doc ? { doc: f.doc } : {}) })) };
  }

  /** The machine's display hooks (src/mmu/machine.ts MachineDisplay). */
  display(): MachineDisplay & { readonly words: SpteWords } {
    return {
      words: this,
      spte64: (w) => this.real(w),
      septState: (w) => SEPT_NAMES[septState(w)] ?? '?',
      decode64: (x) => this.describe(x),
      fields64: (x) => this.fields(x),
    };
  }
}

const CLASSES: readonly SpteClass[] = ['present', 'mmio', 'frozen', 'non-present', 'ambiguous'];

/** The name of the classification property. */
export const SPTE_CLASSIFICATION = 'spte-classification';

/**
 * Returns the first entry of a live table (or a table being torn down) whose real SPTE KVM would
 * classify otherwise than the step meant to write it (a leaf or link present, FROZEN frozen, a
 * zapped entry non-present, an MMIO SPTE MMIO), as `t3[1]: meant frozen, classified mmio`; or
 * undefined when every entry is classified as meant.
 */
export function misclassifiedEntry(mm: MmuMachine, words: SpteWords, s: Int32Array): string | undefined {
  const { T, TS } = mmuState;
  const m = mm.layout;
  for (let tb = 0; tb < m.geometry.tables; tb++) {
    const st = s[m.table(tb, T.status)]!;
    if (st === TS.free || st === TS.freed) continue;
    for (let i = 0; i < 2; i++) {
      const v = s[m.entry(tb, i)]!;
      const got = words.classOf(v);
      const meant = SpteWords.intended(v);
      if (got !== meant) return `t${tb}[${i}]: meant ${meant}, classified ${got}`;
    }
  }
  return undefined;
}

/**
 * The `always` property that every SPTE word an exploration writes is classified by the layout's
 * own predicates (is_shadow_present_pte, is_mmio_spte, FROZEN_SPTE) as the step meant to write it.
 */
export function spteClassificationProperty(mm: MmuMachine, words: SpteWords): FootprintProperty {
  return {
    name: SPTE_CLASSIFICATION,
    expectation: 'always',
    doc: `every SPTE is classified (present, MMIO, frozen, non-present) by the ${words.flavour} layout of era ${words.era} as the step meant to write it`,
    check: (s) => misclassifiedEntry(mm, words, s) === undefined,
    reads: ['tables'],
  };
}
