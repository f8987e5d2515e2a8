import { describe, expect, it } from 'vitest';
import { errorFileKey, eventFileKey, minuteOf } from './lake-layout.js';

describe('lake layout', () => {
  it('files an event under the UTC minute of its own time', () => {
    const minute = minuteOf('2024-02-29T23:59:59.999999Z');
    expect(minute).toBe('2024-02-29T23:59');
    expect(eventFileKey('user_activity', minute, 'a1b2c3d4_00000f')).toBe(
      'output/user_activity/2024/02/29/23/59/user_activity_202402292359_a1b2c3d4_00000f.json',
    );
  });

  it('files DLQ records under their processing minute', () => {
    expect(errorFileKey(minuteOf('2025-01-01T00:00:00.000Z'), 'w_1')).toBe(
      'output/errors/2025/01/01/00/00/errors_202501010000_w_1.json',
    );
  });
});
