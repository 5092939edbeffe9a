import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";
import reactHooks from "eslint-plugin-react-hooks";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "packages/api/src/gen/**",
      "services/ratelimit/src/gen/**",
      ".guardian/**",
      ".tools/**",
      "packages/cli/dist/**",
      "packages/console/dist/**",
      "test-results/**",
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "import-x": importX },
    settings: {
      "import-x/resolver-next": [importX.createNodeResolver()],
      "import-x/ignore": ["node_modules"],
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: false }],
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "import-x/no-extraneous-dependencies": ["error", { includeInternal: false }],
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              // The one exception: a module imported for its effect on the process.
              group: ["@guardian/*/*", "!@guardian/kit/plain-proto-keys"],
              message: "Import a package through its index.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["packages/console/web/**/*.tsx", "packages/console/web/**/*.ts"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
    },
  },
);
