/**
 * The executable MMU's public surface, for variant, scenario and step-body authors: `variant()`,
 * the step context a step body receives (`Ctx`, with `c.tdx` for SEAMCALLs) and the step types,
 * SPTE values (`spte`), witness and invariant names, SEAMCALL status and S-EPT state names, and
 * the read-only state view for property predicates. Internals (state offsets, the interpreter, the
 * raw TDX state functions, trace views) are in `./internal.ts`.
 */
export { variant, type VariantSpec } from './variant.js';
export type { StepBody, StepDef, StepEdit } from './program.js';
export type { Ctx, StepContext, TdxCalls } from './ctx.js';
export { spte, type Held, type LocalName, type OpParams, type RootInfo, type SptePtr, type TlbEntry } from './step-api.js';
export { INVARIANT_DOC, type InvariantName, WITNESS_DOC, type WitnessName } from './names.js';
export { SEPT_NAMES, type SeptStateName, TDX_STATUS, type TdxStatusName } from './tdx.js';
export { type LockView, type MemslotView, type RootRef, type SpteClass, type SpteView, StateView, stateView, type ThreadView } from './view.js';
export type { MmuMachine } from './machine.js';
export {
  INVARIANT_NAMES, OPERATIONS, scenario, WITNESS_NAMES,
  type BoundsSpec, type HostSpec, type MemslotSpec, type OpCall, type OperationName, type ScenarioExpect, type ScenarioProperty, type ScenarioSpec, type SetupCall, type ThreadScript,
} from './scenario.js';
