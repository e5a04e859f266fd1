import { apiFailure, appMessage } from './api-error';

/** The message of an error as the user should read it (node errors in the app's words). */
export function errorText(e: unknown): string {
  if (e instanceof Error && !('code' in e) && e.message) return e.message;
  return appMessage(apiFailure(e));
}
