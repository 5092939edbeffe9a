import { fullFormats } from "ajv-formats/dist/formats.js";
import { check } from "./format-check.js";
import { hostname, idnHostname } from "./hostnames.js";

// E-mail addresses as RFC 5321 §4.1.2 defines a mailbox (RFC 6531 for the idn- variant):
// a dot-atom or quoted local part, "@", and a host name or an address literal.

const atext = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-";
const dotAtom = new RegExp(`^[${atext}]+(?:\\.[${atext}]+)*$`, "u");
const utf8 = "\\u0080-\\u{10ffff}";
const idnDotAtom = new RegExp(`^[${utf8}${atext}]+(?:\\.[${utf8}${atext}]+)*$`, "u");
const quoted = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"$/u;
const idnQuoted = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e\u0080-\u{10ffff}]|\\[\x20-\x7e])*"$/u;

function addressLiteral(domain: string): boolean {
  const inner = /^\[(.*)\]$/u.exec(domain)?.[1];
  if (inner === undefined) return false;
  if (inner.startsWith("IPv6:")) return check(fullFormats.ipv6, inner.slice(5));
  return check(fullFormats.ipv4, inner);
}

function mailbox(value: string, idn: boolean): boolean {
  // A quoted local part may hold "@": the separator is the last one.
  const at = value.lastIndexOf("@");
  if (at <= 0) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (Buffer.byteLength(local, "utf8") > 64) return false;
  const localOk = idn
    ? idnDotAtom.test(local) || idnQuoted.test(local)
    : dotAtom.test(local) || quoted.test(local);
  if (!localOk) return false;
  if (addressLiteral(domain)) return true;
  return idn ? idnHostname(domain.normalize("NFC")) : hostname(domain);
}

/** The `email` format: an RFC 5321 mailbox in ASCII. */
export function email(value: string): boolean {
  return mailbox(value, false);
}

/** The `idn-email` format: an RFC 6531 mailbox, UTF-8 allowed in the local part and domain. */
export function idnEmail(value: string): boolean {
  return mailbox(value, true);
}
