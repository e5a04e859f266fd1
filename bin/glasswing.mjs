#!/usr/bin/env node
// The `glasswing` command. It runs the CLI bundled into one JavaScript file (dist/cli/, built by
// `npm install` and rebuilt here when a source changed: scripts/cli-bundle.mjs), which starts in a
// fraction of the time compiling TypeScript takes. Without esbuild (no dev dependencies), or with
// GLASSWING_CLI_SOURCES=1, it runs the TypeScript sources through tsx instead.
import { cliEntry } from '../scripts/cli-bundle.mjs';

const entry = await cliEntry();
if (entry) {
  await import(entry);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../main/cli/main.ts');
}
