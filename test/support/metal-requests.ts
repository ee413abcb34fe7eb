/**
 * One valid request per upstream operation of the Equinix Metal Interconnections API
 * (`test/fixtures/upstream/metal-interconnections.openapi.yaml`), keyed by operationId.
 *
 * Verified against Prism (with the test-time workaround) in `test/upstream/prism.test.ts`;
 * the runtime contract tests reuse these shapes.
 *
 * Conventions:
 * - `path` is the spec's path template (without the server's `/metal/v1` base); `pathParams`
 *   holds the values (all `format: uuid`).
 * - `query` values that are arrays are `include`/`exclude` (`style: form, explode: false`):
 *   serialised as ONE parameter with the values joined by commas (`include=ports,project`).
 * - Every request needs the `X-Auth-Token` header (see {@link METAL_AUTH_HEADERS}).
 */
import { readFileSync } from "node:fs";

export type MetalOperationId =
  | "deleteInterconnection"
  | "getInterconnection"
  | "updateInterconnection"
  | "listInterconnectionPorts"
  | "listInterconnectionVirtualCircuits"
  | "getInterconnectionPort"
  | "listInterconnectionPortVirtualCircuits"
  | "createInterconnectionPortVirtualCircuit"
  | "organizationListInterconnections"
  | "createOrganizationInterconnection"
  | "projectListInterconnections"
  | "createProjectInterconnection"
  | "deleteVirtualCircuit"
  | "getVirtualCircuit"
  | "updateVirtualCircuit";

export type MetalQueryValue = string | number | readonly string[];

export interface MetalRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** OpenAPI path template, e.g. `/connections/{connection_id}`. */
  path: string;
  pathParams: Readonly<Record<string, string>>;
  query?: Readonly<Record<string, MetalQueryValue>>;
  /** JSON request body (sent with `Content-Type: application/json`). */
  body?: unknown;
  /** Request body schema it satisfies (components.schemas name), for documentation. */
  bodySchema?: string;
  /** The 2xx status(es) the spec documents for the operation. */
  success: readonly number[];
}

export const METAL_AUTH_HEADERS: Readonly<Record<string, string>> = { "X-Auth-Token": "demo" };

/** Ids used in the paths and bodies (all valid uuids). */
export const METAL_IDS = {
  connection: "73f12f29-3e19-43a0-8e90-ae81580db1e0",
  port: "3eeebdd5-b0c9-4caa-85ea-1fb1df8b07c4",
  organization: "c079178c-9557-48f2-9ce7-cfb927b81928",
  project: "52000fb2-ee46-4673-93a8-de2c2bdba33c",
  virtualCircuit: "84f35a2f-1e0c-43ee-bd94-87aec0c5ffec",
  virtualNetwork: "39858743-ae10-42bb-b73a-bdfd749ab8e5",
  vrf: "029c4219-04b7-4992-9fef-29ea7e2378a5",
} as const;

/** `SharedPortVCVlanCreateInput` example (matches exactly one branch of the 5-way oneOf). */
export const INTERCONNECTION_CREATE_BODY: unknown = JSON.parse(
  readFileSync(new URL("../fixtures/upstream/examples/interconnection.create-request.shared-port-vlan.json", import.meta.url), "utf8"),
);

/** VlanVirtualCircuitCreateInput (only `project_id` is required). */
export const VLAN_VC_CREATE_BODY = {
  project_id: METAL_IDS.project,
  name: "vc-vlan-1056",
  nni_vlan: 1056,
  vnid: METAL_IDS.virtualNetwork,
  speed: "200Mbps",
} as const;

/**
 * VrfVirtualCircuitCreateInput (requires nni_vlan, peer_asn, project_id, subnet, vrf).
 * NOTE: it also satisfies VlanVirtualCircuitCreateInput, so the faithful spec's `oneOf` rejects it (422).
 */
export const VRF_VC_CREATE_BODY = {
  project_id: METAL_IDS.project,
  name: "vc-vrf-1057",
  nni_vlan: 1057,
  peer_asn: 65530,
  subnet: "192.168.100.16/31",
  vrf: METAL_IDS.vrf,
} as const;

/**
 * VlanVirtualCircuitUpdateInput. Neither update input has required properties, so every body
 * satisfies both branches and the faithful spec's `oneOf` always rejects it (422).
 */
export const VLAN_VC_UPDATE_BODY = { name: "vc-renamed", description: "renamed by the contract test" } as const;

/** VrfVirtualCircuitUpdateInput. */
export const VRF_VC_UPDATE_BODY = { peer_asn: 65531, subnet: "192.168.100.18/31" } as const;

const connectionPath = { connection_id: METAL_IDS.connection };
const includeExclude = { include: ["ports", "project"], exclude: ["organization"] } as const;

