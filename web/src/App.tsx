import { Anchor, AppShell, Button, Group, Loader, NavLink, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { useToken } from './api';
import { completeRedirect, keep, saved, signOut, type Session } from './auth';
import { ErrorMessage } from './common';
import { Feeds } from './pages/Feeds';
import { Imports } from './pages/Imports';
import { LogDetail } from './pages/LogDetail';
import { Mapping } from './pages/Mapping';
import { NewImport } from './pages/NewImport';
import { SignIn } from './pages/SignIn';
import { Templates } from './pages/Templates';
import { href, useRoute } from './route';
import type { WebConfig } from './types';

export function App() {
  const [config, setConfig] = useState<WebConfig | null>(null);
  const [session, setSession] = useState<Session | null>(saved);
  const [expired, setExpired] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const route = useRoute();

  const signIn = useCallback((s: Session) => {
    keep(s);
    setExpired(false);
    setSession(s);
  }, []);

  useToken(
    () => session?.token ?? null,
    () => setExpired(true),
  );

  useEffect(() => {
    fetch('/config.json')
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`the page's configuration: HTTP ${r.status}`))))
      .then(async (c: WebConfig) => {
        setConfig(c);
        const fromRedirect = await completeRedirect(c);
        if (fromRedirect) signIn(fromRedirect);
      })
      .catch((e) => setError(e instanceof TypeError ? new Error('The server cannot be reached.') : e));
  }, [signIn]);

  const out = async () => {
    await signOut(config, session);
    setSession(null);
  };

  if (error) return <ErrorMessage error={error} title="The workspace cannot start" />;
  if (!config) return <Loader m="xl" aria-label="Loading" />;
  if (!session) return <SignIn config={config} onSignedIn={signIn} />;

  const nav = [
    { label: 'Imports', to: '#/imports', active: ['imports', 'import', 'map'].includes(route.page) },
    { label: 'New import', to: '#/new', active: route.page === 'new' },
    { label: 'Templates', to: '#/templates', active: route.page === 'templates' },
    { label: 'Feeds', to: '#/feeds', active: route.page === 'feeds' },
  ];

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 200, breakpoint: 'sm' }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Anchor href={href({ page: 'imports' })} underline="never" c="inherit">
            <Title order={3}>Data Import Center</Title>
          </Anchor>
          <Group gap="sm">
            <Text size="sm" data-testid="signed-in">
              Signed in as <b>{session.subject}</b> · {session.role} · company <b>{session.company}</b>
            </Text>
            <Button variant="default" size="xs" onClick={out}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Workspace">
        {nav.map((n) => (
          <NavLink key={n.to} href={n.to} label={n.label} active={n.active} aria-current={n.active ? 'page' : undefined} />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        {expired && (
          <ErrorMessage
            title="Session expired"
            error={new Error('The API refused your token: it has expired or is not valid. Sign out and sign in again.')}
          />
        )}
        {route.page === 'imports' && <Imports />}
        {route.page === 'new' && <NewImport corrects={route.corrects} />}
        {route.page === 'map' && <Mapping key={route.id} id={route.id} />}
        {route.page === 'import' && <LogDetail key={route.id} id={route.id} />}
        {route.page === 'templates' && <Templates />}
        {route.page === 'feeds' && <Feeds />}
      </AppShell.Main>
    </AppShell>
  );
}
