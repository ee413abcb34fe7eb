/**
 * What the schema lets through in an `authentication` object but the runtime cannot honour, found at
 * load time so `validate` refuses it with a position instead of `serve` failing at start (or, worse,
 * running with the setting ignored).
 */
import type { Authentication, Capability, ConsumesHttp } from "./model.js";
import type { DocPath, Problem } from "./problems.js";

/** Reports at a model object, or a path below it (see record.ts). */
type At = (node: object, below: DocPath, message: string, severity?: Problem["severity"]) => void;
type Report = (at: DocPath, message: string, severity?: Problem["severity"]) => void;

/** The client credentials fields: they ask for tokens, which only a consumes block does. */
const CLIENT_FIELDS = ["clientId", "clientSecret", "tokenEndpointAuthMethod"] as const;

/** Problems of every exposes and consumes block's `authentication`, imported consumes blocks included. */
export function authenticationProblems(cap: Capability, at: At): void {
  for (const block of cap.exposes) {
    if (block.authentication) checkExposes(block.authentication, ["authentication"], (below, m, s) => at(block, below, m, s));
  }
  for (const block of cap.consumes) checkConsumes(block, (below, m, s) => at(block, below, m, s));
}

function checkConsumes(consumes: ConsumesHttp, report: Report): void {
  const auth = consumes.authentication;
  if (auth?.type !== "oauth2") return;
  const where = ["authentication"];
  for (const field of ["clientId", "clientSecret"] as const) {
    if (!auth[field]) {
      report(
        auth[field] === undefined ? where : [...where, field],
        `${field} is required: oauth2 on a consumes block gets its tokens with the client credentials grant`,
      );
    }
  }
  if (auth.tokenValidation !== undefined) {
    report(
      [...where, "tokenValidation"],
      "tokenValidation says how an exposes block checks incoming tokens; a consumes block requests tokens and checks none",
    );
  }
  plainHttp(auth.authorizationServerUri, [...where, "authorizationServerUri"], "the client secret and tokens", report);
  if (auth.tokenEndpoint) plainHttp(auth.tokenEndpoint, [...where, "tokenEndpoint"], "the client secret and tokens", report);
}

function checkExposes(auth: Authentication, where: DocPath, report: Report) {
  const required = (field: string, value: string | undefined, why: string) => {
    if (value === undefined) report(where, `${field} is required: ${why}`);
    else if (value === "") report([...where, field], `${field} is empty: ${why}`);
  };
  const open = "without it the server would let anyone in";
  switch (auth.type) {
    case "bearer":
      required("token", auth.token, open);
      break;
    case "apikey":
      required("value", auth.value, open);
      break;
    case "basic":
    case "digest":
      required("username", auth.username, open);
      required("password", auth.password, open);
      break;
    case "oauth2":
      if (auth.tokenValidation === "introspection") {
        report(
          [...where, "tokenValidation"],
          "tokenValidation introspection is not supported: an introspection endpoint (RFC 7662) wants the resource server's own credentials, which this authentication has no field for; use jwks (signed JWTs checked against the issuer's keys)",
        );
      }
      for (const field of CLIENT_FIELDS) {
        if (auth[field] !== undefined) {
          report([...where, field], `${field} belongs on a consumes block (it requests tokens); an exposes block only checks them`);
        }
      }
      plainHttp(auth.authorizationServerUri, [...where, "authorizationServerUri"], "the keys that tokens are checked with", report);
      break;
  }
}

/** Credentials or keys fetched over plain HTTP can be read or swapped on the way, except on this machine. */
function plainHttp(uri: string | undefined, at: DocPath, what: string, report: Report) {
  if (!uri?.startsWith("http://")) return;
  let host: string;
  try {
    host = new URL(uri).hostname;
  } catch {
    return;
  }
  if (host === "localhost" || host === "[::1]" || /^127\./.test(host)) return;
  report(at, `${uri} is plain HTTP: ${what} travel unprotected; use https`, "warning");
}
