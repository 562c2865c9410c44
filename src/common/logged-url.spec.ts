import { loggedUrl } from './logged-url';

describe('loggedUrl', () => {
  it('When a search carries words, then the log keeps the path and the other parameters but not the words', () => {
    expect(loggedUrl('/api/claims?q=Kim%20Yo-jong&storyId=3f1c&limit=5')).toBe('/api/claims?q=%5Bredacted%5D&storyId=3f1c&limit=5');
    expect(loggedUrl('/api/audit?actor=Ana%20Editor&q=a&q=b')).toBe('/api/audit?actor=%5Bredacted%5D&q=%5Bredacted%5D');
  });

  it('When there is no query, then the URL is logged as it is', () => {
    expect(loggedUrl('/api/claims/3f1c')).toBe('/api/claims/3f1c');
  });
});
