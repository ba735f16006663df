/**
 * SASLprep (RFC 4013), the string preparation RFC 5389 15.4 applies to
 * passwords before they become MESSAGE-INTEGRITY keys.
 *
 * Steps: map (RFC 3454 B.1 to nothing, C.1.2 non-ASCII spaces to SPACE),
 * normalize (NFKC), reject prohibited output (C.1.2, C.2.1, C.2.2, C.3–C.9),
 * and the bidirectional rule (RFC 3454 6). The bidi tables are Unicode 3.2's:
 * RandALCat is taken from table D.1; LCat (table D.2) is approximated by
 * "a letter that is not RandALCat", which covers the cases the rule exists
 * for (mixing Latin and Hebrew/Arabic letters).
 */

/** RFC 3454 B.1: commonly mapped to nothing. */
const MAPPED_TO_NOTHING = new Set([
  0x00ad, 0x034f, 0x1806, 0x180b, 0x180c, 0x180d, 0x200b, 0x200c, 0x200d, 0x2060, 0xfe00, 0xfe01, 0xfe02, 0xfe03,
  0xfe04, 0xfe05, 0xfe06, 0xfe07, 0xfe08, 0xfe09, 0xfe0a, 0xfe0b, 0xfe0c, 0xfe0d, 0xfe0e, 0xfe0f, 0xfeff,
]);

/** RFC 3454 C.1.2: non-ASCII space characters. */
const NON_ASCII_SPACE = new Set([
  0x00a0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x200b,
  0x202f, 0x205f, 0x3000,
]);

type Range = readonly [number, number];

/** RFC 3454 C.2.1–C.9 (C.1.2 is mapped away first, so it cannot appear). */
const PROHIBITED: readonly Range[] = [
  [0x0000, 0x001f], [0x007f, 0x009f], // C.2.1, C.2.2 control characters
  [0x06dd, 0x06dd], [0x070f, 0x070f], [0x180e, 0x180e], [0x200c, 0x200d], [0x2028, 0x2029],
  [0x2060, 0x2063], [0x206a, 0x206f], [0xfeff, 0xfeff], [0xfff9, 0xfffc], [0x1d173, 0x1d17a],
  [0xe000, 0xf8ff], [0xf0000, 0xffffd], [0x100000, 0x10fffd], // C.3 private use
  [0xfdd0, 0xfdef], // C.4 non-character code points (with xFFFE/xFFFF below)
  [0xd800, 0xdfff], // C.5 surrogate codes
  [0xfffd, 0xfffd], // C.6 inappropriate for plain text (FFF9–FFFC above)
  [0x2ff0, 0x2ffb], // C.7 inappropriate for canonical representation
  [0x0340, 0x0341], [0x200e, 0x200f], [0x202a, 0x202e], // C.8 change display properties
  [0xe0001, 0xe0001], [0xe0020, 0xe007f], // C.9 tagging characters
];

/** RFC 3454 D.1: characters with bidirectional property R or AL. */
const RAND_AL: readonly Range[] = [
  [0x05be, 0x05be], [0x05c0, 0x05c0], [0x05c3, 0x05c3], [0x05d0, 0x05ea], [0x05f0, 0x05f4], [0x061b, 0x061b],
  [0x061f, 0x061f], [0x0621, 0x063a], [0x0640, 0x064a], [0x066d, 0x066f], [0x0671, 0x06d5], [0x06dd, 0x06dd],
  [0x06e5, 0x06e6], [0x06fa, 0x06fe], [0x0700, 0x070d], [0x0710, 0x0710], [0x0712, 0x072c], [0x0780, 0x07a5],
  [0x07b1, 0x07b1], [0x200f, 0x200f], [0xfb1d, 0xfb1d], [0xfb1f, 0xfb28], [0xfb2a, 0xfb36], [0xfb38, 0xfb3c],
  [0xfb3e, 0xfb3e], [0xfb40, 0xfb41], [0xfb43, 0xfb44], [0xfb46, 0xfbb1], [0xfbd3, 0xfd3d], [0xfd50, 0xfd8f],
  [0xfd92, 0xfdc7], [0xfdf0, 0xfdfc], [0xfe70, 0xfe74], [0xfe76, 0xfefc],
];

const inRanges = (cp: number, ranges: readonly Range[]) => ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
const isNonCharacter = (cp: number) => (cp & 0xfffe) === 0xfffe;
const LETTER = /\p{L}/u;

/**
 * Prepare a password (or user name) with SASLprep. Returns undefined when
 * the result would contain a prohibited character or break the bidi rule.
 *
 * @example saslprep('The\u00adM\u00aatr\u2168') // 'TheMatrIX' (RFC 5769 2.4)
 */
export function saslprep(input: string): string | undefined {
  let mapped = '';
  for (const ch of input) {
    const cp = ch.codePointAt(0)!;
    if (MAPPED_TO_NOTHING.has(cp)) continue;
    mapped += NON_ASCII_SPACE.has(cp) ? ' ' : ch;
  }
  const out = mapped.normalize('NFKC');
  let randAl = false;
  let lCat = false;
  for (const ch of out) {
    const cp = ch.codePointAt(0)!;
    if (NON_ASCII_SPACE.has(cp) || inRanges(cp, PROHIBITED) || isNonCharacter(cp)) return undefined;
    if (inRanges(cp, RAND_AL)) randAl = true;
    else if (LETTER.test(ch)) lCat = true;
  }
  if (randAl) {
    // RFC 3454 6: "If a string contains any RandALCat character, the string MUST NOT contain any
    // LCat character" and "a RandALCat character MUST be the first character ... and ... the last".
    const chars = [...out];
    const first = chars[0]!.codePointAt(0)!;
    const last = chars[chars.length - 1]!.codePointAt(0)!;
    if (lCat || !inRanges(first, RAND_AL) || !inRanges(last, RAND_AL)) return undefined;
  }
  return out;
}
