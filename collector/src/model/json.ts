/** JSON.parse that returns undefined instead of throwing (its messages quote the input). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
