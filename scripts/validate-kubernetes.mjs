// Checks Kubernetes manifests against the API's OpenAPI schemas as the kubernetes-models npm package ships them
// (compiled JSON-schema validators, one per kind). Reads multi-document YAML from the files given (or stdin) and
// prints one line per object; exits 1 if any object is invalid or of a kind it does not know.
// Run by scripts/deploy-validate.sh, which installs the two packages: node validate-kubernetes.mjs FILE...
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const inputs = process.argv.length > 2 ? process.argv.slice(2) : ["/dev/stdin"];
let failures = 0;
for (const input of inputs) {
  for (const document of parseAllDocuments(readFileSync(input, "utf8"))) {
    if (document.errors.length > 0) {
      console.log(`${input}: not YAML: ${document.errors[0].message}`);
      failures++;
      continue;
    }
    const manifest = document.toJS();
    if (manifest === null) continue;
    const { apiVersion, kind } = manifest;
    const name = `${kind ?? "?"}/${manifest.metadata?.name ?? "?"}`;
    // apps/v1 -> kubernetes-models/apps/v1/Kind; v1 (the core group) -> kubernetes-models/v1/Kind
    let model;
    try {
      model = await import(`kubernetes-models/${apiVersion}/${kind}`);
    } catch {
      console.log(`${name}: unknown apiVersion/kind ${apiVersion}/${kind}`);
      failures++;
      continue;
    }
    try {
      new model[kind](manifest).validate();
      console.log(`${name}: valid ${apiVersion}`);
    } catch (error) {
      console.log(`${name}: INVALID: ${error.message}`);
      failures++;
    }
  }
}
process.exit(failures === 0 ? 0 : 1);
