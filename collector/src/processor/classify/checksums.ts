/**
 * Check-digit algorithms. They are what makes card and IBAN detection precise: a random digit
 * string passes Luhn one time in ten and mod-97 one time in 97, on top of the length and
 * prefix rules each detector applies first.
 */

/** Luhn (mod 10) over a string of ASCII digits, e.g. "4111111111111111". */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/**
 * ISO 7064 MOD 97-10 as IBANs use it: move the first four characters to the end, read letters
 * as 10..35, and the whole number must be 1 mod 97. `iban` is compact upper-case [A-Z0-9].
 * Computed digit by digit so no big integers are needed.
 */
export function ibanChecksumValid(iban: string): boolean {
  if (iban.length < 5) return false;
  let rem = 0;
  for (let k = 0; k < iban.length; k++) {
    const c = iban.charCodeAt((k + 4) % iban.length);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}
