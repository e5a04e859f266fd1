import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds the renderer once (when its sources changed) before the browser tests start.
    globalSetup: ['test/e2e/support/global-setup.ts'],
    // Integration and e2e tests start real processes; give them room, but keep unit tests fast.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // A skipped test is a failure in CI (DEVELOPERS.md): no .skip / .todo may pass silently.
    allowOnly: false,
    passWithNoTests: false,
  },
});
