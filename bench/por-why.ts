/**
 * Why footprint POR does not reduce an MMU scenario: explores the scenario unreduced (breadth-first,
 * at most `--states N` states, default 200,000) and, in every state, asks of every enabled step each
 * condition of src/check/por.ts separately (cycle proviso, visibility, independence against each
 * other thread's future), naming the words that make it fail by class. Then counts, per state,
 * whether SOME step is a singleton persistent set (the state is reduced), whether `persistent` finds
 * a proper set of several threads (condition 5), and the same under
 * counterfactual relaxations (no visibility; other threads' pcs out of the futures; both), which
 * tell which condition is the one to attack.
 *
 *   node dist/bench/por-why.js mmu/grid/3t-fault-notifier-fast-zap
 *   node dist/bench/por-why.js bench/scale/five.ts --states 100000
 *   node dist/bench/por-why.js mmu/grid/3t-fault-notifier-fast-zap --ignore G.readers,G.writer   # what if
 */
import { FootprintPor, hasLoc, locSet, type LocSet } from '../src/check/por.js';
import { buildMachine } from '../model/mmu/build.js';
import { findScenario } from '../model/mmu/scenarios.js';
import { loadVariant } from '../src/cli/mmu-check.js';
import type { MmuMachine } from '../src/internal.js';

