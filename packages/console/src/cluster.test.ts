import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInClients, type FixtureClients } from "./testing/admin-fixtures.js";
import { startConsoleTestbed, type ConsoleTestbed } from "./testing/browser.js";

const minute = create(DurationSchema, { seconds: 60n });

describe("console cluster screen", () => {
  let bed: ConsoleTestbed;
  let admin: FixtureClients;
  const campaign = new AbortController();
  beforeAll(async () => {
    bed = await startConsoleTestbed();
    admin = await signInClients(bed.server.url, "admin", bed.adminPassword);
  }, 120_000);
  afterAll(async () => {
    campaign.abort();
    await bed?.stop();
  });

  it("shows the embedded member, a lock acquired through ClusterService, an election's leader and a registered service; Refresh reads them again", async () => {
    const { lock } = await admin.cluster.acquireLock({
      name: "payments/settlement",
      owner: "billing-worker-7",
      ttl: minute,
    });
    await admin.cluster.registerInstance({
      service: "billing",
      instanceId: "billing-1",
      address: "10.0.0.7",
      port: 8080,
      tags: ["primary"],
      ttl: minute,
    });
    const stream = admin.cluster.campaign(
      { election: "payments/leader", value: "10.0.0.7:8080", ttl: minute },
      { signal: campaign.signal },
    );
    let leaderKey = "";
    for await (const msg of stream) {
      if (msg.event.case === "elected") {
        leaderKey = msg.event.value.leaderKey;
        break;
      }
    }

    const { context, page, problems } = await bed.signedIn();
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Cluster" })
      .click();
    await page.getByRole("heading", { name: "Cluster", level: 1 }).waitFor();
    const member = page.getByRole("table", { name: "Members" }).getByRole("row", { name: /local/ });
    await expect.poll(() => member.textContent()).toMatch(/local.*Healthy.*Leader/);
    const facts = page.getByRole("definition");
    await expect(facts.allTextContents()).resolves.toEqual(
      expect.arrayContaining(["SQL (embedded)"]),
    );

    await page.getByLabel("Lock name").fill("payments/settlement");
    await page.getByRole("button", { name: "Look up lock" }).click();
    const lockRow = page
      .getByRole("table", { name: "Locks" })
      .getByRole("row", { name: /payments\/settlement/ });
    await expect
      .poll(() => lockRow.textContent())
      .toMatch(new RegExp(`^payments/settlementbilling-worker-7${lock!.fencingToken}`));

    await page.getByLabel("Election name").fill("payments/leader");
    await page.getByRole("button", { name: "Look up election" }).click();
    const electionRow = page
      .getByRole("table", { name: "Elections" })
      .getByRole("row", { name: /payments\/leader/ });
    await expect.poll(() => electionRow.textContent()).toContain(`${leaderKey}10.0.0.7:8080`);

    const instance = page
      .getByRole("table", { name: "Services" })
      .getByRole("row", { name: /billing-1/ });
    await expect
      .poll(() => instance.textContent())
      .toMatch(/^billing \(1\)billing-110\.0\.0\.7:8080primary/);
    await bed.screenshot(page, "cluster");

    await admin.cluster.releaseLock({ name: "payments/settlement", leaseId: lock!.leaseId });
    await admin.cluster.deregisterInstance({ service: "billing", instanceId: "billing-1" });
    await page.getByRole("button", { name: "Refresh" }).click();
    await expect.poll(() => lockRow.textContent()).toMatch(/^payments\/settlementFree/);
    await page.getByText("No service has a live instance.").waitFor();
    await expect.poll(() => electionRow.textContent()).toContain(leaderKey);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
});
