"use structured";
// Compiled functions keep the names they had before compilation: the transformer wraps an async
// function value in `__rt.markStructured(fn, name)` and restores the name its position gives it,
// computed keys included. Each shape below is built twice, compiled (this file is structured) and
// uncompiled (in a function that opts out), and the engine's uncompiled result is the expectation.
import { run } from "anyio-ts";
import { isStructured } from "anyio-ts/rt";
import defaultExport from "./default-export";
import "./no-frame-leaks";

const text = "computed";
const answer = 42;
const described = Symbol("described");
const bare = Symbol();

type Shapes = Record<string, Function>;

/** The name the engine gives each shape (the uncompiled twin must agree). */
const NAMES: Record<string, string> = {
  "a const binding": "binding",
  "an object property": "property",
  "a quoted property": "quoted name",
  "a computed string key": "computed",
  "a computed string literal key": "literal",
  "a computed number key": "42",
  "a computed symbol key with a description": "[described]",
  "a computed symbol key without a description": "",
  "a class instance field": "field",
  "a static field": "shared",
  "a private field": "#secret",
  "a computed class field": "computed",
  "a computed static field": "[described]",
  "a default parameter": "callback",
  "an assignment": "assigned",
  "a computed method in a class": "computed",
  "a computed static method": "[described]",
  "a computed async generator method": "",
  "a computed method in an object literal": "computed",
  "a computed async generator method in an object literal": "[described]",
};

/** The methods among the shapes: structured code marks them by their computed key. */
const METHODS = Object.keys(NAMES).filter((position) => position.includes("method"));

// The two builders must stay the same code: one is compiled, the other is the engine's reference.

function compiledShapes(): Shapes {
  const binding = async () => {};
  const object = {
    property: async () => {},
    "quoted name": async () => {},
    [text]: async () => {},
    ["literal"]: async () => {},
    [answer]: async function () {},
    [described]: async () => {},
    [bare]: async () => {},
  };
  class Fields {
    field = async () => {};
    static shared = async () => {};
    #secret = async () => {};
    [text] = async () => {};
    static [described] = async () => {};
    secret() {
      return this.#secret;
    }
  }
  const withDefault = (callback = async () => {}) => callback;
  let assigned: () => Promise<void>;
  assigned = async () => {};
  class Methods {
    async [text]() {}
    static async [described]() {}
    async *[bare]() {}
  }
  const methods = { async [text]() {}, async *[described]() {} };
  const fields = new Fields();
  return {
    "a const binding": binding,
    "an object property": object.property,
    "a quoted property": object["quoted name"],
    "a computed string key": object[text],
    "a computed string literal key": object.literal,
    "a computed number key": object[answer],
    "a computed symbol key with a description": object[described],
    "a computed symbol key without a description": object[bare],
    "a class instance field": fields.field,
    "a static field": Fields.shared,
    "a private field": fields.secret(),
    "a computed class field": fields[text],
    "a computed static field": Fields[described],
    "a default parameter": withDefault(),
    "an assignment": assigned,
    "a computed method in a class": Methods.prototype[text],
    "a computed static method": Methods[described],
    "a computed async generator method": Methods.prototype[bare],
    "a computed method in an object literal": methods[text],
    "a computed async generator method in an object literal": methods[described],
  };
}

async function uncompiledShapes(): Promise<Shapes> {
  "use unstructured";
  const binding = async () => {};
  const object = {
    property: async () => {},
    "quoted name": async () => {},
    [text]: async () => {},
    ["literal"]: async () => {},
    [answer]: async function () {},
    [described]: async () => {},
    [bare]: async () => {},
  };
  class Fields {
    field = async () => {};
    static shared = async () => {};
    #secret = async () => {};
    [text] = async () => {};
    static [described] = async () => {};
    secret() {
      return this.#secret;
    }
  }
  const withDefault = (callback = async () => {}) => callback;
  let assigned: () => Promise<void>;
  assigned = async () => {};
  class Methods {
    async [text]() {}
    static async [described]() {}
    async *[bare]() {}
  }
  const methods = { async [text]() {}, async *[described]() {} };
  const fields = new Fields();
  return {
    "a const binding": binding,
    "an object property": object.property,
    "a quoted property": object["quoted name"],
    "a computed string key": object[text],
    "a computed string literal key": object.literal,
    "a computed number key": object[answer],
    "a computed symbol key with a description": object[described],
    "a computed symbol key without a description": object[bare],
    "a class instance field": fields.field,
    "a static field": Fields.shared,
    "a private field": fields.secret(),
    "a computed class field": fields[text],
    "a computed static field": Fields[described],
    "a default parameter": withDefault(),
    "an assignment": assigned,
    "a computed method in a class": Methods.prototype[text],
    "a computed static method": Methods[described],
    "a computed async generator method": Methods.prototype[bare],
    "a computed method in an object literal": methods[text],
    "a computed async generator method in an object literal": methods[described],
  };
}

/** What reflection sees of a function's name: its own keys, in order, and the `name` property. */
function reflected(fn: Function): { keys: (string | symbol)[]; name: PropertyDescriptor | undefined } {
  return { keys: Reflect.ownKeys(fn), name: Object.getOwnPropertyDescriptor(fn, "name") };
}

