/**
 * The host side of how an error crosses a thread or process boundary: a worker sends an
 * {@link EncodedThrown} record (made by runtime/platform/node/workers/error-record.cjs) and the
 * caller rethrows {@link decodeError}'s result, which keeps `name`, `message`, `stack`, `code`
 * and the other clonable own properties that plain structured clone would drop.
 */
import * as errors from "../core/errors";
import { ExceptionGroup } from "../core/exception-group";

/** An Error thrown in a worker, as the worker sends it. */
export interface ErrorRecord {
  readonly kind: "error";
  /** The name of the error's constructor in the worker. */
  readonly className: string;
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** The error's clonable own enumerable properties (`code`, `errno`, …). */
  readonly props: Readonly<Record<string, unknown>>;
  readonly cause?: EncodedThrown;
  /** `AggregateError`'s and `ExceptionGroup`'s members. */
  readonly errors?: readonly EncodedThrown[];
}

/** What a worker function threw: an Error's record, or any other thrown value. */
export type EncodedThrown = ErrorRecord | { readonly kind: "value"; readonly value: unknown };

type ErrorConstructor = new (...args: any[]) => Error;

/** The classes an error keeps across the boundary: JavaScript's own and the runtime's. */
const KNOWN_CLASSES: ReadonlyMap<string, ErrorConstructor> = new Map<string, ErrorConstructor>([
  ...[Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, AggregateError].map(
    (cls) => [cls.name, cls] as [string, ErrorConstructor],
  ),
  ...(Object.entries(errors) as [string, unknown][]).filter(
    (entry): entry is [string, ErrorConstructor] =>
      typeof entry[1] === "function" && entry[1].prototype instanceof Error,
  ),
  ["ExceptionGroup", ExceptionGroup],
]);

/**
 * The error to rethrow in the caller for what a worker function threw: an instance of the same
 * class when it is a built-in error or a runtime error class, otherwise an `Error` whose `name`
 * is the worker's class name (or the `name` its instances set for themselves); with the worker's message, stack, own properties, `cause` and
 * members. A thrown non-Error value comes back as it was (or as its string when it could not
 * be cloned).
 */
export function decodeError(encoded: EncodedThrown): unknown {
  if (encoded.kind === "value") return encoded.value;
  const members = encoded.errors?.map(decodeError);
  const known = KNOWN_CLASSES.get(encoded.className);
  let error: Error;
  if (known === ExceptionGroup && members !== undefined && members.length > 0) {
    error = new ExceptionGroup(encoded.message, members);
  } else {
    // A real Error object (with its stack slot) whose prototype is the class's, made without
    // running the class's own constructor, whose parameters differ from class to class.
    error = Reflect.construct(Error, [encoded.message], known ?? Error) as Error;
    if (members !== undefined) defineHidden(error, "errors", members);
  }
  // An unknown class becomes an Error named after it, unless it named its instances itself.
  const name = known === undefined && encoded.name === "Error" ? encoded.className : encoded.name;
  if (error.name !== name) defineHidden(error, "name", name);
  if (encoded.stack !== undefined) defineHidden(error, "stack", encoded.stack);
  if (encoded.cause !== undefined) defineHidden(error, "cause", decodeError(encoded.cause));
  Object.assign(error, encoded.props);
  return error;
}

/** A non-enumerable own property, as `Error`'s own `message`, `stack` and `cause` are. */
function defineHidden(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
}
