/**
 * Text as the recogniser sees it: lower-case words of letters and
 * apostrophes. Digits become words the way a prompt speaks them ("press 1"
 * → "press one", "42" → "forty two"), `#` and `*` become "pound" and "star".
 */

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const TEENS = [
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** English words for 0..999999 ("1200" → "one thousand two hundred"); longer numbers are read digit by digit. */
export function numberWords(digits: string): string[] {
  if (digits.length > 1 && digits.startsWith('0')) return [...digits].map((d) => ONES[+d]!);
  const n = Number(digits);
  if (!Number.isSafeInteger(n) || n > 999_999) return [...digits].map((d) => ONES[+d]!);
  if (n === 0) return ['zero'];
  const out: string[] = [];
  const below1000 = (x: number) => {
    if (x >= 100) {
      out.push(ONES[Math.floor(x / 100)]!, 'hundred');
      x %= 100;
    }
    if (x >= 20) {
      out.push(TENS[Math.floor(x / 10)]!);
      if (x % 10) out.push(ONES[x % 10]!);
    } else if (x >= 10) out.push(TEENS[x - 10]!);
    else if (x > 0) out.push(ONES[x]!);
  };
  if (n >= 1000) {
    below1000(Math.floor(n / 1000));
    out.push('thousand');
  }
  below1000(n % 1000);
  return out;
}

/**
 * The words of `text`, normalised for recognition and comparison.
 *
 * @example
 * normaliseWords('Press 1 for Sales, # to end.') // ['press', 'one', 'for', 'sales', 'pound', 'to', 'end']
 */
export function normaliseWords(text: string): string[] {
  const spaced = text
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/#/g, ' pound ')
    .replace(/\*/g, ' star ')
    .replace(/&/g, ' and ')
    .replace(/%/g, ' percent ')
    .replace(/(\d),(?=\d{3}\b)/g, '$1');
  const words: string[] = [];
  for (const token of spaced.split(/[^a-z0-9']+/)) {
    if (!token) continue;
    for (const part of token.split(/(\d+)/)) {
      if (!part) continue;
      if (/^\d+$/.test(part)) words.push(...numberWords(part));
      else {
        const w = part.replace(/^'+|'+$/g, '');
        if (w) words.push(w);
      }
    }
  }
  return words;
}

/** `normaliseWords` joined by single spaces. */
export function normaliseText(text: string): string {
  return normaliseWords(text).join(' ');
}
