/**
 * A luxon zone that remembers offsets. Every luxon DateTime in an IANA zone asks Intl for the offset of its instant,
 * which is most of the date-time extractor's cost; offsets only change at whole quarter hours (UTC), so one answer
 * per quarter hour is exact.
 */
import { IANAZone, Zone, type ZoneOffsetFormat, type ZoneOffsetOptions } from 'luxon';

const QUARTER_HOUR = 15 * 60_000;
const MAX_ENTRIES = 20_000;

class CachedZone extends Zone {
  readonly #inner: IANAZone;
  readonly #offsets = new Map<number, number>();

  constructor(inner: IANAZone) {
    super();
    this.#inner = inner;
  }

  override get type(): string {
    return this.#inner.type;
  }

  override get name(): string {
    return this.#inner.name;
  }

  override get isUniversal(): boolean {
    return this.#inner.isUniversal;
  }

  override get isValid(): true {
    return true;
  }

  override offsetName(ts: number, options: ZoneOffsetOptions): string {
    return this.#inner.offsetName(ts, options) ?? '';
  }

  override formatOffset(ts: number, format: ZoneOffsetFormat): string {
    return this.#inner.formatOffset(ts, format);
  }

  override offset(ts: number): number {
    const bucket = Math.floor(ts / QUARTER_HOUR);
    let offset = this.#offsets.get(bucket);
    if (offset === undefined) {
      offset = this.#inner.offset(ts);
      if (this.#offsets.size >= MAX_ENTRIES) this.#offsets.clear();
      this.#offsets.set(bucket, offset);
    }
    return offset;
  }

  override equals(other: Zone): boolean {
    return other.type === this.type && other.name === this.name;
  }
}

const zones = new Map<string, Zone>();

/** The (cached) zone for an IANA name; an unknown name gives luxon's invalid zone, as a string would. */
export function zoneFor(tz: string): Zone | string {
  let zone = zones.get(tz);
  if (!zone) {
    const inner = IANAZone.create(tz);
    if (!inner.isValid) return tz;
    zone = new CachedZone(inner as IANAZone);
    zones.set(tz, zone);
  }
  return zone;
}
