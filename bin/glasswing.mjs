#!/usr/bin/env node
// The `glasswing` command. It runs the TypeScript sources directly through tsx, so the
// command works right after `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../main/cli/main.ts');
