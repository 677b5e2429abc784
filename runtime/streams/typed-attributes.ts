/**
 * Typed attributes: extra, typed information a stream or listener offers about itself (the
 * remote address of a socket, the negotiated TLS version, ...), looked up by key with
 * `stream.extra(SocketAttribute.remoteAddress)` (AnyIO's typed attributes).
 *
 * A key is a symbol branded with the type of its value, so `extra()` returns that type. A
 * provider lists its attributes in `extraAttributes`, an object mapping each key to a getter;
 * a wrapper spreads the wrapped stream's attributes into its own, so lookups see through any
 * number of layers (and the wrapper may override some).
 */
import { TypedAttributeLookupError } from "../core/errors";
import { describeValue } from "../core/validate";
import type { FileHandle } from "../fs/host";
import type { Path } from "../fs/path";

declare const attributeType: unique symbol;

/**
 * The key of a typed attribute whose value has type `T`: a unique symbol, branded with `T` for
 * the type checker only. Create one with {@link typedAttribute}.
 */
export type TypedAttribute<T> = symbol & {
  /** The attribute's value type, for the type checker only: never present at run time. */
  readonly [attributeType]?: T;
};

/** The value type of a typed attribute key. */
export type TypedAttributeValue<A> = A extends TypedAttribute<infer T> ? T : never;

/**
 * What {@link TypedAttributeProvider.extraAttributes} returns: each attribute key mapped to a
 * function that returns the attribute's current value.
 */
export type TypedAttributeMap = {
  /** The function that returns the attribute's current value. */
  readonly [attribute: symbol]: () => unknown;
};

/**
 * Creates a new typed attribute key: a unique symbol carrying the type `T` of its value (like
 * AnyIO's `typed_attribute()`). Declare keys as static members of a {@link TypedAttributeSet}
 * subclass so users find them in one place. Never a checkpoint.
 *
 * @param name - the symbol's description, shown when the key is printed.
 * @default name "typed attribute"
 * @example
 * ```ts
 * const requestId = typedAttribute<string>("requestId");
 * class Tagged extends TypedAttributeProvider {
 *   override get extraAttributes() {
 *     return { [requestId]: () => "r-42" };
 *   }
 * }
 * new Tagged().extra(requestId); // "r-42", typed as string
 * ```
 * @throws TypeError if `name` is not a string.
 */
export function typedAttribute<T>(name = "typed attribute"): TypedAttribute<T> {
  if (typeof name !== "string") {
    throw new TypeError(`Expected \`name\` to be a string, got ${describeValue(name)}`);
  }
  return Symbol(name) as TypedAttribute<T>;
}

/**
 * The base class of a group of typed attribute keys, declared as static members created with
 * {@link typedAttribute} (AnyIO's `TypedAttributeSet`). {@link SocketAttribute} and
 * {@link TLSAttribute} are such groups; subclass it to declare your own.
 *
 * @example
 * ```ts
 * class HTTPAttribute extends TypedAttributeSet {
 *   static readonly method = typedAttribute<string>("HTTPAttribute.method");
 *   static readonly path = typedAttribute<string>("HTTPAttribute.path");
 * }
 * HTTPAttribute.attributes(); // [HTTPAttribute.method, HTTPAttribute.path]
 * ```
 */
export abstract class TypedAttributeSet {
  /**
   * The keys this group declares: its static members (and those of the groups it extends)
   * whose values are symbols. Never a checkpoint.
   *
   * @example
   * ```ts
   * SocketAttribute.attributes().includes(SocketAttribute.remotePort); // true
   * ```
   */
  static attributes(): TypedAttribute<unknown>[] {
    const keys: TypedAttribute<unknown>[] = [];
    for (let set: Function | null = this; set !== null && set !== TypedAttributeSet; set = Object.getPrototypeOf(set)) {
      for (const name of Object.getOwnPropertyNames(set)) {
        const value = (set as unknown as Record<string, unknown>)[name];
        if (typeof value === "symbol" && !keys.includes(value)) keys.push(value);
      }
    }
    return keys;
  }
}

/**
 * Something that offers typed extra attributes: every stream and listener (AnyIO's
 * `TypedAttributeProvider`). Subclasses override {@link extraAttributes}; {@link extra} looks a
 * key up there. Usable as a base class or, structurally, as an interface.
 *
 * @example
 * ```ts
 * const port = stream.extra(SocketAttribute.remotePort, undefined); // undefined if not a socket
 * ```
 */
export class TypedAttributeProvider {
  /**
   * The attributes this object offers: each key mapped to a getter for its value. A wrapper
   * includes the wrapped object's attributes (`{ ...inner.extraAttributes, ...own }`) and may
   * override some. The base class offers none. Never a checkpoint.
   *
   * @example
   * ```ts
   * Object.getOwnPropertySymbols(stream.extraAttributes); // the keys it offers
   * ```
   */
  get extraAttributes(): TypedAttributeMap {
    return {};
  }

  /**
   * The value of the typed attribute `attribute`, or `defaultValue` when this object does not
   * offer it. An error thrown by the attribute's getter propagates unchanged. Never a
   * checkpoint.
   *
   * @example
   * ```ts
   * const host = stream.extra(SocketAttribute.remoteAddress); // throws if not offered
   * const tls = stream.extra(TLSAttribute.tlsVersion, null); // null if not offered
   * ```
   * @throws TypedAttributeLookupError if the attribute is not offered and no default was given.
   */
  extra<T>(attribute: TypedAttribute<T>): T;
  extra<T, D>(attribute: TypedAttribute<T>, defaultValue: D): T | D;
  extra(attribute: symbol, ...defaultValue: unknown[]): unknown {
    return lookupExtra(this.extraAttributes, attribute, defaultValue);
  }
}

