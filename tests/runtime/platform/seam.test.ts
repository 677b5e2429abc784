/**
 * The host seam of a room (runtime/platform/seam.ts): a host installed at once, a host loaded on
 * first use through a registered loader, and what a call gets when neither is there. The Node
 * entry point installs most hosts lazily, so a program that never touches a room never loads its
 * host (checked on the built package in tests/hosts/lazy-hosts.test.ts).
 */
import { NotSupportedError } from "../../../runtime/core/errors";
import { Seam } from "../../../runtime/platform/seam";

interface FakeHost {
  readonly name: string;
}

describe("a host seam", () => {
  test("with nothing installed, a call gets NotSupportedError naming it and why", () => {
    const seam = new Seam<FakeHost>("browsers cannot do this");
    expect(seam.installed).toBe(false);
    expect(() => seam.get("doThing()")).toThrow(NotSupportedError);
    expect(() => seam.get("doThing()")).toThrow("doThing() needs Node.js, Bun or Deno; browsers cannot do this");
  });

  test("an installed host is what every call gets, and it can be installed only once", () => {
    const seam = new Seam<FakeHost>("browsers cannot do this");
    const host = { name: "node" };
    seam.install(host);
    expect(seam.installed).toBe(true);
    expect(seam.get("doThing()")).toBe(host);
    expect(() => seam.install({ name: "other" })).toThrow("A host seam can be installed only once");
  });

  test("a lazily installed host is loaded by the first call that asks for it, and only once", () => {
    const seam = new Seam<FakeHost>("browsers cannot do this");
    const host = { name: "node" };
    const loads: string[] = [];
    seam.installLazily(() => {
      loads.push("load");
      seam.install(host);
    });
    expect(seam.installed).toBe(true);
    expect(loads).toEqual([]);
    expect(seam.get("first()")).toBe(host);
    expect(seam.get("second()")).toBe(host);
    expect(loads).toEqual(["load"]);
  });

  test("a host module loaded before its loader was registered stays installed and the loader never runs", () => {
    const seam = new Seam<FakeHost>("browsers cannot do this");
    const host = { name: "node" };
    seam.install(host);
    let loaded = false;
    seam.installLazily(() => {
      loaded = true;
    });
    expect(seam.get("doThing()")).toBe(host);
    expect(loaded).toBe(false);
  });

  test("a host module loaded some other way before the first call is used without running the loader", () => {
    const seam = new Seam<FakeHost>("browsers cannot do this");
    const host = { name: "node" };
    let loaded = false;
    seam.installLazily(() => {
      loaded = true;
    });
    seam.install(host);
    expect(seam.get("doThing()")).toBe(host);
    expect(loaded).toBe(false);
  });

  test("a loader that throws fails the call with its error, and the next call tries it again", () => {
    const seam = new Seam<FakeHost>("browsers cannot do this");
    const host = { name: "node" };
    let attempts = 0;
    seam.installLazily(() => {
      attempts++;
      if (attempts === 1) throw new Error("Cannot find module 'node:tls'");
      seam.install(host);
    });
    expect(() => seam.get("first()")).toThrow("Cannot find module 'node:tls'");
    expect(seam.get("second()")).toBe(host);
    expect(attempts).toBe(2);
  });

  test("a loader that installs nothing makes the call fail with NotSupportedError", () => {
    const seam = new Seam<FakeHost>("browsers cannot do this");
    seam.installLazily(() => {});
    expect(() => seam.get("doThing()")).toThrow(NotSupportedError);
  });

  test("a second loader is refused", () => {
    const seam = new Seam<FakeHost>("browsers cannot do this");
    seam.installLazily(() => {});
    expect(() => seam.installLazily(() => {})).toThrow("A host seam can be installed only once");
  });
});
