/**
 * The engine that runs role and VM-type rules lives in src (src/smt/run-spec.ts, src/dsl/enumerate.ts);
 * re-exported here for the proof files and tests of both families.
 */
export { type EnumResult, type RunOptions, type SpecWitness, enumerate, isCounterexample, runSpec, shrinkWitness } from '../../src/internal.js';
