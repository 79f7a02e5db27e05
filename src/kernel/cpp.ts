/**
 * The preprocessor subset `mmucheck kernel` needs: comments and line continuations removed,
 * `#define` / `#undef` recorded with file:line, `#if` / `#ifdef` / `#ifndef` / `#elif` / `#else` /
 * `#endif` decided under the configuration of config.ts, and the text that survives kept with its
 * line numbers (so calls and `static_assert`s in it can be found and placed). `#include` is not
 * followed: the caller reads the files it needs in include order, into one macro table.
 */
import { CEvalError, type MacroDef, type Token, callArgs, evaluate, tokenize } from './cexpr.js';

/** A #define or #undef, in reading order. */
export interface MacroEvent {
  readonly name: string;
  /** undefined for #undef. */
  readonly def: MacroDef | undefined;
  readonly line: number;
}

/** One file after preprocessing. */
export interface ReadFile {
  readonly path: string;
  /** The active, non-directive text, comments blanked: same line count as the file. */
  readonly active: string;
  /** The file's #define/#undef events: indices [firstEvent, endEvent) of the reader's history. */
  readonly firstEvent: number;
  readonly endEvent: number;
}

/** An error at a place in a file (the CLI prints it as `file:line: message`). */
export class SourceError extends Error {
  constructor(readonly file: string, readonly line: number, message: string) {
    super(message);
    this.name = 'SourceError';
  }
}

/** Replaces comments by spaces (newlines kept), leaving string and character literals alone. */
export function stripComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') { out += ' '; i++; }
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else { out += c; i++; }
  }
  return out;
}

/** One logical line: its text (continuations joined) and its first and last physical line (1-based). */
interface Logical {
  readonly text: string;
  readonly first: number;
  readonly last: number;
}

function logicalLines(text: string): Logical[] {
  const phys = text.split('\n');
  const out: Logical[] = [];
  for (let i = 0; i < phys.length; i++) {
    const first = i;
    let s = phys[i]!;
    while (/\\\s*$/.test(s) && i + 1 < phys.length) s = s.replace(/\\\s*$/, ' ') + phys[++i]!;
    out.push({ text: s, first: first + 1, last: i + 1 });
  }
  return out;
}

/** The state of one #if group. */
interface Cond {
  /** The group's current branch is taken. */
  on: boolean;
  /** Some branch of the group was taken already. */
  done: boolean;
  /** The enclosing text is active. */
  readonly outer: boolean;
  readonly line: number;
}

/**
 * Reads files into one macro table, in order. The table starts with the configuration's CONFIG_
 * macros; `macros` is the table after every file read so far, `events` its history (so a
 * `static_assert` can be evaluated with the macros defined above it).
 */
export class Preprocessor {
  readonly macros = new Map<string, MacroDef>();
  readonly events: MacroEvent[] = [];

  constructor(config: Readonly<Record<string, string>>) {
    for (const [name, value] of Object.entries(config)) this.macros.set(name, { name, body: tokenize(value), file: '(configuration)', line: 0 });
  }

  /** Returns the macro table as it was after event `upto` (exclusive) of the history. */
  macrosAt(upto: number): Map<string, MacroDef> {
    const m = new Map([...this.macros].filter(([, d]) => d.file === '(configuration)'));
    for (const e of this.events.slice(0, upto)) {
      if (e.def) m.set(e.name, e.def);
      else m.delete(e.name);
    }
    return m;
  }

  /** Preprocesses one file's text (`path` as shown in messages, relative to the tree). */
  read(path: string, text: string): ReadFile {
    const lines = logicalLines(stripComments(text.replace(/\r\n/g, '\n')));
    const active: string[] = [];
    const stack: Cond[] = [];
    const firstEvent = this.events.length;
    const on = (): boolean => stack.every((c) => c.on);
    for (const l of lines) {
      const d = /^\s*#\s*(\w+)\s*(.*)$/s.exec(l.text);
      // a joined logical line keeps its physical line count: its text on the first, blanks after
      active.push(!d && on() ? l.text : '');
      for (let k = l.first; k < l.last; k++) active.push('');
      if (d) this.directive(path, l, d[1]!, d[2]!.trim(), stack);
    }
    if (stack.length) throw new SourceError(path, stack[stack.length - 1]!.line, '#if without #endif');
    return { path, active: active.join('\n'), firstEvent, endEvent: this.events.length };
  }

  private cond(path: string, line: number, expr: string): boolean {
    try {
      return evaluate(tokenize(expr), this.macros, { inIf: true }) !== 0n;
    } catch (e) {
      if (e instanceof CEvalError) throw new SourceError(e.macro?.file ?? path, e.macro?.line ?? line, `#if ${expr}: ${e.message}`);
      throw e;
    }
  }

