import { Anchor, Button, Group, Loader, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { api, query } from '../api';
import { CursorPager, ErrorMessage, ImportProgress, StatusBadge, useCursorPaging, usePolling, when } from '../common';
import { href } from '../route';
import type { ImportPage, Status } from '../types';
import { STATUS_LABELS } from '../types';

const PAGE = 25;

export function Imports() {
  const [status, setStatus] = useState<Status | null>(null);
  const paging = useCursorPaging();
  const { cursor } = paging;
  const [page, setPage] = useState<ImportPage | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(() => {
    api
      .get<ImportPage>(`/imports${query({ status, cursor, limit: PAGE })}`)
      .then((p) => {
        setPage(p);
        setError(null);
      })
      .catch(setError);
  }, [status, cursor]);

  useEffect(load, [load]);
  const live = !!page?.imports.some((i) => i.status === 'in_progress' || i.status === 'pending_upload');
  usePolling(load, 2000, live);

  const filter = (value: string | null) => {
    setStatus(value as Status | null);
    paging.reset();
  };

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          Imports
        </Title>
        <Button component="a" href="#/new">
          New import
        </Button>
      </Group>
      <Group>
        <Select
          label="Status"
          placeholder="Any status"
          clearable
          data={Object.entries(STATUS_LABELS).map(([value, label]) => ({ value, label }))}
          value={status}
          onChange={filter}
          w={240}
        />
      </Group>
      <ErrorMessage error={error} />
      {!page && !error && <Loader aria-label="Loading imports" />}
      {page && (
        <Table striped highlightOnHover aria-label="Imports" data-testid="imports-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>File</Table.Th>
              <Table.Th>Entity</Table.Th>
              <Table.Th>Source</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Total</Table.Th>
              <Table.Th>Created</Table.Th>
              <Table.Th>Updated</Table.Th>
              <Table.Th>Unchanged</Table.Th>
              <Table.Th>Failed</Table.Th>
              <Table.Th>Started by</Table.Th>
              <Table.Th>When</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {page.imports.map((i) => (
              <Table.Tr key={i.import_id} data-testid="import-row">
                <Table.Td>
                  <Anchor href={href({ page: 'import', id: i.import_id })}>{i.file_name}</Anchor>
                </Table.Td>
                <Table.Td>{i.entity}</Table.Td>
                <Table.Td>{i.source}</Table.Td>
                <Table.Td>
                  <Stack gap={4}>
                    <StatusBadge status={i.status} />
                    {i.status === 'in_progress' && <ImportProgress item={i} />}
                  </Stack>
                </Table.Td>
                <Table.Td>{i.counts.total}</Table.Td>
                <Table.Td>{i.counts.created}</Table.Td>
                <Table.Td>{i.counts.updated}</Table.Td>
                <Table.Td>{i.counts.unchanged}</Table.Td>
                <Table.Td>{i.counts.failed}</Table.Td>
                <Table.Td>{i.started_by ?? i.created_by ?? ''}</Table.Td>
                <Table.Td>{when(i.started_at ?? i.created_at)}</Table.Td>
              </Table.Tr>
            ))}
            {page.imports.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={11}>
                  <Text c="dimmed">No imports{status ? ` with status ${STATUS_LABELS[status]}` : ''} yet.</Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      )}
      <CursorPager paging={paging} nextCursor={page?.next_cursor} noun="page" />
    </Stack>
  );
}
