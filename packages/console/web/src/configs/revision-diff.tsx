import { useCallback, type ReactNode } from "react";
import { ChangeType } from "@guardian/api";
import { useClients } from "../auth/use-session.js";
import { DiffView } from "../components/diff-view.js";
import { ErrorBanner, Loading } from "../components/feedback.js";
import { useCall } from "../components/use-call.js";
import { textOf } from "./documents.js";

/** The contents of two revisions of a config side by side (a deletion counts as empty). */
export function RevisionDiff(props: {
  project: string;
  configKey: string;
  from: bigint;
  to: bigint;
}): ReactNode {
  const clients = useClients();
  const { project, configKey: key, from, to } = props;
  const load = useCallback(async () => {
    const read = async (revision: bigint) => {
      const res = await clients.config.getRevision({ project, key, revision });
      const r = res.revision;
      return r === undefined || r.changeType === ChangeType.DELETE ? "" : textOf(r.content);
    };
    const [before, after] = await Promise.all([read(from), read(to)]);
    return { before, after, from, to };
  }, [clients, project, key, from, to]);
  const diff = useCall(load);
  if (diff.error !== undefined) return <ErrorBanner error={diff.error} />;
  if (diff.data === undefined) return <Loading what="the revisions" />;
  return (
    <DiffView
      before={diff.data.before}
      after={diff.data.after}
      beforeLabel={`Revision ${diff.data.from}`}
      afterLabel={`Revision ${diff.data.to}`}
    />
  );
}
