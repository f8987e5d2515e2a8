const pad2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
/** `000` … `999`, for the fractional part of event times. */
export const pad3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * `new Date(ms).toISOString()`, several times faster for times that arrive in roughly increasing
 * order (as the simulation's do): the `YYYY-MM-DDTHH:mm:` part is formatted once per minute.
 */
export class IsoTimeFormatter {
  private minute = Number.NaN;
  private prefix = '';

  format(time: number): string {
    const ms = Math.floor(time);
    const minute = Math.floor(ms / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.prefix = new Date(minute * 60_000).toISOString().slice(0, 17);
    }
    const rest = ms - minute * 60_000;
    const seconds = Math.floor(rest / 1000);
    return `${this.prefix}${pad2[seconds]}.${pad3[rest - seconds * 1000]}Z`;
  }
}
