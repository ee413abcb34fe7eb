// Types for the undici file the runtime imports directly (see undici.ts): undici's own.
declare module "undici/lib/dispatcher/pool.js" {
  import type { Pool } from "undici";
  const PoolClass: typeof Pool;
  export default PoolClass;
}
