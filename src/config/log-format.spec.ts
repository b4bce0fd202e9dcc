import { ConfigurationError, validateEnvironment } from './environment.js';
import { logFormatOf } from './log-format.js';

describe('LOG_FORMAT', () => {
  it('is pretty by default only on a terminal outside production', () => {
    expect(logFormatOf(undefined, 'development', true)).toBe('pretty');
    expect(logFormatOf(undefined, 'test', true)).toBe('pretty');
    expect(logFormatOf(undefined, 'production', true)).toBe('json');
    expect(logFormatOf(undefined, 'development', false)).toBe('json');
  });

  it('is what the operator set, wherever the logs go', () => {
    expect(logFormatOf('json', 'development', true)).toBe('json');
    expect(logFormatOf('pretty', 'production', false)).toBe('pretty');
  });

  it('is read as json or pretty, and anything else is refused naming the variable', () => {
    expect(validateEnvironment({ LOG_FORMAT: 'pretty' }).LOG_FORMAT).toBe('pretty');
    expect(validateEnvironment({}).LOG_FORMAT).toBeUndefined();
    const refusal = catching(() => validateEnvironment({ LOG_FORMAT: 'text' }));
    expect(refusal).toBeInstanceOf(ConfigurationError);
    expect((refusal as ConfigurationError).problems).toEqual(['LOG_FORMAT must be json or pretty']);
  });
});

function catching(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  return undefined;
}
