"use structured";
// A structured module's anonymous default export, for tests/dsl/function-names.test.ts.
export default async () => {};
