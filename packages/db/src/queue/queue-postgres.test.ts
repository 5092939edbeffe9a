import { useTestDatabase } from "@guardian/testkit";
import { describeQueueContract } from "./testing/contract.js";

const db = useTestDatabase({ poolSize: 12 });

describeQueueContract({ profile: "postgres", pool: db.pool, listenUrl: db.url });
