/**
 * Liveness mode (src/check/liveness.ts): toys with known answers, weak fairness judged per SCC, an
 * oracle on random graphs (catches a broken SCC search or fairness test), lassos that close, the
 * ITF `loop` field and replay of a lasso.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addLoc, check, type CheckResult, FootprintPor, type FootprintModel, locSet, type Model, modelTraceItf, mulberry32, renderItfText } from '../../src/internal.js';
import { livenessToy } from '../../model/toys/liveness.js';
import { tdpLivelock } from '../../model/bench/tdp-livelock.js';
import { cli, isOneLineDiagnostic } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'liveness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Returns the verdict kind and, for a violation, its counterexample kind. */
function verdictOf(r: CheckResult): string {
  return r.verdict.kind === 'violated' ? `violated:${r.verdict.witness.kind}` : r.verdict.kind;
}

/** Asserts the trace of a violation is a lasso whose last state equals its loop start. */
function expectLassoCloses(r: CheckResult): { loop: number; length: number } {
  expect(r.verdict.kind).toBe('violated');
  if (r.verdict.kind !== 'violated') throw new Error('not violated');
  const tr = r.verdict.witness.trace!;
  const l = tr.lasso!;
  expect(l).toBeDefined();
  expect(Array.from(tr.states[tr.states.length - 1]!)).toEqual(Array.from(tr.states[l.loop]!));
  expect(tr.actions.length).toBeGreaterThan(l.loop);
  return { loop: l.loop, length: tr.actions.length - l.loop };
}

describe('liveness toys with known answers', () => {
  it('a lone cycle without progress is found with and without fairness', () => {
    for (const fairness of ['weak', 'none'] as const) {
      const r = check(livenessToy('lone-cycle'), { fairness });
      expect(verdictOf(r)).toBe('violated:non-progress');
      expect(expectLassoCloses(r)).toEqual({ loop: 0, length: 2 });
      expect(r.reductions).toEqual({ por: false, symmetry: false, merge: false });
    }
  });
  it('a self-loop is a cycle (SCC of one state with an edge to itself)', () => {
    const r = check(livenessToy('self-loop'), { fairness: 'none' });
    expect(verdictOf(r)).toBe('violated:non-progress');
    expect(expectLassoCloses(r)).toEqual({ loop: 0, length: 1 });
  });
  it('no cycle: holds (a trivial SCC is not a cycle)', () => {
    expect(verdictOf(check(livenessToy('acyclic'), { fairness: 'none' }))).toBe('holds');
  });
  it('weak fairness excludes a cycle in which a thread is enabled throughout and never moves', () => {
    const weak = check(livenessToy('fair-excluded'), { fairness: 'weak' });
    expect(verdictOf(weak)).toBe('holds');
    expect(weak.verdict.kind === 'holds' && weak.verdict.domain).toContain('no non-progress cycle');
    const none = check(livenessToy('fair-excluded'), { fairness: 'none' });
    expect(verdictOf(none)).toBe('violated:non-progress');
    const tr = none.verdict.kind === 'violated' ? none.verdict.witness.trace! : null;
    expect(tr?.lasso?.threads).toEqual([
      { thread: 0, enabledThroughout: true, moved: true },
      { thread: 1, enabledThroughout: true, moved: false },
    ]);
  });
  it('weak fairness does not exclude it when the starved thread is disabled part of the time', () => {
    const r = check(livenessToy('intermittent'), { fairness: 'weak' });
    expect(verdictOf(r)).toBe('violated:non-progress');
    expectLassoCloses(r);
    const tr = r.verdict.kind === 'violated' ? r.verdict.witness.trace! : null;
    expect(tr?.lasso?.threads).toEqual([
      { thread: 0, enabledThroughout: true, moved: true },
      { thread: 1, enabledThroughout: false, moved: false },
    ]);
  });
  it('eventually is judged on cycles (liveness mode), and on acyclic paths only with liveness off', () => {
    const ev = (m: Model): Model => {
      const { isProgress: _drop, ...rest } = m;
      return { ...rest, properties: () => [{ name: 'flag-set', expectation: 'eventually', check: (s) => s[1] === 1 }] };
    };
    const lone = check(ev(livenessToy('lone-cycle')));
    expect(verdictOf(lone)).toBe('violated:eventually');
    expectLassoCloses(lone);
    expect(verdictOf(check(ev(livenessToy('lone-cycle')), { liveness: false }))).toBe('holds');
    expect(verdictOf(check(ev(livenessToy('fair-excluded')), { fairness: 'weak' }))).toBe('holds');
    expect(verdictOf(check(ev(livenessToy('fair-excluded')), { fairness: 'none' }))).toBe('violated:eventually');
    expect(verdictOf(check(ev(livenessToy('intermittent')), { fairness: 'weak' }))).toBe('violated:eventually');
  });
  it('per-thread progress: a thread enabled only now and then is starved under weak fairness; always enabled, it is not', () => {
    // Thread 0's spin is a progress step of thread 0, so there is no non-progress cycle; thread 1 has not finished while the flag is 0.
    const perThread = (m: Model): Model => ({ ...m, isProgress: () => true, unfinished: (s) => (s[2] === 0 ? 1 : 0) | (s[1] === 0 ? 2 : 0) });
    const starved = check(perThread(livenessToy('intermittent')), { fairness: 'weak' });
    expect(verdictOf(starved)).toBe('violated:starvation');
    expect(starved.verdict.kind === 'violated' && starved.verdict.witness.message).toMatch(/^thread 1 is kept from progress forever/);
    expectLassoCloses(starved);
    expect(verdictOf(check(perThread(livenessToy('fair-excluded')), { fairness: 'weak' }))).toBe('holds');
  });
});

