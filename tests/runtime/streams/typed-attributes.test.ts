/**
 * Typed attributes, re-expressed from AnyIO's tests/test_typedattr.py, plus lookups through
 * wrappers and the attribute groups.
 */
import {
  BufferedByteReceiveStream,
  SocketAttribute,
  StapledObjectStream,
  TLSAttribute,
  TextReceiveStream,
  TypedAttributeLookupError,
  TypedAttributeProvider,
  TypedAttributeSet,
  createMemoryObjectStream,
  typedAttribute,
  type TypedAttribute,
  type TypedAttributeMap,
} from "anyio-ts";

const colour = typedAttribute<string>("colour");
const size = typedAttribute<number>("size");

class Provider extends TypedAttributeProvider {
  override get extraAttributes(): TypedAttributeMap {
    return { [colour]: () => "blue", [size]: () => 3 };
  }
}

describe("typedAttribute()", () => {
  test("creates a distinct key each time, described by its name", () => {
    const a = typedAttribute<string>("same");
    const b = typedAttribute<string>("same");
    expect(a).not.toBe(b);
    expect(typeof a).toBe("symbol");
    expect(String(a)).toBe("Symbol(same)");
    expect(String(typedAttribute())).toBe("Symbol(typed attribute)");
  });

  test("rejects a name that is not a string", () => {
    expect(() => typedAttribute(42 as never)).toThrow("Expected `name` to be a string, got `42` (number)");
  });
});

describe("TypedAttributeProvider.extra()", () => {
  test("returns the value from the attribute's getter, typed by the key", () => {
    const provider = new Provider();
    const value: string = provider.extra(colour);
    expect(value).toBe("blue");
    expect(provider.extra(size) + 1).toBe(4);
  });

  test("raises TypedAttributeLookupError for a missing attribute without a default", () => {
    const missing = typedAttribute<string>("missing");
    expect(() => new Provider().extra(missing)).toThrow(TypedAttributeLookupError);
    expect(() => new Provider().extra(missing)).toThrow(/^Attribute not found: Symbol\(missing\)/);
  });

  test("returns the default for a missing attribute, even when the default is undefined", () => {
    const missing = typedAttribute<string>("missing");
    expect(new Provider().extra(missing, "fallback")).toBe("fallback");
    expect(new Provider().extra(missing, undefined)).toBeUndefined();
    expect(new Provider().extra(colour, "fallback")).toBe("blue");
  });

  test("lets an error raised by the getter itself propagate unchanged", () => {
    const broken = typedAttribute<string>("broken");
    class Broken extends TypedAttributeProvider {
      override get extraAttributes(): TypedAttributeMap {
        return {
          [broken]: () => {
            throw new RangeError("foo");
          },
        };
      }
    }
    expect(() => new Broken().extra(broken)).toThrow(new RangeError("foo"));
    expect(() => new Broken().extra(broken, "default")).toThrow(RangeError);
  });

  test("does not find inherited object properties", () => {
    expect(new TypedAttributeProvider().extra(colour, null)).toBeNull();
    expect(Object.getOwnPropertySymbols(new TypedAttributeProvider().extraAttributes)).toEqual([]);
  });

  test("sees through wrappers, which offer the wrapped stream's attributes", () => {
    class TaggedStapled extends StapledObjectStream<Uint8Array> {
      override get extraAttributes(): TypedAttributeMap {
        return { ...super.extraAttributes, [colour]: () => "red" };
      }
    }
    const [send, receive] = createMemoryObjectStream<Uint8Array>();
    expect(receive.extra(colour, "none")).toBe("none");
    const layered = new TextReceiveStream(new BufferedByteReceiveStream(new TaggedStapled(send, receive)));
    expect(layered.extra(colour)).toBe("red");
    expect(layered.extra(size, 0)).toBe(0);
    send.close();
    receive.close();
  });
});

describe("TypedAttributeSet", () => {
  test("lists the keys a group declares, including inherited ones", () => {
    class Base extends TypedAttributeSet {
      static readonly one = typedAttribute<number>("one");
    }
    class Derived extends Base {
      static readonly two = typedAttribute<string>("two");
    }
    expect(Base.attributes()).toEqual([Base.one]);
    expect(Derived.attributes()).toEqual(expect.arrayContaining([Base.one, Derived.two]));
    expect(Derived.attributes()).toHaveLength(2);
  });

  test("SocketAttribute and TLSAttribute declare AnyIO's keys", () => {
    const names = (set: { attributes(): TypedAttribute<unknown>[] }) =>
      set
        .attributes()
        .map((key) => key.description)
        .sort();
    expect(names(SocketAttribute)).toEqual(
      ["family", "localAddress", "localPort", "rawSocket", "remoteAddress", "remotePort"].map(
        (n) => `SocketAttribute.${n}`,
      ),
    );
    expect(names(TLSAttribute)).toEqual(
      [
        "alpnProtocol",
        "channelBindingTlsUnique",
        "cipher",
        "peerCertificate",
        "peerCertificateBinary",
        "serverSide",
        "sharedCiphers",
        "sslObject",
        "standardCompatible",
        "tlsVersion",
      ].map((n) => `TLSAttribute.${n}`),
    );
  });

  test("a provider can offer keys from a group", () => {
    class FakeSocket extends TypedAttributeProvider {
      override get extraAttributes(): TypedAttributeMap {
        return {
          [SocketAttribute.remoteAddress]: () => ["127.0.0.1", 8080] as const,
          [SocketAttribute.remotePort]: () => 8080,
        };
      }
    }
    const socket = new FakeSocket();
    expect(socket.extra(SocketAttribute.remoteAddress)).toEqual(["127.0.0.1", 8080]);
    expect(socket.extra(SocketAttribute.remotePort)).toBe(8080);
    expect(socket.extra(TLSAttribute.tlsVersion, null)).toBeNull();
  });
});
