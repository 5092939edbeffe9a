// URIs and URI references as RFC 3986 defines them: split by the regular expression of its
// appendix B, then each component checked against the ABNF of section 3.

const parts = /^(?:([^:/?#]+):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/su;
const scheme = /^[A-Za-z][A-Za-z0-9+.-]*$/u;
const pchar = "(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})";
const path = new RegExp(`^(?:${pchar}|/)*$`, "u");
const queryOrFragment = new RegExp(`^(?:${pchar}|[/?])*$`, "u");
const userinfo = /^(?:[A-Za-z0-9._~!$&'()*+,;=:-]|%[0-9A-Fa-f]{2})*$/u;
const regName = /^(?:[A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*$/u;
const ipvFuture = /^[vV][0-9A-Fa-f]+\.[A-Za-z0-9._~!$&'()*+,;=:-]+$/u;
const decOctet = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
const ipv4Pattern = new RegExp(`^${decOctet}(?:\\.${decOctet}){3}$`, "u");

/** An IPv4 address in dotted-decimal form, without leading zeros. */
export function ipv4(value: string): boolean {
  return ipv4Pattern.test(value);
}

/** An IPv6 address (RFC 4291 §2.2), an embedded IPv4 address included. */
export function ipv6(value: string): boolean {
  let text = value;
  let groups = 8;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    if (!ipv4(text.slice(lastColon + 1))) return false;
    text = `${text.slice(0, lastColon + 1)}0`;
    groups = 7;
  }
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const hex = (part: string) => (part === "" ? [] : part.split(":"));
  const all = halves.flatMap(hex);
  if (!all.every((g) => /^[0-9A-Fa-f]{1,4}$/u.test(g))) return false;
  return halves.length === 2 ? all.length < groups : all.length === groups;
}

function authority(value: string): boolean {
  const at = value.lastIndexOf("@");
  if (at >= 0 && !userinfo.test(value.slice(0, at))) return false;
  const hostPort = value.slice(at + 1);
  let host = hostPort;
  let port = "";
  if (hostPort.startsWith("[")) {
    const end = hostPort.indexOf("]");
    if (end < 0) return false;
    const literal = hostPort.slice(1, end);
    if (!ipv6(literal) && !ipvFuture.test(literal)) return false;
    const rest = hostPort.slice(end + 1);
    if (rest !== "" && !rest.startsWith(":")) return false;
    host = "";
    port = rest.slice(1);
  } else {
    const colon = hostPort.lastIndexOf(":");
    if (colon >= 0) [host, port] = [hostPort.slice(0, colon), hostPort.slice(colon + 1)];
  }
  return /^[0-9]*$/u.test(port) && (ipv4(host) || regName.test(host));
}

function reference(value: string, absolute: boolean): boolean {
  const m = parts.exec(value);
  if (!m) return false;
  const [, s, auth, p = "", query, fragment] = m;
  if (s === undefined ? absolute : !scheme.test(s)) return false;
  if (auth !== undefined && (!authority(auth) || (p !== "" && !p.startsWith("/")))) return false;
  // A relative path's first segment cannot hold ":" (it would read as a scheme).
  if (s === undefined && auth === undefined && (p.split("/")[0] ?? "").includes(":")) return false;
  if (!path.test(p)) return false;
  return [query, fragment].every((c) => c === undefined || queryOrFragment.test(c));
}

/** The `uri` format: an absolute URI (a scheme, then the rest), fragment allowed. */
export function uri(value: string): boolean {
  return reference(value, true);
}

/** The `uri-reference` format: a URI or a relative reference. */
export function uriReference(value: string): boolean {
  return reference(value, false);
}

const varchar = "(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})";
const varspec = `${varchar}(?:\\.?${varchar})*(?::[1-9][0-9]{0,3}|\\*)?`;
const expression = new RegExp(`^\\{[+#./;?&=,!@|]?${varspec}(?:,${varspec})*\\}`, "u");
const templateLiteral = /^(?:[^\x00-\x20"%<>\\^`{|}\x7f]|%[0-9A-Fa-f]{2})+/u;

/** The `uri-template` format: RFC 6570 literals and expressions. */
export function uriTemplate(value: string): boolean {
  let rest = value;
  while (rest !== "") {
    const m = (rest.startsWith("{") ? expression : templateLiteral).exec(rest);
    if (!m) return false;
    rest = rest.slice(m[0].length);
  }
  return true;
}
