/**
 * Lines of one code pane highlighted because the cursor is on a line of the other pane that they
 * map to (through the compile's source map), and, in the Rewritten pane, the hook plumbing hidden
 * on request (see plumbing.ts). Both are decorations held in a state field, so they follow edits
 * and are redrawn with the text.
 */
import { StateEffect, StateField, type Extension, type Range } from "@codemirror/state";
import { Decoration, EditorView, type DecorationSet } from "@codemirror/view";
import { findPlumbing } from "./plumbing";

/** Replaces the highlighted lines (1-based). */
export const setLinkedLines = StateEffect.define<readonly number[]>();
/** Hides or shows the hook plumbing. */
export const setPlumbingHidden = StateEffect.define<boolean>();

const linkedLine = Decoration.line({ class: "cm-linked" });

const linkedField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(decorations, tr) {
    let next = decorations.map(tr.changes);
    for (const effect of tr.effects) {
      if (!effect.is(setLinkedLines)) continue;
      const doc = tr.state.doc;
      const lines = [...new Set(effect.value)].filter((n) => n >= 1 && n <= doc.lines).sort((a, b) => a - b);
      next = Decoration.set(lines.map((n) => linkedLine.range(doc.line(n).from)));
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});

/** Highlighted lines: for both panes. */
export function linkedLines(): Extension {
  return linkedField;
}

interface PlumbingState {
  readonly hidden: boolean;
  readonly decorations: DecorationSet;
}

function plumbingDecorations(doc: EditorView["state"]["doc"]): DecorationSet {
  const text = doc.toString();
  const { lines, spans } = findPlumbing(text);
  const ranges: Range<Decoration>[] = [];
  // Runs of hidden lines become one block each (a block replacement covers whole lines).
  for (let i = 0; i < lines.length;) {
    let j = i;
    while (j + 1 < lines.length && lines[j + 1] === lines[j]! + 1) j++;
    ranges.push(Decoration.replace({ block: true }).range(doc.line(lines[i]!).from, doc.line(lines[j]!).to));
    i = j + 1;
  }
  for (const [from, to] of spans) ranges.push(Decoration.replace({}).range(from, to));
  return Decoration.set(ranges, true);
}

const plumbingField = StateField.define<PlumbingState>({
  create: () => ({ hidden: false, decorations: Decoration.none }),
  update(state, tr) {
    let hidden = state.hidden;
    for (const effect of tr.effects) if (effect.is(setPlumbingHidden)) hidden = effect.value;
    if (!hidden) return hidden === state.hidden ? state : { hidden, decorations: Decoration.none };
    if (hidden === state.hidden && !tr.docChanged) return state;
    return { hidden, decorations: plumbingDecorations(tr.state.doc) };
  },
  provide: (field) => EditorView.decorations.from(field, (state) => state.decorations),
});

/** Hideable hook plumbing: for the Rewritten pane. */
export function hideablePlumbing(): Extension {
  return plumbingField;
}
