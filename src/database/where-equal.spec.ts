import { whereEqual } from './where-equal.js';

describe('whereEqual', () => {
  it('numbers the given columns after the parameters already there, skipping the absent', () => {
    const params: unknown[] = ['reason'];
    expect(whereEqual({ id: undefined, client_id: 'app', user_id: 'u1' }, params)).toBe(
      'client_id = $2 AND user_id = $3',
    );
    expect(params).toEqual(['reason', 'app', 'u1']);
  });
});
