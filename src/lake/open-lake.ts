import { ShopstreamError } from '../errors/shopstream-error.js';
import type { Lake } from './lake.js';

/** Opens the lake a URI names: `file:<folder>` or `gs://<bucket>[/<prefix>]`. */
export async function openLake(uri: string): Promise<Lake> {
  if (uri.startsWith('file:')) {
    const { FileLake } = await import('./file/file-lake.js');
    return new FileLake({ uri, directory: uri.slice('file:'.length) });
  }
  const gs = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (gs) {
    const { GcsLake } = await import('./gcs/gcs-lake.js');
    return new GcsLake({ uri, bucket: gs[1]!, prefix: gs[2] ?? '' });
  }
  throw new ShopstreamError(
    'SHOP_E_CONFIG_INVALID',
    `lake: "${uri}" is not file:<folder> or gs://<bucket>[/<prefix>]`,
  );
}
