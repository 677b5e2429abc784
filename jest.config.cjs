// Two projects run the behavioural suites: "tsc" compiles every test file with ts-jest and the
// TypeScript transformer; "babel" compiles the DSL and runtime suites again with babel-jest and the
// Babel plugin (babel.config.js), so both front ends are held to the same behaviour. Transformer,
// package and host tests run in "tsc" only.

const moduleNameMapper = {
  "^anyio-ts$": "<rootDir>/runtime/index.ts",
  "^anyio-ts/rt$": "<rootDir>/runtime/rt.ts",
  "^anyio-ts/jest$": "<rootDir>/runtime/testing/jest.ts",
  "^anyio-ts/fast-check$": "<rootDir>/runtime/testing/fast-check.ts",
  "^anyio-ts/transformer$": "<rootDir>/transformer/typescript/index.ts",
  "^anyio-ts/babel$": "<rootDir>/transformer/babel/index.ts",
  "^anyio-ts/vite$": "<rootDir>/transformer/vite/index.ts",
  "^anyio-ts/esbuild$": "<rootDir>/transformer/esbuild/index.ts",
};

/** @type {import('jest').Config} */
const tsProject = {
  displayName: "tsc",
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    // Every test file goes through the anyio-ts transformer: files that start with
    // "use structured" are structured code, every other file is emitted unchanged.
    "^.+\\.ts$": [
      "ts-jest",
      {
        tsconfig: "<rootDir>/tsconfig.json",
        diagnostics: false,
        astTransformers: { before: [{ path: "<rootDir>/transformer/typescript/jest-ast-transformer.cjs" }] },
      },
    ],
  },
  moduleNameMapper,
};

/** @type {import('jest').Config} */
const babelProject = {
  displayName: "babel",
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["<rootDir>/tests/compiled/**/*.test.ts", "<rootDir>/tests/runtime/**/*.test.ts"],
  // babel.config.js: preset-typescript, the anyio-ts Babel plugin, CommonJS modules.
  transform: { "^.+\\.ts$": "babel-jest" },
  moduleNameMapper,
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [tsProject, babelProject],
  testTimeout: 20000,
};
