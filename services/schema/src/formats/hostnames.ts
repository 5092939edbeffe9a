import { domainToASCII, domainToUnicode } from "node:url";

// Host names as RFC 1123 and IDNA2008 (RFC 5890-5893) define them. The IDNA2008 code point
// table is approximated by Unicode general categories, its exceptions (RFC 5892 §2.6) and
// contextual rules (Appendix A) are listed, and bidi classes are approximated by script.

const ldhLabel = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/u;
const pvalidExceptions = new Set([0xdf, 0x3c2, 0x6fd, 0x6fe, 0xf0b, 0x3007]);
const disallowedExceptions = new Set([
  0x640, 0x7fa, 0x302e, 0x302f, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303b,
]);
const viramas = new Set([
  0x94d, 0x9cd, 0xa4d, 0xacd, 0xb4d, 0xbcd, 0xc4d, 0xccd, 0xd3b, 0xd3c, 0xd4d, 0xdca, 0xe3a, 0xeba,
  0xf84, 0x1039, 0x103a, 0x1714, 0x1715, 0x1734, 0x17d2, 0x1a60, 0x1b44, 0x1baa, 0x1bab, 0x1bf2,
  0x1bf3, 0x2d7f, 0xa806, 0xa82c, 0xa8c4, 0xa953, 0xa9c0, 0xaaf6, 0xabed,
]);
const validChar = /^[\p{Ll}\p{Lo}\p{Lm}\p{Mn}\p{Mc}\p{Nd}-]$/u;
const rtl = /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;
const arabicDigit = /[\u0660-\u0669]/u;
const extendedArabicDigit = /[\u06f0-\u06f9]/u;
const joining = /[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Nko}\p{Script=Mongolian}]/u;

/** An approximate bidi class (RFC 5893): "R" (R and AL), "AN", "EN", "NSM", "L" or "ON". */
function bidiClass(ch: string): string {
  if (arabicDigit.test(ch) || /[\u0600-\u0605\u066b\u066c\u06dd]/u.test(ch)) return "AN";
  if (/[0-9\u06f0-\u06f9]/u.test(ch)) return "EN";
  if (/\p{Mn}|\p{Me}/u.test(ch)) return "NSM";
  if (rtl.test(ch)) return "R";
  if (/[\p{L}\p{Mc}\p{Nd}]/u.test(ch)) return "L";
  return "ON";
}

/** RFC 5893 §2: the bidi rule for one label of a domain name that has right-to-left labels. */
function bidiRule(label: string): boolean {
  const classes = [...label].map(bidiClass);
  const last = classes.filter((c) => c !== "NSM").pop();
  if (classes[0] === "R") {
    if (classes.includes("L")) return false;
    if (classes.includes("EN") && classes.includes("AN")) return false;
    return last === "R" || last === "EN" || last === "AN";
  }
  if (classes[0] !== "L") return false;
  return !classes.includes("R") && !classes.includes("AN") && (last === "L" || last === "EN");
}

/** RFC 5892 Appendix A: whether a CONTEXTJ or CONTEXTO code point is allowed where it is. */
function inContext(chars: string[], i: number): boolean {
  const cp = chars[i]!.codePointAt(0)!;
  const before = chars[i - 1];
  const after = chars[i + 1];
  const label = chars.join("");
  switch (cp) {
    case 0x200d:
      return before !== undefined && viramas.has(before.codePointAt(0)!);
    case 0x200c: {
      if (before !== undefined && viramas.has(before.codePointAt(0)!)) return true;
      const prev = chars
        .slice(0, i)
        .filter((c) => !/\p{Mn}/u.test(c))
        .pop();
      const next = chars.slice(i + 1).find((c) => !/\p{Mn}/u.test(c));
      return prev !== undefined && next !== undefined && joining.test(prev) && joining.test(next);
    }
    case 0xb7:
      return before === "l" && after === "l";
    case 0x375:
      return after !== undefined && /\p{Script=Greek}/u.test(after);
    case 0x5f3:
    case 0x5f4:
      return before !== undefined && /\p{Script=Hebrew}/u.test(before);
    case 0x30fb:
      return /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u.test(
        label.replace(/\u30fb/gu, ""),
      );
    default:
      if (arabicDigit.test(chars[i]!)) return !extendedArabicDigit.test(label);
      if (extendedArabicDigit.test(chars[i]!)) return !arabicDigit.test(label);
      return false;
  }
}

/** Whether a label is a valid U-label (RFC 5891 §5.4), not counting the bidi rule. */
function uLabel(label: string): boolean {
  if (label === "" || label !== label.normalize("NFC")) return false;
  if (label.startsWith("-") || label.endsWith("-") || label.slice(2, 4) === "--") return false;
  const chars = [...label];
  if (/\p{M}/u.test(chars[0]!)) return false;
  const ascii = domainToASCII(label);
  if (ascii === "" || ascii.length > 63) return false;
  return chars.every((ch, i) => {
    const cp = ch.codePointAt(0)!;
    if (pvalidExceptions.has(cp)) return true;
    if (disallowedExceptions.has(cp)) return false;
    if ([0x200c, 0x200d, 0xb7, 0x375, 0x5f3, 0x5f4, 0x30fb].includes(cp))
      return inContext(chars, i);
    if (arabicDigit.test(ch) || extendedArabicDigit.test(ch)) return inContext(chars, i);
    // Characters that case folding or compatibility mapping would change are not stable.
    return validChar.test(ch) && ch.normalize("NFKC").toLowerCase() === ch;
  });
}

/** Decodes an A-label ("xn--…") to its U-label, or undefined when it is not a valid one. */
function fromALabel(label: string): string | undefined {
  const unicode = domainToUnicode(label);
  if (unicode === "" || /^[\x00-\x7f]*$/u.test(unicode)) return undefined;
  if (domainToASCII(unicode) !== label.toLowerCase()) return undefined;
  return uLabel(unicode) ? unicode : undefined;
}

/** Checks a list of labels: each one valid, and the bidi rule when any is right-to-left. */
function checkLabels(labels: string[], allowULabels: boolean): boolean {
  const unicode: string[] = [];
  for (const label of labels) {
    if (/^xn--/iu.test(label)) {
      const decoded = fromALabel(label);
      if (decoded === undefined) return false;
      unicode.push(decoded);
    } else if (/^[\x00-\x7f]*$/u.test(label)) {
      if (!ldhLabel.test(label) || label.slice(2, 4) === "--") return false;
      unicode.push(label);
    } else {
      if (!allowULabels || !uLabel(label)) return false;
      unicode.push(label);
    }
  }
  if (!unicode.some((l) => [...l].some((ch) => ["R", "AN"].includes(bidiClass(ch))))) return true;
  return unicode.every(bidiRule);
}

/** The `hostname` format: LDH labels joined by ".", A-labels that decode to valid U-labels. */
export function hostname(value: string): boolean {
  if (value === "" || value.length > 253) return false;
  return checkLabels(value.split("."), false);
}

/** The `idn-hostname` format: U-labels or A-labels, separated by any IDNA full stop. */
export function idnHostname(value: string): boolean {
  if (value === "") return false;
  const ascii = domainToASCII(value);
  if (ascii.length > 253) return false;
  return checkLabels(value.split(/[.\u3002\uff0e\uff61]/u), true);
}
