import { createContext, useContext, useSyncExternalStore } from "react";
import type { Principal } from "@guardian/api";
import type { Clients } from "../api/clients.js";
import type { Session, SessionState } from "./session.js";

/** The session of the page; provided once by the app. */
export const SessionContext = createContext<Session | undefined>(undefined);

/** The page's session. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error("useSession outside the SessionContext provider");
  return session;
}

/** The session's state, re-rendering on change. */
export function useSessionState(): SessionState {
  const session = useSession();
  return useSyncExternalStore(session.subscribe, session.state);
}

/** The clients acting as the signed-in user. */
export function useClients(): Clients {
  return useSession().clients;
}

/** The signed-in principal (only under the signed-in part of the app). */
export function usePrincipal(): Principal {
  const state = useSessionState();
  if (state.status !== "signed-in") throw new Error("usePrincipal while not signed in");
  return state.principal;
}
