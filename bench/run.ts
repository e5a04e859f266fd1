/**
 * `npm run bench -- NAME [NAME...]` runs bench/NAME.ts (each exports `run(): Promise<void>`
 * and prints its own table). With no name, lists the benchmarks.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && f !== 'harness.ts')
  .map((f) => f.slice(0, -3))
  .sort();

const wanted = process.argv.slice(2).filter((a) => a !== '--');
if (wanted.length === 0) {
  console.log(`usage: npm run bench -- <${available.join('|')}> [...]`);
  process.exit(available.length ? 0 : 1);
}
for (const name of wanted) {
  if (!available.includes(name)) {
    console.error(`unknown benchmark "${name}"; available: ${available.join(', ')}`);
    process.exit(2);
  }
  const mod = (await import(`./${name}.ts`)) as { run: () => Promise<void> };
  console.log(`\n== bench/${name} ==`);
  await mod.run();
}
