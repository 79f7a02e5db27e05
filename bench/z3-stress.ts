/**
 * Z3 release-guard stress: solves bit-vector queries while the GC runs finalizers every 2 ms.
 * Run as a child process (a corrupted WASM heap kills it): `node --expose-gc dist/bench/z3-stress.js
 * [--unguarded] [queries]`. Prints `ok N` and exits 0 when every query returned the right answer.
 */
import { startZ3 } from '../src/smt/context.js';

const unguarded = process.argv.includes('--unguarded');
const queries = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 200);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) { console.error('run with node --expose-gc'); process.exit(2); }

const { api } = await startZ3(!unguarded);
const { BitVec, Solver, Or, And } = api.Context('stress');
const timer = setInterval(gc, 2);
for (let q = 0; q < queries; q++) {
  // x & mask == value, value inside mask, x within [lo, hi]: sat iff the expected witness exists.
  const x = BitVec.const(`x${q}`, 64);
  const mask = BitVec.val(((1n << 52n) - 1n) & ~0xfffn, 64);
  const value = BitVec.val(BigInt(q) << 12n, 64);
  const s = new Solver();
  s.add(x.and(mask).eq(value), Or(x.ult(BitVec.val(1n << 40n, 64)), And(x.ugt(BitVec.val(0n, 64)), x.eq(x))));
  const r = await s.check();
  if (r !== 'sat') { console.error(`query ${q}: ${r}`); process.exit(1); }
  const got = (s.model().eval(x) as unknown as { value(): bigint }).value();
  if ((got & (((1n << 52n) - 1n) & ~0xfffn)) !== BigInt(q) << 12n) { console.error(`query ${q}: wrong model ${got}`); process.exit(1); }
  const junk: object[] = [];
  for (let i = 0; i < 5000; i++) junk.push({ i });
}
clearInterval(timer);
console.log(`ok ${queries}`);
process.exit(0);
