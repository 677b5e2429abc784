/**
 * How the playground's console shows what a program logs (playground/src/format.ts).
 */
import { ExceptionGroup } from "anyio-ts";
import { formatArgs, formatError, formatValue } from "../../playground/src/format";

describe("formatArgs", () => {
  test("strings print as they are, other values as Node's console would show them", () => {
    expect(formatArgs(["all done", { answer: 42, list: [1, "two", null] }, 3n, undefined])).toBe(
      'all done { answer: 42, list: [ 1, "two", null ] } 3n undefined',
    );
  });

  test("functions, classes, maps, sets and nested structures", () => {
    expect(formatValue(function work() {})).toBe("[Function: work]");
    expect(formatValue(class Thing {})).toBe("[class Thing]");
    expect(formatValue(new Map([["a", 1]]))).toBe('Map(1) { "a" => 1 }');
    expect(formatValue(new Set([1, 2]))).toBe("Set(2) { 1, 2 }");
    expect(formatValue({ a: { b: { c: { d: 1 } } } })).toBe("{ a: { b: { c: [Object] } } }");
    expect(formatValue([])).toBe("[]");
    expect(formatValue({ "not an identifier": -0 })).toBe('{ "not an identifier": -0 }');
  });

  test("a structure that contains itself is shown as [Circular]", () => {
    const loop: Record<string, unknown> = { name: "loop" };
    loop.self = loop;
    expect(formatValue(loop)).toBe('{ name: "loop", self: [Circular] }');
  });

  test("objects with a toString of their own describe themselves", () => {
    class Scope {
      toString(): string {
        return "<CancelScope#1 active>";
      }
    }
    expect(formatValue(new Scope())).toBe("<CancelScope#1 active>");
  });
});

describe("formatError", () => {
  test("an error is its name and message; a cause follows, indented", () => {
    expect(formatError(new TypeError("bad"))).toBe("TypeError: bad");
    expect(formatError(new Error("outer", { cause: new RangeError("inner") }))).toBe(
      "Error: outer\n  cause: RangeError: inner",
    );
  });

  test("an error group lists its members, nested groups indented further", () => {
    const group = new ExceptionGroup("unhandled errors in a TaskGroup", [
      new Error("one"),
      new ExceptionGroup("inner", [new TypeError("two")]),
    ]);
    expect(formatError(group)).toBe(
      [
        "ExceptionGroup: unhandled errors in a TaskGroup",
        "  1. Error: one",
        "  2. ExceptionGroup: inner",
        "       1. TypeError: two",
      ].join("\n"),
    );
  });

  test("something thrown that is not an error is shown as a value", () => {
    expect(formatError("plain string")).toBe('"plain string"');
    expect(formatError({ code: 7 })).toBe("{ code: 7 }");
  });
});
