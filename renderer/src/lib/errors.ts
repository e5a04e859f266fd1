/** The message of an error as the user should read it. */
export function errorText(e: unknown): string {
  if (e instanceof Error && e.message) return e.message;
  return String(e);
}
