import {
  ActionIcon,
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  Loader,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { api, describe } from '../api';
import { ErrorMessage } from '../common';
import type { Entity, Feed, Template } from '../types';
import { ENTITIES } from '../types';

export function Feeds() {
  const [feeds, setFeeds] = useState<Feed[] | null>(null);
  const [templates, setTemplates] = useState<Template[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Feed | null>(null);
  const [entity, setEntity] = useState<Entity | null>(null);
  const [templateId, setTemplateId] = useState<string | null>(null);
  const [message, setMessage] = useState<{ color: string; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    Promise.all([api.get<{ feeds: Feed[] }>('/feeds'), api.get<{ templates: Template[] }>('/templates')])
      .then(([f, t]) => {
        setFeeds(f.feeds);
        setTemplates(t.templates);
      })
      .catch(setError);
  }, []);
  useEffect(load, [load]);

  const act = async (work: () => Promise<string>) => {
    setBusy(true);
    try {
      setMessage({ color: 'green', text: await work() });
      setCreating(false);
      setDeleting(null);
      load();
    } catch (err) {
      setMessage({ color: 'red', text: describe(err) });
    } finally {
      setBusy(false);
    }
  };

  const templateName = (id?: string) => templates.find((t) => t.template_id === id)?.name ?? id ?? '—';

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          Connector feeds
        </Title>
        <Button
          onClick={() => {
            setMessage(null);
            setCreating(true);
          }}
        >
          New feed
        </Button>
      </Group>
      <Text c="dimmed" size="sm">
        A connector drops files under a feed's prefix of the data bucket; each imports with the feed's template.
      </Text>
      {message && (
        <Alert color={message.color} role={message.color === 'red' ? 'alert' : 'status'} data-testid="note">
          {message.text}
        </Alert>
      )}
      <ErrorMessage error={error} />
      {!feeds && !error && <Loader aria-label="Loading feeds" />}
      {feeds && (
        <Table striped aria-label="Feeds" data-testid="feeds-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Feed</Table.Th>
              <Table.Th>Entity</Table.Th>
              <Table.Th>Template</Table.Th>
              <Table.Th>Bucket prefix</Table.Th>
              <Table.Th>Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {feeds.map((f) => (
              <Table.Tr key={f.feed_id} data-testid="feed-row">
                <Table.Td>{f.feed_id}</Table.Td>
                <Table.Td>{f.entity}</Table.Td>
                <Table.Td>{templateName(f.template_id)}</Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <Code data-testid="prefix">{f.prefix}</Code>
                    <CopyButton value={f.prefix}>
                      {({ copied, copy }) => (
                        <Tooltip label={copied ? 'Copied' : 'Copy the prefix'}>
                          <ActionIcon variant="subtle" onClick={copy} aria-label={`Copy prefix ${f.prefix}`}>
                            {copied ? '✓' : '⧉'}
                          </ActionIcon>
                        </Tooltip>
                      )}
                    </CopyButton>
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Button size="xs" variant="default" color="red" onClick={() => setDeleting(f)}>
                    Delete
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
            {feeds.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={5}>
                  <Text c="dimmed">No feeds yet.</Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      )}
      <Modal opened={creating} onClose={() => setCreating(false)} title="New feed">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            act(async () => {
              const f = await api.post<Feed>('/feeds', { entity, template_id: templateId });
              return `Feed ${f.feed_id} created: drop files under ${f.prefix}`;
            });
          }}
        >
          <Stack>
            <Select
              label="Entity"
              data={[...ENTITIES]}
              value={entity}
              onChange={(v) => {
                setEntity(v as Entity | null);
                setTemplateId(null);
              }}
              required
            />
            <Select
              label="Template"
              placeholder={entity ? 'Pick a template' : 'Pick the entity first'}
              data={templates.filter((t) => t.entity === entity).map((t) => ({ value: t.template_id, label: t.name }))}
              value={templateId}
              onChange={setTemplateId}
              nothingFoundMessage="No template of this entity: save one from an import's Mapping screen"
              required
            />
            {message?.color === 'red' && (
              <Alert color="red" role="alert">
                {message.text}
              </Alert>
            )}
            <Group justify="end">
              <Button variant="default" onClick={() => setCreating(false)}>
                Cancel
              </Button>
              <Button type="submit" loading={busy} disabled={!entity || !templateId}>
                Create
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
      <Modal opened={!!deleting} onClose={() => setDeleting(null)} title="Delete feed">
        <Stack>
          <Text>Delete feed {deleting?.feed_id}? Files dropped under its prefix will no longer import.</Text>
          <Group justify="end">
            <Button variant="default" onClick={() => setDeleting(null)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={busy}
              onClick={() =>
                deleting &&
                act(async () => {
                  await api.del(`/feeds/${deleting.feed_id}`);
                  return `Deleted feed ${deleting.feed_id}.`;
                })
              }
            >
              Delete
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
