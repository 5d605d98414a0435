// Lint rules for every TypeScript and Vue file. Type-aware checks are left to `tsc` / `vue-tsc` (npm run typecheck).
import js from '@eslint/js';
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';

// The engine's rooms below the façades (docs/ARCHITECTURE.md). They may import each other and main/errors.ts, never the
// façades, transports or CLI above them, and from the API contract only types (the contract re-exports theirs).
export const LOWER_ROOMS = [
  'onnx', 'stimuli', 'store', 'linalg', 'train', 'io', 'util', 'harvest', 'bases', 'analyses', 'jobs', 'report',
  'lesions', 'revcorr', 'recordings', 'text', 'tca', 'export',
  'lm', // room: lm (#13 item 3)
  'sae-import', // #18 item 4: SAEs imported in blocks
];
const layerRule = [
  'error',
  {
    patterns: [
      {
        regex: '^(\\.\\./)+(services|server|cli)(/|$)',
        message: 'A lower room must not import services/, server/ or cli/: move the code it needs down, or call it from above.',
      },
      {
        regex: '^(\\.\\./)+api(/|$)',
        allowTypeImports: true,
        message: 'A lower room may import only types from api/ (import type …); runtime values belong to the room that owns them.',
      },
    ],
  },
];

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'test-artifacts/**', 'cajal-demo/**', '.electron-native/**', '.scratch*/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    rules: {
      // TypeScript already checks that every name exists (and knows the DOM and Node globals); ESLint's copy does not.
      'no-undef': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/multi-word-component-names': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/html-indent': 'off',
      'vue/multiline-html-element-content-newline': 'off',
    },
  },
  {
    files: LOWER_ROOMS.map((room) => `main/${room}/**/*.ts`),
    rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-restricted-imports': layerRule },
  },
  {
    // The renderer takes only types from the API: a runtime import of a schema bundles zod, whose JIT compiles with
    // eval, which the renderer's Content-Security-Policy forbids.
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: '(^|/)main/api(/|$)', allowTypeImports: true, message: 'The renderer imports only types from main/api (import type …); zod in the bundle needs eval, which the CSP forbids.' }] },
      ],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'bench/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
