import { IsoTimeFormatter, pad3 } from './iso-time-formatter.js';

/**
 * Wall-clock event times with microseconds, strictly increasing: live traffic makes many events per
 * millisecond, and two views in one session at the same millisecond would otherwise be byte-identical,
 * so share an event_id and be deduplicated as one event. Within a millisecond it counts microseconds;
 * it runs ahead of the wall clock only beyond a million events per second.
 */
export class WallClockStamp {
  private readonly iso = new IsoTimeFormatter();
  private lastMicros = 0;

  constructor(private readonly now: () => number = Date.now) {}

  next(): string {
    const micros = Math.max(this.now() * 1000, this.lastMicros + 1);
    this.lastMicros = micros;
    const ms = Math.floor(micros / 1000);
    return `${this.iso.format(ms).slice(0, -1)}${pad3[micros - ms * 1000]}Z`;
  }
}
