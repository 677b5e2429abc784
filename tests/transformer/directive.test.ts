import {
  STRUCTURED_DIRECTIVE,
  UNSTRUCTURED_DIRECTIVE,
  classifyDirective,
  damerauLevenshtein,
} from "../../transformer/core/directive";
import * as babelEntry from "anyio-ts/babel";
import * as tsEntry from "anyio-ts/transformer";

describe("classifyDirective", () => {
  test("the exact directives take effect", () => {
    expect(STRUCTURED_DIRECTIVE).toBe("use structured");
    expect(UNSTRUCTURED_DIRECTIVE).toBe("use unstructured");
    expect(classifyDirective("use structured")).toBe("structured");
    expect(classifyDirective("use unstructured")).toBe("unstructured");
  });

  test.each([
    "use-structured",
    "use_structured",
    "usestructured",
    "use structure",
    "use strucutred",
    "use structred",
    "use structured ",
    " use structured",
    "use  structured",
    "Use Structured",
    "USE STRUCTURED",
    "use-unstructured",
    "use unstrucured",
    "use un-structured",
    "USE_UNSTRUCTURED",
    "use stuctrured",
    "se structured",
  ])("%j is a misspelling", (text) => {
    expect(classifyDirective(text)).toBe("misspelled");
  });

  test.each([
    "use strict",
    "use client",
    "use server",
    "use asm",
    "",
    "structured",
    "use structured concurrency",
    "do not use structured",
  ])("%j is some other directive", (text) => {
    expect(classifyDirective(text)).toBe("other");
  });

  test("both transformer entries expose the same rules", () => {
    for (const entry of [tsEntry, babelEntry]) {
      expect(entry.STRUCTURED_DIRECTIVE).toBe(STRUCTURED_DIRECTIVE);
      expect(entry.UNSTRUCTURED_DIRECTIVE).toBe(UNSTRUCTURED_DIRECTIVE);
      expect(entry.classifyDirective).toBe(classifyDirective);
    }
  });
});

describe("damerauLevenshtein", () => {
  test.each([
    ["", "", 0],
    ["abc", "", 3],
    ["", "abc", 3],
    ["kitten", "sitting", 3],
    ["ab", "ba", 1],
    ["ca", "abc", 2], // unrestricted: the optimal-string-alignment variant says 3
    ["use strucutred", "use structured", 1],
    ["use structure", "use structured", 1],
  ])("distance(%j, %j) is %d", (a, b, expected) => {
    expect(damerauLevenshtein(a, b)).toBe(expected);
    expect(damerauLevenshtein(b, a)).toBe(expected);
  });

  test("gives up early when the lengths alone exceed the limit", () => {
    expect(damerauLevenshtein("a", "abcdef", 2)).toBe(3);
  });
});
