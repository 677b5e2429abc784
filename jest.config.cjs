/** @type {import('jest').Config} */
module.exports = {
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
  moduleNameMapper: {
    "^anyio-ts$": "<rootDir>/runtime/index.ts",
    "^anyio-ts/rt$": "<rootDir>/runtime/rt.ts",
    "^anyio-ts/jest$": "<rootDir>/runtime/testing/jest.ts",
    "^anyio-ts/transformer$": "<rootDir>/transformer/typescript/index.ts",
    "^anyio-ts/babel$": "<rootDir>/transformer/babel/index.ts",
  },
  testTimeout: 20000,
};