export const METAL_REQUESTS: Readonly<Record<MetalOperationId, MetalRequest>> = {
  deleteInterconnection: {
    method: "DELETE",
    path: "/connections/{connection_id}",
    pathParams: connectionPath,
    success: [202],
  },
  getInterconnection: {
    method: "GET",
    path: "/connections/{connection_id}",
    pathParams: connectionPath,
    query: includeExclude,
    success: [200],
  },
  updateInterconnection: {
    method: "PUT",
    path: "/connections/{connection_id}",
    pathParams: connectionPath,
    body: { name: "renamed-connection", description: "updated", mode: "standard", tags: ["contract"] },
    bodySchema: "InterconnectionUpdateInput",
    success: [200],
  },
  listInterconnectionPorts: {
    method: "GET",
    path: "/connections/{connection_id}/ports",
    pathParams: connectionPath,
    success: [200],
  },
  listInterconnectionVirtualCircuits: {
    method: "GET",
    path: "/connections/{connection_id}/virtual-circuits",
    pathParams: connectionPath,
    success: [200],
  },
  getInterconnectionPort: {
    method: "GET",
    path: "/connections/{connection_id}/ports/{id}",
    pathParams: { connection_id: METAL_IDS.connection, id: METAL_IDS.port },
    query: { include: ["virtual_circuits"] },
    success: [200],
  },
  listInterconnectionPortVirtualCircuits: {
    method: "GET",
    path: "/connections/{connection_id}/ports/{port_id}/virtual-circuits",
    pathParams: { connection_id: METAL_IDS.connection, port_id: METAL_IDS.port },
    success: [200],
  },
  createInterconnectionPortVirtualCircuit: {
    method: "POST",
    path: "/connections/{connection_id}/ports/{port_id}/virtual-circuits",
    pathParams: { connection_id: METAL_IDS.connection, port_id: METAL_IDS.port },
    body: VLAN_VC_CREATE_BODY,
    bodySchema: "VlanVirtualCircuitCreateInput",
    success: [201],
  },
  organizationListInterconnections: {
    method: "GET",
    path: "/organizations/{organization_id}/connections",
    pathParams: { organization_id: METAL_IDS.organization },
    query: { include: ["ports"] },
    success: [200],
  },
  createOrganizationInterconnection: {
    method: "POST",
    path: "/organizations/{organization_id}/connections",
    pathParams: { organization_id: METAL_IDS.organization },
    body: INTERCONNECTION_CREATE_BODY,
    bodySchema: "SharedPortVCVlanCreateInput",
    success: [201],
  },
  projectListInterconnections: {
    method: "GET",
    path: "/projects/{project_id}/connections",
    pathParams: { project_id: METAL_IDS.project },
    query: { page: 1, per_page: 10 },
    success: [200],
  },
  createProjectInterconnection: {
    method: "POST",
    path: "/projects/{project_id}/connections",
    pathParams: { project_id: METAL_IDS.project },
    body: INTERCONNECTION_CREATE_BODY,
    bodySchema: "SharedPortVCVlanCreateInput",
    success: [201],
  },
  deleteVirtualCircuit: {
    method: "DELETE",
    path: "/virtual-circuits/{id}",
    pathParams: { id: METAL_IDS.virtualCircuit },
    success: [202],
  },
  getVirtualCircuit: {
    method: "GET",
    path: "/virtual-circuits/{id}",
    pathParams: { id: METAL_IDS.virtualCircuit },
    success: [200],
  },
  updateVirtualCircuit: {
    method: "PUT",
    path: "/virtual-circuits/{id}",
    pathParams: { id: METAL_IDS.virtualCircuit },
    body: VLAN_VC_UPDATE_BODY,
    bodySchema: "VlanVirtualCircuitUpdateInput",
    success: [200, 202],
  },
};

/** Extra valid requests for the `oneOf` branches the main table does not use (VRF virtual circuits). */
export const METAL_REQUEST_VARIANTS: Readonly<Record<string, { operationId: MetalOperationId } & MetalRequest>> = {
  "createInterconnectionPortVirtualCircuit/vrf": {
    ...METAL_REQUESTS.createInterconnectionPortVirtualCircuit,
    operationId: "createInterconnectionPortVirtualCircuit",
    body: VRF_VC_CREATE_BODY,
    bodySchema: "VrfVirtualCircuitCreateInput",
  },
  "updateVirtualCircuit/vrf": {
    ...METAL_REQUESTS.updateVirtualCircuit,
    operationId: "updateVirtualCircuit",
    body: VRF_VC_UPDATE_BODY,
    bodySchema: "VrfVirtualCircuitUpdateInput",
  },
};

/** Fills the path template (values percent-encoded). Throws on a missing parameter. */
export function metalPath(req: Pick<MetalRequest, "path" | "pathParams">, pathParams = req.pathParams): string {
  return req.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = pathParams[name];
    if (v === undefined) throw new Error(`missing path parameter ${name} for ${req.path}`);
    return encodeURIComponent(v);
  });
}

/** Serialises the query: arrays as one comma-joined parameter (form, explode: false). Includes the `?`. */
export function metalQueryString(query: MetalRequest["query"]): string {
  if (!query) return "";
  const parts = Object.entries(query).map(([k, v]) => {
    const value = Array.isArray(v) ? v.map((x) => encodeURIComponent(x)).join(",") : encodeURIComponent(String(v));
    return `${encodeURIComponent(k)}=${value}`;
  });
  return parts.length ? `?${parts.join("&")}` : "";
}

/** Full URL of the request against `baseUrl` (the upstream base without a trailing slash). */
export function metalUrl(baseUrl: string, req: MetalRequest): string {
  return baseUrl.replace(/\/+$/, "") + metalPath(req) + metalQueryString(req.query);
}
