using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using FedFace.Core;
using FedFace.Core.Security;
using FedFace.Protocol.Storage;

namespace FedFace.Aggregator.Tests.Kit;

/// <summary>
/// What someone who can write the aggregator's state directory, but holds no aggregator key, can do to the signature the
/// restarted aggregator serves with its committed model.
/// </summary>
public static class CommittedSignature
{
    public static void Replace(CheckpointStore store, Func<ModelSignature, ModelSignature> replace)
    {
        JsonNode state = JsonNode.Parse(File.ReadAllText(store.StatePath))!;
        ModelSignature committed = state["Signature"].Deserialize<ModelSignature>()!;
        state["Signature"] = JsonSerializer.SerializeToNode(replace(committed));
        File.WriteAllText(store.StatePath, state.ToJsonString());
    }

    /// <summary>The same signature with one bit of its signature bytes flipped.</summary>
    public static ModelSignature WithSignatureBitFlipped(ModelSignature signature)
    {
        byte[] flipped = (byte[])signature.Signature.Clone();
        flipped[0] ^= 0x01;
        return new ModelSignature(signature.FederationName, signature.ModelVersion, signature.Round, signature.ModelSha256, flipped, signature.SignerCertificate);
    }

    /// <summary>A signature of <paramref name="model"/> by the key of the given certificate (for the test federation).</summary>
    public static ModelSignature SignWith(string certificatePath, string keyPath, ModelState model, long version)
    {
        using X509Certificate2 certificate = FederationTrust.LoadCertificateWithKey(certificatePath, keyPath);
        using var signer = new ModelSigner(certificate, "FedFace-Test");
        return signer.Sign(model, version, round: 0);
    }
}
