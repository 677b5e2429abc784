/**
 * Installs AsyncLocalStorage as the core's context carrier. Imported for its effect by the
 * Node entry point only, so that browser bundles never pull in `node:async_hooks`.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { installContextCarrier, type Frame } from "../../core/frame";

installContextCarrier(new AsyncLocalStorage<Frame>());
