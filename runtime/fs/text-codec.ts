/**
 * Text mode of an `AsyncFile`: incremental decoding that keeps track of how many bytes each
 * decoded character came from, so `tell()` can report the byte offset of the next character not
 * yet returned while read-ahead stays hidden. Internal.
 *
 * Three encodings, each with an exact byte count per UTF-16 unit: UTF-8 (walked with the same
 * rules `TextDecoder` uses to replace invalid bytes), UTF-16LE (two bytes per unit) and Latin-1
 * (ISO-8859-1: one byte per character; `TextDecoder`'s "latin1" is windows-1252, so it is
 * decoded here).
 */
import { describeValue } from "../core/validate";
import type { TextErrors } from "../streams/text";

/** The encodings text files support. */
export type FileEncoding = "utf-8" | "utf-16le" | "latin1";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Checks the `encoding` option. @throws TypeError / RangeError. */
export function checkEncoding(encoding: unknown): FileEncoding {
  if (encoding === "utf-8" || encoding === "utf-16le" || encoding === "latin1") return encoding;
  const message = `Expected \`encoding\` to be "utf-8", "utf-16le" or "latin1", got ${describeValue(encoding)}`;
  throw typeof encoding === "string" ? new RangeError(message) : new TypeError(message);
}

/** Checks the `errors` option. @throws TypeError / RangeError. */
export function checkTextErrors(errors: unknown): TextErrors {
  if (errors === "strict" || errors === "replace") return errors;
  const message = `Expected \`errors\` to be "strict" or "replace", got ${describeValue(errors)}`;
  throw typeof errors === "string" ? new RangeError(message) : new TypeError(message);
}

/**
 * How many bytes of `bytes` (UTF-8) the first `units` UTF-16 units decoded from them take, by
 * the WHATWG decoder's rules: a valid sequence gives one unit (two for a character beyond the
 * BMP), each maximal invalid subpart one U+FFFD.
 */
function utf8PrefixBytes(bytes: Uint8Array, units: number): number {
  const n = bytes.length;
  let i = 0;
  let produced = 0;
  while (produced < units && i < n) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      produced++;
      continue;
    }
    let need: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) need = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      need = 2;
      if (lead === 0xe0) lower = 0xa0;
      else if (lead === 0xed) upper = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      need = 3;
      if (lead === 0xf0) lower = 0x90;
      else if (lead === 0xf4) upper = 0x8f;
    } else {
      i++;
      produced++;
      continue;
    }
    let j = i + 1;
    let seen = 0;
    while (seen < need && j < n) {
      const next = bytes[j]!;
      if (next < lower || next > upper) break;
      lower = 0x80;
      upper = 0xbf;
      seen++;
      j++;
    }
    // A complete sequence, or one U+FFFD for the maximal subpart (the byte that broke it is read again).
    produced += seen === need && need === 3 ? 2 : 1;
    i = j;
  }
  return i;
}

/** Decodes and encodes one text file's characters. */
export class TextCodec {
  private decoder: TextDecoder | undefined;

  constructor(
    readonly encoding: FileEncoding,
    readonly errors: TextErrors,
  ) {
    this.decoder = this.newDecoder();
  }

  private newDecoder(): TextDecoder | undefined {
    if (this.encoding === "latin1") return undefined;
    return new TextDecoder(this.encoding, { fatal: this.errors === "strict", ignoreBOM: true });
  }

  /**
   * Decodes the next `chunk` of the file: whole characters only, an incomplete one carried to
   * the next call; `final` flushes it (at the end of the file).
   * @throws TypeError under `"strict"` for bytes that are not valid in the encoding.
   */
  decode(chunk: Uint8Array, final: boolean): string {
    if (this.decoder === undefined) {
      let text = "";
      for (let i = 0; i < chunk.length; i += 8192) {
        text += String.fromCharCode.apply(null, chunk.subarray(i, i + 8192) as unknown as number[]);
      }
      return text;
    }
    try {
      return this.decoder.decode(chunk, { stream: !final });
    } catch (error) {
      this.decoder = this.newDecoder();
      throw new TypeError(`The file's bytes are not valid ${this.encoding}`, { cause: error });
    }
  }

  /** Forgets a carried incomplete character (after a seek or a write). */
  reset(): void {
    this.decoder = this.newDecoder();
  }

  /** How many leading bytes of `raw` the first `units` decoded UTF-16 units came from. */
  prefixBytes(raw: Uint8Array, units: number): number {
    if (this.encoding === "latin1") return Math.min(units, raw.length);
    if (this.encoding === "utf-16le") return Math.min(units * 2, raw.length);
    return utf8PrefixBytes(raw, units);
  }

  /**
   * Encodes `text`.
   * @throws TypeError under `"strict"` for a lone surrogate, or (Latin-1) a character above U+00FF.
   */
  encode(text: string): Uint8Array {
    if (this.encoding === "latin1") {
      const out = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code > 0xff) {
          if (this.errors === "strict") {
            throw new TypeError(`Cannot encode ${describeValue(text[i])} in latin1: it is above U+00FF`);
          }
          out[i] = 0x3f; // "?", as Python's "replace" error handler writes
        } else out[i] = code;
      }
      return out;
    }
    if (LONE_SURROGATE.test(text)) {
      if (this.errors === "strict") {
        throw new TypeError(`Cannot encode ${describeValue(text)} in ${this.encoding}: it holds a lone surrogate`);
      }
      text = text.replace(LONE_SURROGATES, "\uFFFD");
    }
    if (this.encoding === "utf-8") return new TextEncoder().encode(text);
    const out = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      out[2 * i] = code & 0xff;
      out[2 * i + 1] = code >> 8;
    }
    return out;
  }
}
