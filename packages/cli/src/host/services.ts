import type { ConnectRouter } from "@connectrpc/connect";
import {
  AuthService,
  ClusterService,
  ConfigService,
  SchemaService,
  StoreService,
} from "@guardian/api";
import { createAuthRoutes } from "@guardian/auth-service";
import { createClusterRoutes } from "@guardian/cluster-service";
import { createConfigRoutes } from "@guardian/config-service";
import { createSchemaRoutes } from "@guardian/schema-service";
import { createStoreRoutes, type StoreEngine } from "@guardian/store-service";

/** The names of the services a process can host. */
export const serviceNames = ["auth", "config", "schema", "cluster", "store"] as const;

/** One service name, as given to `guardian serve`. */
export type ServiceName = (typeof serviceNames)[number];

/** A service ready to mount: its fully qualified name (for health) and its routes. */
export interface HostedService {
  name: ServiceName;
  typeName: string;
  routes: (router: ConnectRouter) => void;
}

/** What the hosted services share: the store engine (when this process hosts the store). */
export interface ServiceDeps {
  engine?: StoreEngine;
}

/** Builds the routes of the named services. */
export function hostServices(names: readonly ServiceName[], deps: ServiceDeps): HostedService[] {
  return names.map((name) => {
    switch (name) {
      case "auth":
        return { name, typeName: AuthService.typeName, routes: createAuthRoutes() };
      case "config":
        return { name, typeName: ConfigService.typeName, routes: createConfigRoutes() };
      case "schema":
        return { name, typeName: SchemaService.typeName, routes: createSchemaRoutes() };
      case "cluster":
        return { name, typeName: ClusterService.typeName, routes: createClusterRoutes() };
      case "store":
        if (!deps.engine) throw new Error("the store service needs a store engine");
        return {
          name,
          typeName: StoreService.typeName,
          routes: createStoreRoutes({ engine: deps.engine }),
        };
    }
  });
}

/** Reports whether a word names a service. */
export function isServiceName(word: string): word is ServiceName {
  return (serviceNames as readonly string[]).includes(word);
}
