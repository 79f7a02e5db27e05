/**
 * Reads a Linux source tree: its version from the top Makefile, the SPTE layout constants of
 * layout.ts from its headers and spte.c, and the `static_assert`/`BUILD_BUG_ON` obligations of
 * the files read. Every failure is one diagnostic naming `file:line` and the macro: MMC006 for a
 * file that cannot be read, MMC008 for everything else (not a tree, the 5.10-5.12 layout, a macro
 * that cannot be evaluated, a definition cycle).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../core/diagnostic.js';
import { CEvalError, type Locals, type Macros, type Token, evaluate, isBuiltin, tokenize } from './cexpr.js';
import { type Assertion, Preprocessor, type ReadFile, SourceError, assertions, calls, lineAt } from './cpp.js';
import { CONST_SOURCES, type ConstName, type ConstSource, OLD_LAYOUT_MARK, SPTE_C, SPTE_H, TREE_FILES, X86_64_CONFIG } from './layout.js';

/** A constant as the tree defines it. */
export interface TreeConst {
  /**
   * undefined: the tree does not have it (an older era without this constant); an array: a value
   * per mask_bit 0..63 (svm_adjust_mmio_mask's arguments).
   */
  readonly value: bigint | readonly bigint[] | undefined;
  readonly file: string;
  readonly line: number;
  /** The macro or call it was read from, e.g. `SPTE_MMU_PRESENT_MASK` or `kvm_mmu_set_mmio_spte_mask(...) argument 2`. */
  readonly source: string;
}

/** The tree's version as the top Makefile states it. */
export interface TreeVersion {
  readonly version: number;
  readonly patchlevel: number;
  readonly sublevel: number;
  readonly extraversion: string;
  /** `X.Y.Z<extra>` as `make kernelversion` prints it. */
  readonly text: string;
}

/** A read tree. */
export interface KernelTree {
  readonly root: string;
  readonly version: TreeVersion;
  readonly constants: Readonly<Record<ConstName, TreeConst>>;
  readonly assertions: readonly Assertion[];
}

/** Throws the one-line diagnostic of an error at a place in the tree. */
function atPlace(file: string, line: number, message: string): never {
  fail('MMC008', `${file}:${line}: ${message}`, { subject: file });
}

/** Reads the version of the top Makefile (MMC008 when PATH is not a kernel tree). */
export function readVersion(root: string): TreeVersion {
  const mk = join(root, 'Makefile');
  if (!existsSync(root) || !statSync(root).isDirectory()) fail('MMC008', `${root}: not a directory (give the top of a Linux source tree)`, { subject: 'PATH' });
  if (!existsSync(mk) || !existsSync(join(root, SPTE_H))) {
    fail('MMC008', `${root}: not a Linux source tree (want a top Makefile with VERSION and PATCHLEVEL, and ${SPTE_H}; missing ${existsSync(mk) ? SPTE_H : 'Makefile'})`, { subject: 'PATH' });
  }
  const text = readText(root, 'Makefile');
  const get = (k: string): { v: string; line: number } | undefined => {
    const m = new RegExp(`^${k}\\s*=[ \\t]*(.*)$`, 'm').exec(text);
    return m ? { v: m[1]!.trim(), line: lineAt(text, m.index) } : undefined;
  };
  const num = (k: string, required: boolean): number => {
    const g = get(k);
    if (!g) {
      if (required) fail('MMC008', `${root}: not a Linux source tree (the top Makefile has no ${k} = N line)`, { subject: 'PATH' });
      return 0;
    }
    if (!/^\d+$/.test(g.v)) atPlace('Makefile', g.line, `${k} = ${g.v}: not a number`);
    return Number(g.v);
  };
  const version = num('VERSION', true);
  const patchlevel = num('PATCHLEVEL', true);
  const sublevel = num('SUBLEVEL', false);
  const extraversion = get('EXTRAVERSION')?.v ?? '';
  return { version, patchlevel, sublevel, extraversion, text: `${version}.${patchlevel}.${sublevel}${extraversion}` };
}

