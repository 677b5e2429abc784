import { ExceptionGroup, unwrapExceptionGroup, type ErrorClass } from "../../../runtime/core/exception-group";

class AppError extends Error {}
class DbError extends AppError {}

function leaves(error: unknown): unknown[] {
  if (!(error instanceof ExceptionGroup)) return [error];
  return error.exceptions.flatMap(leaves);
}

// A readable picture of a group's nesting: leaves by message, groups as arrays.
function shape(error: unknown): unknown {
  if (error instanceof ExceptionGroup) return error.exceptions.map(shape);
  return error instanceof Error ? error.message : error;
}

describe("ExceptionGroup", () => {
  describe("construction", () => {
    it("is an ExceptionGroup, an AggregateError and an Error named ExceptionGroup", () => {
      const group = new ExceptionGroup("boom", [new Error("a")]);
      expect(group).toBeInstanceOf(ExceptionGroup);
      expect(group).toBeInstanceOf(AggregateError);
      expect(group).toBeInstanceOf(Error);
      expect(group.name).toBe("ExceptionGroup");
      expect(group.message).toBe("boom");
      expect(String(group)).toBe("ExceptionGroup: boom");
      expect(group.stack?.startsWith("ExceptionGroup: boom")).toBe(true);
    });

    it("keeps the members in order, in both exceptions and errors", () => {
      const a = new Error("a");
      const b = "not even an error";
      const group = new ExceptionGroup("m", [a, b]);
      expect(group.exceptions).toEqual([a, b]);
      expect(group.errors).toEqual([a, b]);
    });

    it("copies and freezes the members so later changes to the array do not leak in", () => {
      const members: unknown[] = [new Error("a")];
      const group = new ExceptionGroup("m", members);
      members.push(new Error("b"));
      expect(group.exceptions).toHaveLength(1);
      expect(Object.isFrozen(group.exceptions)).toBe(true);
      expect(() => (group.exceptions as unknown[]).push(1)).toThrow(TypeError);
    });

    it("does not list exceptions among its enumerable properties", () => {
      const group = new ExceptionGroup("m", [new Error("a")]);
      expect(Object.keys(group)).not.toContain("exceptions");
    });

    it("rejects an empty array with a RangeError that states the rule", () => {
      expect(() => new ExceptionGroup("m", [])).toThrow(RangeError);
      expect(() => new ExceptionGroup("m", [])).toThrow("Expected `exceptions` to be a non-empty array");
    });

    it("rejects a non-array with a TypeError naming what it got", () => {
      const bad = new Set([new Error("a")]) as unknown as unknown[];
      expect(() => new ExceptionGroup("m", bad)).toThrow(TypeError);
      expect(() => new ExceptionGroup("m", undefined as unknown as unknown[])).toThrow(
        "Expected `exceptions` to be an array, got `undefined` (undefined)",
      );
    });

    it("rejects a non-string message with a TypeError", () => {
      expect(() => new ExceptionGroup(42 as unknown as string, [new Error("a")])).toThrow(
        "Expected `message` to be a string, got `42` (number)",
      );
    });
  });

  describe("split", () => {
    it("splits by class, keeping the members on each side in order", () => {
      const a = new AppError("a");
      const b = new Error("b");
      const c = new DbError("c");
      const [match, rest] = new ExceptionGroup("m", [a, b, c]).split(AppError);
      expect(match?.exceptions).toEqual([a, c]);
      expect(rest?.exceptions).toEqual([b]);
      expect(match?.exceptions[0]).toBe(a);
    });

    it("splits by predicate", () => {
      const group = new ExceptionGroup("m", [new Error("keep"), new Error("drop"), 7]);
      const [match, rest] = group.split((e) => e instanceof Error && e.message === "keep");
      expect(shape(match)).toEqual(["keep"]);
      expect(shape(rest)).toEqual(["drop", 7]);
    });

    it("accepts a plain function expression as a predicate", () => {
      const group = new ExceptionGroup("m", [new Error("x"), 1]);
      const [match] = group.split(function (e) {
        return typeof e === "number";
      });
      expect(match?.exceptions).toEqual([1]);
    });

    it("accepts a class that does not extend Error", () => {
      class Marker {}
      const m = new Marker();
      const [match, rest] = new ExceptionGroup("m", [m, new Error("x")]).split(Marker as ErrorClass);
      expect(match?.exceptions).toEqual([m]);
      expect(shape(rest)).toEqual(["x"]);
    });

    it("preserves nesting and drops nested groups that end up empty", () => {
      const group = new ExceptionGroup("outer", [
        new AppError("a1"),
        new ExceptionGroup("inner", [new Error("e1"), new ExceptionGroup("deep", [new AppError("a2")])]),
        new ExceptionGroup("plain", [new Error("e2")]),
      ]);
      const [match, rest] = group.split(AppError);
      expect(shape(match)).toEqual(["a1", [["a2"]]]);
      expect(shape(rest)).toEqual([["e1"], ["e2"]]);
      expect((match?.exceptions[1] as ExceptionGroup).message).toBe("inner");
      expect(((match?.exceptions[1] as ExceptionGroup).exceptions[0] as ExceptionGroup).message).toBe("deep");
    });

    it("reuses nested groups that went entirely to one side", () => {
      const allApp = new ExceptionGroup("all app", [new AppError("a")]);
      const noApp = new ExceptionGroup("no app", [new Error("e")]);
      const [match, rest] = new ExceptionGroup("outer", [allApp, noApp]).split(AppError);
      expect(match?.exceptions[0]).toBe(allApp);
      expect(rest?.exceptions[0]).toBe(noApp);
    });

    it("returns the group itself as the match when every member matches", () => {
      const group = new ExceptionGroup("m", [new AppError("a"), new ExceptionGroup("n", [new DbError("b")])]);
      const [match, rest] = group.split(AppError);
      expect(match).toBe(group);
      expect(rest).toBeUndefined();
    });

    it("returns the group itself as the rest when nothing matches", () => {
      const group = new ExceptionGroup("m", [new Error("a"), new ExceptionGroup("n", [new Error("b")])]);
      const [match, rest] = group.split(AppError);
      expect(match).toBeUndefined();
      expect(rest).toBe(group);
    });

    it("tests the group itself first and returns it whole when it matches", () => {
      const group = new ExceptionGroup("m", [new Error("a")]);
      const seen: unknown[] = [];
      const [match, rest] = group.split((e) => {
        seen.push(e);
        return e === group;
      });
      expect(match).toBe(group);
      expect(rest).toBeUndefined();
      expect(seen).toEqual([group]);
    });

    it("matches the whole group when split by a class the group is an instance of", () => {
      const group = new ExceptionGroup("m", [new Error("a"), 5]);
      expect(group.split(Error)).toEqual([group, undefined]);
      expect(group.split(AggregateError)[0]).toBe(group);
    });

    it("offers nested groups to the predicate before their members", () => {
      const inner = new ExceptionGroup("inner", [new Error("a"), new Error("b")]);
      const outer = new ExceptionGroup("outer", [inner, new Error("c")]);
      const [match, rest] = outer.split((e) => e === inner);
      expect(match?.exceptions).toEqual([inner]);
      expect(match?.exceptions[0]).toBe(inner);
      expect(shape(rest)).toEqual(["c"]);
    });

    it("copies the original's message, cause and stack onto both new sides", () => {
      const cause = new Error("root cause");
      const group = new ExceptionGroup("the message", [new AppError("a"), new Error("b")]);
      group.cause = cause;
      const [match, rest] = group.split(AppError);
      for (const side of [match, rest]) {
        expect(side).not.toBe(group);
        expect(side?.message).toBe("the message");
        expect(side?.cause).toBe(cause);
        expect(side?.stack).toBe(group.stack);
        expect(Object.keys(side as object)).not.toContain("cause");
      }
    });

    it("copies the cause of nested groups onto their rebuilt versions", () => {
      const inner = new ExceptionGroup("inner", [new AppError("a"), new Error("b")]);
      inner.cause = "inner cause";
      const [match] = new ExceptionGroup("outer", [inner, new Error("c")]).split(AppError);
      const rebuilt = match?.exceptions[0] as ExceptionGroup;
      expect(rebuilt).not.toBe(inner);
      expect(rebuilt.cause).toBe("inner cause");
      expect(rebuilt.stack).toBe(inner.stack);
    });

    it("does not invent a cause when the original has none", () => {
      const [match] = new ExceptionGroup("m", [new AppError("a"), new Error("b")]).split(AppError);
      expect(match && Object.prototype.hasOwnProperty.call(match, "cause")).toBe(false);
    });

    it("builds new groups through derive, so subclasses keep their class", () => {
      class RequestErrors extends ExceptionGroup {
        constructor(
          readonly url: string,
          errors: unknown[],
        ) {
          super(`requests to ${url} failed`, errors);
        }
        override derive(exceptions: unknown[]): RequestErrors {
          return new RequestErrors(this.url, exceptions);
        }
      }
      const group = new RequestErrors("https://example.com", [new AppError("a"), new Error("b")]);
      const [match, rest] = group.split(AppError);
      expect(match).toBeInstanceOf(RequestErrors);
      expect((rest as RequestErrors).url).toBe("https://example.com");
    });

    it("rejects a condition that is not a function", () => {
      const group = new ExceptionGroup("m", [new Error("a")]);
      expect(() => group.split("Error" as unknown as ErrorClass)).toThrow(TypeError);
      expect(() => group.split(null as unknown as ErrorClass)).toThrow(
        "Expected `predicate` to be a function or an error class, got `null` (null)",
      );
    });

    it("lets an error thrown by the predicate propagate", () => {
      const group = new ExceptionGroup("m", [new Error("a")]);
      const failure = new Error("predicate broke");
      expect(() =>
        group.split(() => {
          throw failure;
        }),
      ).toThrow(failure);
    });
  });

  describe("subgroup", () => {
    it("returns only the matching part, with nesting preserved", () => {
      const group = new ExceptionGroup("outer", [
        new Error("e1"),
        new ExceptionGroup("inner", [new AppError("a1"), new Error("e2")]),
      ]);
      const sub = group.subgroup(AppError);
      expect(shape(sub)).toEqual([["a1"]]);
      expect(sub?.message).toBe("outer");
    });

    it("returns the group itself when everything matches", () => {
      const group = new ExceptionGroup("m", [new AppError("a"), new DbError("b")]);
      expect(group.subgroup(AppError)).toBe(group);
      expect(group.subgroup(() => true)).toBe(group);
    });

    it("returns undefined when nothing matches", () => {
      const group = new ExceptionGroup("m", [new Error("a")]);
      expect(group.subgroup(AppError)).toBeUndefined();
      expect(group.subgroup(() => false)).toBeUndefined();
    });

    it("agrees with the match side of split", () => {
      const group = new ExceptionGroup("m", [
        new AppError("a"),
        new ExceptionGroup("n", [new Error("b"), new DbError("c")]),
      ]);
      expect(shape(group.subgroup(AppError))).toEqual(shape(group.split(AppError)[0]));
    });

    it("copies the cause", () => {
      const group = new ExceptionGroup("m", [new AppError("a"), new Error("b")]);
      group.cause = 1;
      expect(group.subgroup(AppError)?.cause).toBe(1);
    });
  });

  describe("derive", () => {
    it("makes a plain group with the same message around the given members", () => {
      const group = new ExceptionGroup("keep me", [new Error("a")]);
      group.cause = new Error("c");
      const b = new Error("b");
      const derived = group.derive([b]);
      expect(derived).toBeInstanceOf(ExceptionGroup);
      expect(derived).not.toBe(group);
      expect(derived.message).toBe("keep me");
      expect(derived.exceptions).toEqual([b]);
      expect(derived.cause).toBeUndefined();
    });

    it("rejects an empty list like the constructor", () => {
      expect(() => new ExceptionGroup("m", [new Error("a")]).derive([])).toThrow(RangeError);
    });
  });

  it("never loses a leaf: match and rest together hold every leaf exactly once", () => {
    const all = [1, 2, 3, 4, 5, 6, 7].map((n) => new Error(String(n)));
    const group = new ExceptionGroup("g", [
      all[0],
      new ExceptionGroup("a", [all[1], new ExceptionGroup("b", [all[2], all[3]])]),
      all[4],
      new ExceptionGroup("c", [all[5], all[6]]),
    ]);
    const odd = (e: unknown) => e instanceof Error && !(e instanceof ExceptionGroup) && Number(e.message) % 2 === 1;
    const [match, rest] = group.split(odd);
    expect(leaves(match).map((e) => (e as Error).message)).toEqual(["1", "3", "5", "7"]);
    expect(leaves(rest).map((e) => (e as Error).message)).toEqual(["2", "4", "6"]);
  });
});

