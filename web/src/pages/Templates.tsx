import { Alert, Button, Group, Loader, Modal, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { api, describe } from '../api';
import { ErrorMessage, when } from '../common';
import type { Template } from '../types';

export function Templates() {
  const [templates, setTemplates] = useState<Template[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [renaming, setRenaming] = useState<Template | null>(null);
  const [deleting, setDeleting] = useState<Template | null>(null);
  const [name, setName] = useState('');
  const [message, setMessage] = useState<{ color: string; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    api
      .get<{ templates: Template[] }>('/templates')
      .then((t) => setTemplates(t.templates))
      .catch(setError);
  }, []);
  useEffect(load, [load]);

  const act = async (work: () => Promise<string>) => {
    setBusy(true);
    try {
      setMessage({ color: 'green', text: await work() });
      setRenaming(null);
      setDeleting(null);
      load();
    } catch (err) {
      setMessage({ color: 'red', text: describe(err) });
    } finally {
      setBusy(false);
    }
  };

  const rename = (t: Template) =>
    act(async () => {
      const { name: _old, template_id: _id, created_at: _c, updated_at: _u, ...rest } = t;
      await api.put(`/templates/${t.template_id}`, { ...rest, name });
      return `Renamed "${t.name}" to "${name}".`;
    });

  const remove = (t: Template) =>
    act(async () => {
      await api.del(`/templates/${t.template_id}`);
      return `Deleted "${t.name}".`;
    });

  return (
    <Stack>
      <Title order={1} size="h2">
        Mapping templates
      </Title>
      <Text c="dimmed" size="sm">
        Templates are saved from the Mapping screen of an import; feeds import with them.
      </Text>
      {message && (
        <Alert color={message.color} role={message.color === 'red' ? 'alert' : 'status'} data-testid="note">
          {message.text}
        </Alert>
      )}
      <ErrorMessage error={error} />
      {!templates && !error && <Loader aria-label="Loading templates" />}
      {templates && (
        <Table striped aria-label="Templates" data-testid="templates-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Entity</Table.Th>
              <Table.Th>Mapped headers</Table.Th>
              <Table.Th>Mode</Table.Th>
              <Table.Th>Updated</Table.Th>
              <Table.Th>Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {templates.map((t) => (
              <Table.Tr key={t.template_id} data-testid="template-row">
                <Table.Td>{t.name}</Table.Td>
                <Table.Td>{t.entity}</Table.Td>
                <Table.Td>{Object.keys(t.mapping).length}</Table.Td>
                <Table.Td>{t.settings.mode.replace(/_/g, ' ')}</Table.Td>
                <Table.Td>{when(t.updated_at)}</Table.Td>
                <Table.Td>
                  <Group gap="xs">
                    <Button
                      size="xs"
                      variant="default"
                      onClick={() => {
                        setName(t.name);
                        setMessage(null);
                        setRenaming(t);
                      }}
                      aria-label={`Rename ${t.name}`}
                    >
                      Rename
                    </Button>
                    <Button
                      size="xs"
                      variant="default"
                      color="red"
                      onClick={() => {
                        setMessage(null);
                        setDeleting(t);
                      }}
                      aria-label={`Delete ${t.name}`}
                    >
                      Delete
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
            {templates.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={6}>
                  <Text c="dimmed">No templates yet.</Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      )}
      <Modal opened={!!renaming} onClose={() => setRenaming(null)} title="Rename template">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (renaming) rename(renaming);
          }}
        >
          <Stack>
            <TextInput label="New name" value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus required />
            {message?.color === 'red' && (
              <Alert color="red" role="alert">
                {message.text}
              </Alert>
            )}
            <Group justify="end">
              <Button variant="default" onClick={() => setRenaming(null)}>
                Cancel
              </Button>
              <Button type="submit" loading={busy}>
                Rename
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
      <Modal opened={!!deleting} onClose={() => setDeleting(null)} title="Delete template">
        <Stack>
          <Text>Delete "{deleting?.name}"? A feed that imports with it must be deleted first.</Text>
          {message?.color === 'red' && (
            <Alert color="red" role="alert">
              {message.text}
            </Alert>
          )}
          <Group justify="end">
            <Button variant="default" onClick={() => setDeleting(null)}>
              Cancel
            </Button>
            <Button color="red" loading={busy} onClick={() => deleting && remove(deleting)}>
              Delete
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
