// Injected into every module by esbuild: the SDK's dependencies use Node's
// global Buffer, which browsers lack; the npm "buffer" package provides it.
import { Buffer } from "buffer";
globalThis.Buffer = globalThis.Buffer || Buffer;
