/**
 * Self-describing byte messages for the property tests of byte streams (a TCP connection, a
 * child's pipes): each message carries its id and size and a pattern derived from both, so the
 * bytes that came out of a stream can be parsed back into whole messages and any loss,
 * duplication, damage or reordering shows.
 */

const HEADER = 8;

/** Message `id` with `size` bytes of payload after its 8-byte header. */
export function message(id: number, size: number): Uint8Array {
  const out = new Uint8Array(HEADER + size);
  const view = new DataView(out.buffer);
  view.setUint32(0, id);
  view.setUint32(4, size);
  for (let i = 0; i < size; i++) out[HEADER + i] = (id * 7 + i) & 0xff;
  return out;
}

/** The ids of the messages in `data`, in order; throws on a damaged or partial message. */
export function parse(data: Uint8Array): number[] {
  const ids: number[] = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = 0;
  while (offset < data.length) {
    if (offset + HEADER > data.length) throw new Error(`a partial header at byte ${offset}`);
    const id = view.getUint32(offset);
    const size = view.getUint32(offset + 4);
    if (offset + HEADER + size > data.length) throw new Error(`message ${id} is cut short`);
    for (let i = 0; i < size; i++) {
      if (data[offset + HEADER + i] !== ((id * 7 + i) & 0xff)) throw new Error(`message ${id} is damaged at byte ${i}`);
    }
    ids.push(id);
    offset += HEADER + size;
  }
  return ids;
}

/** Whether `part` appears in `whole` in the same relative order. */
export function isSubsequence(part: readonly number[], whole: readonly number[]): boolean {
  let at = 0;
  for (const id of part) {
    while (at < whole.length && whole[at] !== id) at++;
    if (at === whole.length) return false;
    at++;
  }
  return true;
}
