import "@guardian/kit/plain-proto-keys";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app.js";
import { refreshExternalTokens, withExternalSignIn } from "./auth/oidc.js";
import { createSession } from "./auth/session.js";
import { SessionContext } from "./auth/use-session.js";
import "./styles.css";

const session = withExternalSignIn(createSession({ externalRefresher: refreshExternalTokens }));
const root = document.getElementById("root");
if (root === null) throw new Error("the page has no #root element");
createRoot(root).render(
  <StrictMode>
    <SessionContext.Provider value={session}>
      <App />
    </SessionContext.Provider>
  </StrictMode>,
);
