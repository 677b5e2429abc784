/**
 * The options of the TLS streams: `TLSOptions` (the TLS settings of either side, Node's
 * `tls.SecureContextOptions` plus verification and ALPN) and `TLSWrapOptions` (one connection:
 * which side, the server's name, the closing rules), with the checks of the fields we define.
 * Node's own fields (`ca`, `cert`, `key`, `ciphers`, `minVersion`...) are checked by Node.
 */
import { describeValue } from "../core/validate";
import type { NodePeerCertificate, NodeSecureContext, NodeSecureContextOptions } from "../platform/node/tls";

/**
 * The TLS settings of a connection, for either side: Node's `tls.SecureContextOptions` (`ca`,
 * `cert`, `key`, `pfx`, `passphrase`, `ciphers`, `minVersion`, `maxVersion`...) in place of
 * Python's `ssl.SSLContext`, plus verification and ALPN.
 *
 * @example
 * ```ts
 * const serverOptions: TLSOptions = { cert: fs.readFileSync("cert.pem"), key: fs.readFileSync("key.pem") };
 * const clientOptions: TLSOptions = { ca: fs.readFileSync("ca.pem"), ALPNProtocols: ["h2", "http/1.1"] };
 * ```
 */
export interface TLSOptions extends NodeSecureContextOptions {
  /** A prebuilt context (`tls.createSecureContext()`); the other context fields are then ignored. */
  secureContext?: NodeSecureContext;
  /** The ALPN protocols offered (client) or accepted (server), in order of preference. */
  ALPNProtocols?: readonly string[];
  /**
   * Whether the peer's certificate chain must verify: the server's always on the client side;
   * the client's on the server side when `requestCert` is set.
   * @default true
   */
  rejectUnauthorized?: boolean;
  /**
   * Server side: ask the client for a certificate.
   * @default false
   */
  requestCert?: boolean;
  /**
   * Client side: checks that the server's certificate is for `hostname`; returns an error to
   * reject it.
   * @default tls.checkServerIdentity
   */
  checkServerIdentity?: (hostname: string, cert: NodePeerCertificate) => Error | undefined;
  /** Client side: a session to resume (from an earlier connection's `'session'` event). */
  session?: Uint8Array;
}

/** The options of one TLS connection: {@link TLSOptions} plus the side, the server's name and the closing rules. */
export interface TLSWrapOptions extends TLSOptions {
  /**
   * Whether this is the server side of the connection.
   * @default true when `hostname` is omitted, false otherwise
   */
  serverSide?: boolean;
  /**
   * Client side: the name the server's certificate must match, also sent as SNI unless it is
   * an IP address. Non-ASCII names are converted with UTS #46 (IDNA 2008). Required unless
   * `rejectUnauthorized` is false.
   */
  hostname?: string;
  /**
   * Whether the TLS closing handshake is done: `aclose()` sends close_notify and waits for the
   * peer's, and a peer that ends the transport without close_notify makes `receive()` raise
   * `BrokenResourceError`. With false, no closing handshake is done and such an end is
   * `EndOfStream` (for protocols, like HTTP/1.1 with a length, that delimit their own end).
   * @default true
   */
  standardCompatible?: boolean;
}

/** The fields of {@link TLSWrapOptions} that we define, and the type each must have. */
const OWN_FIELDS: ReadonlyArray<readonly [string, "boolean" | "string" | "function"]> = [
  ["rejectUnauthorized", "boolean"],
  ["requestCert", "boolean"],
  ["checkServerIdentity", "function"],
  ["serverSide", "boolean"],
  ["hostname", "string"],
  ["standardCompatible", "boolean"],
];

const ARTICLE: Record<string, string> = { boolean: "a boolean", string: "a string", function: "a function" };

/**
 * Checks the fields of `options` that we define (Node checks its own).
 * @throws TypeError if `options` is not an object, or one of our fields has the wrong type.
 */
export function checkTLSOptions(options: unknown, name: string): asserts options is TLSWrapOptions {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Expected \`${name}\` to be an object or undefined, got ${describeValue(options)}`);
  }
  const fields = options as Record<string, unknown>;
  for (const [field, type] of OWN_FIELDS) {
    const value = fields[field];
    if (value !== undefined && typeof value !== type) {
      throw new TypeError(`Expected \`${field}\` to be ${ARTICLE[type]}, got ${describeValue(value)}`);
    }
  }
  const protocols = fields.ALPNProtocols;
  if (protocols !== undefined && (!Array.isArray(protocols) || !protocols.every((p) => typeof p === "string"))) {
    throw new TypeError(`Expected \`ALPNProtocols\` to be an array of strings, got ${describeValue(protocols)}`);
  }
  const session = fields.session;
  if (session !== undefined && !(session instanceof Uint8Array)) {
    throw new TypeError(`Expected \`session\` to be a Uint8Array, got ${describeValue(session)}`);
  }
}
