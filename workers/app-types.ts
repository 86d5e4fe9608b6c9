import type { AppEnv } from "../platform/env";
import type { AuthVariables } from "./auth";

export interface AppBindings {
  Bindings: AppEnv;
  Variables: Partial<AuthVariables> & RequestVariables;
}

export interface RequestVariables {
  /** Set for every request by observeRequests; routes pass it to the rooms they call. */
  requestId: string;
}
