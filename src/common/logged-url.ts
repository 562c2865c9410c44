/** Query parameters whose values are free text a person typed (a search may be for a name): logged as [redacted]. */
const FREE_TEXT = new Set(['q', 'actor']);

/** The request URL as the access log shows it: path and parameter names kept, searched-for words dropped. */
export const loggedUrl = (url: string): string => {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const params = new URLSearchParams(url.slice(at + 1));
  for (const key of new Set(params.keys())) if (FREE_TEXT.has(key)) params.set(key, '[redacted]');
  return `${url.slice(0, at)}?${params.toString()}`;
};
