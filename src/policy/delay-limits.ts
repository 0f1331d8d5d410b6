/** The longest countdown, ETA or backoff Warren accepts: a year. Longer is almost always a unit mistake (seconds for milliseconds). */
export const MAX_DELAY_MS = 365 * 86_400_000;
