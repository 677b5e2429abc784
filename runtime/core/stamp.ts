/**
 * The base of the runtime's private marks (compiled functions, runtime operations' promises).
 *
 * A constructor that returns an existing object makes a subclass's private fields land on that
 * object: `new Mark(fn)` stamps `fn` with `Mark`'s private field, and `#field in fn` tests it. A
 * private field is invisible to `Reflect.ownKeys`, `Object.getOwnPropertySymbols` and every other
 * reflection, costs about what a property store does, and (unlike a WeakSet entry, several times
 * dearer) adds nothing for the collector to track. Each copy of the runtime has its own marks.
 */
export class Stamp {
  constructor(target: object) {
    return target;
  }
}
