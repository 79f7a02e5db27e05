/**
 * The C subset of src/kernel: macro expansion, the kernel's bit helpers, casts, conditionals under
 * the x86_64 configuration, comments and continuations, assertions found with the macros above them.
 */
import { describe, expect, it } from 'vitest';
import { CEvalError, type MacroDef, evaluate, tokenize } from '../../src/kernel/cexpr.js';
import { Preprocessor, assertions, stripComments } from '../../src/kernel/cpp.js';
import { X86_64_CONFIG } from '../../src/kernel/layout.js';

/** Preprocesses `text` as one file and evaluates `expr` over its macros. */
function ev(text: string, expr: string): bigint {
  const pp = new Preprocessor(X86_64_CONFIG);
  pp.read('t.h', text);
  return evaluate(tokenize(expr), pp.macros);
}

describe('C constant expressions', () => {
  it('bit helpers and suffixes', () => {
    expect(ev('', 'BIT_ULL(63)')).toBe(1n << 63n);
    expect(ev('', 'GENMASK_ULL(62, 52)')).toBe(0x7ff0000000000000n);
    expect(ev('', 'GENMASK(10, 3) | BIT(0)')).toBe(0x7f9n);
    expect(ev('', '_BITULL(5) + _AC(0x10, ULL) + 0x5a0ULL')).toBe(0x20n + 0x10n + 0x5a0n);
    expect(ev('', '(3ULL << 52) >> 52')).toBe(3n);
    expect(ev('', '010')).toBe(8n);
  });
  it("rsvd_bits (mmu.h's inline): bits s..e, 0 when e < s; a wide local is u64", () => {
    expect(ev('', 'rsvd_bits(3, 5)')).toBe(0x38n);
    expect(ev('', 'rsvd_bits(51, 51) | 1')).toBe((1n << 51n) | 1n);
    expect(ev('', 'rsvd_bits(52, 51)')).toBe(0n);
    const pp = new Preprocessor(X86_64_CONFIG);
    const locals = new Map([['mask_bit', 40n], ['mask', 1n << 51n]]);
    expect(evaluate(tokenize('(mask_bit < 52) ? rsvd_bits(mask_bit, 51) | 1 : 0'), pp.macros, { locals })).toBe(0x000fff0000000001n);
    expect(evaluate(tokenize('mask >> 51'), pp.macros, { locals })).toBe(1n);
  });
  it('u64 wrap-around, casts and ternaries', () => {
    expect(ev('', '~0ULL')).toBe((1n << 64n) - 1n);
    expect(ev('', '(u32)~0ULL')).toBe(0xffffffffn);
    expect(ev('', '(u64)(0 - 1)')).toBe((1n << 64n) - 1n);
    expect(ev('', '(bool)4 ? 7 : 9')).toBe(7n);
    expect(ev('', '1 == 2 ? 7 : 9')).toBe(9n);
    expect(ev('', '!(1 && 0) || 0')).toBe(1n);
  });
  it('object- and function-like macros, expanded like cpp', () => {
    const h = '#define LO 3\n#define HI (LO + 7)\n#define MASK(h, l) GENMASK_ULL(h, l)\n#define M MASK(HI, LO)\n';
    expect(ev(h, 'M')).toBe(0x7f8n);
  });
  it('a definition cycle names the chain and the macro', () => {
    const pp = new Preprocessor({});
    pp.read('t.h', '#define A (B + 1)\n#define B (A + 1)\n');
    let err: unknown;
    try { evaluate(tokenize('A'), pp.macros); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(CEvalError);
    expect((err as CEvalError).message).toBe('definition cycle: A -> B -> A');
    expect(((err as CEvalError).macro as MacroDef).line).toBe(1);
  });
  it('an identifier that is not a macro is not a constant (outside #if)', () => {
    expect(() => ev('#define X BIT_ULL(n)\n', 'X')).toThrow(/'n' is not a macro/);
    expect(() => ev('', 'BIT_ULL(64)')).toThrow(/BIT_ULL\(64\): bit outside 0..63/);
    expect(() => ev('', '1 << 64')).toThrow(/shift by 64/);
  });
});

describe('preprocessor', () => {
  it('keeps line numbers through comments and continuations', () => {
    const src = '/* a\n * b */\n#define A \\\n  (1 + \\\n   2)\n// c\n#define B A\n';
    expect(stripComments(src).split('\n').length).toBe(src.split('\n').length);
    const pp = new Preprocessor({});
    pp.read('t.h', src);
    expect(pp.macros.get('A')!.line).toBe(3);
    expect(pp.macros.get('B')!.line).toBe(7);
    expect(evaluate(tokenize('B'), pp.macros)).toBe(3n);
  });
  it('decides #if/#ifdef/#elif/#else under the x86_64 configuration', () => {
    const h = [
      '#ifdef CONFIG_X86_64', '#define NP BIT_ULL(63)', '#else', '#define NP 0ULL', '#endif',
      '#if defined(CONFIG_X86_32) || !IS_ENABLED(CONFIG_KVM_INTEL)', '#define V 1', '#elif defined CONFIG_KVM_AMD && UNKNOWN_IS_ZERO == 0', '#define V 2', '#else', '#define V 3', '#endif',
      '#ifndef NP', '#define NP 5', '#endif',
    ].join('\n');
    expect(ev(h, 'NP')).toBe(1n << 63n);
    expect(ev(h, 'V')).toBe(2n);
  });
  it('evaluates each assertion with the macros defined above it (#undef after it)', () => {
    const pp = new Preprocessor({});
    const f = pp.read('t.h', '#define S (1 << 4)\nstatic_assert(S == 16, "four, or not");\n#undef S\nvoid f(void) { BUILD_BUG_ON(S); }\n');
    const [a, b] = assertions(pp, f);
    expect(a!.text).toBe('S == 16');
    expect(a!.line).toBe(2);
    expect(evaluate(a!.cond, a!.macros)).toBe(1n);
    expect(b!.kind).toBe('BUILD_BUG_ON');
    expect(() => evaluate(b!.cond, b!.macros)).toThrow(/'S' is not a macro/);
  });
});

describe('IS_ENABLED', () => {
  it('is decided on the CONFIG_ name, in #if and inside a macro body alike', () => {
    const h = '#define ON IS_ENABLED(CONFIG_X86_64)\n#define OFF IS_ENABLED(CONFIG_X86_32)\n#if IS_ENABLED(CONFIG_KVM_AMD)\n#define AMD 1\n#endif\n';
    expect([ev(h, 'ON'), ev(h, 'OFF'), ev(h, 'AMD')]).toEqual([1n, 0n, 1n]);
  });
});

describe('C integer types (LP64)', () => {
  it('signed int arithmetic and comparisons are signed; unsigned operands convert', () => {
    expect(ev('', '(1 - 2) < 0')).toBe(1n);
    expect(ev('', '(1U - 2) < 0')).toBe(0n);
    expect(ev('', '-1 < 0U')).toBe(0n);
    expect(ev('', '-1L < 0U')).toBe(1n);
    expect(ev('', '(1 << 31) < 0')).toBe(1n);
    expect(ev('', '0x80000000 < 0')).toBe(0n);
    expect(ev('', '-1 >> 1')).toBe((1n << 64n) - 1n);
    expect(ev('', '(u8)0x1ff + 1')).toBe(0x100n);
    expect(ev('', '_AC(1, UL) << 40')).toBe(1n << 40n);
  });
  it('an int shifted by 32 or more is not a constant; a 64-bit one is', () => {
    expect(() => ev('', '1 << 40')).toThrow(/shift by 40/);
    expect(ev('', '1ULL << 40')).toBe(1n << 40n);
  });
  it('#if computes in (u)intmax_t', () => {
    expect(ev('#if -1 < 0u\n#define R 1\n#else\n#define R 2\n#endif\n#if (1 << 40) > 0\n#define S 1\n#endif\n', 'R + S')).toBe(3n);
  });
});
