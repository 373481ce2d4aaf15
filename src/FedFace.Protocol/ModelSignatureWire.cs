using FedFace.Core.Security;
using FedFace.Protos.V1;
using Google.Protobuf;

namespace FedFace.Protocol;

/// <summary>A <see cref="ModelSignature"/> as the DownloadModel header carries it, and back.</summary>
public static class ModelSignatureWire
{
    public static GlobalModelSignature ToWire(ModelSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return new GlobalModelSignature
        {
            FederationName = signature.FederationName,
            ModelVersion = signature.ModelVersion,
            Round = signature.Round,
            ModelSha256 = ByteString.CopyFrom(signature.ModelSha256),
            Signature = ByteString.CopyFrom(signature.Signature),
            SignerCertificate = ByteString.CopyFrom(signature.SignerCertificate),
        };
    }

    /// <summary>The signature as received; null when the header carried none. Nothing is checked here (see ModelSignatureVerifier).</summary>
    public static ModelSignature? FromWire(GlobalModelSignature? signature) => signature is null
        ? null
        : new ModelSignature(signature.FederationName, signature.ModelVersion, signature.Round,
            signature.ModelSha256.ToByteArray(), signature.Signature.ToByteArray(), signature.SignerCertificate.ToByteArray());
}
