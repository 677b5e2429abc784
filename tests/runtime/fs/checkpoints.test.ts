// The file room's operations under assertCheckpoints(): every async operation that reaches the
// host is a checkpoint (its cancellation is checked and the task suspends on the host call); an
// in-memory spooled file only checks for cancellation.
import * as fs from "node:fs";
import * as os from "node:os";
import * as nodePath from "node:path";
import { FileReadStream, Path, SpooledTemporaryFile, gettempdir, mkdtemp, openFile } from "anyio-ts";
import { assertCheckpoints, structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";

let tmp: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(nodePath.join(os.tmpdir(), "anyio-ts-fs-checkpoints-"));
  fs.writeFileSync(nodePath.join(tmp, "data.txt"), "line one\nline two\n");
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

structuredDescribe("file operations are checkpoints", () => {
  structuredTest("openFile() and every AsyncFile operation that reaches the host", async () => {
    const file = await assertCheckpoints(() => openFile(nodePath.join(tmp, "data.txt"), "r+"));
    try {
      expect(await assertCheckpoints(() => file.readline())).toBe("line one\n");
      expect(await assertCheckpoints(() => file.tell())).toBe(9);
      expect(await assertCheckpoints(() => file.seek(0, 2))).toBe(18);
      expect(await assertCheckpoints(() => file.write("three\n"))).toBe(6);
      await assertCheckpoints(() => file.flush());
    } finally {
      await file.aclose();
    }
  });

  structuredTest("file streams, temporary names and paths", async () => {
    const stream = await assertCheckpoints(() => FileReadStream.fromPath(nodePath.join(tmp, "data.txt")));
    try {
      expect(new TextDecoder().decode(await assertCheckpoints(() => stream.receive()))).toBe("line one\nline two\n");
    } finally {
      await stream.aclose();
    }
    expect(await assertCheckpoints(() => gettempdir())).toBe(os.tmpdir());
    const dir = await assertCheckpoints(() => mkdtemp({ dir: tmp }));
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    const path = new Path(tmp, "data.txt");
    expect((await assertCheckpoints(() => path.stat())).size).toBe(18);
    expect(await assertCheckpoints(() => path.readText())).toBe("line one\nline two\n");
  });

  structuredTest("a spooled file still in memory checks for cancellation but does not suspend", async () => {
    const spooled = new SpooledTemporaryFile({ maxSize: 1024 });
    try {
      const error = await caught(assertCheckpoints(() => spooled.write(new Uint8Array([1, 2, 3]))));
      expect((error as Error).message).toContain("(1 cancel point and 0 schedule points)");
    } finally {
      await spooled.aclose();
    }
  });
});
