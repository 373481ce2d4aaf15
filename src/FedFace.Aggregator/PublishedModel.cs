using FedFace.Core;
using FedFace.Core.Security;
using FedFace.Protocol;
using FedFace.Protos.V1;

namespace FedFace.Aggregator;

/// <summary>
/// A global model as sites are served it: the tensors, and the download header that names them with the model's hash
/// and the aggregator's signature (invariant 5).
/// </summary>
/// <param name="Round">The round that committed the model; 0 for the initial model.</param>
public sealed record PublishedModel(ModelState Model, long Version, long Round, ModelHeader Header)
{
    /// <summary>The signature the header carries.</summary>
    public ModelSignature Signature => ModelSignatureWire.FromWire(Header.Signature)!;

    /// <summary>Signs a newly committed model (the hash is computed once, for the header, and signed as such).</summary>
    public static PublishedModel Sign(ModelState model, long version, long round, ModelSigner signer)
    {
        ArgumentNullException.ThrowIfNull(signer);
        ModelHeader header = TensorWire.ModelHeaderOf(model, version);
        header.Signature = ModelSignatureWire.ToWire(signer.Sign(header.Sha256.Span, version, round));
        return new PublishedModel(model, version, round, header);
    }

    /// <summary>A committed model with the signature it was published with (a restarted aggregator serves the same one).</summary>
    public static PublishedModel WithSignature(ModelState model, long version, long round, ModelSignature signature)
    {
        ModelHeader header = TensorWire.ModelHeaderOf(model, version);
        header.Signature = ModelSignatureWire.ToWire(signature);
        return new PublishedModel(model, version, round, header);
    }
}
