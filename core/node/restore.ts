/**
 * Restoring a node from its 24 backup words: only into an empty data directory (a config.json put
 * there first is allowed), never over a seed. The scan marker is written before the seed, so a
 * restore that dies in between is simply started again. The seed comes from the words, so the node id and
 * the wallet's keys are the same; channels are not restored (their state is not in the words).
 * The wallet then scans the chain from a birthday height until no new script appears; that scan
 * is remembered in DATADIR/wallet-restore.json until it is done, so a restart during it goes on.
 */
import { closeSync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { GlasswingError } from '../errors';
import { LOCK_FILE } from '../store';
import { CONFIG_FILE } from './settings';

export const RESTORE_FILE = 'wallet-restore.json';

/**
 * Codes:
 * - `node.restore_not_empty` — the data directory to restore into already holds a node
 * - `node.restore_corrupt` — DATADIR/wallet-restore.json is damaged
 */
export class RestoreError extends GlasswingError {}

/**
 * What an "empty" data directory may hold: a config.json put there first, and what a restore that
 * died before writing the seed left (its scan marker, a lock the next start takes over).
 */
function leftBeforeASeed(name: string): boolean {
  return name === CONFIG_FILE || name === RESTORE_FILE || name === LOCK_FILE || name.startsWith(`${LOCK_FILE}.`);
}

/** Throws unless `datadir` is missing or holds no node yet (nothing but config.json, or what a restore that died early left). */
export function checkEmptyForRestore(datadir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(datadir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const other = entries.filter((name) => !leftBeforeASeed(name));
  if (other.length > 0) {
    throw new RestoreError('node.restore_not_empty', `${datadir} is not empty (${other.slice(0, 3).join(', ')}${other.length > 3 ? ', …' : ''}): restore into a new data directory`);
  }
}

/** The birthday of a restore scan still in progress, or null. */
export function readRestoreScan(datadir: string): { birthday: number } | null {
  let text: string;
  try {
    text = readFileSync(join(datadir, RESTORE_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = null;
  }
  const birthday = (v as { birthday?: unknown } | null)?.birthday;
  if (typeof birthday !== 'number' || !Number.isSafeInteger(birthday) || birthday < 0) {
    throw new RestoreError('node.restore_corrupt', `${RESTORE_FILE} is damaged: delete it to stop the restore scan`);
  }
  return { birthday };
}

export function writeRestoreScan(datadir: string, birthday: number): void {
  const path = join(datadir, RESTORE_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify({ birthday }) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function clearRestoreScan(datadir: string): void {
  rmSync(join(datadir, RESTORE_FILE), { force: true });
}
