/**
 * C constant expressions as the kernel's headers write them: a tokenizer, macro expansion (object-
 * and function-like `#define`s, with cycle detection), and an evaluator over unsigned 64-bit
 * integers (bigint, wrapping like `u64`). The kernel's bit helpers that live in headers we do not
 * read (include/linux/bits.h, include/uapi/linux/const.h, include/linux/log2.h) are built in:
 * `BIT_ULL`, `BIT`, `GENMASK_ULL`, `GENMASK`, `_BITULL`, `_BITUL`, `_AC`, `_ULL`, `_UL`, `ULL`,
 * `UL`, `ilog2`, `rsvd_bits` (a static inline of arch/x86/kvm/mmu.h), and `IS_ENABLED` (1 when its CONFIG_ macro is defined as 1). A tree that defines one of them itself is read with its own definition.
 *
 * Values carry C's integer types on LP64 x86_64 (int 32-bit, long and long long 64-bit; literal
 * types by C11 6.4.4.1; the usual arithmetic conversions; casts such as `(u64)`, `(u32)`, `(int)`;
 * in `#if` every value is (u)intmax_t); overflow wraps. The result is the value a `u64` would hold.
 * A failure throws `CEvalError` naming the macro, never a guess.
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

/** A C integer value: its bits (two's complement, within `w`), width and signedness (LP64 x86_64 types). */
interface CVal {
  readonly v: bigint;
  readonly w: 32 | 64;
  readonly s: boolean;
}

/** Returns a value of the type (w, s) holding `x` reduced modulo 2^w. */
function cv(x: bigint, w: 32 | 64, s: boolean): CVal {
  return { v: BigInt.asUintN(w, x), w, s };
}

/** Returns the mathematical value of a C value (negative for a signed value with its top bit set). */
function num(a: CVal): bigint {
  return a.s ? BigInt.asIntN(a.w, a.v) : a.v;
}

const INT = (x: bigint): CVal => cv(x, 32, true);
const ULL = (x: bigint): CVal => cv(x, 64, false);

