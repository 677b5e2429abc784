import { BrokenResourceError, ExceptionGroup } from "anyio-ts";
import { decodeError, type EncodedThrown } from "../../../runtime/threads/remote-error";

// The worker side is plain JavaScript, loaded the way worker threads and processes load it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { encodeError } = require("../../../runtime/platform/node/workers/error-record.cjs") as {
  encodeError(thrown: unknown): EncodedThrown;
};

/** What the caller sees of `thrown` after it crossed a boundary by structured clone. */
function roundTrip(thrown: unknown): unknown {
  return decodeError(structuredClone(encodeError(thrown)));
}

describe("errors crossing a worker boundary", () => {
  it("keeps a built-in error's class, message, stack and code", () => {
    const original = Object.assign(new RangeError("too far"), { code: "ERR_OUT_OF_RANGE" });
    const error = roundTrip(original) as RangeError & { code: string };
    expect(error).toBeInstanceOf(RangeError);
    expect(error.name).toBe("RangeError");
    expect(error.message).toBe("too far");
    expect(error.stack).toBe(original.stack);
    expect(error.code).toBe("ERR_OUT_OF_RANGE");
  });

  it("keeps the runtime's own error classes", () => {
    const error = roundTrip(new BrokenResourceError("pipe broke"));
    expect(error).toBeInstanceOf(BrokenResourceError);
    expect((error as Error).message).toBe("pipe broke");
  });

  it("turns a user's class into an Error named after it, with its clonable properties", () => {
    class HttpError extends Error {
      status = 503;
      retry = () => true;
    }
    const original = new HttpError("unavailable");
    const error = roundTrip(original) as Error & { status: number; retry?: unknown };
    expect(error.constructor).toBe(Error);
    expect(error.name).toBe("HttpError");
    expect(error.status).toBe(503);
    expect(error.retry).toBeUndefined();
    expect(String(error)).toBe("HttpError: unavailable");

    class NamedError extends Error {
      override name = "NamedError";
    }
    expect((roundTrip(new NamedError("x")) as Error).name).toBe("NamedError");
  });

  it("carries the cause and the members of aggregate errors and exception groups", () => {
    const error = roundTrip(new Error("outer", { cause: new TypeError("inner") })) as Error;
    expect(error.cause).toBeInstanceOf(TypeError);
    expect((error.cause as Error).message).toBe("inner");

    const aggregate = roundTrip(new AggregateError([new Error("a"), 7], "both")) as AggregateError;
    expect(aggregate).toBeInstanceOf(AggregateError);
    expect(aggregate.errors.map((member) => (member instanceof Error ? member.message : member))).toEqual(["a", 7]);

    const group = roundTrip(new ExceptionGroup("two", [new RangeError("r"), new TypeError("t")])) as ExceptionGroup;
    expect(group).toBeInstanceOf(ExceptionGroup);
    expect(group.exceptions.map((member) => (member as Error).name)).toEqual(["RangeError", "TypeError"]);
  });

  it("returns a thrown non-Error value as it was, or as its string when it cannot be cloned", () => {
    expect(roundTrip(42)).toBe(42);
    expect(roundTrip({ reason: "x" })).toEqual({ reason: "x" });
    expect(roundTrip(Symbol.for("nope"))).toBe("Symbol(nope)");
  });
});
