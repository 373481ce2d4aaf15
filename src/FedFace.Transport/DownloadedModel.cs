using FedFace.Core;
using FedFace.Core.Security;
using FedFace.Protos.V1;

namespace FedFace.Transport;

/// <summary>A global model as downloaded, with the signature that came with it (null when the aggregator sent none).</summary>
public sealed record DownloadedModel(ModelState Model, ModelSignature? Signature)
{
    /// <summary>
    /// Invariant 5: is this the model the federation's aggregator signed for the round's version, committed in the round the
    /// task names? The hash is computed here from the downloaded tensors, never taken from the wire.
    /// </summary>
    public ModelSignatureCheck Verify(ModelSignatureVerifier verifier, RoundTask task)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        ArgumentNullException.ThrowIfNull(task);
        return Signature is null
            ? new ModelSignatureCheck(ModelSignatureFailure.Malformed, $"model v{task.ModelVersion} came without the aggregator's signature")
            : verifier.Verify(Signature, Model, task.ModelVersion, task.ModelRound);
    }
}
