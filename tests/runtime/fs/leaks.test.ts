// The anyio-ts/jest leak check knows the file room's resources: an AsyncFile, a file stream or a
// temporary file left open fails the test as a leaked file handle; closed ones never do.
import * as fs from "node:fs";
import {
  FileReadStream,
  NamedTemporaryFile,
  openFile,
  SpooledTemporaryFile,
  TemporaryFile,
  type AsyncFile,
} from "anyio-ts";
import { ResourceLeakError } from "anyio-ts/jest";
import { failureOf, register } from "../testing/capture";
import { scratchDir } from "./fs-helpers";

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir();
});
afterEach(() => scratch.cleanup());

describe("leak detection of files", () => {
  test("an AsyncFile left open is a leaked file handle", async () => {
    let file: AsyncFile<string> | undefined;
    const error = await failureOf(
      register("leaves a file open", async () => {
        file = await openFile(scratch.file("open.txt"), "w");
      }),
    );
    try {
      expect(error).toBeInstanceOf(ResourceLeakError);
      const leaks = (error as ResourceLeakError).leaks;
      expect(leaks.map((leak) => leak.kind)).toEqual(["file"]);
    } finally {
      await file?.wrapped.close();
    }
  });

  test("files, streams and temporary files closed by the test are not leaks", async () => {
    const target = scratch.file("closed.txt");
    fs.writeFileSync(target, "x");
    await register("closes everything", async () => {
      await using file = await openFile(target);
      await file.read();
      await using stream = await FileReadStream.fromPath(target);
      await stream.receive();
      await using temp = await TemporaryFile.open({ dir: scratch.dir });
      await using named = await NamedTemporaryFile.open({ dir: scratch.dir });
      await using spool = new SpooledTemporaryFile({ maxSize: 1, dir: scratch.dir });
      await spool.write(new Uint8Array([1, 2]));
      void temp;
      void named;
    }).body();
  });
});
