import { useCallback, type ReactNode } from "react";
import { allPages } from "../api/pages.js";
import { useClients } from "../auth/use-session.js";
import { ErrorBanner, Loading } from "../components/feedback.js";
import { Time } from "../components/timestamp.js";
import { useCall } from "../components/use-call.js";

/** The registered services with their live instances and where each is reachable. */
export function Services(): ReactNode {
  const clients = useClients();
  const load = useCallback(async () => {
    const services = await allPages(async (pageToken) => {
      const res = await clients.cluster.listServices({ pageToken, pageSize: 100 });
      return { items: res.services, nextPageToken: res.nextPageToken };
    }, 200);
    return Promise.all(
      services.map(async (s) => ({
        name: s.name,
        instances: (await clients.cluster.listInstances({ service: s.name })).instances,
      })),
    );
  }, [clients]);
  const services = useCall(load);
  return (
    <section aria-labelledby="services-title">
      <h2 id="services-title">Services</h2>
      <ErrorBanner error={services.error} />
      {services.data === undefined ? (
        services.loading ? (
          <Loading what="services" />
        ) : null
      ) : services.data.length === 0 ? (
        <p>No service has a live instance.</p>
      ) : (
        <table aria-label="Services">
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Instance</th>
              <th scope="col">Address</th>
              <th scope="col">Tags</th>
              <th scope="col">Expires</th>
            </tr>
          </thead>
          <tbody>
            {services.data.flatMap((s) =>
              s.instances.map((i, n) => (
                <tr key={`${s.name}/${i.instanceId}`}>
                  <td>{n === 0 ? `${s.name} (${s.instances.length})` : ""}</td>
                  <td>{i.instanceId}</td>
                  <td>
                    {i.address}:{i.port}
                  </td>
                  <td>{i.tags.join(", ")}</td>
                  <td>
                    <Time ts={i.expireTime} />
                  </td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}
