/**
 * Indexing helpers for tests under `noUncheckedIndexedAccess`: they fail the test with a message
 * (rather than a TypeError further on) when the element or capture group is not there.
 */

/** `list[i]`, or throw naming what was missing. */
export function at<T>(list: readonly T[], i: number, what = 'element'): T {
  const value = list[i];
  if (value === undefined) throw new Error(`no ${what} at index ${i} (length ${list.length})`);
  return value;
}

/** Capture group `n` of `re` in `text`, or throw quoting the text. */
export function group(re: RegExp, text: string, n = 1): string {
  const value = re.exec(text)?.[n];
  if (value === undefined) throw new Error(`${re} (group ${n}) does not match:\n${text}`);
  return value;
}
