import { useCallback, useMemo, useState } from "react";
import { checkText, type TextCheck } from "./documents.js";
import type { DocumentCheck, Violation } from "./violations.js";

/** The editor's text with what the browser and the server found in it. */
export interface CheckedText extends TextCheck {
  readonly text: string;
  /** Takes an edit the user made in the editor. */
  setText(text: string): void;
  /**
   * Replaces the text from outside the editor (a load, a discard), or with `onlyIf` only while
   * the text is still that (the user may have typed on since).
   */
  replaceText(text: string, onlyIf?: string): void;
  /** Counts the replacements, for the editor to follow them. */
  readonly generation: number;
  /** Violations the server reported for this very text (cleared by the next edit). */
  readonly serverViolations: readonly Violation[] | undefined;
  setServerViolations(violations: Violation[] | undefined): void;
  /** What to show: the server's answer while the text is unchanged, else the browser's. */
  readonly shown: readonly Violation[];
}

/** Keeps the editor's text, checked (parsed, then validated) on every change. */
export function useCheckedText(initial: string, check: DocumentCheck | undefined): CheckedText {
  const [{ text, generation }, setState] = useState({ text: initial, generation: 0 });
  const [server, setServer] = useState<{ text: string; violations: Violation[] }>();
  const result = useMemo(() => checkText(text, check), [text, check]);
  const serverViolations = server?.text === text ? server.violations : undefined;
  return {
    ...result,
    text,
    generation,
    setText: useCallback((next: string) => setState((s) => ({ ...s, text: next })), []),
    replaceText: useCallback(
      (next: string, onlyIf?: string) =>
        setState((s) =>
          onlyIf !== undefined && s.text !== onlyIf
            ? s
            : { text: next, generation: s.generation + 1 },
        ),
      [],
    ),
    serverViolations,
    setServerViolations: (violations) =>
      setServer(violations === undefined ? undefined : { text, violations }),
    shown: serverViolations ?? result.violations,
  };
}
