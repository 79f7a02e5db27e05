/**
 * C constant expressions as the kernel's headers write them: a tokenizer, macro expansion (object-
 * and function-like `#define`s, with cycle detection), and an evaluator over unsigned 64-bit
 * integers (bigint, wrapping like `u64`). The kernel's bit helpers that live in headers we do not
 * read (include/linux/bits.h, include/uapi/linux/const.h, include/linux/log2.h) are built in:
 * `BIT_ULL`, `BIT`, `GENMASK_ULL`, `GENMASK`, `_BITULL`, `_BITUL`, `_AC`, `_ULL`, `_UL`, `ULL`,
 * `UL`, `ilog2`, and `IS_ENABLED` (1 when its CONFIG_ macro is defined as 1). A tree that defines one of them itself is read with its own definition.
 *
 * Every value is computed as C computes an `unsigned long long` expression; narrower casts
 * (`(u32)`, `(int)`, `(u8)`, ...) truncate. A failure throws `CEvalError` naming the macro, never a
 * guess.
 */

/** One token with the place it came from. */
export interface Token {
  readonly kind: 'num' | 'id' | 'op';
  readonly text: string;
}

/** A macro definition and where it is. */
export interface MacroDef {
  readonly name: string;
  /** Parameter names of a function-like macro; undefined for an object-like one. */
  readonly params?: readonly string[];
  readonly body: readonly Token[];
  readonly file: string;
  readonly line: number;
}

/** A macro table: name → definition. */
export type Macros = ReadonlyMap<string, MacroDef>;

/** Why an expression could not be evaluated, and which macro (if any) it was in. */
export class CEvalError extends Error {
  constructor(message: string, readonly macro?: MacroDef) {
    super(message);
    this.name = 'CEvalError';
  }
}

const U64 = (1n << 64n) - 1n;
const PUNCT = ['<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '##', '(', ')', ',', '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '<', '>', '?', ':', '#', ';', '{', '}', '[', ']', '=', '.'];

/** Splits C text (comments already removed) into tokens; string and character literals become one opaque token. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const num = /^(?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*/.exec(text.slice(i, i + 40));
    if (num) { out.push({ kind: 'num', text: num[0] }); i += num[0].length; continue; }
    const id = /^[A-Za-z_]\w*/.exec(text.slice(i, i + 200));
    if (id) { out.push({ kind: 'id', text: id[0] }); i += id[0].length; continue; }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      out.push({ kind: 'op', text: text.slice(i, j + 1) });
      i = j + 1;
      continue;
    }
    const p = PUNCT.find((q) => text.startsWith(q, i));
    out.push({ kind: 'op', text: p ?? c });
    i += p ? p.length : 1;
  }
  return out;
}

/** Returns the value of an integer literal (suffixes u, l, ll ignored: every value is 64-bit). */
function literal(text: string): bigint {
  const t = text.replace(/[uUlL]+$/, '');
  if (/^0[xX]/.test(t)) return BigInt(t);
  if (/^0[0-7]+$/.test(t)) return BigInt('0o' + t.slice(1));
  return BigInt(t);
}

/** Splits the tokens after an opening parenthesis at `start` into arguments; returns them and the index after `)`. */
export function callArgs(toks: readonly Token[], start: number, what: string): { args: Token[][]; end: number } {
  const args: Token[][] = [[]];
  let depth = 0;
  for (let i = start; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.text === '(') depth++;
    if (t.text === ')') {
      if (depth === 0) return { args: args.length === 1 && args[0]!.length === 0 ? [] : args, end: i + 1 };
      depth--;
    }
    if (t.text === ',' && depth === 0) args.push([]);
    else args[args.length - 1]!.push(t);
  }
  throw new CEvalError(`unbalanced parentheses in the arguments of ${what}`);
}

/**
 * Expands every macro in `toks` (arguments first, then the substituted body, like cpp). A macro met
 * again while it is being expanded is a definition cycle: CEvalError naming the chain.
 */