/** Returns an integer literal with its C type (C11 6.4.4.1 on LP64: int, unsigned int, long, unsigned long). */
function literal(text: string): CVal {
  const suffix = /[uUlL]*$/.exec(text)![0];
  const t = text.slice(0, text.length - suffix.length);
  const x = /^0[xX]/.test(t) ? BigInt(t) : /^0[0-7]+$/.test(t) ? BigInt('0o' + t.slice(1)) : BigInt(t);
  const unsigned = /u/i.test(suffix);
  const long = /l/i.test(suffix);
  const decimal = !/^0/.test(t) || t === '0';
  if (x >= 1n << 64n) throw new CEvalError(`literal ${text} does not fit 64 bits`);
  if (!long && x < 1n << 31n) return cv(x, 32, !unsigned);
  if (!long && x < 1n << 32n && (unsigned || !decimal)) return cv(x, 32, false);
  return cv(x, 64, !unsigned && x < 1n << 63n);
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

/** Type names a cast may use: width in bits and signedness. */
const CASTS: Readonly<Record<string, readonly [number, boolean]>> = {
  u64: [64, false], s64: [64, true], u32: [32, false], s32: [32, true], u16: [16, false], s16: [16, true], u8: [8, false], s8: [8, true],
  gfn_t: [64, false], gpa_t: [64, false], hpa_t: [64, false], phys_addr_t: [64, false], size_t: [64, false],
  'unsigned long long': [64, false], 'long long': [64, true], 'unsigned long': [64, false], long: [64, true],
  'unsigned int': [32, false], int: [32, true], unsigned: [32, false], 'unsigned short': [16, false], short: [16, true],
  'unsigned char': [8, false], char: [8, true], bool: [1, false],
};

/** Integer promotion and, in #if, the widening of every value to (u)intmax_t. */
function promote(a: CVal, inIf: boolean): CVal {
  return inIf && a.w === 32 ? cv(num(a), 64, a.s) : a;
}

/** The usual arithmetic conversions of two promoted operands (LP64: long represents every unsigned int). */
function common(a: CVal, b: CVal): [32 | 64, boolean] {
  const w = a.w === 64 || b.w === 64 ? 64 : 32;
  const s = !((a.w === w && !a.s) || (b.w === w && !b.s));
  return [w, s];
}

/** A recursive-descent parser and evaluator of an expanded C constant expression, with C's integer types. */
class Evaluator {
  private i = 0;
  constructor(private readonly t: readonly Token[], private readonly macros: Macros, private readonly locals: Locals, private readonly inIf: boolean) {}

  run(): CVal {
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

  private ternary(): CVal {
    const c = this.binary(0);
    if (this.peek() !== '?') return c;
    this.take('?');
    const a = this.ternary();
    this.take(':');
    const b = this.ternary();
    const [w, s] = common(a, b);
    return cv(num(c.v !== 0n ? a : b), w, s);
  }

  private static readonly LEVELS: readonly (readonly string[])[] = [['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

  private binary(level: number): CVal {
    if (level === Evaluator.LEVELS.length) return this.unary();
    let a = this.binary(level + 1);
    while (Evaluator.LEVELS[level]!.includes(this.peek() ?? '')) {
      const op = this.take().text;
      const b = this.binary(level + 1);
      a = apply(op, a, b);
    }
    return a;
  }

  /** Returns the type of the cast starting at the current '(' if it is one, else undefined. */
  private cast(): { type: readonly [number, boolean]; len: number } | undefined {
    let j = this.i + 1;
    const words: string[] = [];
    while (this.t[j]?.kind === 'id' && !this.macros.has(this.t[j]!.text)) words.push(this.t[j++]!.text);
    if (!words.length || this.t[j]?.text !== ')') return undefined;
    const type = CASTS[words.filter((w) => w !== 'const').join(' ')];
    return type === undefined ? undefined : { type, len: j - this.i + 1 };
  }

  private unary(): CVal {
    const p = this.peek();
    if (p === '-' || p === '+' || p === '~') {
      this.take();
      const a = promote(this.unary(), this.inIf);
      return cv(p === '-' ? -num(a) : p === '~' ? ~num(a) : num(a), a.w, a.s);
    }
    if (p === '!') { this.take(); return INT(this.unary().v === 0n ? 1n : 0n); }
    if (p === '(') {
      const c = this.cast();
      if (c) {
        this.i += c.len;
        const v = this.unary();
        const [w, s] = c.type;
        if (w === 1) return INT(v.v !== 0n ? 1n : 0n);
        // a cast to a type narrower than int yields an int after promotion
        return promote(w < 32 ? INT(s ? BigInt.asIntN(w, v.v) : BigInt.asUintN(w, v.v)) : cv(num(v), w as 32 | 64, s), this.inIf);
      }
      this.take('(');
      const v = this.ternary();
      this.take(')');
      return v;
    }
    return promote(this.primary(), this.inIf);
  }

  private primary(): CVal {
    const tok = this.take();
    if (tok.kind === 'num') return literal(tok.text);
    if (tok.kind !== 'id') throw new CEvalError(`unexpected '${tok.text}'`);
    if (tok.text === 'true') return INT(1n);
    if (tok.text === 'false') return INT(0n);
    if (this.peek() === '(' && isBuiltin(tok.text)) {
      const { args, end } = callArgs(this.t, this.i + 1, tok.text);
      this.i = end;
      return BUILTINS[tok.text]!(args, (a) => num(new Evaluator(a, this.macros, this.locals, this.inIf).run()));
    }
    const local = this.locals.get(tok.text);
    // a local that fits int is an int (booleans, bit numbers); a wider one (a u64 mask) is u64
    if (local !== undefined) return local >= -(1n << 31n) && local < 1n << 31n ? INT(local) : ULL(local);
    // In #if, an identifier that is not a macro is 0 (C11 6.10.1); elsewhere it is not a constant.
    if (this.inIf) return INT(0n);
    throw new CEvalError(`'${tok.text}' is not a macro${this.peek() === '(' ? ' (a function call)' : ''}`);
  }
}

/** Applies a binary operator with C's semantics on LP64 integer types (wrapping where C would overflow). */
function apply(op: string, a: CVal, b: CVal): CVal {
  if (op === '||') return INT(a.v !== 0n || b.v !== 0n ? 1n : 0n);
  if (op === '&&') return INT(a.v !== 0n && b.v !== 0n ? 1n : 0n);
  if (op === '<<' || op === '>>') {
    const n = num(b);
    if (n < 0n || n >= BigInt(a.w)) throw new CEvalError(`shift by ${n} (outside 0..${a.w - 1} for a ${a.w}-bit ${a.s ? 'signed' : 'unsigned'} operand)`);
    return cv(op === '<<' ? num(a) << n : num(a) >> n, a.w, a.s);
  }
  const [w, s] = common(a, b);
  const x = s ? BigInt.asIntN(w, a.v) : BigInt.asUintN(w, num(a));
  const y = s ? BigInt.asIntN(w, b.v) : BigInt.asUintN(w, num(b));
  switch (op) {
    case '|': return cv(x | y, w, s);
    case '^': return cv(x ^ y, w, s);
    case '&': return cv(x & y, w, s);
    case '==': return INT(x === y ? 1n : 0n);
    case '!=': return INT(x !== y ? 1n : 0n);
    case '<': return INT(x < y ? 1n : 0n);
    case '>': return INT(x > y ? 1n : 0n);
    case '<=': return INT(x <= y ? 1n : 0n);
    case '>=': return INT(x >= y ? 1n : 0n);
    case '+': return cv(x + y, w, s);
    case '-': return cv(x - y, w, s);
    case '*': return cv(x * y, w, s);
    case '/':
    case '%':
      if (y === 0n) throw new CEvalError('division by zero');
      return cv(op === '/' ? x / y : x % y, w, s);
  }
  throw new CEvalError(`operator '${op}'`);
}

type Builtin = (args: Token[][], ev: (a: Token[]) => bigint) => CVal;

function arity(name: string, args: Token[][], n: number): void {
  if (args.length !== n) throw new CEvalError(`${name} takes ${n} argument(s), given ${args.length}`);
}

/** BIT_ULL(n) and friends: an unsigned 64-bit single bit (BIT is `1UL << n`, also 64-bit on x86_64). */
function bitOf(name: string, n: bigint): CVal {
  if (n < 0n || n >= 64n) throw new CEvalError(`${name}(${n}): bit outside 0..63`);
  return ULL(1n << n);
}

function genmaskOf(name: string, hi: bigint, lo: bigint): CVal {
  if (hi >= 64n || lo < 0n || lo > hi) throw new CEvalError(`${name}(${hi}, ${lo}): bounds outside 0..63 or reversed`);
  return ULL(((1n << (hi + 1n)) - 1n) & ~((1n << lo) - 1n));
}

/** _AC(X, Y) pastes the suffix Y onto the literal X (include/uapi/linux/const.h). */
function pasteSuffix(a: Token[][], ev: (a: Token[]) => bigint): CVal {
  arity('_AC', a, 2);
  const [x, y] = [a[0]!, a[1]!];
  if (x.length === 1 && x[0]!.kind === 'num' && y.length === 1 && /^[uUlL]+$/.test(y[0]!.text)) return literal(x[0]!.text + y[0]!.text);
  return ULL(ev(x));
}

/** The kernel's bit helpers, evaluated directly (see the file comment). */
const BUILTINS: Readonly<Record<string, Builtin>> = {
  BIT_ULL: (a, ev) => (arity('BIT_ULL', a, 1), bitOf('BIT_ULL', ev(a[0]!))),
  BIT: (a, ev) => (arity('BIT', a, 1), bitOf('BIT', ev(a[0]!))),
  _BITULL: (a, ev) => (arity('_BITULL', a, 1), bitOf('_BITULL', ev(a[0]!))),
  _BITUL: (a, ev) => (arity('_BITUL', a, 1), bitOf('_BITUL', ev(a[0]!))),
  GENMASK_ULL: (a, ev) => (arity('GENMASK_ULL', a, 2), genmaskOf('GENMASK_ULL', ev(a[0]!), ev(a[1]!))),
  GENMASK: (a, ev) => (arity('GENMASK', a, 2), genmaskOf('GENMASK', ev(a[0]!), ev(a[1]!))),
  _AC: pasteSuffix,
  _ULL: (a, ev) => (arity('_ULL', a, 1), ULL(ev(a[0]!))),
  _UL: (a, ev) => (arity('_UL', a, 1), ULL(ev(a[0]!))),
  ULL: (a, ev) => (arity('ULL', a, 1), ULL(ev(a[0]!))),
  UL: (a, ev) => (arity('UL', a, 1), ULL(ev(a[0]!))),
  // rsvd_bits(s, e) is a static inline of arch/x86/kvm/mmu.h: bits s..e, 0 when e < s
  rsvd_bits: (a, ev) => {
    arity('rsvd_bits', a, 2);
    const [lo, hi] = [ev(a[0]!), ev(a[1]!)];
    if (hi < lo) return ULL(0n);
    return genmaskOf('rsvd_bits', hi, lo);
  },
  ilog2: (a, ev) => {
    arity('ilog2', a, 1);
    const v = ev(a[0]!);
    if (v <= 0n) throw new CEvalError(`ilog2(${v})`);
    return INT(BigInt(v.toString(2).length - 1));
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
  // the value as a u64 variable would hold it (a negative int sign-extends)
  return BigInt.asUintN(64, num(new Evaluator(expanded, macros, opts.locals ?? new Map(), opts.inIf ?? false).run()));
}
