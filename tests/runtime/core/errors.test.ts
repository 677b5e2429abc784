import {
  BrokenResourceError,
  BrokenWorkerProcess,
  BusyResourceError,
  Cancelled,
  ClosedResourceError,
  ConnectionFailed,
  DelimiterNotFound,
  EndOfStream,
  IncompleteRead,
  NoCurrentTaskError,
  TaskCancelled,
  TaskFailed,
  TaskNotFinished,
  TimeoutError,
  TypedAttributeLookupError,
  WouldBlock,
  getCancelledExcClass,
  isCancelled,
} from "../../../runtime/core/errors";
import { ExceptionGroup } from "../../../runtime/core/exception-group";

// Classes whose constructor takes (message?, options?).
const messageClasses = {
  Cancelled,
  TimeoutError,
  BrokenResourceError,
  ClosedResourceError,
  EndOfStream,
  WouldBlock,
  IncompleteRead,
  TypedAttributeLookupError,
  BrokenWorkerProcess,
  ConnectionFailed,
  TaskFailed,
  TaskCancelled,
  TaskNotFinished,
  NoCurrentTaskError,
};

function stackFrames(error: Error): string[] {
  return (error.stack ?? "").split("\n").filter((line) => line.startsWith("    at "));
}

describe("error classes", () => {
  describe.each(Object.entries(messageClasses))("%s", (name, ErrorType) => {
    it("is an Error and an instance of its own class", () => {
      const error = new ErrorType();
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(ErrorType);
    });

    it("is named after its class, without an own name property", () => {
      const error = new ErrorType();
      expect(error.name).toBe(name);
      expect(Object.prototype.hasOwnProperty.call(error, "name")).toBe(false);
      expect(String(error).startsWith(`${name}: `)).toBe(true);
      expect(error.stack?.startsWith(`${name}: `)).toBe(true);
    });

    it("has a default message that is a sentence", () => {
      expect(new ErrorType().message).toMatch(/^[A-Z].{10,}[^.]$/);
    });

    it("uses a given message instead of the default", () => {
      expect(new ErrorType("custom words").message).toBe("custom words");
    });
  });

  it("are all distinct classes with distinct names", () => {
    const all = [...Object.values(messageClasses), BusyResourceError, DelimiterNotFound];
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(all.map((cls) => cls.prototype.name)).size).toBe(all.length);
  });

  it("keep a cause passed in the options", () => {
    const cause = new Error("underlying");
    for (const ErrorType of Object.values(messageClasses)) {
      if (ErrorType === Cancelled) continue;
      const error = new (ErrorType as typeof ConnectionFailed)("message", { cause });
      expect(error.cause).toBe(cause);
    }
  });

  it("are not instances of each other", () => {
    expect(new WouldBlock()).not.toBeInstanceOf(EndOfStream);
    expect(new ClosedResourceError()).not.toBeInstanceOf(BrokenResourceError);
    expect(new TimeoutError()).not.toBeInstanceOf(Cancelled);
  });
});

describe("BusyResourceError", () => {
  it("names the action in AnyIO's sentence", () => {
    const error = new BusyResourceError("reading from");
    expect(error.message).toBe("Another task is already reading from this resource");
    expect(error.action).toBe("reading from");
    expect(error.name).toBe("BusyResourceError");
    expect(error).toBeInstanceOf(Error);
  });
});

describe("DelimiterNotFound", () => {
  it("names the byte limit in its message", () => {
    const error = new DelimiterNotFound(65536);
    expect(error.message).toBe("The delimiter was not found among the first 65536 bytes");
    expect(error.maxBytes).toBe(65536);
    expect(error.name).toBe("DelimiterNotFound");
    expect(error).toBeInstanceOf(Error);
  });
});

describe("IncompleteRead", () => {
  it("defaults to AnyIO's sentence", () => {
    expect(new IncompleteRead().message).toBe("The stream was closed before the read operation could be completed");
  });
});

describe("TaskFailed", () => {
  it("holds the task's error as its cause and names it in the default message", () => {
    const original = new RangeError("bad index");
    const error = new TaskFailed(undefined, { cause: original });
    expect(error.cause).toBe(original);
    expect(error.message).toBe("The task failed: RangeError: bad index");
  });

  it("describes a thrown non-error in the default message", () => {
    expect(new TaskFailed(undefined, { cause: "just a string" }).message).toBe("The task failed: just a string");
  });

  it("survives a cause that cannot be turned into a string", () => {
    const error = new TaskFailed(undefined, { cause: Object.create(null) as object });
    expect(error.message).toBe("The task failed");
  });

  it("has a plain default message without a cause", () => {
    expect(new TaskFailed().message).toBe("The task failed");
  });
});

