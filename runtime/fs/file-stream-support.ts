/**
 * What `FileReadStream` and `FileWriteStream` share: the `AsyncFile` they run on, how they are
 * built from a path, their typed attributes and how host errors become stream errors. Internal.
 */
import { tagPrimitive } from "../rt";
import { BrokenResourceError } from "../core/errors";
import { FileStreamAttribute, type TypedAttributeMap } from "../streams/typed-attributes";
import type { AsyncFile } from "./async-file";
import { Path } from "./path";

/** An `AsyncFile` a `fromPath()` hands to the stream constructor it calls next (constructors take a FileHandle). */
let adopting: { file: AsyncFile<Uint8Array>; path: string } | undefined;

/** Makes the next file stream constructed adopt `file`, opened from `path`, instead of wrapping its argument. */
export function adopt<S>(file: AsyncFile<Uint8Array>, path: string, construct: () => S): S {
  adopting = { file, path };
  try {
    return construct();
  } finally {
    adopting = undefined;
  }
}

/** Takes what {@link adopt} handed over, if anything. */
export function takeAdopted(): { file: AsyncFile<Uint8Array>; path: string } | undefined {
  const taken = adopting;
  adopting = undefined;
  return taken;
}

/** The typed attributes of a file stream on `file`, opened from `path` if given. */
export function fileStreamAttributes(file: AsyncFile<Uint8Array>, path: string | undefined): TypedAttributeMap {
  const attributes: Record<symbol, () => unknown> = {
    [FileStreamAttribute.file]: () => file.wrapped,
    [FileStreamAttribute.fileno]: () => file.wrapped.fd,
  };
  if (path !== undefined) {
    const asPath = new Path(path);
    attributes[FileStreamAttribute.path] = () => asPath;
  }
  return attributes;
}

/**
 * Whether `error` is the host's (a Node error with a string `code`), not one of ours. Not
 * `instanceof Error`: the host's errors may come from another realm (a test runner's sandbox).
 */
function isHostError(error: unknown): error is Error {
  return typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "string";
}

/**
 * `operation`'s promise with a host error turned into `BrokenResourceError` (the Node error as
 * `cause`); tagged, so compiled code awaits it without a race.
 */
export function asStreamOperation<T, R>(operation: Promise<T>, map: (value: T) => R, what: string): Promise<R> {
  return tagPrimitive(
    operation.then(map, (error: unknown) => {
      if (isHostError(error))
        throw new BrokenResourceError(`The file ${what} failed: ${error.message}`, { cause: error });
      throw error;
    }),
  );
}
