import { fullFormats } from 'ajv-formats/dist/formats.js';

const fullDateTime = (fullFormats['date-time'] as { validate: (text: string) => boolean }).validate;

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * JSON Schema's `date-time` (RFC 3339) exactly as ajv-formats' full mode checks it — its validator
 * decides every text — with a fast path for the shape nearly every event has,
 * `YYYY-MM-DDTHH:mm:ss[.fraction]Z`: checked digit by digit, with no regular expression and no split,
 * in a quarter of the time. The fast path only accepts; anything it does not accept goes to the full
 * validator (a property test holds the two equal).
 */
export function isDateTime(text: string): boolean {
  return isPlainUtcDateTime(text) || fullDateTime(text);
}

function isPlainUtcDateTime(s: string): boolean {
  const n = s.length;
  if (n < 20 || s.charCodeAt(n - 1) !== 0x5a /* Z */) return false;
  if (s.charCodeAt(4) !== 0x2d || s.charCodeAt(7) !== 0x2d || s.charCodeAt(10) !== 0x54 /* T */) return false;
  if (s.charCodeAt(13) !== 0x3a || s.charCodeAt(16) !== 0x3a) return false;
  if (n > 20 && (s.charCodeAt(19) !== 0x2e /* . */ || n < 22 || !digitsIn(s, 20, n - 1))) return false;
  const year = number(s, 0, 4);
  const month = number(s, 5, 7);
  const day = number(s, 8, 10);
  const hour = number(s, 11, 13);
  const minute = number(s, 14, 16);
  const second = number(s, 17, 19);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return false;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month]!);
}

/** The decimal number in s[from, to), or -1 when it is not all ASCII digits. */
function number(s: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

function digitsIn(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return false;
  }
  return true;
}
