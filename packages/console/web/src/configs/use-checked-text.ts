import { useMemo, useState } from "react";
import { checkText, type TextCheck } from "./documents.js";
import type { DocumentCheck, Violation } from "./violations.js";

/** The editor's text with what the browser and the server found in it. */
export interface CheckedText extends TextCheck {
  readonly text: string;
  setText(text: string): void;
  /** Violations the server reported for this very text (cleared by the next edit). */
  readonly serverViolations: readonly Violation[] | undefined;
  setServerViolations(violations: Violation[] | undefined): void;
  /** What to show: the server's answer while the text is unchanged, else the browser's. */
  readonly shown: readonly Violation[];
}

/** Keeps the editor's text, checked (parsed, then validated) on every change. */
export function useCheckedText(initial: string, check: DocumentCheck | undefined): CheckedText {
  const [text, setTextState] = useState(initial);
  const [server, setServer] = useState<{ text: string; violations: Violation[] }>();
  const result = useMemo(() => checkText(text, check), [text, check]);
  const serverViolations = server?.text === text ? server.violations : undefined;
  return {
    ...result,
    text,
    setText: setTextState,
    serverViolations,
    setServerViolations: (violations) =>
      setServer(violations === undefined ? undefined : { text, violations }),
    shown: serverViolations ?? result.violations,
  };
}
