import { createHash } from 'node:crypto';
import { inject } from 'tsyringe';
import { Task } from '../src';
import { IMAGE_SETTINGS, type ImageSettings } from './image-settings';
import { PpmCodec } from './ppm-codec';

export interface ThumbnailInput {
  /** A binary PPM (P6) image, base64. */
  readonly image: string;
  readonly width: number;
}

export interface ThumbnailResult {
  readonly width: number;
  readonly height: number;
  /** The thumbnail as a binary PPM, base64. */
  readonly image: string;
  readonly sha256: string;
}

/** CPU-bound image work: runs on worker threads, so it never blocks the I/O queues. */
@Task({ queue: 'images', pool: 'cpu', hardTimeLimitMs: 30_000 })
export class Images {
  constructor(
    private readonly codec: PpmCodec,
    @inject(IMAGE_SETTINGS) private readonly settings: ImageSettings,
  ) {}

  async thumbnail(input: ThumbnailInput): Promise<ThumbnailResult> {
    if (!Number.isInteger(input.width) || input.width < 1) throw new RangeError(`width must be a positive integer, got ${input.width}`);
    if (input.width > this.settings.maxThumbnailWidth) {
      throw new RangeError(`width ${input.width} is over the limit of ${this.settings.maxThumbnailWidth}`);
    }
    const thumbnail = this.codec.resize(this.codec.decode(Buffer.from(input.image, 'base64')), input.width);
    const file = this.codec.encode(thumbnail);
    return { width: thumbnail.width, height: thumbnail.height, image: file.toString('base64'), sha256: createHash('sha256').update(file).digest('hex') };
  }

  /** SHA-256 of `data` (base64), hashed again `rounds` times: a stand-in for any long hash job. */
  checksum(data: string, rounds = 1): string {
    let digest = createHash('sha256').update(Buffer.from(data, 'base64')).digest();
    for (let i = 1; i < rounds; i++) digest = createHash('sha256').update(digest).digest();
    return digest.toString('hex');
  }
}
