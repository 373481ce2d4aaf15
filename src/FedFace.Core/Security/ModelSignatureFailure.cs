namespace FedFace.Core.Security;

/// <summary>Why a site refuses a global model's signature.</summary>
public enum ModelSignatureFailure
{
    None,
    /// <summary>Fields missing or of the wrong size, or an unreadable certificate.</summary>
    Malformed,
    /// <summary>The signer's certificate is not the federation's aggregator: another CA, a site's, expired, or another name.</summary>
    SignerNotAggregator,
    /// <summary>The signature does not verify under the signer's key: the signed fields were altered, or it was never signed.</summary>
    BadSignature,
    FederationMismatch,
    VersionMismatch,
    RoundMismatch,
    /// <summary>A valid signature, but for a model with other content than the one downloaded.</summary>
    ModelHashMismatch,
}