function readText(root: string, rel: string): string {
  try {
    return readFileSync(join(root, rel), 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message.split('\n')[0] : String(e);
    fail('MMC006', `${rel}: cannot read (${why}); mmucheck kernel reads ${TREE_FILES.map((f) => f.path).join(', ')}`, { subject: rel });
  }
}

/** Converts an evaluator error into the one-line diagnostic at the macro it was in (or the place given). */
function evalAt<T>(file: string, line: number, what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof CEvalError) {
      const at = e.macro ? `${e.macro.file}:${e.macro.line}` : `${file}:${line}`;
      fail('MMC008', `${at}: ${what}: cannot evaluate: ${e.message}`, { subject: e.macro?.name ?? what });
    }
    if (e instanceof SourceError) fail('MMC008', `${e.file}:${e.line}: ${e.message}`, { subject: e.file });
    throw e;
  }
}

/** Returns whether every identifier of `toks` is a macro of the tree or a called built-in. */
function resolvable(toks: readonly Token[], macros: Macros): boolean {
  return toks.every((t, i) => t.kind !== 'id' || macros.has(t.text) || (isBuiltin(t.text) && toks[i + 1]?.text === '('));
}

/** Returns the text offsets of a function's body `{ ... }` in spte.c's active text. */
function functionBody(f: ReadFile, name: string): { from: number; to: number; line: number } | undefined {
  const re = new RegExp(`\\b${name}\\s*\\([^;{)]*\\)\\s*\\{`, 'g');
  const m = re.exec(f.active);
  if (!m) return undefined;
  let depth = 0;
  for (let j = m.index + m[0].length - 1; j < f.active.length; j++) {
    if (f.active[j] === '{') depth++;
    else if (f.active[j] === '}' && --depth === 0) return { from: m.index, to: j, line: lineAt(f.active, m.index) };
  }
  return undefined;
}

/** The mask_bit values a per-mask_bit argument is read at (a table index; see layout.ts). */
const MASK_BITS = Array.from({ length: 64 }, (_, i) => i);

/**
 * Evaluates a call argument that depends on the local `mask_bit`: each other local it names is
 * replaced by its last assignment above the call in the function body; returns the table over
 * mask_bit 0..63.
 */
function perMaskBit(f: ReadFile, body: { from: number }, callAt: number, arg: readonly Token[], macros: Macros, what: string): bigint[] {
  const seg = f.active.slice(body.from, callAt);
  const assigned = new Map<string, { toks: Token[]; line: number }>();
  for (const t of arg) {
    if (t.kind !== 'id' || macros.has(t.text) || isBuiltin(t.text) || t.text === 'mask_bit' || assigned.has(t.text)) continue;
    const all = [...seg.matchAll(new RegExp(`(?<![\\w.>])${t.text}\\s*=(?!=)([^;]*);`, 'g'))];
    const last = all[all.length - 1];
    if (last) assigned.set(t.text, { toks: tokenize(last[1]!), line: lineAt(f.active, body.from + last.index!) });
  }
  return MASK_BITS.map((mb) => {
    const locals = new Map<string, bigint>([['mask_bit', BigInt(mb)]]);
    for (const [name, a] of assigned) locals.set(name, evalAt(f.path, a.line, `${name} in ${what} at mask_bit=${mb}`, () => evaluate(a.toks, macros, { locals })));
    return evaluate(arg, macros, { locals });
  });
}

