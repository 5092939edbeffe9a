import { useEffect, useRef, type ReactNode } from "react";
import "./configs.css";
import { json } from "@codemirror/lang-json";
import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { basicSetup } from "codemirror";
import { spanAt, type PointerSpans } from "./json-positions.js";
import type { Violation } from "./violations.js";

/** The editor's own look, in the constructed stylesheet of its shadow root. */
const theme = EditorView.theme({
  "&": { minHeight: "12rem", fontSize: "13px" },
  "&.cm-focused": { outline: "3px solid #0a58ca", outlineOffset: "2px" },
});

/**
 * A CodeMirror 6 JSON editor. Every edit is reported through `onChange`; `text` replaces the
 * document only when `generation` changes (a load, a discard), so that a render that is behind
 * the editor never takes back what the user just typed. `violations` are shown as lint
 * diagnostics at their pointers.
 *
 * The editor lives in a shadow root: there CodeMirror's styles go into a constructed
 * stylesheet, which the console's CSP allows, where in the document itself they would be
 * a `<style>` element, which it refuses.
 */
export function JsonEditor(props: {
  text: string;
  /** Changed by the owner whenever it replaces the text itself. */
  generation: number;
  onChange(text: string): void;
  violations: readonly Violation[];
  spans: PointerSpans | undefined;
  /** The editor's accessible name: the text of the visible label beside it. */
  label: string;
  readOnly?: boolean;
}): ReactNode {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView>(null);
  const onChange = useRef(props.onChange);
  useEffect(() => {
    onChange.current = props.onChange;
  });
  const { label, readOnly = false } = props;
  const text = useRef(props.text);
  useEffect(() => {
    text.current = props.text;
  });
  useEffect(() => {
    const element = host.current;
    if (element === null) return;
    const root = element.shadowRoot ?? element.attachShadow({ mode: "open" });
    const parent = document.createElement("div");
    root.append(parent);
    const editor = new EditorView({
      root,
      parent,
      state: EditorState.create({
        doc: text.current,
        extensions: [
          basicSetup,
          json(),
          lintGutter(),
          EditorState.readOnly.of(readOnly),
          theme,
          EditorView.contentAttributes.of({ "aria-label": label }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) onChange.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      parent.remove();
      view.current = null;
    };
  }, [label, readOnly]);
  useEffect(() => {
    const editor = view.current;
    if (editor === null) return;
    const current = editor.state.doc.toString();
    if (current !== text.current) {
      editor.dispatch({ changes: { from: 0, to: current.length, insert: text.current } });
    }
  }, [props.generation]);
  useEffect(() => {
    const editor = view.current;
    if (editor === null) return;
    const length = editor.state.doc.length;
    const diagnostics: Diagnostic[] = props.violations.map((v) => {
      const span =
        v.offset !== undefined
          ? { from: v.offset, to: v.offset }
          : props.spans && spanAt(props.spans, v.pointer);
      const from = Math.min(span?.from ?? 0, length);
      const to = Math.min(Math.max(span?.to ?? 0, from), length);
      const where = v.keyword === "syntax" ? "" : `${v.pointer || "(document)"}: `;
      return { from, to, severity: "error", message: `${where}${v.message}` };
    });
    editor.dispatch(setDiagnostics(editor.state, diagnostics));
  }, [props.violations, props.spans]);
  return <div ref={host} className="json-editor" />;
}
