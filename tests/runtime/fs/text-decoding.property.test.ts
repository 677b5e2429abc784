"use structured";
/**
 * Property: reading a text file with any mix of read(size), readline() and tell() returns
 * exactly its characters in order, whatever the encoding and wherever the host's reads split a
 * character, and tell() is always the byte length of what was returned so far.
 */
import * as fs from "node:fs";
import fc from "fast-check";
import { openFile } from "anyio-ts";
import { structuredProperty } from "anyio-ts/fast-check";
import { scratchDir } from "./fs-helpers";

const pieces = ["a", "\n", "é", "€", "😀", "ß", "z", "\u0800", "\uFFFD"];
/** Text of a few thousand characters (several host reads of 8 KiB), mostly ASCII. */
const textArb = fc
  .array(fc.oneof({ weight: 6, arbitrary: fc.constant("x") }, { weight: 4, arbitrary: fc.constantFrom(...pieces) }), {
    minLength: 0,
    maxLength: 12_000,
    size: "max",
  })
  .map((parts) => parts.join(""));
const stepArb = fc.oneof(
  fc.record({ kind: fc.constant("read" as const), size: fc.integer({ min: 0, max: 9000 }) }),
  fc.record({ kind: fc.constant("readline" as const) }),
);

function encode(text: string, encoding: "utf-8" | "utf-16le"): Buffer {
  return Buffer.from(text, encoding === "utf-8" ? "utf8" : "utf16le");
}

test("random reads of a text file return its characters in order, with tell() at the byte offset", async () => {
  const scratch = scratchDir();
  try {
    let run = 0;
    await fc.assert(
      structuredProperty(
        { clock: "real" },
        textArb,
        fc.array(stepArb, { maxLength: 20, size: "max" }),
        fc.constantFrom("utf-8" as const, "utf-16le" as const),
        async (text, steps, encoding) => {
          const target = scratch.file(`t-${run++}.txt`);
          fs.writeFileSync(target, encode(text, encoding));
          await using file = await openFile(target, "r", { encoding });
          let got = "";
          for (const step of steps) {
            const piece = step.kind === "read" ? await file.read(step.size) : await file.readline();
            if (step.kind === "read") {
              // size counts UTF-16 units; one more only to complete a surrogate pair.
              expect(
                piece.length === step.size ||
                  piece.length === step.size + 1 ||
                  got.length + piece.length === text.length,
              ).toBe(true);
            } else if (piece.length > 0 && got.length + piece.length < text.length) {
              expect(piece.endsWith("\n")).toBe(true);
            }
            got += piece;
            expect(await file.tell()).toBe(encode(got, encoding).length);
          }
          got += await file.read();
          expect(got).toBe(text);
          expect(await file.tell()).toBe(encode(text, encoding).length);
        },
      ),
      { seed: 1206, numRuns: 40 },
    );
  } finally {
    scratch.cleanup();
  }
});