describe("TaskCancelled", () => {
  it("is a kind of TaskFailed", () => {
    const error = new TaskCancelled();
    expect(error).toBeInstanceOf(TaskFailed);
    expect(error.name).toBe("TaskCancelled");
  });

  it("may carry the cancellation as its cause", () => {
    const cancellation = Cancelled._create("Cancelled by cancel scope");
    const error = new TaskCancelled(undefined, { cause: cancellation });
    expect(error.cause).toBe(cancellation);
    expect(error.message).toBe("The task was cancelled before it finished");
  });
});

describe("Cancelled", () => {
  it("is the class getCancelledExcClass returns", () => {
    expect(getCancelledExcClass()).toBe(Cancelled);
  });

  describe("_create", () => {
    it("builds a Cancelled with the given message", () => {
      const error = Cancelled._create("Cancelled by cancel scope 3");
      expect(error).toBeInstanceOf(Cancelled);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe("Cancelled");
      expect(error.message).toBe("Cancelled by cancel scope 3");
      expect(String(error)).toBe("Cancelled: Cancelled by cancel scope 3");
    });

    it("captures no stack frames", () => {
      const error = Cancelled._create("stackless");
      expect(error.stack).toBe("Cancelled: stackless");
      expect(stackFrames(error)).toEqual([]);
    });

    it("restores the stack trace limit afterwards", () => {
      const before = Error.stackTraceLimit;
      Cancelled._create("x");
      expect(Error.stackTraceLimit).toBe(before);
      expect(stackFrames(new Cancelled())).not.toEqual([]);
    });

    it("restores the stack trace limit even if construction throws", () => {
      const before = Error.stackTraceLimit;
      // The Error constructor converts the message to a string, so this makes construction fail.
      const hostile = {
        toString(): string {
          throw new Error("no string for you");
        },
      };
      expect(() => Cancelled._create(hostile as unknown as string)).toThrow("no string for you");
      expect(Error.stackTraceLimit).toBe(before);
    });
  });
});

describe("isCancelled", () => {
  it("is true for a Cancelled, however it was made", () => {
    expect(isCancelled(new Cancelled())).toBe(true);
    expect(isCancelled(Cancelled._create("x"))).toBe(true);
  });

  it("is false for other errors and for non-errors", () => {
    expect(isCancelled(new Error("x"))).toBe(false);
    expect(isCancelled(new TimeoutError())).toBe(false);
    expect(isCancelled(new TaskCancelled())).toBe(false);
    expect(isCancelled(undefined)).toBe(false);
    expect(isCancelled("Cancelled")).toBe(false);
    expect(isCancelled({ name: "Cancelled" })).toBe(false);
  });

  it("is true for a group of only Cancelled", () => {
    expect(isCancelled(new ExceptionGroup("m", [Cancelled._create("a"), Cancelled._create("b")]))).toBe(true);
  });

  it("is true for nested groups whose leaves are all Cancelled", () => {
    const nested = new ExceptionGroup("outer", [
      Cancelled._create("a"),
      new ExceptionGroup("inner", [new ExceptionGroup("deep", [Cancelled._create("b")])]),
    ]);
    expect(isCancelled(nested)).toBe(true);
  });

  it("is false for a group mixing Cancelled with other errors", () => {
    expect(isCancelled(new ExceptionGroup("m", [Cancelled._create("a"), new Error("b")]))).toBe(false);
    const deepFailure = new ExceptionGroup("outer", [
      Cancelled._create("a"),
      new ExceptionGroup("inner", [Cancelled._create("b"), "thrown string"]),
    ]);
    expect(isCancelled(deepFailure)).toBe(false);
  });

  it("is false for a group with no leaves", () => {
    // The constructor refuses empty groups; a subclass could still present one.
    const hollow = new ExceptionGroup("m", [new Error("placeholder")]);
    Object.defineProperty(hollow, "exceptions", { value: Object.freeze([]) });
    expect(isCancelled(hollow)).toBe(false);
    const holdsHollow = new ExceptionGroup("outer", [hollow]);
    expect(isCancelled(holdsHollow)).toBe(false);
  });

  it("is false for an AggregateError of Cancelled, which is not an ExceptionGroup", () => {
    expect(isCancelled(new AggregateError([Cancelled._create("a")]))).toBe(false);
  });
});
