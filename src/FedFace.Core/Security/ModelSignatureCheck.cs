namespace FedFace.Core.Security;

/// <summary>The verdict on a model signature, with a sentence for the site's log.</summary>
public sealed record ModelSignatureCheck(ModelSignatureFailure Failure, string Reason)
{
    public static ModelSignatureCheck Valid { get; } = new(ModelSignatureFailure.None, "");

    public bool IsValid => Failure == ModelSignatureFailure.None;

    /// <summary>For callers that refuse by exception: throws <see cref="ModelSignatureException"/> unless valid.</summary>
    public void ThrowIfInvalid()
    {
        if (!IsValid) throw new ModelSignatureException(this);
    }
}
