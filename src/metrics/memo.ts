/**
 * Memoizes a string function for short inputs. Scored texts repeat a lot (class labels, "Yes", "No",
 * copied answers), so the result for a short text is usually already known. Bounded: the memo is
 * emptied when it reaches `maxEntries`.
 */
export function memoizeShort<T>(
  fn: (text: string) => T,
  maxLength = 64,
  maxEntries = 1 << 16,
): (text: string) => T {
  const memo = new Map<string, T>();
  return (text) => {
    if (text.length > maxLength) return fn(text);
    let result = memo.get(text);
    if (result === undefined) {
      result = fn(text);
      if (memo.size >= maxEntries) memo.clear();
      memo.set(text, result);
    }
    return result;
  };
}