function wordClass(name: string): string {
  if (name.endsWith('.pc')) return 'pc';
  if (name.endsWith('.lock-wait')) return 'lock-wait';
  if (name.startsWith('G.')) return name;
  if (name.includes('.local.')) return 'L.' + name.split('.local.')[1];
  return name.replace(/\d+/g, '#');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const target = argv[0];
  if (target === undefined) throw new Error('usage: por-why SCENARIO|FILE [--states N]');
  const ii = argv.indexOf('--ignore');
  const ignore = new Set(ii >= 0 ? argv[ii + 1]!.split(',') : []);
  const si = argv.indexOf('--states');
  const maxStates = si >= 0 ? Number(argv[si + 1]) : 200_000;
  const scn = findScenario(target);
  const mm: MmuMachine = scn !== undefined ? buildMachine(scn) : (await loadVariant(target)).machine as MmuMachine;
  const fp = mm.footprints;
  if (fp === undefined) throw new Error('no footprints');
  const m = mm.layout;
  const n = fp.locations;
  const T = fp.threadCount;
  const pcs = locSet(n);
  for (let t = 0; t < T; t++) pcs[m.pc(t) >>> 5] = pcs[m.pc(t) >>> 5]! | (1 << (m.pc(t) & 31));
  const ignored = (i: number): boolean => ignore.has(wordClass(fp.wordName(i)));
  const props = mm.properties();
  const propReads = props.map((p) => fp.declaredReads(p));
  // the POR as the checker runs it, and the same with no property reading anything (visibility off)
  const por = new FootprintPor(fp);
  const noVis = new FootprintPor(Object.assign(Object.create(fp) as typeof fp, { visible: locSet(n) }));
  const counts = new Map<string, number>();
  const bump = (k: string, by = 1): void => void counts.set(k, (counts.get(k) ?? 0) + by);
  const seen = new Set<string>();
  const queue: Int32Array[] = mm.initStates();
  for (const s of queue) seen.add(s.join(','));
  const out = new Int32Array(m.size);
  const acts: number[] = [];
  let states = 0;
  let head = 0;
  // per state: reduced under [current, no-visibility, no-other-pc, both]
  const reducedUnder = [0, 0, 0, 0, 0, 0, 0, 0];
  // per state: a proper set of several threads [with visibility, without]; any proper set [with, without]
  const multiUnder = [0, 0, 0, 0];
  const sel = new Int32Array(64);
  const out2 = new Int32Array(m.size);
  while (head < queue.length && states < maxStates) {
    const s = queue[head++]!;
    queue[head - 1] = undefined as unknown as Int32Array;
    states++;
    acts.length = 0;
    mm.actions(s, acts);
    const ok = [false, false, false, false, false, false, false, false];
    for (const a of acts) {
      const r = locSet(n);
      const w = locSet(n);
      if (!fp.recordStep(s, a, out, r, w)) {
        bump('step: disabled/unrecorded');
        continue;
      }
      const key = out.join(',');
      if (!seen.has(key)) {
        seen.add(key);
        queue.push(out.slice());
      }
      bump('steps asked');
      const real = por.isLocal(s, a);
      const nv = noVis.isLocal(s, a);
      if (real) ok[6] = true;
      if (nv) ok[7] = true;
      bump(real ? 'checker: step local' : nv ? 'checker: refused by visibility only' : 'checker: refused (conflict or proviso)');
      const prog = fp.progress(out, a) > fp.progress(s, a);
      if (!prog) bump('step fails: proviso (no progress)');
      // visibility
      const visWords: number[] = [];
      for (let i = 0; i < n; i++) if (hasLoc(w, i) && hasLoc(fp.visible, i)) visWords.push(i);
      const vis = visWords.length > 0;
      if (vis) {
        bump('step fails: visible');
        const cls = new Set(visWords.map((i) => wordClass(fp.wordName(i))));
        for (const c of cls) bump(`  visible via ${c}`);
        props.forEach((p, k) => {
          if (visWords.some((i) => hasLoc(propReads[k]!, i))) bump(`  visible to ${p.name}`);
        });
      }
      // threads that may move on a path avoiding thread a: the enabled ones, and (fixpoint) a
      // disabled one whose guard reads a word such a thread's future writes; the others keep only
      // their guard reads
      const guard: (LocSet | null)[] = [];
      const mayMove: boolean[] = [];
      for (let u = 0; u < T; u++) {
        guard.push(null);
        mayMove.push(false);
        if (u === a || s[m.pc(u)]! < 0) continue;
        const gr = locSet(n);
        const gw = locSet(n);
        if (fp.recordStep(s, u, out2, gr, gw)) mayMove[u] = true;
        else guard[u] = gr;
      }
      for (let changed = true; changed; ) {
        changed = false;
        for (let u = 0; u < T; u++) {
          if (mayMove[u] || guard[u] === null) continue;
          for (let v = 0; v < T && !mayMove[u]; v++) {
            if (!mayMove[v]) continue;
            const f = fp.declaredFuture(v, s[m.pc(v)]!);
            for (let i = 0; i < n; i++) if (hasLoc(guard[u]!, i) && hasLoc(f, i)) { mayMove[u] = true; changed = true; break; }
          }
        }
      }
      let confBlk = false;
      for (let u = 0; u < T && !confBlk; u++) {
        if (u === a || s[m.pc(u)]! < 0 || !mayMove[u]) continue;
        const f: LocSet = fp.declaredFuture(u, s[m.pc(u)]!);
        for (let i = 0; i < n; i++) {
          if (hasLoc(fp.monotone, i) || !hasLoc(f, i) || ignored(i)) continue;
          if (hasLoc(w, i) || hasLoc(r, i)) { confBlk = true; break; }
        }
      }
      if (prog && !confBlk) ok[4] = true;
      if (prog && !confBlk && !vis) ok[5] = true;
      // independence, with and without other threads' pcs in the futures
      let conf = false;
      let confNoPc = false;
      const confCls = new Set<string>();
      for (let u = 0; u < T; u++) {
        if (u === a || !mayMove[u]) continue;
        const pc = s[m.pc(u)]!;
        if (pc < 0) continue;
        const f: LocSet = fp.declaredFuture(u, pc);
        for (let i = 0; i < n; i++) {
          if (hasLoc(fp.monotone, i) || !hasLoc(f, i)) continue;
          // futures are read+write alike: a conflict is any write of ours, or a read of ours
          if (!hasLoc(w, i) && !hasLoc(r, i)) continue;
          conf = true;
          const isOtherPc = hasLoc(pcs, i); // a pc in a conflict is contended()'s doing: it reads every pc, and its futures hold every pc
          confCls.add(`${wordClass(fp.wordName(i))}${isOtherPc ? ' (future holds every pc: contended)' : ''} [with ${mm.threadNames[u]}]`);
          if (!isOtherPc) confNoPc = true;
        }
      }
      if (conf) {
        bump('step fails: conflict');
        for (const c of confCls) bump(`  conflict via ${c}`);
      }
      if (conf && !confNoPc) bump('  conflict ONLY through other pcs (contended)');
      if (!prog) continue;
      if (!vis && !conf) bump('step local (all pass)');
      if (!vis && !conf) ok[0] = true;
      if (!conf) ok[1] = true;
      if (!vis && !confNoPc) ok[2] = true;
      if (!confNoPc) ok[3] = true;
      if (vis && !conf) bump('  fails ONLY visibility');
      if (!vis && conf) bump('  fails ONLY conflict');
    }
    for (let k = 0; k < 8; k++) if (ok[k]) reducedUnder[k]!++;
    // sets of several threads (condition 5): a proper conflict-closed set, with and without visibility
    if (acts.length > 1) {
      const p = por.persistent(s, acts, sel);
      const q = noVis.persistent(s, acts, sel);
      if (p > 1) multiUnder[0]!++;
      if (q > 1) multiUnder[1]!++;
      if (p > 0) multiUnder[2]!++;
      if (q > 0) multiUnder[3]!++;
    }
  }
  console.log(`# ${mm.name}: ${states} states explored (unreduced BFS${head < queue.length ? ', cut' : ''})`);
  const pct = (k: number): string => `${reducedUnder[k]} (${((100 * reducedUnder[k]!) / states).toFixed(1)}%)`;
  console.log(`checker (FootprintPor): states with a singleton persistent set: ${pct(6)}; with visibility off: ${pct(7)}`);
  const pm = (k: number): string => `${multiUnder[k]} (${((100 * multiUnder[k]!) / states).toFixed(1)}%)`;
  console.log(`checker (FootprintPor.persistent): states with a proper set of several threads: ${pm(0)}; with visibility off: ${pm(1)}; any proper set: ${pm(2)}; with visibility off: ${pm(3)}`);
  console.log(`word-level analysis against every unfinished thread's whole future (no blocked threads):`);
  console.log(`states with a singleton persistent set: ${reducedUnder[0]} (${((100 * reducedUnder[0]!) / states).toFixed(1)}%)`);
  console.log(`  ... if visibility were ignored: ${reducedUnder[1]} (${((100 * reducedUnder[1]!) / states).toFixed(1)}%)`);
  console.log(`  ... if futures held no other thread's pc: ${reducedUnder[2]} (${((100 * reducedUnder[2]!) / states).toFixed(1)}%)`);
  console.log(`  ... both: ${reducedUnder[3]} (${((100 * reducedUnder[3]!) / states).toFixed(1)}%)`);
  console.log(`checker's conditions, conflicts on ${[...ignore].join(', ') || '(nothing)'} ignored (--ignore CLASS,...): visibility off ${pct(4)}; visibility kept ${pct(5)}`);
  for (const [k, v] of counts) console.log(`${k}: ${v}`);
}

await main();
