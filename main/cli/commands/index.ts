/** Every CLI command, by name. Add a command by creating its file and listing it here. */
import type { CliCommand } from '../command';
import { daemon } from './daemon';
import { decode } from './decode';
import { onion } from './onion';
import { connect, disconnect, getinfo, listpeers, ping } from './peers';
import { simulate } from './simulate';
import { uilogin } from './uilogin';

export const COMMANDS: readonly CliCommand[] = [daemon, getinfo, connect, disconnect, listpeers, ping, onion, simulate, decode, uilogin];
