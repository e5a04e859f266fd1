import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
