import type { ConformanceCase } from "./case.js";

/** `format` cases, asserted (Guardian's default format mode); every format ignores non-strings. */
export const formatCases: ConformanceCase[] = [
  {
    description: "email",
    schema: { format: "email" },
    tests: [
      ["joe.bloggs@example.com", true],
      ["2962", false],
      ["a@b@example.com", false],
      [12, true],
    ],
  },
  {
    description: "idn-email",
    schema: { format: "idn-email" },
    tests: [
      ["실례@실례.테스트", true],
      ["joe.bloggs@example.com", true],
      ["2962", false],
      ["실례@", false],
      [{}, true],
    ],
  },
  {
    description: "hostname",
    schema: { format: "hostname" },
    tests: [
      ["www.example.com", true],
      ["-a-host-name-that-starts-with--", false],
      ["not_a_valid_host_name", false],
    ],
  },
  {
    description: "idn-hostname",
    schema: { format: "idn-hostname" },
    tests: [
      ["실례.테스트", true],
      ["xn--ihqwcrb4cv8a8dqg056pqjye", true],
      ["www.example.com", true],
      ["-실례.테스트", false],
      ["실례-.테스트", false],
      ["ab--cd.com", false, "hyphens in the third and fourth place"],
      ["a".repeat(64), false, "a label longer than 63"],
      ["", false],
      [1, true],
    ],
  },
  {
    description: "iri",
    schema: { format: "iri" },
    tests: [
      ["http://ƒøø.ßår/?∂éœ=πîx#πîüx", true],
      ["http://➡.ws/䨹", true],
      ["http://[2001:0db8:85a3:0000:0000:8a2e:0370:7334]", true],
      ["/abc", false, "relative"],
      ["\\\\WINDOWS\\filëßåré", false],
      ["âππ", false],
      [null, true],
    ],
  },
  {
    description: "iri-reference",
    schema: { format: "iri-reference" },
    tests: [
      ["http://ƒøø.ßår/?∂éœ=πîx#πîüx", true],
      ["//ƒøø.ßår/?∂éœ=πîx#πîüx", true],
      ["/âππ", true],
      ["#ƒrägmênt", true],
      ["\\\\WINDOWS\\filëßåré", false],
      ["#ƒräg\\mênt", false],
    ],
  },
  {
    description: "uri and uri-reference",
    schema: { properties: { a: { format: "uri" }, r: { format: "uri-reference" } } },
    tests: [
      [{ a: "http://example.com/x?y#z", r: "../x" }, true],
      [{ a: "//example.com" }, false],
      [{ r: "\\\\WINDOWS" }, false],
    ],
  },
  {
    description: "date-time, date, time and duration",
    schema: {
      properties: {
        dt: { format: "date-time" },
        d: { format: "date" },
        t: { format: "time" },
        p: { format: "duration" },
      },
    },
    tests: [
      [{ dt: "1963-06-19T08:30:06.283185Z", d: "2020-02-29", t: "08:30:06Z", p: "P4DT12H" }, true],
      [{ dt: "1963-06-19" }, false],
      [{ d: "2021-02-29" }, false],
      [{ t: "25:00:00Z" }, false],
      [{ p: "PT" }, false],
    ],
  },
  {
    description: "ipv4, ipv6, uuid, json-pointer and regex",
    schema: {
      properties: {
        v4: { format: "ipv4" },
        v6: { format: "ipv6" },
        id: { format: "uuid" },
        ptr: { format: "json-pointer" },
        re: { format: "regex" },
      },
    },
    tests: [
      [{ v4: "192.168.0.1", v6: "::1", id: "2eb8aa08-aa98-11ea-b4aa-73b441d16380" }, true],
      [{ v4: "256.0.0.1" }, false],
      [{ v6: "12345::" }, false],
      [{ id: "2eb8aa08-aa98-11ea-b4aa-73b441d1638" }, false],
      [{ ptr: "/a~1b", re: "^a+$" }, true],
      [{ ptr: "a" }, false],
      [{ re: "^(abc]" }, false],
    ],
  },
  {
    description: "unknown formats are not checked",
    schema: { format: "postcode" },
    tests: [["anything", true]],
  },
];
