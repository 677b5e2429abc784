/**
 * The address types the networking room shares.
 */

/** An IP socket address: a host (address or name) and a port. */
export type IPSockAddr = readonly [host: string, port: number];

/** A filesystem path: a string, a `file:` URL or a `Path`. */
export type { PathLike } from "../fs/path";
