/**
 * `npm run bench -- NAME [NAME...]` runs bench/NAME.ts (each exports `run(): Promise<void>`
 * and prints its own table). With no name, runs them all, in name order; `--list` lists them.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && f !== 'harness.ts')
  .map((f) => f.slice(0, -3))
  .sort();

const args = process.argv.slice(2).filter((a) => a !== '--');
if (args.includes('--list')) {
  console.log(`usage: npm run bench [-- <${available.join('|')}> ...]  (no name: all of them)`);
  process.exit(0);
}
const wanted = args.length === 0 ? available : args;
for (const name of wanted) {
  if (!available.includes(name)) {
    console.error(`unknown benchmark "${name}"; available: ${available.join(', ')}`);
    process.exit(2);
  }
  const mod = (await import(`./${name}.ts`)) as { run: () => Promise<void> };
  console.log(`\n== bench/${name} ==`);
  await mod.run();
}
