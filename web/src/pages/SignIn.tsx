import { Alert, Button, Card, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { devSignIn, oidc, type Session } from '../auth';
import type { WebConfig } from '../types';

export function SignIn({ config, onSignedIn }: { config: WebConfig; onSignedIn: (s: Session) => void }) {
  const [company, setCompany] = useState('demo');
  const [user, setUser] = useState('admin@demo.example');
  const [role, setRole] = useState<string | null>('Admin');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const dev = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await devSignIn(company, role ?? 'Admin', user));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack maw={420} mx="auto" mt="xl">
      <Title order={1}>Data Import Center</Title>
      <Text c="dimmed">Sign in to import and follow your company's data.</Text>
      {error && (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      )}
      {config.oidc && (
        <Button size="md" onClick={() => oidc(config).then((users) => users?.signinRedirect())}>
          Sign in
        </Button>
      )}
      {config.dev_sign_in && (
        <Card withBorder component="form" onSubmit={dev} aria-label="Development sign-in">
          <Stack>
            <Title order={2} size="h4">
              Development sign-in
            </Title>
            <Text size="sm" c="dimmed">
              Offered by the local stack (<code>dic dev</code>) only.
            </Text>
            <TextInput label="Company" value={company} onChange={(e) => setCompany(e.currentTarget.value)} required />
            <TextInput label="User" value={user} onChange={(e) => setUser(e.currentTarget.value)} required />
            <Select
              label="Role"
              data={['SuperAdmin', 'Admin', 'Learner']}
              value={role}
              onChange={setRole}
              allowDeselect={false}
            />
            <Button type="submit" loading={busy}>
              Sign in
            </Button>
          </Stack>
        </Card>
      )}
      {!config.oidc && !config.dev_sign_in && (
        <Alert color="yellow" title="Sign-in is not configured">
          The API needs DIC_OIDC_ISSUER and DIC_OIDC_CLIENT_ID to offer sign-in.
        </Alert>
      )}
    </Stack>
  );
}
