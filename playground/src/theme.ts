/**
 * The page's two themes, light and dark: the page's colours are CSS variables switched by
 * `data-theme` on `<html>` (style.css), and each CodeMirror pane takes its colours from
 * {@link editorTheme}, swapped through a compartment. The first visit follows the system's
 * preference; a choice made with the theme button is remembered.
 */
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { Compartment, type Extension } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";

export type Theme = "light" | "dark";

const STORAGE_KEY = "anyio-ts-playground-theme";

// Colours chosen for contrast on the dark pane (#1b1f27), close to common dark editor themes.
const darkHighlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.moduleKeyword, t.operatorKeyword], color: "#c792ea" },
  { tag: [t.string, t.special(t.string), t.regexp], color: "#c3e88d" },
  { tag: [t.number, t.bool, t.null, t.atom], color: "#f78c6c" },
  { tag: [t.comment, t.lineComment, t.blockComment], color: "#7f8ba3", fontStyle: "italic" },
  { tag: [t.function(t.variableName), t.function(t.propertyName)], color: "#82aaff" },
  { tag: [t.typeName, t.className, t.namespace], color: "#ffcb6b" },
  { tag: [t.propertyName, t.definition(t.propertyName)], color: "#b2ccd6" },
  { tag: [t.variableName, t.definition(t.variableName)], color: "#e4e8f0" },
  { tag: [t.punctuation, t.operator, t.bracket], color: "#a6b0c3" },
]);

const darkEditor = EditorView.theme(
  {
    "&": { backgroundColor: "#1b1f27", color: "#e4e8f0" },
    ".cm-content": { caretColor: "#e4e8f0" },
    ".cm-cursor, .cm-dropCursor": { borderLeftColor: "#e4e8f0" },
    ".cm-gutters": { backgroundColor: "#161a21", color: "#7f8ba3", borderRight: "1px solid #2c3340" },
    ".cm-activeLine": { backgroundColor: "#232936" },
    ".cm-activeLineGutter": { backgroundColor: "#232936" },
    "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground": {
      backgroundColor: "#34405a",
    },
    ".cm-tooltip": { backgroundColor: "#232936", color: "#e4e8f0", border: "1px solid #3a4254" },
    ".cm-tooltip-autocomplete > ul > li[aria-selected]": { backgroundColor: "#34405a", color: "#fff" },
    ".cm-panels": { backgroundColor: "#161a21", color: "#e4e8f0" },
  },
  { dark: true },
);

/** The CodeMirror extension for `theme`. */
export function editorTheme(theme: Theme): Extension {
  return theme === "dark" ? [darkEditor, syntaxHighlighting(darkHighlight)] : [];
}

/** A compartment per pane holds its theme, so switching reconfigures only that. */
export function themeCompartment(): Compartment {
  return new Compartment();
}

/** The theme to start with: the one chosen last time, else the system's preference. */
export function initialTheme(): Theme {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage can be unavailable (a private window's policy): the system's preference then.
  }
  if (stored === "light" || stored === "dark") return stored;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

/** Applies `theme` to the page's own colours and remembers it. */
export function applyPageTheme(theme: Theme, remember: boolean): void {
  document.documentElement.dataset.theme = theme;
  if (!remember) return;
  try {
    localStorage.setItem(STORAGE_KEY, theme);
  } catch {
    // Not remembered: the choice still holds for this page.
  }
}
