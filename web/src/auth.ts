// Who is signed in. The token lives in this tab's sessionStorage only (never
// in a URL or localStorage): closing the tab signs out, and pages of other
// origins cannot read it.
//
// On AWS: OpenID Connect authorization code with PKCE (oidc-client-ts)
// against the issuer the API's JWT authorizer trusts; the API gets the ID
// token, which carries the company and role claims. Locally `dic dev`
// offers a development sign-in (POST /dev/sign-in).

import type { UserManager } from 'oidc-client-ts';
import type { WebConfig } from './types';

export interface Session {
  token: string;
  subject: string;
  company: string;
  role: string;
  /** Seconds since the epoch. */
  expires: number;
  via: 'dev' | 'oidc';
}

const KEY = 'dic.session';

export function claims(token: string): Record<string, unknown> {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload.padEnd(payload.length + ((4 - (payload.length % 4)) % 4), '=')));
  } catch {
    return {};
  }
}

export function sessionFrom(token: string, via: Session['via']): Session {
  const c = claims(token);
  const text = (...keys: string[]) => {
    for (const k of keys) if (typeof c[k] === 'string' && c[k]) return c[k] as string;
    return '';
  };
  return {
    token,
    subject: text('email', 'cognito:username', 'preferred_username', 'sub'),
    company: text('company_id', 'custom:company_id'),
    role: text('role', 'custom:role'),
    expires: typeof c.exp === 'number' ? c.exp : 0,
    via,
  };
}

export function saved(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    const session = JSON.parse(raw) as Session;
    return session.expires * 1000 > Date.now() ? session : null;
  } catch {
    return null;
  }
}

export function keep(session: Session | null) {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}

export async function devSignIn(company_id: string, role: string, user: string): Promise<Session> {
  const response = await fetch('/dev/sign-in', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ company_id, role, user }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body?.error?.message ?? `sign-in refused (HTTP ${response.status})`);
  return sessionFrom(body.token, 'dev');
}

let manager: UserManager | null = null;

/** The OIDC client, loaded only where OIDC is configured (not in `dic dev`). */
export async function oidc(config: WebConfig): Promise<UserManager | null> {
  if (!config.oidc) return null;
  const { UserManager, WebStorageStateStore } = await import('oidc-client-ts');
  manager ??= new UserManager({
    authority: config.oidc.issuer,
    client_id: config.oidc.client_id,
    scope: config.oidc.scope,
    redirect_uri: `${location.origin}/`,
    post_logout_redirect_uri: `${location.origin}/`,
    response_type: 'code',
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
  });
  return manager;
}

/** Finishes an OIDC redirect (`?code=…&state=…`) and takes the code out of the address. */
export async function completeRedirect(config: WebConfig): Promise<Session | null> {
  const params = new URLSearchParams(location.search);
  if (!config.oidc || !params.has('code') || !params.has('state')) return null;
  const users = await oidc(config);
  if (!users) return null;
  const user = await users.signinRedirectCallback();
  history.replaceState(null, '', `${location.pathname}#/`);
  return user.id_token ? sessionFrom(user.id_token, 'oidc') : null;
}

export async function signOut(config: WebConfig | null, session: Session | null) {
  keep(null);
  const users = config && session?.via === 'oidc' ? await oidc(config) : null;
  if (users) {
    await users.removeUser();
    await users.signoutRedirect().catch(() => undefined);
  }
}
