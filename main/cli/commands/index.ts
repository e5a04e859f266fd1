/** Every CLI command, by name. Add a command by creating its file and listing it here. */
import type { CliCommand } from '../command';
import { onion } from './onion';

export const COMMANDS: readonly CliCommand[] = [onion];
