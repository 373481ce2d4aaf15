namespace FedFace.Core.Security;

/// <summary>A global model was refused because its signature did not check out; the site must not load it.</summary>
public sealed class ModelSignatureException(ModelSignatureCheck check)
    : Exception($"refusing the global model: {check.Reason} ({check.Failure})")
{
    public ModelSignatureCheck Check { get; } = check;
}