  private directive(path: string, l: Logical, name: string, rest: string, stack: Cond[]): void {
    const active = stack.every((c) => c.on);
    const top = stack[stack.length - 1];
    switch (name) {
      case 'if':
      case 'ifdef':
      case 'ifndef': {
        const id = /^\w+/.exec(rest)?.[0] ?? '';
        const v = !active ? false : name === 'if' ? this.cond(path, l.first, rest) : (name === 'ifdef') === this.macros.has(id);
        stack.push({ on: v, done: v, outer: active, line: l.first });
        return;
      }
      case 'elif':
      case 'else': {
        if (!top) throw new SourceError(path, l.first, `#${name} without #if`);
        const v = top.outer && !top.done && (name === 'else' || this.cond(path, l.first, rest));
        top.on = v;
        top.done ||= v;
        return;
      }
      case 'endif':
        if (!stack.pop()) throw new SourceError(path, l.first, '#endif without #if');
        return;
      case 'define':
        if (active) this.define(path, l.first, rest);
        return;
      case 'undef':
        if (active) {
          const id = rest.split(/\s/)[0]!;
          this.macros.delete(id);
          this.events.push({ name: id, def: undefined, line: l.first });
        }
        return;
      default:
        // #include, #pragma, #error inside inactive code, #warning, #line: nothing the layout needs.
        return;
    }
  }

  private define(path: string, line: number, rest: string): void {
    const m = /^([A-Za-z_]\w*)(\(([^)]*)\))?(.*)$/s.exec(rest);
    if (!m) throw new SourceError(path, line, `malformed #define ${rest}`);
    const params = m[2] === undefined ? undefined : m[3]!.split(',').map((p) => p.trim()).filter((p) => p.length);
    const def: MacroDef = { name: m[1]!, body: tokenize(m[4]!), file: path, line, ...(params ? { params } : {}) };
    this.macros.set(def.name, def);
    this.events.push({ name: def.name, def, line });
  }
}

/** A `static_assert(...)` or `BUILD_BUG_ON(...)` found in active text. */
export interface Assertion {
  readonly kind: 'static_assert' | 'BUILD_BUG_ON';
  readonly file: string;
  readonly line: number;
  /** The condition as written (whitespace collapsed); for BUILD_BUG_ON, the condition that must be false. */
  readonly text: string;
  readonly cond: readonly Token[];
  /** The macro table as it stood at this line. */
  readonly macros: ReadonlyMap<string, MacroDef>;
}

/** Returns the 1-based line of an offset in a text. */
export function lineAt(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/**
 * Returns each call of `fn` in a file's active text between two offsets: its line, its
 * arguments as tokens, and its argument text (whitespace collapsed).
 */
export function calls(f: ReadFile, fn: string, from = 0, to = f.active.length): { line: number; args: Token[][]; text: string }[] {
  const out: { line: number; args: Token[][]; text: string }[] = [];
  const re = new RegExp(`\\b${fn}\\s*\\(`, 'g');
  re.lastIndex = from;
  for (let m = re.exec(f.active); m && m.index < to; m = re.exec(f.active)) {
    let depth = 0;
    let j = m.index + m[0].length - 1;
    for (; j < f.active.length; j++) {
      if (f.active[j] === '(') depth++;
      else if (f.active[j] === ')' && --depth === 0) break;
    }
    const inner = f.active.slice(m.index + m[0].length, j);
    const { args } = callArgs(tokenize(inner + ')'), 0, fn);
    out.push({ line: lineAt(f.active, m.index), args, text: inner.replace(/\s+/g, ' ').trim() });
  }
  return out;
}

/** Returns the assertions of a file, each with the macros defined above it. */
export function assertions(pp: Preprocessor, f: ReadFile): Assertion[] {
  const out: Assertion[] = [];
  for (const kind of ['static_assert', 'BUILD_BUG_ON'] as const) {
    for (const c of calls(f, kind)) {
      const cond = c.args[0] ?? [];
      let upto = f.firstEvent;
      while (upto < f.endEvent && pp.events[upto]!.line < c.line) upto++;
      // static_assert(cond, "message"): the condition ends at the last comma before the message
      const text = kind === 'static_assert' && c.args.length > 1 ? c.text.slice(0, c.text.lastIndexOf(',', c.text.indexOf('"'))).trim() : c.text;
      out.push({ kind, file: f.path, line: c.line, text, cond, macros: pp.macrosAt(upto) });
    }
  }
  return out.sort((a, b) => a.line - b.line);
}
