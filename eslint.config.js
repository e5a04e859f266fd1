import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layerOrder from './eslint/layer-order.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'renderer/dist/', 'fuzz/.work/', '**/*.svelte'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['@noble/*'], message: 'Only core/crypto may import @noble/* (the one crypto seam).' }],
      }],
    },
  },
  {
    files: ['core/crypto/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['core/**/*.ts'],
    ignores: ['core/crypto/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@noble/*'], message: 'Only core/crypto may import @noble/* (the one crypto seam).' },
          { group: ['electron', '**/main/**', '**/renderer/**'], message: 'core/ never imports electron, main/ or renderer/.' },
        ],
      }],
    },
  },
  {
    // The layer order (eslint/layers.js, the one table): dependencies point down, siblings do not
    // know each other, core never imports its hosts, the renderer imports only core/api.
    files: ['core/**/*.ts', 'renderer/**/*.ts'],
    plugins: { glasswing: { rules: { 'layer-order': layerOrder } } },
    rules: { 'glasswing/layer-order': 'error' },
  },
  {
    // One clock: adapters and the composition root read the time and set timers only through the
    // node's Clock (core/runtime/clock.ts), so every timer is listed in one place and tests drive time.
    files: ['core/runtime/**/*.ts', 'core/node/**/*.ts'],
    ignores: ['core/runtime/clock.ts'],
    rules: {
      'no-restricted-globals': ['error',
        ...['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'setImmediate'].map((name) => ({
          name, message: 'Use the node\'s Clock (core/runtime/clock.ts): clock.timeout / clock.interval.',
        })),
      ],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Use the node\'s Clock (core/runtime/clock.ts): clock.now().' }],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use the node\'s Clock (core/runtime/clock.ts): clock.now().' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
