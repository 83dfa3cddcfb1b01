/**
 * When two merchant names are one name (security review finding 11): payers tell merchants apart
 * by the name on the phone, so no two merchants may have names that read the same. The store keeps
 * this key in a UNIQUE column (`merchants.name_key`); the SQLite migration that added the column
 * computes the keys of older rows with this same function, so changing it needs a new migration
 * that recomputes them.
 */

/**
 * The comparison key of a merchant name: Unicode compatibility normalization and caseless
 * matching, close to `toNFKC_Casefold` (UAX #31 §5, Unicode §3.13 D145), with these choices:
 *
 * 1. NFKC, so compatibility forms are their plain letters: `ＤＥＭＯ` is `DEMO`, `ﬁ` is `fi`, the
 *    Kelvin sign U+212A is `K`, the ohm and ångström signs are `Ω` and `Å`, U+3000 is a space.
 * 2. Case folding, approximated by `toLowerCase()`, `toUpperCase()`, `toLowerCase()` (JavaScript
 *    has no case fold, and `toLowerCase()` alone keeps `ß` apart from `ss`): the upper-case
 *    round trip gives the full folding's `ß` = `ẞ` = `SS` = `ss`, and `ς` = `σ` (both upper-case
 *    to `Σ`).
 * 3. The four Turkish and Latin i's are one letter: `I`, `i` and dotless `ı` already meet in step
 *    2 (`ı` upper-cases to `I`); the dotted capital `İ` lower-cases to `i` + U+0307, whose dot is
 *    dropped. This is stricter than Unicode's default folding (which keeps `İ` apart), on purpose:
 *    a false clash costs a merchant a name, a false difference lets a look-alike through.
 * 4. NFKC again (case mapping can leave text unnormalized), then runs of white space become one
 *    space and the ends are trimmed: `"Demo  Shop "` is `"demo shop"`.
 *
 * Not covered: confusables across scripts (Cyrillic `а` for Latin `a`; UTS #39 skeletons) and
 * characters that `validate.ts` refuses anyway (controls, invisible and bidirectional formatting
 * characters). Idempotent: `merchantNameKey(merchantNameKey(x)) === merchantNameKey(x)`.
 */
export function merchantNameKey(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .toUpperCase()
    .toLowerCase()
    .replace(/i\u0307/g, 'i')
    .normalize('NFKC')
    .replace(/\s+/gu, ' ')
    .trim();
}
