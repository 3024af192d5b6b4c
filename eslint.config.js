// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// The code's layers, lowest first (docs/architecture.md): a layer imports from itself and the
// layers before it, never from one after it. Tests, benches and examples may import anything.
const LAYERS = [
  ['functions/domain', 'functions/text'],
  ['functions/ingest', 'functions/render', 'functions/reports'],
  ['functions/app'],
  ['functions/adapters'],
  ['functions/collect', 'functions/local-runner'],
  ['functions/handlers'],
  ['lib'],
  ['bin'],
];
const layerZones = LAYERS.flatMap((layer, i) => layer.map((target) => ({
  target: `./${target}`,
  from: LAYERS.slice(i + 1).flat().map((higher) => `./${higher}`),
  message: `${target} is below these folders (docs/architecture.md, "Layers"): move the shared code down instead.`,
}))).filter((zone) => zone.from.length > 0);

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'out/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['**/*.ts', '**/*.mjs'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
      // Without these the cycle check cannot read a TypeScript module it follows.
      'import-x/extensions': ['.ts', '.mjs', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layerZones }],
    },
  },
  {
    // The pure domain never touches AWS, the environment or the wall clock.
    files: ['functions/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@aws-sdk/*', 'aws-cdk-lib*', '@aws-lambda-powertools/*', 'node:fs*', 'node:process'] }],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'The domain takes today as an argument.' },
        { object: 'process', property: 'env', message: 'The domain does not read the environment.' }],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'The domain takes today as an argument.' }],
    },
  },
);