/**
 * A random graph as a model: state = [node]; node u has edges (thread, target, progress).
 * The oracle judges non-progress cycles under weak fairness from the transitive closure.
 */
function randomGraph(seed: number): { model: Model; oracle: (fair: boolean) => boolean } {
  const rnd = mulberry32(seed);
  const n = 2 + Math.floor(rnd() * 9);
  const edges: { t: number; to: number; p: boolean }[][] = [];
  for (let u = 0; u < n; u++) {
    const k = Math.floor(rnd() * 4);
    edges.push(Array.from({ length: k }, () => ({ t: Math.floor(rnd() * 3), to: Math.floor(rnd() * n), p: rnd() < 0.2 })));
  }
  const model: Model = {
    name: `random-${seed}`,
    stateSize: 1,
    initStates: () => [Int32Array.of(0)],
    actions: (s, out) => edges[s[0]!]!.forEach((_, i) => out.push(i)),
    next: (s, a, o) => {
      o[0] = edges[s[0]!]![a]!.to;
      return true;
    },
    properties: () => [],
    actionThread: (s, a) => edges[s[0]!]![a]!.t,
    isProgress: (s, a) => edges[s[0]!]![a]!.p,
    formatAction: (s, a) => `e${s[0]}.${a}`,
    toItf: (s) => ({ node: s[0]! }),
  };
  const oracle = (fair: boolean): boolean => {
    // Reachable nodes from 0 (all edges), then closure over non-progress edges.
    const reach = new Array<boolean>(n).fill(false);
    const q = [0];
    reach[0] = true;
    while (q.length) for (const e of edges[q.pop()!]!) if (!reach[e.to]) (reach[e.to] = true), q.push(e.to);
    const R = Array.from({ length: n }, (_, u) => Array.from({ length: n }, (_, v) => edges[u]!.some((e) => !e.p && e.to === v)));
    for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (R[i]![k] && R[k]![j]) R[i]![j] = true;
    // SCCs among reachable nodes on a cycle.
    for (let u = 0; u < n; u++) {
      if (!reach[u] || !R[u]![u]) continue;
      const C = [...Array(n).keys()].filter((v) => reach[v] && R[u]![v] && R[v]![u]);
      let E = 7;
      let M = 0;
      for (const v of C) {
        let en = 0;
        for (const e of edges[v]!) en |= 1 << e.t;
        E &= en;
        for (const e of edges[v]!) if (!e.p && C.includes(e.to)) M |= 1 << e.t;
      }
      if (!fair || (E & ~M) === 0) return true;
    }
    return false;
  };
  return { model, oracle };
}

