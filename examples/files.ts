// Files with anyio-ts: write and read a text file, copy it through file streams, use a
// temporary directory, and see a cancelled write leave the file whole.
// Run it with `npm run example -- examples/files.ts`.
import * as path from "node:path";
import { CancelScope, FileReadStream, FileWriteStream, TemporaryDirectory, openFile, run } from "anyio-ts";

run(async () => {
  // Removed with everything in it at the end of the block, even if the block is cancelled.
  await using tmp = await TemporaryDirectory.create({ prefix: "anyio-ts-example-" });
  const notes = path.join(tmp.path, "notes.txt");

  {
    await using file = await openFile(notes, "w");
    await file.writelines(["first line\n", "second line: ünïcödé\n", "third line\n"]);
  }

  {
    await using file = await openFile(notes);
    for await (const line of file) console.log(`read: ${line.trimEnd()}`);
    console.log(`at byte ${await file.tell()} after the last line`);
  }

  // Byte streams over files: copy chunk by chunk.
  const copy = path.join(tmp.path, "copy.txt");
  {
    await using source = await FileReadStream.fromPath(notes);
    await using sink = await FileWriteStream.fromPath(copy);
    for await (const chunk of source) await sink.send(chunk);
  }

  // Cancel a scope while a large write runs: the write either did not start or finished.
  const big = path.join(tmp.path, "big.bin");
  await using out = await openFile(big, "wb");
  let written = 0;
  await new CancelScope().run(async (scope) => {
    const write = out.write(new Uint8Array(8 << 20));
    scope.cancel(); // too late for this write: it has started, and it runs to completion
    written = await write;
  });
  console.log(`the cancelled scope's write returned ${written} bytes; the file has ${await out.seek(0, 2)} bytes`);
}).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
