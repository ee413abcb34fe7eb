/**
 * What the schema lets through in an `authentication` object but the runtime cannot honour, found at
 * load time so `validate` refuses it with a position instead of `serve` failing at start (or, worse,
 * running with the setting ignored).
 */
import type { Authentication, ConsumesHttp, Document, Exposes } from "./model.js";
import { formatPath, type DocPath, type Locator, type Problem } from "./problems.js";

type Report = (at: DocPath, message: string, severity?: Problem["severity"]) => void;

/** The client credentials fields: they ask for tokens, which only a consumes block does. */
const CLIENT_FIELDS = ["clientId", "clientSecret", "tokenEndpointAuthMethod"] as const;

/** Problems of the document's own exposes and consumes blocks (imported consumes are checked where they are read). */
export function authenticationProblems(doc: Document, file: string, locate: Locator): Problem[] {
  const out: Problem[] = [];
  const report = reporter(out, file, locate);
  (doc.capability?.exposes ?? []).forEach((block: Exposes, e) => {
    if (block?.authentication) checkExposes(block.authentication, ["capability", "exposes", e, "authentication"], report);
  });
  const inline: Array<[unknown, DocPath]> = [
    ...(doc.consumes ?? []).map((c, i): [unknown, DocPath] => [c, ["consumes", i]]),
    ...(doc.capability?.consumes ?? []).map((c, i): [unknown, DocPath] => [c, ["capability", "consumes", i]]),
  ];
  for (const [c, at] of inline) {
    if (c && typeof c === "object" && !("location" in c)) out.push(...consumesAuthenticationProblems(c as ConsumesHttp, at, file, locate));
  }
  return out;
}

/** Problems of one consumes block's `authentication`; `at` is the block's own path. */
export function consumesAuthenticationProblems(consumes: ConsumesHttp, at: DocPath, file: string, locate: Locator): Problem[] {
  const out: Problem[] = [];
  const auth = consumes.authentication;
  if (auth?.type !== "oauth2") return out;
  const where = [...at, "authentication"];
  const report = reporter(out, file, locate);
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
  return out;
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

function reporter(out: Problem[], file: string, locate: Locator): Report {
  return (at, message, severity = "error") => out.push({ file, ...locate(at), path: formatPath(at), message, severity });
}