describe('liveness against an oracle on random graphs', () => {
  it('agrees on 400 random graphs, with and without weak fairness, and every lasso closes', () => {
    let violations = 0;
    let fairExcluded = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const { model, oracle } = randomGraph(seed);
      for (const fair of [true, false]) {
        const r = check(model, { fairness: fair ? 'weak' : 'none' });
        const want = oracle(fair);
        expect([seed, fair, r.verdict.kind]).toEqual([seed, fair, want ? 'violated' : 'holds']);
        if (want) {
          violations++;
          expectLassoCloses(r);
          // The lasso's loop is weakly fair: every thread enabled throughout moves.
          const l = r.verdict.kind === 'violated' ? r.verdict.witness.trace!.lasso! : null;
          if (fair) for (const t of l!.threads) if (t.enabledThroughout) expect(t.moved).toBe(true);
        }
      }
      if (oracle(false) && !oracle(true)) fairExcluded++;
    }
    // The sample exercises every case.
    expect(violations).toBeGreaterThan(50);
    expect(fairExcluded).toBeGreaterThan(5);
  });
});

describe('statement merging in liveness mode', () => {
  /**
   * Thread 0 loops: take its own bit of a reader mask (word 0), drop it, go back (pc in word 2);
   * thread 1 waits for the mask to be empty, then makes progress once (pc in word 3). The footprint
   * POR calls "drop the bit" local (no other thread can enable thread 1 first), but merging it would
   * skip the states where thread 1 is disabled: thread 0 looping forever while thread 1 is enabled
   * only now and then is a weakly fair non-progress cycle.
   */
  function readerLoop(): Model {
    const en = (s: Int32Array, t: number): boolean => s[2 + t]! >= 0 && (t === 0 || s[0] === 0);
    const run = (s: Int32Array, t: number, out: Int32Array): void => {
      out.set(s);
      const pc = s[2 + t]!;
      if (t === 1) {
        out[1] = 1;
        out[3] = -1;
      } else if (pc === 0) {
        out[0] = s[0]! | 1;
        out[2] = 1;
      } else if (pc === 1) {
        out[0] = s[0]! & ~1;
        out[2] = 2;
      } else out[2] = s[1] === 1 ? -1 : 0;
    };
    const fm: FootprintModel = {
      locations: 4,
      threadCount: 2,
      actionThread: (_s, a) => a,
      recordStep(s, t, out, r, w, adds) {
        addLoc(r, 2 + t);
        if (t === 1) addLoc(r, 0);
        if (!en(s, t)) return false;
        run(s, t, out);
        addLoc(w, 2 + t);
        if (t === 0 && s[2] === 2) addLoc(r, 1);
        if (t === 0 && s[2]! < 2) {
          if (adds) addLoc(adds, 0);
          else {
            addLoc(r, 0);
            addLoc(w, 0);
          }
        }
        if (t === 1) addLoc(w, 1);
        return true;
      },
      future(s, t, r, w, adds) {
        if (s[2 + t]! < 0) return false;
        addLoc(r, 2 + t);
        addLoc(w, 2 + t);
        if (t === 0) {
          addLoc(r, 1);
          if (adds) addLoc(adds, 0);
          else {
            addLoc(r, 0);
            addLoc(w, 0);
          }
        } else {
          addLoc(r, 0);
          addLoc(w, 1);
        }
        return true;
      },
      blockedGuard(s, t, r) {
        if (s[2 + t]! < 0 || en(s, t)) return false;
        addLoc(r, 2 + t);
        if (t === 1) addLoc(r, 0);
        return true;
      },
      visible: locSet(4),
      monotone: locSet(4),
      progress: (s, t) => (s[2 + t]! < 0 ? 1000 : s[2 + t]!),
    };
    const por = new FootprintPor(fm);
    return {
      name: 'reader-loop',
      stateSize: 4,
      initStates: () => [new Int32Array(4)],
      actions(s, out) {
        for (let t = 0; t < 2; t++) if (en(s, t)) out.push(t);
      },
      next(s, t, out) {
        if (!en(s, t)) return false;
        run(s, t, out);
        return true;
      },
      properties: () => [],
      isLocal: (s, a) => por.isLocal(s, a),
      actionThread: (_s, a) => a,
      isProgress: (_s, a) => a === 1,
      formatAction: (_s, a) => `t${a}`,
      toItf: (s) => ({ s: Array.from(s) }),
    };
  }
  it('does not merge a local step that enables another thread (a weakly fair loop stays fair): same verdict as without merging', () => {
    const m = readerLoop();
    const full = check(m, { por: false });
    expect(verdictOf(full)).toBe('violated:non-progress');
    // The footprint POR does call the unlock local: the case the merge rule must exclude.
    const s = new Int32Array([1, 0, 1, 0]);
    expect(m.isLocal!(s, 0)).toBe(true);
    const merged = check(m, { por: true });
    expect(merged.reductions.merge).toBe(true);
    expect(verdictOf(merged)).toBe('violated:non-progress');
    expectLassoCloses(merged);
  });
});

