/**
 * Exact-match normalizations, reproducing Python string semantics in JavaScript.
 * SuperNI: lower, drop Python's string.punctuation, collapse whitespace (SQuAD's, without removing articles).
 * Thesis: full SQuAD v1.1 normalization, which also removes the articles a/an/the.
 */

/** The 32 ASCII characters of Python's string.punctuation; Unicode punctuation is kept, as in Python. */
const PUNCTUATION_RE = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/**
 * Python's str.split() whitespace. JavaScript's \s differs exactly here: it lacks U+001C..U+001F and
 * U+0085 and has U+FEFF, so it cannot be used.
 */
const PYTHON_WHITESPACE_RE =
  // eslint-disable-next-line no-control-regex -- U+001C..U+001F are Python whitespace
  /[\t\n\v\f\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/**
 * SQuAD's re.sub(r'\b(a|an|the)\b', ' ', text) on a str: Python's \b is a Unicode word boundary (\w =
 * letters, digits, numerics, underscore), while JavaScript's \b is ASCII-only even with the u flag, so
 * the boundaries are spelled out as lookarounds.
 */
const ARTICLES_RE = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

/** Text that ' '.join(text.split()) would change: other whitespace, a double space, an edge space. */
const UNCOLLAPSED_RE =
  // eslint-disable-next-line no-control-regex -- U+001C..U+001F are Python whitespace
  /[\t\n\v\f\r\u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]| {2}|^ | $/;

/** Python's ' '.join(text.split()). */
function collapseWhitespace(text: string): string {
  if (!UNCOLLAPSED_RE.test(text)) return text;
  return text
    .split(PYTHON_WHITESPACE_RE)
    .filter((part) => part !== "")
    .join(" ");
}

/** SuperNI compute_metrics.normalize_answer. */
export function normalizeSuperNI(text: string): string {
  return collapseWhitespace(text.toLowerCase().replace(PUNCTUATION_RE, ""));
}

/** SQuAD v1.1 normalize_answer: lower, remove punctuation, remove articles, fix whitespace. */
export function normalizeSquad(text: string): string {
  return collapseWhitespace(text.toLowerCase().replace(PUNCTUATION_RE, "").replace(ARTICLES_RE, " "));
}
