import type { InjectionToken } from 'tsyringe';

/** Limits for the image jobs, registered by the config's `providers` (in the main thread and in every CPU worker). */
export interface ImageSettings {
  readonly maxThumbnailWidth: number;
}

/** Interfaces vanish at run time, so they are injected through a token: `@inject(IMAGE_SETTINGS)`. */
export const IMAGE_SETTINGS: InjectionToken<ImageSettings> = Symbol('ImageSettings');
