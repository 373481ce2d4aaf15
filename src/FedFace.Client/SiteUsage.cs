namespace FedFace.Client;

/// <summary>What <c>fedface-site --help</c> prints: the site's three uses and where its settings come from.</summary>
public static class SiteUsage
{
    public const string Text = """
        Usage: fedface-site [--Site:KEY VALUE ...]
               fedface-site --kit KIT.zip (--kit-ca-fingerprint SHA256 | --kit-ca CA.crt) [--kit-dir DIR] [--Site:KEY VALUE ...]
               fedface-site init-model --out FILE [--seed N] [--backbone mobilefacenet|iresnet18|iresnet34|iresnet50 | --from-onnx MODEL.onnx]
               fedface-site export-onnx --model FILE.ffm --out FILE.onnx --normalization symmetric|imagenet [--threshold T --threshold-source TEXT]
               fedface-site --version | --help
        Without a command: runs the site worker, which joins the aggregator, trains on its own photos each round and sends
        only a protected weight delta. Settings: appsettings.json next to the binary, then environment
        (Site__AggregatorUrl=...), then the command line (--Site:AggregatorUrl https://agg.example.org:7443); every key is
        described in docs/configuration.md. --kit starts from the signed startup kit fedface-certs made for this site: it is
        checked against the CA pinned by fingerprint (or given as a file) and unpacked into --kit-dir (default: KIT.kit).
        init-model writes the version-0 global model for Aggregator:InitialModelPath, randomly initialised or imported from
        a BatchNorm-folded MobileFaceNet ONNX file; sites build their network from its tensors, so it fixes the backbone
        for the whole federation.
        export-onnx turns a global model into an ONNX file for serving with ONNX Runtime, stamped with its pixel scaling
        and, when given, its verification threshold.
        """;
}
