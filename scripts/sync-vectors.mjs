#!/usr/bin/env node
// Copies the official BOLT vectors from ../shared/vectors (beside the repository) into
// test/vectors/data, so the tests never read outside the repository. Prints what changed and
// rewrites SHA256SUMS. Without ../shared/vectors it says so and changes nothing.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = resolve(repo, '../shared/vectors');
const target = join(repo, 'test/vectors/data');

function jsonFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? jsonFiles(path) : name.endsWith('.json') ? [path] : [];
  });
}
const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

if (!existsSync(source)) {
  console.log(`no ${source}: nothing to sync (the repository's copy in test/vectors/data stays as it is)`);
  process.exit(0);
}
let changed = 0;
for (const from of jsonFiles(source)) {
  const rel = relative(source, from);
  const to = join(target, rel);
  if (existsSync(to) && sha256(to) === sha256(from)) continue;
  const verb = existsSync(to) ? 'updated' : 'added';
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  console.log(`${verb} ${rel}`);
  changed++;
}
const sums = jsonFiles(target).map((p) => `${sha256(p)}  ./${relative(target, p)}`).sort((a, b) => a.slice(66).localeCompare(b.slice(66)));
writeFileSync(join(target, 'SHA256SUMS'), sums.join('\n') + '\n');
console.log(changed === 0 ? 'vectors up to date' : `${changed} file(s) copied; review PROVENANCE.md if the upstream commit changed`);
