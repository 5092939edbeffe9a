import { create, toBinary, type DescMethod } from "@bufbuild/protobuf";
import {
  AuthService,
  ClusterService,
  ConfigService,
  SchemaService,
  StoreService,
} from "@guardian/api";
import type { ExpectedCode } from "./expectations.js";
import { names } from "./fixture.js";
import type { RawBody, Wire } from "./raw-call.js";
import { concat, deepValue, lengthDelimited } from "./wire.js";

/** A bad request the properties once found answered wrongly, kept as a fixed case. */
export interface Regression {
  name: string;
  method: DescMethod;
  wire: Wire;
  body: RawBody;
  expected: ExpectedCode;
}

const hex = (h: string): RawBody => ({ message: Buffer.from(h, "hex") });
const utf8 = new TextEncoder();

function binary<M extends DescMethod>(method: M, init: Record<string, unknown>): Uint8Array {
  return toBinary(method.input, create(method.input, init as never));
}

function json(init: Record<string, unknown>): RawBody {
  return { message: utf8.encode(JSON.stringify(init)) };
}

const project = names.project;

/**
 * The counterexamples: undecodable binary messages were answered Internal (on every
 * protocol, and by the fast routes); a huge project in a mutation failed its audit event
 * (Unavailable, and the events written with it); a huge label key came back quoted whole in
 * the error, too large for a gRPC status; a few fields were not checked at all.
 */
export const regressions: Regression[] = [
  {
    name: "bytes that are no message, Connect unary",
    method: ConfigService.method.getConfig,
    wire: "connect+proto",
    body: hex("030e97c503a504"),
    expected: "InvalidArgument",
  },
  {
    name: "bytes that are no message, gRPC unary",
    method: AuthService.method.createUser,
    wire: "grpc+proto",
    body: hex("ee"),
    expected: "InvalidArgument",
  },
  {
    name: "bytes that are no message, Connect server stream",
    method: ConfigService.method.watch,
    wire: "connect+proto",
    body: hex("2d3462c04e9cfe"),
    expected: "InvalidArgument",
  },
  {
    name: "bytes that are no message, gRPC server stream",
    method: ClusterService.method.campaign,
    wire: "grpc+proto",
    body: hex("6f06f903e3060382ff29db9d"),
    expected: "InvalidArgument",
  },
  {
    name: "bytes that are no message, the ReadConfig fast route",
    method: ConfigService.method.readConfig,
    wire: "connect+proto",
    body: hex("fa64fbf905"),
    expected: "InvalidArgument",
  },
  {
    name: "bytes that are no message, the store Write fast route",
    method: StoreService.method.write,
    wire: "grpc+proto",
    body: hex("0a"),
    expected: "InvalidArgument",
  },
  {
    name: "invalid UTF-8 in a schema name",
    method: SchemaService.method.createSchema,
    wire: "connect+proto",
    body: {
      message: concat([
        lengthDelimited(1, utf8.encode(project)),
        lengthDelimited(2, Buffer.from("6168593fff3a5f", "hex")),
      ]),
    },
    expected: "InvalidArgument",
  },
  {
    name: "a config nested 212 deep in binary",
    method: ConfigService.method.createConfig,
    wire: "connect+proto",
    body: {
      message: concat([
        binary(ConfigService.method.createConfig, {
          project,
          key: "props/deep",
          schema: names.schema,
        }),
        lengthDelimited(3, deepValue(212)),
      ]),
    },
    expected: "InvalidArgument",
  },
  {
    name: "a 300 000-character project in GrantRole (its audit event)",
    method: AuthService.method.grantRole,
    wire: "grpc+proto",
    body: {
      message: binary(AuthService.method.grantRole, {
        project: "a".repeat(300_000),
        username: "props-nobody",
        role: 1,
      }),
    },
    expected: "InvalidArgument",
  },
  {
    name: "a 70 000-emoji label key over gRPC (the error quoting it)",
    method: ConfigService.method.createConfig,
    wire: "grpc+proto",
    body: {
      message: binary(ConfigService.method.createConfig, {
        project,
        key: "props/labels",
        schema: names.schema,
        labels: { ["😀".repeat(70_000)]: "v" },
      }),
    },
    expected: "InvalidArgument",
  },
  {
    name: "a 70 000-character schema filter in the store's Range",
    method: StoreService.method.range,
    wire: "connect+json",
    body: json({ project, schema: "é".repeat(70_000) }),
    expected: "InvalidArgument",
  },
  {
    name: "a 70 000-character leader key in Proclaim",
    method: ClusterService.method.proclaim,
    wire: "connect+json",
    body: json({
      election: "props-election",
      leaderKey: "a".repeat(70_000),
      value: "v",
    }),
    expected: "InvalidArgument",
  },
  {
    name: "a 4 097-character refresh token in Logout",
    method: AuthService.method.logout,
    wire: "grpc+proto",
    body: { message: binary(AuthService.method.logout, { refreshToken: "a".repeat(4_097) }) },
    expected: "InvalidArgument",
  },
];
