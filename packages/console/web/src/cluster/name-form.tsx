import { useState, type FormEvent, type ReactNode } from "react";

/** A one-field form that adds a name to look up (a lock, an election). */
export function NameForm(props: {
  label: string;
  button: string;
  onAdd: (name: string) => void;
}): ReactNode {
  const [name, setName] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (trimmed === "") return;
    props.onAdd(trimmed);
    setName("");
  };
  return (
    <form onSubmit={submit} aria-label={props.button} className="inline">
      <label>
        {props.label}
        <input
          required
          maxLength={128}
          pattern="[A-Za-z0-9._\/\-]+"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      <button type="submit">{props.button}</button>
    </form>
  );
}
