import fc from "fast-check";
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

  test("the quick rejection of texts with many foreign characters never changes a classification", () => {
    // The rule as documented, without the pre-check classifyDirective applies before the distance table.
    const squash = (text: string) => text.replace(/[\s_-]+/g, "");
    const byTheRule = (text: string) => {
      if (text === STRUCTURED_DIRECTIVE) return "structured";
      if (text === UNSTRUCTURED_DIRECTIVE) return "unstructured";
      const lower = text.toLowerCase();
      const near = [STRUCTURED_DIRECTIVE, UNSTRUCTURED_DIRECTIVE].some(
        (d) => squash(lower) === squash(d) || damerauLevenshtein(lower, d, 2) <= 2,
      );
      return near ? "misspelled" : "other";
    };
    // Letters of the directives in both cases, separators, foreign ASCII, and characters that lowercasing changes (İ, the Kelvin sign).
    const character = fc.constantFrom(..."usetrcdnUSETRCDN _-\tabxyzABXYZ1.;İ\u212a".split(""));
    // Up to four random edits (insert, delete, substitute, swap) of either directive: near misses and near near misses.
    const edited = fc
      .tuple(
        fc.constantFrom(STRUCTURED_DIRECTIVE, UNSTRUCTURED_DIRECTIVE),
        fc.array(fc.tuple(fc.nat(20), fc.nat(3), character), { maxLength: 4 }),
      )
      .map(([directive, edits]) =>
        edits.reduce<string>((text, [at, op, ch]) => {
          const i = at % (text.length + 1);
          if (op === 0) return text.slice(0, i) + ch + text.slice(i);
          if (op === 1) return text.slice(0, i) + text.slice(i + 1);
          if (op === 2) return text.slice(0, i) + ch + text.slice(i + 1);
          return text.slice(0, i) + (text[i + 1] ?? "") + (text[i] ?? "") + text.slice(i + 2);
        }, directive),
      );
    const misspelled = new Set<string>();
    fc.assert(
      fc.property(fc.oneof(edited, fc.string({ unit: character, maxLength: 24 }), fc.string()), (text) => {
        const expected = byTheRule(text);
        if (expected === "misspelled") misspelled.add(text);
        expect(classifyDirective(text)).toBe(expected);
      }),
      { seed: 20261206, numRuns: 20_000 },
    );
    // The generated texts reach the interesting side of the rule, not only "other".
    expect(misspelled.size).toBeGreaterThan(500);
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