describe("compiled functions keep the names they had before compilation", () => {
  const compiled = compiledShapes();
  let uncompiled: Shapes;
  beforeAll(async () => {
    uncompiled = await uncompiledShapes();
  });

  test("the compiled shapes are compiled code, and their uncompiled twins are not", () => {
    expect(Object.keys(compiled)).toEqual(Object.keys(NAMES));
    expect(Object.keys(uncompiled)).toEqual(Object.keys(NAMES));
    for (const position of Object.keys(NAMES)) {
      expect([position, isStructured(compiled[position]!)]).toEqual([position, true]);
      expect([position, isStructured(uncompiled[position]!)]).toEqual([position, false]);
    }
  });

  test.each(Object.keys(NAMES))("at %s, the name and own keys are the uncompiled function's", (position) => {
    expect(reflected(compiled[position]!)).toEqual(reflected(uncompiled[position]!));
    expect(compiled[position]!.name).toBe(NAMES[position]);
  });

  test("an arrow has exactly the own keys `length` and `name`, an async generator method also `prototype`", () => {
    expect(Reflect.ownKeys(compiled["a const binding"]!)).toEqual(["length", "name"]);
    expect(Reflect.ownKeys(compiled["a computed async generator method"]!)).toEqual(["length", "name", "prototype"]);
  });

  test.each(METHODS)("%s is marked as compiled code", (position) => {
    expect(isStructured(compiled[position]!)).toBe(true);
  });

  test("a private method stays unmarked (the runtime runs it under AsyncLocalStorage)", () => {
    class Hidden {
      async #work() {}
      work() {
        return this.#work;
      }
    }
    expect(isStructured(new Hidden().work())).toBe(false);
  });

  test('the default export of a module is named "default", as an ES module names it', () => {
    // The uncompiled twin would not do as reference: CommonJS output assigns it to `exports.default`,
    // which names nothing.
    expect(defaultExport.name).toBe("default");
    expect(Reflect.ownKeys(defaultExport)).toEqual(Reflect.ownKeys(uncompiled["a const binding"]!));
    expect(isStructured(defaultExport)).toBe(true);
  });
});

describe("a computed key that names a compiled function", () => {
  /** Evaluates keys that log when they are evaluated and converted; returns the log, then the names. */
  function compiledOrder(): string[] {
    const log: string[] = [];
    // Reading `at.x` logs, and gives a key that logs when it is converted.
    const at = new Proxy({} as Record<string, any>, {
      get: (_, label: string) => {
        log.push(`evaluate ${label}`);
        return { [Symbol.toPrimitive]: (hint: string) => (log.push(`convert ${label} (${hint})`), label) };
      },
    });
    const object: any = { [at.a]: async () => {}, [at.b]: log.push("value b"), async [at.c]() {} };
    class Keys {
      [at.d] = async () => {};
      static [at.e] = async () => {};
      async [at.f]() {}
      static {
        log.push("static block");
      }
    }
    const instance: any = new Keys();
    log.push(object.a.name, object.c.name, instance.d.name, (Keys as any).e.name, instance.f.name);
    return log;
  }

  async function uncompiledOrder(): Promise<string[]> {
    "use unstructured";
    const log: string[] = [];
    // Reading `at.x` logs, and gives a key that logs when it is converted.
    const at = new Proxy({} as Record<string, any>, {
      get: (_, label: string) => {
        log.push(`evaluate ${label}`);
        return { [Symbol.toPrimitive]: (hint: string) => (log.push(`convert ${label} (${hint})`), label) };
      },
    });
    const object: any = { [at.a]: async () => {}, [at.b]: log.push("value b"), async [at.c]() {} };
    class Keys {
      [at.d] = async () => {};
      static [at.e] = async () => {};
      async [at.f]() {}
      static {
        log.push("static block");
      }
    }
    const instance: any = new Keys();
    log.push(object.a.name, object.c.name, instance.d.name, (Keys as any).e.name, instance.f.name);
    return log;
  }

  test("is evaluated and converted once each, in the uncompiled program's order", async () => {
    const expected = await uncompiledOrder();
    expect(expected).toContain("convert a (string)");
    expect(compiledOrder()).toEqual(expected);
  });

  test("names the function of each class a loop evaluates after its own iteration's key", async () => {
    const build = () => {
      const classes: (new () => Record<string, Function>)[] = [];
      for (const key of ["a", "b"])
        classes.push(
          class {
            [key] = async () => {};
          },
        );
      for (const key of ["c", "d"]) {
        classes.push(
          class {
            [key] = async () => {};
          },
        );
      }
      const factory = (key: string) =>
        class {
          [key] = async () => {};
        };
      classes.push(factory("e"), factory("f"));
      return classes.map((Class) => Object.entries(new Class()).map(([key, fn]) => [key, fn.name, isStructured(fn)]));
    };
    expect(build()).toEqual([
      [["a", "a", true]],
      [["b", "b", true]],
      [["c", "c", true]],
      [["d", "d", true]],
      [["e", "e", true]],
      [["f", "f", true]],
    ]);
  });

  test("may await: the key is the awaited value", async () => {
    const named = await run(async () => {
      const object = { [await Promise.resolve(text)]: async () => {}, async [await Promise.resolve(described)]() {} };
      return [object[text]!.name, object[described]!.name, isStructured(object[described]!)];
    });
    expect(named).toEqual(["computed", "[described]", true]);
  });
});
