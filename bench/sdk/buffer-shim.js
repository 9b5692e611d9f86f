// The SDK's dependencies use Node's global Buffer (and import "events", which
// resolves to the npm polyfill of that name); browsers need both polyfills.
import { Buffer } from "buffer";
globalThis.Buffer = globalThis.Buffer || Buffer;
