/**
 * A column name, id or other text from the user's file, quoted for a one-line message: JSON escapes keep a
 * header cell or id holding a line break from splitting the error over several lines.
 */
export function q(text: string): string {
  return JSON.stringify(text);
}
