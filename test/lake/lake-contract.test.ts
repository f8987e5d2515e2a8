import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileLake } from '../../src/lake/file/file-lake.js';
import { walkFiles } from '../../src/lake/file/walk-files.js';
import { GcsLake } from '../../src/lake/gcs/gcs-lake.js';
import { FakeGcsServer } from '../support/fake-gcs-server.js';
import { lakeContractSuite } from './lake-contract-suite.js';

lakeContractSuite('FileLake', async () => {
  // The lake is one folder down, so a key escaping the root would land inside `outer` and be seen.
  const outer = await mkdtemp(join(tmpdir(), 'shopstream-file-lake-'));
  const directory = join(outer, 'lake');
  return {
    lake: new FileLake({ uri: `file:${directory}`, directory }),
    storedPaths: async () => {
      const paths = [];
      for await (const file of walkFiles(outer)) paths.push(file.key);
      return paths;
    },
    close: () => rm(outer, { recursive: true, force: true }),
  };
});

lakeContractSuite('GcsLake', async () => {
  const gcs = await FakeGcsServer.start({ buckets: ['lake-bucket', 'other-bucket'] });
  return {
    lake: new GcsLake({
      uri: 'gs://lake-bucket/root',
      bucket: 'lake-bucket',
      prefix: 'root',
      apiEndpoint: gcs.url,
    }),
    storedPaths: async () => [...gcs.objects().keys()].sort(),
    close: async () => {
      if (gcs.unsupported.length) throw new Error(`unsupported requests: ${gcs.unsupported.join(', ')}`);
      await gcs.close();
    },
  };
});
