import { randomUUID } from "node:crypto";
import { useTestDatabase } from "@guardian/testkit";
import { inject } from "vitest";
import { defineClusterContract } from "../../contract/contract.js";
import { createEtcdClusterBackend } from "./backend.js";

// The shared 3-member cluster; a prefix of its own keeps this file apart from the others.
const prefix = `/guardian-test/${randomUUID()}/`;
const db = useTestDatabase();

defineClusterContract(
  "etcd",
  () => db.pool(),
  async () => createEtcdClusterBackend({ endpoints: inject("etcd").endpoints, prefix }),
);
