import type { AppEnv } from "../platform/env";
import type { AuthVariables } from "./auth";
import type { RequestVariables } from "./observe-requests";

export interface AppBindings {
  Bindings: AppEnv;
  Variables: Partial<AuthVariables> & RequestVariables;
}
