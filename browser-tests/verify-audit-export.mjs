// Verifies an audit export of the portal as an outside auditor would, with
// an independent JOSE implementation (jose), not the portal's code: the
// export is a JWS in the flattened JSON serialization (RFC 7515), signed with
// EdDSA over Ed25519 (RFC 8037) by a key of the published JWKS.
//
//   node verify-audit-export.mjs JWKS_FILE EXPORT_FILE
//
// Exit 0 and the payload's stream, exporter, time and entry count on stdout
// when the signature holds; exit 1 with the reason otherwise.
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, flattenedVerify } from 'jose';

const [jwksFile, exportFile] = process.argv.slice(2);
try {
  const jwks = createLocalJWKSet(JSON.parse(readFileSync(jwksFile, 'utf8')));
  const jws = JSON.parse(readFileSync(exportFile, 'utf8'));
  const { payload, protectedHeader } = await flattenedVerify(jws, jwks, { algorithms: ['EdDSA'] });
  const doc = JSON.parse(new TextDecoder().decode(payload));
  console.log(JSON.stringify({
    kid: protectedHeader.kid,
    stream: doc.stream,
    exported_by: doc.exported_by,
    exported_at: doc.exported_at,
    entries: doc.entries.length,
  }));
} catch (e) {
  console.error(`not valid: ${e.code ?? ''} ${e.message}`);
  process.exit(1);
}