describe('tdp-livelock (the reference workload) and lassos in ITF', () => {
  it('ORDERED=0 livelocks under weak fairness (a lasso), ORDERED=1 has no non-progress cycle', () => {
    const bad = check(tdpLivelock({ NV: 2, NE: 2, ROUNDS: 1, ORDERED: 0 }));
    expect(verdictOf(bad)).toBe('violated:non-progress');
    expectLassoCloses(bad);
    expect(verdictOf(check(tdpLivelock({ NV: 2, NE: 2, ROUNDS: 1, ORDERED: 1 })))).toBe('holds');
  });
  it('merging a thread\'s own local steps keeps every verdict (NV 2..3, both orders, both fairness settings) and reduces the states', () => {
    for (const NV of [2, 3]) {
      for (const ORDERED of [0, 1]) {
        for (const fairness of ['weak', 'none'] as const) {
          const m = tdpLivelock({ NV, NE: NV, ROUNDS: 1, ORDERED });
          const merged = check(m, { fairness });
          const full = check(m, { fairness, merge: false });
          expect([NV, ORDERED, fairness, verdictOf(merged)]).toEqual([NV, ORDERED, fairness, verdictOf(full)]);
          expect(merged.reductions.merge).toBe(true);
          expect(full.reductions.merge).toBe(false);
          if (verdictOf(full) === 'holds') expect(merged.stats.distinctStates).toBeLessThan(full.stats.distinctStates);
          if (merged.verdict.kind === 'violated') expectLassoCloses(merged);
        }
      }
    }
  });
  it('the ITF of a lasso has the top-level loop field, states not repeated, fairness notes in #meta; the text marks the loop', () => {
    const m = tdpLivelock({ NV: 2, NE: 2, ROUNDS: 1, ORDERED: 0 });
    const r = check(m);
    const tr = r.verdict.kind === 'violated' ? r.verdict.witness.trace! : null;
    const itf = modelTraceItf(m, tr!, {});
    expect(itf.loop).toBe(tr!.lasso!.loop);
    expect(itf.states.length).toBe(tr!.states.length - 1);
    const lasso = itf['#meta']['lasso'] as { loopAction: string; fairness: string; threads: unknown[] };
    expect(lasso.loopAction).toBe(tr!.labels[tr!.labels.length - 1]);
    expect(lasso.fairness).toBe('weak');
    const text = renderItfText(itf);
    expect(text).toContain(`--- loop starts at state ${itf.loop} (above)`);
    expect(text).toContain(`this step returns to state ${itf.loop}`);
    expect(text).toMatch(/thread 0: enabled throughout the loop, moved in it/);
  });
  it('check --itf writes a lasso that replay re-executes and confirms closes; a tampered loop is refused', () => {
    const f = join(dir, 'll.itf.json');
    const c = cli(['check', 'tdp-livelock', '--param', 'NV=2', '--param', 'NE=2', '--param', 'ROUNDS=1', '--expect', 'violated', '--itf', f, '--quiet']);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain('non-progress cycle');
    expect(c.stdout).toContain('liveness: weak fairness per thread');
    const r = cli(['replay', f, '--quiet']);
    expect(r.stdout).toMatch(/every state matches; the loop closes: '.*' from state \d+ returns to state \d+/);
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(f, 'utf8')) as { loop: number };
    const bad = join(dir, 'bad.itf.json');
    writeFileSync(bad, JSON.stringify({ ...doc, loop: doc.loop - 1 }));
    const rb = cli(['replay', bad, '--quiet']);
    expect(rb.code).toBe(64);
    expect(rb.stderr).toContain('the loop does not close');
  });
  it('--workers: liveness runs on one thread and says so; --shard is refused; --fairness is validated', () => {
    const w = cli(['check', 'tdp-livelock', '--param', 'NV=2', '--param', 'NE=2', '--param', 'ROUNDS=1', '--param', 'ORDERED=1', '--workers', '2', '--quiet']);
    expect(w.code).toBe(0);
    expect(w.stdout).toContain('liveness mode runs on one thread (--workers 2 not used)');
    expect(cli(['check', 'tdp-livelock', '--shard', '1/2']).code).toBe(64);
    const f = cli(['check', 'tdp-livelock', '--fairness', 'strong']);
    expect(f.code).toBe(64);
    expect(f.stderr).toContain('--fairness');
  });
  it('--fairness or --liveness on where liveness mode does not run is a usage error, not ignored', () => {
    for (const args of [['counters', '--fairness', 'none'], ['tdp-livelock', '--strategy', 'dfs', '--fairness', 'none'], ['tdp-livelock', '--liveness', 'off', '--fairness', 'weak'], ['counters', '--liveness', 'on']]) {
      const r = cli(['check', ...args, '--quiet']);
      expect(r.code, args.join(' ')).toBe(64);
      expect(r.stderr).toMatch(/MMC003: --(fairness|liveness)/);
    }
  });
  it('--por on and --symmetry on in liveness mode are usage errors (not switched off behind the user); with --liveness off they apply', () => {
    for (const [model, flag] of [['tdp-livelock', '--por'], ['tdp-livelock', '--symmetry'], ['mmu/grid/fault-fault', '--por']] as const) {
      const r = cli(['check', model, flag, 'on', '--quiet']);
      expect(r.code, `${model} ${flag}`).toBe(64);
      expect(isOneLineDiagnostic(r.stderr)).toBe(true);
      expect(r.stderr).toContain(`MMC003: ${flag} on: `);
      expect(r.stderr).toContain('pass --liveness off');
    }
    const ok = JSON.parse(cli(['check', 'mmu/grid/fault-fault', '--por', 'on', '--liveness', 'off', '--json', '--quiet']).stdout) as { reductions: { por: boolean } };
    expect(ok.reductions.por).toBe(true);
    expect(cli(['check', 'mmu/grid/fault-fault', '--por', 'off', '--quiet']).code).toBe(0);
  });
});
