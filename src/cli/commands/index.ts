/**
 * The registry of CLI commands, in the order `mmucheck --help` lists them.
 */
import type { Command } from '../command.js';
import { ciCommand } from './ci.js';
import { roleCommand } from './role.js';
import { vmtypesCommand } from './vmtypes.js';

export const commands: readonly Command[] = [ciCommand, roleCommand, vmtypesCommand];