export function expand(toks: readonly Token[], macros: Macros, stack: readonly MacroDef[] = []): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.text === 'IS_ENABLED' && !macros.has(t.text) && toks[i + 1]?.text === '(') {
      // decided on the unexpanded CONFIG_ name, wherever it appears (also inside a macro body)
      const name = toks[i + 2];
      if (name?.kind !== 'id' || toks[i + 3]?.text !== ')') throw new CEvalError('malformed IS_ENABLED');
      const d = macros.get(name.text);
      out.push({ kind: 'num', text: d !== undefined && d.body.length === 1 && d.body[0]!.text === '1' ? '1' : '0' });
      i += 3;
      continue;
    }
    const m = t.kind === 'id' ? macros.get(t.text) : undefined;
    if (!m || (m.params && toks[i + 1]?.text !== '(')) { out.push(t); continue; }
    if (stack.includes(m)) {
      throw new CEvalError(`definition cycle: ${[...stack.slice(stack.indexOf(m)), m].map((d) => d.name).join(' -> ')}`, m);
    }
    if (!m.params) { out.push(...expand(m.body, macros, [...stack, m])); continue; }
    const { args, end } = callArgs(toks, i + 2, m.name);
    const params = m.params;
    const variadic = params[params.length - 1] === '...';
    if (variadic ? args.length < params.length - 1 : args.length !== params.length && !(params.length === 0 && args.length === 0)) {
      throw new CEvalError(`${m.name} takes ${params.length} argument(s), given ${args.length}`, m);
    }
    const bound = new Map<string, Token[]>();
    params.forEach((p, k) => bound.set(p === '...' ? '__VA_ARGS__' : p, p === '...' ? args.slice(k).flatMap((a, j) => (j ? [{ kind: 'op', text: ',' } as Token, ...a] : a)) : expand(args[k]!, macros, stack)));
    if (m.body.some((b) => b.text === '#' || b.text === '##')) throw new CEvalError(`${m.name} uses # or ## (stringising and pasting are not evaluated)`, m);
    const body = m.body.flatMap((b) => (b.kind === 'id' && bound.has(b.text) ? bound.get(b.text)! : [b]));
    out.push(...expand(body, macros, [...stack, m]));
    i = end - 1;
  }
  return out;
}

/** Values of identifiers that are not macros (e.g. a function's boolean parameter fixed by the caller). */
export type Locals = ReadonlyMap<string, bigint>;

/** Type names a cast may use, with their width in bits. */
const CAST_WIDTH: Readonly<Record<string, number>> = {
  u64: 64, s64: 64, u32: 32, s32: 32, u16: 16, s16: 16, u8: 8, s8: 8, gfn_t: 64, gpa_t: 64, hpa_t: 64, phys_addr_t: 64,
  'unsigned long long': 64, 'long long': 64, 'unsigned long': 64, long: 64, 'unsigned int': 32, int: 32, unsigned: 32,
  'unsigned short': 16, short: 16, 'unsigned char': 8, char: 8, bool: 1, size_t: 64,
};

/** A recursive-descent parser and evaluator of an expanded C constant expression. */
class Evaluator {
  private i = 0;
  constructor(private readonly t: readonly Token[], private readonly macros: Macros, private readonly locals: Locals, private readonly inIf: boolean) {}

  run(): bigint {
    if (!this.t.length) throw new CEvalError('empty expression');
    const v = this.ternary();
    if (this.i < this.t.length) throw new CEvalError(`unexpected '${this.t[this.i]!.text}'`);
    return v;
  }

  private peek(): string | undefined {
    return this.t[this.i]?.text;
  }

  private take(want?: string): Token {
    const tok = this.t[this.i];
    if (!tok || (want !== undefined && tok.text !== want)) throw new CEvalError(`expected '${want ?? 'a value'}' but found '${tok?.text ?? 'the end'}'`);
    this.i++;
    return tok;
  }

  private ternary(): bigint {
    const c = this.binary(0);
    if (this.peek() !== '?') return c;
    this.take('?');
    const a = this.ternary();
    this.take(':');
    const b = this.ternary();
    return c !== 0n ? a : b;
  }

