import { injectable } from 'tsyringe';

/** A decoded RGB image: 3 bytes a pixel, rows top to bottom. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly pixels: Buffer;
}

/** Binary PPM (P6, 8-bit): the simplest real image format, so the example needs no native codec. */
@injectable()
export class PpmCodec {
  decode(file: Buffer): RgbImage {
    const header = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(file.subarray(0, 64).toString('latin1'));
    if (!header) throw new Error('Not a binary PPM (P6) image');
    const [whole, w, h, max] = header;
    if (max !== '255') throw new Error(`Only 8-bit PPM is supported (max value ${max})`);
    const width = Number(w);
    const height = Number(h);
    const pixels = file.subarray(whole.length, whole.length + width * height * 3);
    if (pixels.length !== width * height * 3) throw new Error(`Truncated PPM: expected ${width * height * 3} pixel bytes, got ${pixels.length}`);
    return { width, height, pixels };
  }

  encode(image: RgbImage): Buffer {
    return Buffer.concat([Buffer.from(`P6\n${image.width} ${image.height}\n255\n`, 'latin1'), image.pixels]);
  }

  /** Box-filter downscale: each output pixel is the mean of the source pixels it covers. */
  resize(image: RgbImage, width: number): RgbImage {
    const scale = image.width / width;
    const height = Math.max(1, Math.round(image.height / scale));
    const out = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
      const y0 = Math.floor(y * scale);
      const y1 = Math.min(image.height, Math.max(y0 + 1, Math.floor((y + 1) * scale)));
      for (let x = 0; x < width; x++) {
        const x0 = Math.floor(x * scale);
        const x1 = Math.min(image.width, Math.max(x0 + 1, Math.floor((x + 1) * scale)));
        let r = 0;
        let g = 0;
        let b = 0;
        for (let sy = y0; sy < y1; sy++) {
          let i = (sy * image.width + x0) * 3;
          for (let sx = x0; sx < x1; sx++, i += 3) {
            r += image.pixels[i] as number;
            g += image.pixels[i + 1] as number;
            b += image.pixels[i + 2] as number;
          }
        }
        const n = (y1 - y0) * (x1 - x0);
        const o = (y * width + x) * 3;
        out[o] = Math.round(r / n);
        out[o + 1] = Math.round(g / n);
        out[o + 2] = Math.round(b / n);
      }
    }
    return { width, height, pixels: out };
  }
}

/** A test card: smooth gradients, so a thumbnail's colours can be checked. */
export function gradientPpm(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      pixels[o] = Math.floor((x / width) * 255);
      pixels[o + 1] = Math.floor((y / height) * 255);
      pixels[o + 2] = 128;
    }
  }
  return new PpmCodec().encode({ width, height, pixels });
}
