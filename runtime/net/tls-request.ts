/**
 * The TLS options of `connectTcp()` and `asConnectable()` (`tls`, `tlsHostname`,
 * `tlsStandardCompatible`), read once into the options of the client side of a TLS handshake.
 */
import { describeValue } from "../core/validate";
import { checkTLSOptions, type TLSOptions, type TLSWrapOptions } from "../streams/tls-options";

/** The TLS options both `connectTcp()` and `asConnectable()` take. */
export interface TLSRequest {
  /**
   * `true`: TLS with the default verification (Node's root certificates, the host name); an
   * object: TLS with these options.
   * @default false
   */
  tls?: boolean | TLSOptions;
  /** The name the server's certificate must match, also sent as SNI. Setting it implies TLS. */
  tlsHostname?: string;
  /**
   * Whether the connection does TLS's closing handshake (see `TLSWrapOptions.standardCompatible`).
   * @default true
   */
  tlsStandardCompatible?: boolean;
}

/** The option keys of {@link TLSRequest}. */
export const TLS_REQUEST_KEYS = ["tls", "tlsHostname", "tlsStandardCompatible"] as const;

/**
 * The client-side wrap options `request` asks for, or undefined when it asks for no TLS (`tls`
 * omitted or false and no `tlsHostname`). `hostname` is `tlsHostname` (undefined: the caller's
 * default). Checks the option types, so a bad option fails before anything is opened.
 */
export function tlsWrapOptions(request: TLSRequest): Omit<TLSWrapOptions, "serverSide"> | undefined {
  const { tls, tlsHostname, tlsStandardCompatible } = request;
  if (tls !== undefined && typeof tls !== "boolean") {
    if (typeof tls !== "object" || tls === null) {
      throw new TypeError(`Expected \`tls\` to be a boolean or an object of TLS options, got ${describeValue(tls)}`);
    }
    checkTLSOptions(tls, "tls");
  }
  if (tlsHostname !== undefined && typeof tlsHostname !== "string") {
    throw new TypeError(`Expected \`tlsHostname\` to be a string, got ${describeValue(tlsHostname)}`);
  }
  if (tlsStandardCompatible !== undefined && typeof tlsStandardCompatible !== "boolean") {
    throw new TypeError(
      `Expected \`tlsStandardCompatible\` to be a boolean, got ${describeValue(tlsStandardCompatible)}`,
    );
  }
  if ((tls === undefined || tls === false) && tlsHostname === undefined) return undefined;
  const base: TLSOptions = typeof tls === "object" ? tls : {};
  return { ...base, hostname: tlsHostname, standardCompatible: tlsStandardCompatible };
}
