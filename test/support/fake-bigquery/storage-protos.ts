import { accessSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ServiceDefinition } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
// Adds Type.fromDescriptor, which builds a message type from a DescriptorProto.
import 'protobufjs/ext/descriptor/index.js';

const require = createRequire(import.meta.url);

/**
 * The `.proto` files `@google-cloud/bigquery-storage` ships (its own copy of the service definition)
 * and the common Google protos from `google-gax` that they import (`google/api`, `google/rpc`).
 */
const PROTO_DIRS = [
  join(dirname(require.resolve('@google-cloud/bigquery-storage')), '../protos'),
  join(dirname(require.resolve('google-gax')), '../protos'),
];

const WRITE_SERVICE = 'google.cloud.bigquery.storage.v1.BigQueryWrite';

/** The loaded protos of the Storage Write API, and the pieces the fake server needs from them. */
export interface StorageProtos {
  readonly root: protobuf.Root;
  /** The `BigQueryWrite` service, as `@grpc/grpc-js` wants it (protobufjs (de)serializers). */
  readonly writeService: ServiceDefinition;
  readonly descriptorProto: protobuf.Type;
  readonly tableSchema: protobuf.Type;
}

let loaded: StorageProtos | undefined;

/** Loads `google/cloud/bigquery/storage/v1/storage.proto` once from the library's own files. */
export function storageProtos(): StorageProtos {
  if (loaded) return loaded;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => PROTO_DIRS.map((d) => join(d, target)).find(exists) ?? target;
  root.loadSync('google/cloud/bigquery/storage/v1/storage.proto', { keepCase: false });
  root.resolveAll();
  const service = root.lookupService(WRITE_SERVICE);
  const writeService: Record<string, ServiceDefinition[string]> = {};
  for (const method of Object.values(service.methods)) {
    method.resolve();
    const request = method.resolvedRequestType!;
    const response = method.resolvedResponseType!;
    writeService[method.name] = {
      path: `/${WRITE_SERVICE}/${method.name}`,
      requestStream: method.requestStream === true,
      responseStream: method.responseStream === true,
      requestSerialize: (value: object) => Buffer.from(request.encode(request.fromObject(value)).finish()),
      requestDeserialize: (bytes: Buffer) => request.decode(bytes),
      responseSerialize: (value: object) => Buffer.from(response.encode(response.fromObject(value)).finish()),
      responseDeserialize: (bytes: Buffer) => response.decode(bytes),
      originalName: method.name,
    };
  }
  loaded = {
    root,
    writeService,
    descriptorProto: root.lookupType('google.protobuf.DescriptorProto'),
    tableSchema: root.lookupType('google.cloud.bigquery.storage.v1.TableSchema'),
  };
  return loaded;
}

/**
 * Builds the protobuf message type a writer declared in `writer_schema.proto_descriptor`, the way
 * the service does: from the DescriptorProto alone (nested types must be inside it).
 */
export function rowTypeOf(descriptor: protobuf.Message): protobuf.Type {
  const { descriptorProto } = storageProtos();
  const bytes = descriptorProto.encode(descriptor).finish();
  const type = (protobuf.Type as unknown as { fromDescriptor(d: Uint8Array): protobuf.Type }).fromDescriptor(
    bytes,
  );
  // A root lets nested message types resolve; the descriptor is self-contained by the API's rules.
  new protobuf.Root().add(type);
  type.resolveAll();
  return type;
}

function exists(path: string): boolean {
  try {
    accessSync(path);
    return true;
  } catch {
    return false;
  }
}
