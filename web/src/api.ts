// Calls to the admin API on this origin with `Authorization: Bearer`, and
// every failure turned into a message a person can act on.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The message an admin reads for an error from `request`. */
export function describe(err: unknown): string {
  if (err instanceof ApiError) {
    switch (err.status) {
      case 0:
        return 'The server cannot be reached: check your connection and try again.';
      case 401:
        return `Your session has expired or is not valid (${err.message}). Sign in again.`;
      case 403:
        return 'Your role may not use imports: ask for the Admin or Super Admin role.';
      case 404:
        return `Not found: ${err.message}. It may belong to another company or have been deleted.`;
      default:
        return err.message;
    }
  }
  return err instanceof Error ? err.message : String(err);
}

type TokenSource = () => string | null;
type Expired = () => void;

let tokenSource: TokenSource = () => null;
let onExpired: Expired = () => {};

/** Where requests get their token, and what to do when it is refused. */
export function useToken(source: TokenSource, expired: Expired) {
  tokenSource = source;
  onExpired = expired;
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = tokenSource();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network', 'network down');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: reported below by status
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    const err = new ApiError(response.status, error?.code ?? 'http', error?.message ?? `HTTP ${response.status}`);
    if (response.status === 401) onExpired();
    throw err;
  }
  return json as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  del: (path: string) => request<void>('DELETE', path),
};

/** `?a=1&b=2` from the given values, leaving out empty ones. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  const s = search.toString();
  return s ? `?${s}` : '';
}
