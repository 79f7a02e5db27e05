/**
 * The registry of CLI commands, in the order `mmucheck --help` lists them.
 */
import type { Command } from '../command.js';
import { ciCommand } from './ci.js';
import { decodeCommand } from './decode.js';
import { listCommand } from './list.js';
import { mmioCommand } from './mmio.js';
import { proveCommand } from './prove.js';
import { synthCommand } from './synth.js';
import { roleCommand } from './role.js';
import { vmtypesCommand } from './vmtypes.js';
import { replayCommand } from './replay.js';
import { checkCommand } from './check.js';
import { mergeCommand } from './merge.js';
import { kernelCommand } from './kernel.js';
import { viewCommand } from './view.js';

export const commands: readonly Command[] = [ciCommand, proveCommand, mmioCommand, synthCommand, decodeCommand, listCommand, roleCommand, vmtypesCommand, replayCommand, viewCommand, checkCommand, mergeCommand, kernelCommand];
