// Small pieces every screen shares: messages, status badges, progress, polling.

import { Alert, Badge, Button, Group, Progress, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { describe } from './api';
import type { Counts, Import, Status } from './types';
import { STATUS_LABELS } from './types';

export function ErrorMessage({ error, title = 'Something went wrong' }: { error: unknown; title?: string }) {
  if (!error) return null;
  return (
    <Alert color="red" title={title} role="alert" data-testid="error">
      {describe(error)}
    </Alert>
  );
}

const COLORS: Record<Status, string> = {
  pending_upload: 'gray',
  uploaded: 'blue',
  in_progress: 'indigo',
  finished: 'green',
  finished_with_errors: 'orange',
  failed: 'red',
};

export function StatusBadge({ status }: { status: Status }) {
  return (
    <Badge color={COLORS[status]} variant="light" data-testid="status">
      {STATUS_LABELS[status]}
    </Badge>
  );
}

export function ImportProgress({ item }: { item: Import }) {
  const { total, processed } = item.counts;
  const value = total > 0 ? Math.round((processed / total) * 100) : 0;
  return (
    <Group gap="xs" wrap="nowrap">
      <Progress value={value} w={120} animated aria-label={`${value}% of rows processed`} />
      <Text size="xs" c="dimmed">
        {processed}/{total || '…'}
      </Text>
    </Group>
  );
}

export function countsText(c: Counts): string {
  return `${c.total} total, ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.failed} failed`;
}

export const ACTIVE: Status[] = ['pending_upload', 'in_progress'];

/** Calls `tick` every `ms` while `active`, and once at once. */
export function usePolling(tick: () => void, ms: number, active: boolean) {
  const saved = useRef(tick);
  saved.current = tick;
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => saved.current(), ms);
    return () => clearInterval(timer);
  }, [ms, active]);
}

export function when(iso?: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** Cursor paging over an API list: the cursors of the pages before this
 * one (to go back) and this page's cursor. */
export function useCursorPaging() {
  const [back, setBack] = useState<(string | undefined)[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  return {
    cursor,
    hasPrevious: back.length > 0,
    previous: () => {
      setCursor(back[back.length - 1]);
      setBack(back.slice(0, -1));
    },
    next: (nextCursor: string | undefined) => {
      setBack([...back, cursor]);
      setCursor(nextCursor);
    },
    /** Back to the first page, as when a filter changes. */
    reset: () => {
      setCursor(undefined);
      setBack([]);
    },
  };
}

/** Previous and Next buttons for [`useCursorPaging`]. */
export function CursorPager({
  paging,
  nextCursor,
  noun,
}: {
  paging: ReturnType<typeof useCursorPaging>;
  nextCursor: string | undefined;
  noun: string;
}) {
  return (
    <Group>
      <Button variant="default" disabled={!paging.hasPrevious} onClick={paging.previous}>
        Previous {noun}
      </Button>
      <Button variant="default" disabled={!nextCursor} onClick={() => paging.next(nextCursor)}>
        Next {noun}
      </Button>
    </Group>
  );
}
