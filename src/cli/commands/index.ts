/**
 * The registry of CLI commands, in the order `mmucheck --help` lists them.
 */
import type { Command } from '../command.js';
import { ciCommand } from './ci.js';

export const commands: readonly Command[] = [ciCommand];
