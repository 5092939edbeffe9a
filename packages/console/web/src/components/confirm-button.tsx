import { useEffect, useRef, useState, type ReactNode } from "react";

/**
 * A button that asks for confirmation in a modal dialog before running `onConfirm` (deleting a
 * project, revoking a key). The dialog is a native `<dialog>`: focus moves into it and Escape
 * closes it.
 */
export function ConfirmButton(props: {
  label: string;
  /** The question the dialog asks. */
  question: string;
  /** The label of the confirming button, for example "Delete project". */
  confirmLabel: string;
  onConfirm: () => Promise<void> | void;
  disabled?: boolean;
}): ReactNode {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (open) dialog.current?.showModal();
    else dialog.current?.close();
  }, [open]);
  return (
    <>
      <button
        type="button"
        className="danger"
        disabled={props.disabled}
        onClick={() => setOpen(true)}
      >
        {props.label}
      </button>
      <dialog ref={dialog} aria-label={props.question} onClose={() => setOpen(false)}>
        <p>{props.question}</p>
        <div className="actions">
          <button type="button" onClick={() => setOpen(false)}>
            Cancel
          </button>
          <button
            type="button"
            className="danger"
            onClick={async () => {
              setOpen(false);
              await props.onConfirm();
            }}
          >
            {props.confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}
