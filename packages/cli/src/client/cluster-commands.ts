import { create, toJson } from "@bufbuild/protobuf";
import {
  Engine,
  GetLeaderResponseSchema,
  ListInstancesResponseSchema,
  ListMembersResponseSchema,
  ListServicesResponseSchema,
  LockSchema,
  type Lock,
} from "@guardian/api";
import { Command } from "commander";
import { printJson, printMessage, printTable, when } from "./output.js";
import { allPages } from "./pages.js";
import { openSession, type GlobalOptions } from "./session.js";

/** `guardian cluster status|members|leader|locks|services`: what the cluster service shows. */
export function clusterCommand(): Command {
  const cluster = new Command("cluster").description(
    "Show the consensus cluster: members, Raft leader and term, elections, locks, services",
  );

  cluster
    .command("status")
    .description("Show the engine, the Raft leader and term, and how many members are healthy")
    .action(async (_opts: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const session = await openSession(globals);
      const res = await session.cluster.listMembers({});
      if (globals.output === "json") return printMessage(ListMembersResponseSchema, res);
      const leader = res.members.find((m) => m.id === res.leaderId);
      const healthy = res.members.filter((m) => m.healthy).length;
      const lines = [
        `engine:   ${(Engine[res.engine] ?? "unspecified").toLowerCase()}`,
        `cluster:  ${res.clusterId}`,
        `leader:   ${res.leaderId ? `${leader?.name || res.leaderId} (${res.leaderId})` : "none (no quorum)"}`,
        `term:     ${res.raftTerm}`,
        `members:  ${res.members.length} (${healthy} healthy)`,
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    });

  cluster
    .command("members")
    .description("List the cluster's members with their health and Raft state")
    .action(async (_opts: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const session = await openSession(globals);
      const res = await session.cluster.listMembers({});
      if (globals.output === "json") return printMessage(ListMembersResponseSchema, res);
      printTable(
        ["id", "name", "role", "healthy", "term", "applied", "version", "error"],
        res.members.map((m) => [
          m.id,
          m.name,
          m.isLeader ? "leader" : m.isLearner ? "learner" : "follower",
          m.healthy ? "yes" : "no",
          String(m.raftTerm),
          String(m.appliedIndex),
          m.version,
          m.error,
        ]),
      );
    });

  cluster
    .command("leader")
    .description("Show the current leader of an election")
    .argument("<election>", "the election name")
    .action(async (election: string, _opts: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const session = await openSession(globals);
      const res = await session.cluster.getLeader({ election });
      if (globals.output === "json") return printMessage(GetLeaderResponseSchema, res);
      const l = res.leader;
      process.stdout.write(
        l
          ? `${election}: ${l.leaderKey} (value "${l.value}", since revision ${l.revision})\n`
          : `${election}: no leader\n`,
      );
    });

  cluster
    .command("locks")
    .description("Show who holds the named locks")
    .argument("<name...>", "the lock names")
    .action(async (names: string[], _opts: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const session = await openSession(globals);
      const held = new Map<string, Lock | undefined>();
      for (const name of names) held.set(name, (await session.cluster.getLock({ name })).lock);
      if (globals.output === "json") {
        const locks = [...held.values()].filter((l): l is Lock => l !== undefined);
        return printJson({ locks: locks.map((l) => toJson(LockSchema, l)) });
      }
      printTable(
        ["name", "owner", "fencing token", "lease", "acquired", "expires"],
        [...held].map(([name, l]) =>
          l
            ? [
                name,
                l.owner,
                String(l.fencingToken),
                String(l.leaseId),
                when(l.acquireTime),
                when(l.expireTime),
              ]
            : [name, "(free)", "", "", "", ""],
        ),
      );
    });

  cluster
    .command("services")
    .description("List the registered services, or one service's live instances")
    .argument("[service]", "list this service's instances")
    .action(async (service: string | undefined, _opts: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const session = await openSession(globals);
      if (service !== undefined) {
        const res = await session.cluster.listInstances({ service });
        if (globals.output === "json") return printMessage(ListInstancesResponseSchema, res);
        return printTable(
          ["instance", "address", "tags", "registered", "expires"],
          res.instances.map((i) => [
            i.instanceId,
            `${i.address}:${i.port}`,
            i.tags.join(","),
            when(i.registerTime),
            when(i.expireTime),
          ]),
        );
      }
      const services = await allPages(async (pageToken, pageSize) => {
        const page = await session.cluster.listServices({ pageSize, pageToken });
        return { items: page.services, next: page.nextPageToken };
      });
      if (globals.output === "json") {
        const res = create(ListServicesResponseSchema, { services });
        return printMessage(ListServicesResponseSchema, res);
      }
      printTable(
        ["service", "instances"],
        services.map((s) => [s.name, String(s.instanceCount)]),
      );
    });

  return cluster;
}
