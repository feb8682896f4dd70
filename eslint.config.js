// ESLint (flat config): typescript-eslint's strict rules everywhere, eslint-plugin-lit's
// recommended rules for the widget's templates. Formatting is Prettier's job, not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import lit from 'eslint-plugin-lit';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'mobile/**', '**/*.min.js', 'test/frameworks/**/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      // `_`-prefixed names are deliberately unused (Express error handlers need four parameters).
      // tsconfig has noUncheckedIndexedAccess: every `a[i]` is `T | undefined`, and a `!` marks
      // a read the code has just bounded (a loop index, a regex group that matched). strict
      // bans `!` because without that option it hides real undefineds; here it is the opposite.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests read JSON answers of the API under test, whose shape is what they assert; typing
    // every body would restate the contract in each test. Chai's `expect(x).to.exist` is an
    // assertion written as a property read.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-unused-expressions': 'off' },
  },
  { files: ['widget/**/*.ts', 'test/widget/**/*.ts'], ...lit.configs['flat/recommended'] },
);