describe("unwrapExceptionGroup", () => {
  it("returns the only member of a group of one", () => {
    const error = new Error("only");
    expect(unwrapExceptionGroup(new ExceptionGroup("m", [error]))).toBe(error);
  });

  it("unwraps through nested groups of one", () => {
    const error = new Error("deep");
    const nested = new ExceptionGroup("a", [new ExceptionGroup("b", [new ExceptionGroup("c", [error])])]);
    expect(unwrapExceptionGroup(nested)).toBe(error);
  });

  it("stops at the first group with several members", () => {
    const several = new ExceptionGroup("several", [new Error("x"), new Error("y")]);
    expect(unwrapExceptionGroup(new ExceptionGroup("one", [several]))).toBe(several);
    expect(unwrapExceptionGroup(several)).toBe(several);
  });

  it("returns anything that is not a group unchanged", () => {
    const error = new Error("plain");
    expect(unwrapExceptionGroup(error)).toBe(error);
    expect(unwrapExceptionGroup("text")).toBe("text");
    expect(unwrapExceptionGroup(undefined)).toBeUndefined();
    const aggregate = new AggregateError([error]);
    expect(unwrapExceptionGroup(aggregate)).toBe(aggregate);
  });

  it("returns a non-error sole member too", () => {
    expect(unwrapExceptionGroup(new ExceptionGroup("m", [42]))).toBe(42);
  });
});
