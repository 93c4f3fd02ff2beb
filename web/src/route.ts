// Routing by the address's fragment (`#/imports/ID`): the server knows only
// `/` as the page, so API paths such as /imports stay the API's.

import { useEffect, useState } from 'react';

export type Route =
  | { page: 'imports' }
  | { page: 'new'; corrects?: string }
  | { page: 'map'; id: string }
  | { page: 'import'; id: string }
  | { page: 'templates' }
  | { page: 'feeds' };

export function parse(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'new') return { page: 'new', corrects: parts[1] };
  if (parts[0] === 'imports' && parts[1] && parts[2] === 'map') return { page: 'map', id: parts[1] };
  if (parts[0] === 'imports' && parts[1]) return { page: 'import', id: parts[1] };
  if (parts[0] === 'templates') return { page: 'templates' };
  if (parts[0] === 'feeds') return { page: 'feeds' };
  return { page: 'imports' };
}

export function href(route: Route): string {
  switch (route.page) {
    case 'imports':
      return '#/imports';
    case 'new':
      return route.corrects ? `#/new/${encodeURIComponent(route.corrects)}` : '#/new';
    case 'map':
      return `#/imports/${encodeURIComponent(route.id)}/map`;
    case 'import':
      return `#/imports/${encodeURIComponent(route.id)}`;
    default:
      return `#/${route.page}`;
  }
}

export function go(route: Route) {
  location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parse(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
