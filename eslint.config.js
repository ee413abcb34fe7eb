import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "test-output/", "test/conformance/node_modules/", "bench/results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        setImmediate: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    // See src/builtins.ts: an ES import of these costs every Node ≥ 22 start; types are free.
    files: ["src/**/*.ts"],
    ignores: ["src/builtins.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: ["node:http", "http", "node:fs", "fs", "node:util", "util"].map((name) => ({
            name,
            message: "Use src/builtins.ts (required as CommonJS); import type is fine.",
            allowTypeImports: true,
          })),
        },
      ],
    },
  },
  {
    // Tests and benchmarks read JSON answers field by field; typing each one would say nothing.
    files: ["test/**", "bench/**", "scripts/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
