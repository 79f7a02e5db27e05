/**
 * The TDX module's Secure-EPT emulation lives in the executable MMU (src/mmu/tdx.ts): step bodies
 * call its SEAMCALLs through the step context (`c.tdx.pageAug(...)`) and compare the status names
 * it returns. The model layer uses the raw state functions re-exported here.
 */
export {
  acceptBegin,
  HOST_PRIORITY,
  pageAdd,
  pageAug,
  pageRemove,
  rangeBlock,
  SEPT,
  SEPT_NAMES,
  septAdd,
  septBepoch,
  septLeafFor,
  septLock,
  septMapsPage,
  septPfn,
  septRemove,
  septState,
  septStateName,
  septWord,
  ST,
  statusName,
  TDX_STATUS,
  track,
  tracked,
  vpEnter,
  vpEnterBegin,
  vpEnterEnd,
  vpExit,
  zeroStepOn,
  zeroStepProgress,
  zeroStepViolation,
} from '../../src/internal.js';