/** Reads one constant of layout.ts from the tree. */
function readConst(name: ConstName, src: ConstSource, macros: Macros, files: ReadonlyMap<string, ReadFile>): TreeConst {
  for (const expr of src.exprs ?? []) {
    const toks = tokenize(expr);
    if (!resolvable(toks, macros)) continue;
    const first = toks.find((t) => t.kind === 'id' && macros.has(t.text))!;
    const def = macros.get(first.text)!;
    const value = evalAt(def.file, def.line, first.text, () => evaluate(toks, macros));
    return { value, file: def.file, line: def.line, source: expr };
  }
  const within = src.call?.within ?? src.assign?.within;
  if (within !== undefined) {
    const path = src.call?.file ?? SPTE_C;
    const f = files.get(path);
    if (!f) return missing(name, src, `no file ${path}`, path, 1);
    const body = functionBody(f, within);
    if (!body) return missing(name, src, `${path}: no definition of ${within}()`, path, 1);
    if (src.call) {
      const c = calls(f, src.call.fn, body.from, body.to)[0];
      const arg = c?.args[src.call.arg];
      if (!c || !arg) return missing(name, src, `${path}:${body.line}: ${within}() has no call ${src.call.fn}(...) with argument ${src.call.arg + 1}`, path, body.line);
      const what = `${src.call.fn}(...) argument ${src.call.arg + 1} in ${within}()`;
      if (src.call.perMaskBit) {
        const callAt = body.from + f.active.slice(body.from, body.to).search(new RegExp(`\\b${src.call.fn}\\s*\\(`));
        return { value: evalAt(path, c.line, what, () => perMaskBit(f, body, callAt, arg, macros, what)), file: path, line: c.line, source: what };
      }
      return { value: evalAt(path, c.line, what, () => evaluate(arg, macros)), file: path, line: c.line, source: what };
    }
    const a = src.assign!;
    const seg = f.active.slice(body.from, body.to);
    const m = new RegExp(`\\b${a.lhs}\\s*=([^;]*);`).exec(seg);
    if (!m) return missing(name, src, `${path}:${body.line}: ${within}() does not assign ${a.lhs}`, path, body.line);
    const line = lineAt(f.active, body.from + m.index);
    const locals: Locals = new Map(Object.entries(a.locals));
    const what = `${a.lhs} in ${within}() with ${Object.entries(a.locals).map(([k, v]) => `${k}=${v}`).join(', ')}`;
    return { value: evalAt(path, line, what, () => evaluate(tokenize(m[1]!), macros, { locals })), file: path, line, source: what };
  }
  return missing(name, src, `${SPTE_H}: none of ${(src.exprs ?? []).join(', ')} is defined`, SPTE_H, 1);
}

/** A constant the tree lacks: its era's value when layout.ts gives one, else MMC008. */
function missing(name: ConstName, src: ConstSource, why: string, file: string, line: number): TreeConst {
  if (src.absent === undefined) fail('MMC008', `${why} (needed for the modelled constant ${name})`, { subject: name });
  return { value: src.absent === 'none' ? undefined : src.absent, file, line, source: `(not in this tree: ${why.replace(/^[^ ]*: /, '')})` };
}

/** Reads a tree: version, constants and assertions (see the file comment for the errors). */
export function readTree(root: string): KernelTree {
  const version = readVersion(root);
  const pp = new Preprocessor(X86_64_CONFIG);
  const files = new Map<string, ReadFile>();
  for (const f of TREE_FILES) {
    if (!f.required && !existsSync(join(root, f.path))) continue;
    const text = readText(root, f.path);
    files.set(f.path, evalAt(f.path, 1, f.path, () => pp.read(f.path, text)));
    const old = pp.macros.get(OLD_LAYOUT_MARK);
    if (old) atPlace(old.file, old.line, `${OLD_LAYOUT_MARK}: the 5.10-5.12 SPTE layout (MMIO marked by bits 52-53) is not modelled; mmucheck kernel reads 5.13 and later`);
  }
  const constants = Object.fromEntries(
    (Object.entries(CONST_SOURCES) as [ConstName, ConstSource][]).map(([name, src]) => [name, evalAt(SPTE_C, 1, name, () => readConst(name, src, pp.macros, files))]),
  ) as Record<ConstName, TreeConst>;
  const withAsserts = new Set(TREE_FILES.filter((f) => f.asserts !== false).map((f) => f.path));
  const asserts = [...files.values()].filter((f) => withAsserts.has(f.path)).flatMap((f) => evalAt(f.path, 1, 'static_assert/BUILD_BUG_ON', () => assertions(pp, f)));
  return { root, version, constants, assertions: asserts };
}
