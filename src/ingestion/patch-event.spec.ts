import { EVENT_KINDS } from './patch-event.js';

describe('EVENT_KINDS', () => {
  it('lists the twelve lifecycle kinds of DOMAIN.md', () => {
    expect(EVENT_KINDS).toHaveLength(12);
    expect(EVENT_KINDS).toContain('rolled_back');
  });
});
