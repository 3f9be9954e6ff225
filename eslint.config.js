import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The kernel never reads the wall clock or Math.random: time and randomness are injected.
    files: ['src/core/**', 'src/wire/**', 'src/sched/**', 'src/ethernet/**', 'src/netlink/**', 'src/packet/**', 'src/drivers/**', 'src/socket/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'use the kernel clock' },
        { object: 'Math', property: 'random', message: 'use the kernel rng' }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate'],
    },
  },
);