  private static readonly LEVELS: readonly (readonly string[])[] = [['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

  private binary(level: number): bigint {
    if (level === Evaluator.LEVELS.length) return this.unary();
    let a = this.binary(level + 1);
    while (Evaluator.LEVELS[level]!.includes(this.peek() ?? '')) {
      const op = this.take().text;
      const b = this.binary(level + 1);
      a = apply(op, a, b);
    }
    return a;
  }

  /** Returns the width of the cast starting at the current '(' if it is one, else undefined. */
  private castWidth(): { width: number; len: number } | undefined {
    let j = this.i + 1;
    const words: string[] = [];
    while (this.t[j]?.kind === 'id' && !this.macros.has(this.t[j]!.text)) words.push(this.t[j++]!.text);
    if (!words.length || this.t[j]?.text !== ')') return undefined;
    const width = CAST_WIDTH[words.filter((w) => w !== 'const').join(' ')];
    return width === undefined ? undefined : { width, len: j - this.i + 1 };
  }

  private unary(): bigint {
    const p = this.peek();
    if (p === '-') { this.take(); return (-this.unary()) & U64; }
    if (p === '+') { this.take(); return this.unary(); }
    if (p === '~') { this.take(); return ~this.unary() & U64; }
    if (p === '!') { this.take(); return this.unary() === 0n ? 1n : 0n; }
    if (p === '(') {
      const cast = this.castWidth();
      if (cast) {
        this.i += cast.len;
        const v = this.unary();
        return cast.width === 1 ? (v !== 0n ? 1n : 0n) : v & ((1n << BigInt(cast.width)) - 1n);
      }
      this.take('(');
      const v = this.ternary();
      this.take(')');
      return v;
    }
    return this.primary();
  }

  private primary(): bigint {
    const tok = this.take();
    if (tok.kind === 'num') return literal(tok.text);
    if (tok.kind !== 'id') throw new CEvalError(`unexpected '${tok.text}'`);
    if (tok.text === 'true') return 1n;
    if (tok.text === 'false') return 0n;
    if (this.peek() === '(' && isBuiltin(tok.text)) {
      const { args, end } = callArgs(this.t, this.i + 1, tok.text);
      this.i = end;
      return BUILTINS[tok.text]!(args, (a) => new Evaluator(a, this.macros, this.locals, this.inIf).run());
    }
    const local = this.locals.get(tok.text);
    if (local !== undefined) return local;
    // In #if, an identifier that is not a macro is 0 (C11 6.10.1); elsewhere it is not a constant.
    if (this.inIf) return 0n;
    throw new CEvalError(`'${tok.text}' is not a macro${this.peek() === '(' ? ' (a function call)' : ''}`);
  }
}

/** Applies a binary operator with C's unsigned 64-bit semantics. */
function apply(op: string, a: bigint, b: bigint): bigint {
  switch (op) {
    case '||': return a || b ? 1n : 0n;
    case '&&': return a && b ? 1n : 0n;
    case '|': return a | b;
    case '^': return a ^ b;
    case '&': return a & b;
    case '==': return a === b ? 1n : 0n;
    case '!=': return a !== b ? 1n : 0n;
    case '<': return a < b ? 1n : 0n;
    case '>': return a > b ? 1n : 0n;
    case '<=': return a <= b ? 1n : 0n;
    case '>=': return a >= b ? 1n : 0n;
    case '<<':
    case '>>':
      if (b >= 64n) throw new CEvalError(`shift by ${b} (64 or more is undefined in C)`);
      return op === '<<' ? (a << b) & U64 : a >> b;
    case '+': return (a + b) & U64;
    case '-': return (a - b) & U64;
    case '*': return (a * b) & U64;
    case '/':
    case '%':
      if (b === 0n) throw new CEvalError('division by zero');
      return op === '/' ? a / b : a % b;
  }
  throw new CEvalError(`operator '${op}'`);
}

type Builtin = (args: Token[][], ev: (a: Token[]) => bigint) => bigint;

function arity(name: string, args: Token[][], n: number): void {
  if (args.length !== n) throw new CEvalError(`${name} takes ${n} argument(s), given ${args.length}`);
}

function bitOf(name: string, n: bigint): bigint {
  if (n >= 64n) throw new CEvalError(`${name}(${n}): bit 64 or above`);
  return 1n << n;
}

function genmaskOf(name: string, hi: bigint, lo: bigint): bigint {
  if (hi >= 64n || lo > hi) throw new CEvalError(`${name}(${hi}, ${lo}): bounds outside 0..63 or reversed`);
  return ((1n << (hi + 1n)) - 1n) & ~((1n << lo) - 1n);
}

/** The kernel's bit helpers, evaluated directly (see the file comment). */
const BUILTINS: Readonly<Record<string, Builtin>> = {
  BIT_ULL: (a, ev) => (arity('BIT_ULL', a, 1), bitOf('BIT_ULL', ev(a[0]!))),
  BIT: (a, ev) => (arity('BIT', a, 1), bitOf('BIT', ev(a[0]!))),
  _BITULL: (a, ev) => (arity('_BITULL', a, 1), bitOf('_BITULL', ev(a[0]!))),
  _BITUL: (a, ev) => (arity('_BITUL', a, 1), bitOf('_BITUL', ev(a[0]!))),
  GENMASK_ULL: (a, ev) => (arity('GENMASK_ULL', a, 2), genmaskOf('GENMASK_ULL', ev(a[0]!), ev(a[1]!))),
  GENMASK: (a, ev) => (arity('GENMASK', a, 2), genmaskOf('GENMASK', ev(a[0]!), ev(a[1]!))),
  _AC: (a, ev) => (arity('_AC', a, 2), ev(a[0]!)),
  _ULL: (a, ev) => (arity('_ULL', a, 1), ev(a[0]!)),
  _UL: (a, ev) => (arity('_UL', a, 1), ev(a[0]!)),
  ULL: (a, ev) => (arity('ULL', a, 1), ev(a[0]!)),
  UL: (a, ev) => (arity('UL', a, 1), ev(a[0]!)),
  ilog2: (a, ev) => {
    arity('ilog2', a, 1);
    const v = ev(a[0]!);
    if (v === 0n) throw new CEvalError('ilog2(0)');
    return BigInt(v.toString(2).length - 1);
  },
};

/** Returns whether a name is one of the built-in bit helpers. */
export function isBuiltin(name: string): boolean {
  return Object.hasOwn(BUILTINS, name);
}

/** Replaces `defined(X)` and `defined X` in `#if` by 1 or 0, before expansion, as cpp does. */
function resolveDefined(toks: readonly Token[], macros: Macros): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.text !== 'defined') { out.push(t); continue; }
    const paren = toks[i + 1]?.text === '(';
    const name = toks[i + (paren ? 2 : 1)];
    if (!name || name.kind !== 'id' || (paren && toks[i + 3]?.text !== ')')) throw new CEvalError('malformed defined');
    out.push({ kind: 'num', text: macros.has(name.text) ? '1' : '0' });
    i += paren ? 3 : 1;
  }
  return out;
}

/**
 * Evaluates a C constant expression: expands its macros, then computes it as `u64`.
 * `inIf`: `#if` rules (defined(), unknown identifiers are 0).
 */
export function evaluate(toks: readonly Token[], macros: Macros, opts: { inIf?: boolean; locals?: Locals } = {}): bigint {
  const pre = opts.inIf ? resolveDefined(toks, macros) : toks;
  const expanded = expand(pre, macros);
  return new Evaluator(expanded, macros, opts.locals ?? new Map(), opts.inIf ?? false).run();
}

/** Returns the identifiers of `toks` that name macros, in order of first use (for "depends on" lists). */
export function macroNames(toks: readonly Token[], macros: Macros): string[] {
  return [...new Set(toks.filter((t) => t.kind === 'id' && macros.has(t.text)).map((t) => t.text))];
}