/**
 * The lookup behind {@link TypedAttributeProvider.extra}, for classes that cannot extend it:
 * `defaultValue` is the (empty or one-element) rest array of the caller's default.
 * @internal
 */
export function lookupExtra(
  attributes: TypedAttributeMap,
  attribute: symbol,
  defaultValue: readonly unknown[],
): unknown {
  const getter = Object.prototype.hasOwnProperty.call(attributes, attribute) ? attributes[attribute] : undefined;
  if (getter === undefined) {
    if (defaultValue.length > 0) return defaultValue[0];
    throw new TypedAttributeLookupError(
      `Attribute not found: ${String(attribute)}; pass a default to extra() to allow it to be missing`,
    );
  }
  return getter();
}

/** A socket address: a path (UNIX sockets) or a host and port (IP sockets). */
export type SocketAddress = string | readonly [host: string, port: number];

/**
 * The typed attributes of sockets and socket streams (AnyIO's `SocketAttribute`). Only the keys
 * are defined here; socket streams offer them.
 *
 * @example
 * ```ts
 * const [host, port] = stream.extra(SocketAttribute.remoteAddress) as [string, number];
 * ```
 */
export class SocketAttribute extends TypedAttributeSet {
  /** The address family: `"IPv4"`, `"IPv6"` or `"unix"`. */
  static readonly family = typedAttribute<"IPv4" | "IPv6" | "unix">("SocketAttribute.family");
  /** The local address: a path, or `[host, port]`. */
  static readonly localAddress = typedAttribute<SocketAddress>("SocketAttribute.localAddress");
  /** The local port (IP sockets only). */
  static readonly localPort = typedAttribute<number>("SocketAttribute.localPort");
  /** The host's socket object underneath. */
  static readonly rawSocket = typedAttribute<unknown>("SocketAttribute.rawSocket");
  /** The remote address: a path, or `[host, port]` (connected sockets only). */
  static readonly remoteAddress = typedAttribute<SocketAddress>("SocketAttribute.remoteAddress");
  /** The remote port (connected IP sockets only). */
  static readonly remotePort = typedAttribute<number>("SocketAttribute.remotePort");
}

/**
 * The typed attributes of TLS streams and listeners (AnyIO's `TLSAttribute`). Only the keys are
 * defined here; TLS streams offer them.
 *
 * @example
 * ```ts
 * const version = stream.extra(TLSAttribute.tlsVersion); // "TLSv1.3"
 * ```
 */
export class TLSAttribute extends TypedAttributeSet {
  /** The protocol chosen by ALPN, or `null` if none was. */
  static readonly alpnProtocol = typedAttribute<string | null>("TLSAttribute.alpnProtocol");
  /** The channel binding data of type "tls-unique" (RFC 5929), if available. */
  static readonly channelBindingTlsUnique = typedAttribute<Uint8Array | null>("TLSAttribute.channelBindingTlsUnique");
  /** The negotiated cipher: `[name, protocol version, secret bits]`. */
  static readonly cipher = typedAttribute<readonly [string, string, number]>("TLSAttribute.cipher");
  /** The peer's certificate in decoded form, or `null` if it sent none. */
  static readonly peerCertificate = typedAttribute<Readonly<Record<string, unknown>> | null>(
    "TLSAttribute.peerCertificate",
  );
  /** The peer's certificate in DER form, or `null` if it sent none. */
  static readonly peerCertificateBinary = typedAttribute<Uint8Array | null>("TLSAttribute.peerCertificateBinary");
  /** Whether this side is the server. */
  static readonly serverSide = typedAttribute<boolean>("TLSAttribute.serverSide");
  /** The ciphers the client offered (server side only), or `null`. */
  static readonly sharedCiphers = typedAttribute<ReadonlyArray<readonly [string, string, number]> | null>(
    "TLSAttribute.sharedCiphers",
  );
  /** The host's TLS socket object underneath. */
  static readonly sslObject = typedAttribute<unknown>("TLSAttribute.sslObject");
  /** Whether the TLS closing handshake is performed on close (see `TLSStream`). */
  static readonly standardCompatible = typedAttribute<boolean>("TLSAttribute.standardCompatible");
  /** The negotiated protocol version, such as `"TLSv1.3"`. */
  static readonly tlsVersion = typedAttribute<string>("TLSAttribute.tlsVersion");
}

/**
 * The typed attributes of file streams (AnyIO's `FileStreamAttribute`). `FileReadStream` and
 * `FileWriteStream` offer them.
 *
 * @example
 * ```ts
 * const fd = stream.extra(FileStreamAttribute.fileno);
 * ```
 */
export class FileStreamAttribute extends TypedAttributeSet {
  /** The `node:fs/promises` `FileHandle` the stream reads or writes. */
  static readonly file = typedAttribute<FileHandle>("FileStreamAttribute.file");
  /** The path the stream was opened from, as a `Path` (only for streams made by `fromPath()`). */
  static readonly path = typedAttribute<Path>("FileStreamAttribute.path");
  /** The file descriptor. */
  static readonly fileno = typedAttribute<number>("FileStreamAttribute.fileno");
}
