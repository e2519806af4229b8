// @ts-check
// Lint gate (issue 7 item 7). `npm run lint` = `prettier --check . && eslint . --max-warnings 0`.
// Prettier owns layout; ESLint owns correctness, plus max-len for what Prettier cannot wrap (strings, comments).
import eslint from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['dist/', '.otpgate/', 'docs/screenshots/', 'bench/results/', 'node_modules/', 'tmp/']),

  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Type information from tsconfig.json (src, test, examples, bench, scripts); this file is outside it.
        projectService: { allowDefaultProject: ['eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { '@stylistic': stylistic },
    rules: {
      // One width for code, comments and strings. Prettier wraps code at the same 140; what it cannot wrap
      // (a long string, template or comment) is wrapped by hand. No exceptions: the tree has no long URLs.
      '@stylistic/max-len': ['error', { code: 140, tabWidth: 2 }],

      '@typescript-eslint/no-explicit-any': 'error',
      // The code writes `import type { A }` when every name is a type and `import { f, type B }` when mixed.
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's test/describe/it return promises the runner itself awaits; awaiting or voiding each is noise.
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after'] }],
        },
      ],
      // Default options (checksVoidReturn on): Fastify's route handlers are typed to return promises, so only
      // one real finding on the tree today (an async errorHandler), not a flood.
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
          // Unused imports are removed by `eslint --fix`; unused variables and arguments stay for a person.
          enableAutofixRemoval: { imports: true },
        },
      ],

      // Relaxed from recommendedTypeChecked, as noise for this code base:
      // - unbound-method: route handlers are closures returned by factories, written as method shorthand
      //   (`{ async show(request, reply) {...} }`) and passed as `login.show`; none uses `this`. The rule flags all
      //   30 of them and would never catch anything: the only `this` users are a few small classes never detached.
      '@typescript-eslint/unbound-method': 'off',
      // - require-await: every async function without an await implements a Promise-returning contract (the
      //   Kysely driver, the migration provider, the delivery handler, store openers) and is async on purpose, so
      //   that a throw becomes a rejection. Its only suggestion (drop `async`) would change that behaviour.
      '@typescript-eslint/require-await': 'off',
    },
  },

  // This config file is plain JavaScript: no type information.
  { files: ['**/*.js', '**/*.mjs'], extends: [tseslint.configs.disableTypeChecked] },
);
