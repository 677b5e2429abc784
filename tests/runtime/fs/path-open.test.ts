// Path.open(): openFile() on the path, with the path's limiter; a checkpoint that opens nothing
// in a cancelled scope.
import * as fs from "node:fs";
import * as os from "node:os";
import * as nodePath from "node:path";
import { AsyncFile, CancelScope, CapacityLimiter, Path } from "anyio-ts";
import { assertCheckpoints, structuredDescribe, structuredTest } from "anyio-ts/jest";

let tmp: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(nodePath.join(os.tmpdir(), "anyio-ts-path-open-"));
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

structuredDescribe("Path.open()", () => {
  structuredTest("opens in text mode by default and in binary mode when asked", async () => {
    const path = new Path(tmp, "notes.txt");
    {
      await using file = await path.open("w");
      expect(file).toBeInstanceOf(AsyncFile);
      expect(await file.write("héllo\n")).toBe(6);
    }
    {
      await using file = await path.open("rb");
      expect(Array.from(await file.read())).toEqual(Array.from(Buffer.from("héllo\n")));
    }
    {
      await using file = await path.open();
      expect(file.name).toBe(nodePath.join(tmp, "notes.txt"));
      expect(await file.read()).toBe("héllo\n");
    }
  });

  structuredTest("holds a token of the path's limiter for each operation, and reports that limiter", async () => {
    const limiter = new CapacityLimiter(1);
    const path = new Path(tmp, "limited.bin").withLimiter(limiter);
    await using file = await path.open("wb");
    expect(file.limiter).toBe(limiter);
    await file.write(new Uint8Array([1, 2, 3]));
    expect(limiter.borrowedTokens).toBe(0);
    const withDefault = new Path(tmp, "limited.bin");
    await using other = await withDefault.open("rb");
    expect(other.limiter).toBeNull();
  });

  structuredTest("is a checkpoint, and in a cancelled scope creates nothing", async () => {
    const path = new Path(tmp, "never.txt");
    const scope = new CancelScope();
    scope.cancel();
    await scope.run(async () => {
      await path.open("w");
    });
    expect(scope.cancelledCaught).toBe(true);
    expect(fs.existsSync(nodePath.join(tmp, "never.txt"))).toBe(false);
    const file = await assertCheckpoints(() => path.open("w"));
    await file.aclose();
  });

  structuredTest("passes on the host's error", async () => {
    const error = await new Path(tmp, "missing", "x.txt").open("r").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as NodeJS.ErrnoException).code).toBe("ENOENT");
  });
});
