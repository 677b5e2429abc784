"use structured";
// A structured module's anonymous default export, for tests/compiled/function-names.test.ts.
export default async () => {};
