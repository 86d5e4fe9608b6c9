import type { AppEnv } from "./env";
import type { AuthVariables } from "./auth";

export interface AppBindings {
  Bindings: AppEnv;
  Variables: Partial<AuthVariables>;
}
