/**
 * The messages between the page and the types worker (types-worker.ts). Each request carries an
 * id; the worker answers each, in order, with the same id. The worker says it is ready by
 * answering id 0 unasked.
 */
import type { PlaygroundDiagnostic } from "./protocol";

/** Hover information: the symbol's type, and its documentation (TSDoc). */
export interface HoverAnswer {
  readonly start: number;
  readonly end: number;
  readonly signature: string;
  readonly documentation: string;
}

/** A completion list, as CodeMirror's completion sources return it. */
export interface CompletionAnswer {
  readonly from: number;
  readonly options: ReadonlyArray<{ readonly label: string; readonly type?: string; readonly boost?: number }>;
}

/** Page → types worker. */
export type TypesRequest =
  /** Replace the program and answer its type errors. */
  | { readonly id: number; readonly method: "check"; readonly code: string }
  /** Replace the program. */
  | { readonly id: number; readonly method: "update"; readonly code: string }
  | {
      readonly id: number;
      readonly method: "complete";
      readonly context: { readonly pos: number; readonly explicit: boolean };
    }
  | { readonly id: number; readonly method: "hover"; readonly pos: number };

/** Types worker → page. */
export interface TypesResponse {
  readonly id: number;
  readonly result: PlaygroundDiagnostic[] | CompletionAnswer | HoverAnswer | null;
  /** The language service failed on this request (the answer is then null). */
  readonly error?: string;
}
