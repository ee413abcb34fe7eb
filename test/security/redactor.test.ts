import { describe, expect, it } from "vitest";
import { Redactor } from "../../src/secrets.js";

describe("Redactor", () => {
  it("replaces every occurrence of every value, the longer value first where they overlap", () => {
    const r = new Redactor(["s3cr3t-token", "s3cr3t-token-extended", "other-key"]);
    expect(r.redact("a s3cr3t-token-extended b s3cr3t-token c other-key d other-key")).toBe(
      "a [REDACTED] b [REDACTED] c [REDACTED] d [REDACTED]",
    );
  });

  it("leaves a line without a value as it is", () => {
    const r = new Redactor(["s3cr3t-token"]);
    const line = '{"level":30,"msg":"call","status":200}';
    expect(r.redact(line)).toBe(line);
  });

  it("scrubs with many values as with few", () => {
    const values = Array.from({ length: 20 }, (_, i) => `credential-${i}-value`);
    const r = new Redactor(values);
    expect(r.redact(`x credential-19-value y credential-3-value z`)).toBe("x [REDACTED] y [REDACTED] z");
    expect(r.redact("nothing here")).toBe("nothing here");
  });

  it("ignores values too short to be credentials, and regular-expression characters are literal", () => {
    const r = new Redactor(["abc", "a.b*c+d"]);
    expect(r.redact("abc a.b*c+d axbxcxd")).toBe("abc [REDACTED] axbxcxd");
    expect(r.contains("a.b*c+d")).toBe(true);
    expect(r.contains("abc")).toBe(false);
  });
});
