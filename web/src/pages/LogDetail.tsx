import {
  Alert,
  Anchor,
  Button,
  Card,
  Group,
  Loader,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { api, query } from '../api';
import { CursorPager, ErrorMessage, ImportProgress, StatusBadge, useCursorPaging, usePolling, when } from '../common';
import { go, href } from '../route';
import type { CellIssue, Import, ImportPage, Outcome, RowPage } from '../types';

const ROWS = 50;
const DONE = ['finished', 'finished_with_errors', 'failed'];

export function LogDetail({ id }: { id: string }) {
  const [item, setItem] = useState<Import | null>(null);
  const [corrections, setCorrections] = useState<Import[]>([]);
  const [outcome, setOutcome] = useState<Outcome | 'all'>('all');
  const paging = useCursorPaging();
  const { cursor } = paging;
  const [rows, setRows] = useState<RowPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [download, setDownload] = useState<{ busy: boolean; url?: string; count?: number; error?: unknown }>({
    busy: false,
  });

  const load = useCallback(() => {
    api
      .get<Import>(`/imports/${encodeURIComponent(id)}`)
      .then((i) => {
        setItem(i);
        setError(null);
      })
      .catch(setError);
  }, [id]);
  useEffect(load, [load]);
  const running = !!item && !DONE.includes(item.status);
  usePolling(load, 1500, running);

  // Imports that correct this one: the company's newest imports that name it.
  useEffect(() => {
    api
      .get<ImportPage>(`/imports${query({ limit: 100 })}`)
      .then((p) => setCorrections(p.imports.filter((i) => i.corrects === id)))
      .catch(() => setCorrections([]));
  }, [id, item?.status]);

  const loadRows = useCallback(() => {
    api
      .get<RowPage>(
        `/imports/${encodeURIComponent(id)}/rows${query({ outcome: outcome === 'all' ? undefined : outcome, cursor, limit: ROWS })}`,
      )
      .then(setRows)
      .catch(setError);
  }, [id, outcome, cursor]);
  const finished = !!item && DONE.includes(item.status);
  useEffect(() => {
    if (finished) loadRows();
  }, [finished, loadRows]);

  const exportFailed = async () => {
    setDownload({ busy: true });
    try {
      const x = await api.post<{ url: string; failed_rows: number }>(`/imports/${encodeURIComponent(id)}/failed-rows`);
      setDownload({ busy: false, url: x.url, count: x.failed_rows });
      const a = document.createElement('a');
      a.href = x.url;
      a.download = 'failed-rows.xlsx';
      a.rel = 'noopener';
      document.body.appendChild(a);
      a.click();
      a.remove();
    } catch (err) {
      setDownload({ busy: false, error: err });
    }
  };

  if (error && !item) return <ErrorMessage error={error} />;
  if (!item) return <Loader aria-label="Loading the import" />;
  const c = item.counts;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          Log: {item.file_name}
        </Title>
        <Group>
          <Button
            onClick={exportFailed}
            loading={download.busy}
            disabled={!finished || c.failed === 0}
            variant="light"
          >
            Download Logs (XLS)
          </Button>
          <Button onClick={() => go({ page: 'new', corrects: id })} disabled={!finished || c.failed === 0}>
            Re-upload corrected file
          </Button>
        </Group>
      </Group>
      <ErrorMessage error={error} />
      {download.url && (
        <Text size="sm" data-testid="download-note">
          {download.count} failed rows: <Anchor href={download.url}>failed-rows.xlsx</Anchor> (link valid 15 minutes)
        </Text>
      )}
      <ErrorMessage error={download.error} title="The failed rows cannot be exported" />
      <Card withBorder>
        <SimpleGrid cols={{ base: 1, md: 3 }}>
          <Field label="Status">
            <Group gap="xs">
              <StatusBadge status={item.status} />
              {item.status === 'in_progress' && <ImportProgress item={item} />}
            </Group>
          </Field>
          <Field label="Entity">{item.entity}</Field>
          <Field label="Source">{item.source === 'feed' ? `feed ${item.feed_id}` : 'upload'}</Field>
          <Field label="Encoding">{item.encoding ?? item.format ?? '—'}</Field>
          <Field label="Delimiter">{item.delimiter ?? '—'}</Field>
          <Field label="Started by">{item.started_by ?? item.created_by ?? '—'}</Field>
          <Field label="Created">{when(item.created_at)}</Field>
          <Field label="Started">{when(item.started_at) || '—'}</Field>
          <Field label="Finished">{when(item.finished_at) || '—'}</Field>
        </SimpleGrid>
      </Card>
      {item.reason && (
        <Alert color="red" title="Why it failed" role="alert" data-testid="reason">
          {item.reason}
        </Alert>
      )}
      {item.status === 'uploaded' && (
        <Alert color="blue">
          The file waits for its mapping: <Anchor href={href({ page: 'map', id })}>map and start it</Anchor>.
        </Alert>
      )}
      {item.corrects && (
        <Text data-testid="corrects-link">
          Corrects the failed rows of <Anchor href={href({ page: 'import', id: item.corrects })}>import {item.corrects}</Anchor>
        </Text>
      )}
      {corrections.map((x) => (
        <Text key={x.import_id} data-testid="corrected-by-link">
          Corrected by <Anchor href={href({ page: 'import', id: x.import_id })}>{x.file_name}</Anchor> ({x.status_label})
        </Text>
      ))}
      <SimpleGrid cols={{ base: 3, md: 5 }} data-testid="counters">
        <Counter label="Total" value={c.total} />
        <Counter label="Created" value={c.created} />
        <Counter label="Updated" value={c.updated} />
        <Counter label="Unchanged" value={c.unchanged} />
        <Counter label="Failed" value={c.failed} />
      </SimpleGrid>

      <Title order={2} size="h4">
        Rows
      </Title>
      <SegmentedControl
        aria-label="Show rows"
        value={outcome}
        onChange={(v) => {
          setOutcome(v as Outcome | 'all');
          paging.reset();
        }}
        data={[
          { value: 'all', label: 'All' },
          { value: 'failed', label: `Failed (${c.failed})` },
          { value: 'created', label: `Created (${c.created})` },
          { value: 'updated', label: `Updated (${c.updated})` },
          { value: 'unchanged', label: `Unchanged (${c.unchanged})` },
        ]}
        w="fit-content"
      />
      {!finished && <Text c="dimmed">Row outcomes appear when the import ends.</Text>}
      {finished && rows && (
        <Table striped aria-label="Row outcomes" data-testid="rows-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Row</Table.Th>
              <Table.Th>Outcome</Table.Th>
              <Table.Th>Errors</Table.Th>
              <Table.Th>Warnings</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.rows.map((r) => (
              <Table.Tr key={r.row} data-testid="log-row" data-outcome={r.outcome}>
                <Table.Td>{r.row}</Table.Td>
                <Table.Td>{r.outcome}</Table.Td>
                <Table.Td>
                  {r.errors.map((e, i) => (
                    <Text key={i} size="sm" c="red.8">
                      {cellName(e) && <b>{cellName(e)} </b>}
                      {e.value && !e.message.includes(e.value) ? `"${e.value}": ` : ''}
                      {e.message}
                    </Text>
                  ))}
                </Table.Td>
                <Table.Td>
                  {r.warnings.map((w, i) => (
                    <Text key={i} size="sm" c="yellow.9">
                      {cellName(w) && <b>{cellName(w)} </b>}
                      {w.message}
                    </Text>
                  ))}
                </Table.Td>
              </Table.Tr>
            ))}
            {rows.rows.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={4}>
                  <Text c="dimmed">No rows with this outcome.</Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      )}
      <CursorPager paging={paging} nextCursor={rows?.next_cursor} noun="rows" />
    </Stack>
  );
}

/** The column of an error as the admin knows it: its header, else its place. */
function cellName(issue: CellIssue): string {
  return issue.header || (issue.column !== undefined ? `column ${issue.column + 1}` : '');
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <div>{children}</div>
    </Stack>
  );
}

function Counter({ label, value }: { label: string; value: number }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="xl" fw={700} data-testid={`count-${label.toLowerCase()}`}>
        {value}
      </Text>
    </Card>
  );
}
