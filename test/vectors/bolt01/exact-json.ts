/**
 * The BOLT 1 vector files hold integers up to 2^64 - 1, which JSON.parse would round. This reads
 * a vector file from test/vectors/data with every integer kept exact as a
 * bigint.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { VECTORS_DIR } from '../../support/vectors';

const BIG = '#bigint#';

export function loadExactVectors<T = unknown>(relativePath: string): T {
  const text = readFileSync(resolve(VECTORS_DIR, relativePath), 'utf8');
  // Quote every bare integer that follows a ':' or '[' / ',' inside arrays, tagging it as a bigint.
  const quoted = text.replace(/([:[,]\s*)(-?\d+)(?=\s*[,}\]])/g, (_m, pre: string, digits: string) => `${pre}"${BIG}${digits}"`);
  return JSON.parse(quoted, (_k, v: unknown) =>
    typeof v === 'string' && v.startsWith(BIG) ? BigInt(v.slice(BIG.length)) : v,
  ) as T;
}
