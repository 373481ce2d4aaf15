using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FedFace.Core.Security;

/// <summary>
/// The site's side of invariant 5: a global model is loaded only if the federation's aggregator signed exactly this
/// model, for this federation, version and round. Checks run in order of trust: the signer first (its certificate
/// chains to the federation CA, carries the federation's model-signing usage and no TLS usage, and, when configured, the
/// aggregator's name), then the signature, and only then the signed claims against what the site expected and downloaded.
/// </summary>
public sealed class ModelSignatureVerifier
{
    private readonly X509Certificate2 _federationCa;
    private readonly string _federationName;
    private readonly string? _aggregatorName;

    /// <param name="federationCa">The federation CA, the only root trusted.</param>
    /// <param name="federationName">The federation the site joined (the Join reply names it).</param>
    /// <param name="aggregatorName">
    /// A DNS name or IP address the model-signing certificate must list (for example the host the site dials); null
    /// accepts any model-signing certificate of the federation. TLS certificates, the aggregator's or a site's, never
    /// qualify: they lack the model-signing usage.
    /// </param>
    public ModelSignatureVerifier(X509Certificate2 federationCa, string federationName, string? aggregatorName = null)
    {
        ArgumentNullException.ThrowIfNull(federationCa);
        ArgumentException.ThrowIfNullOrWhiteSpace(federationName);
        _federationCa = federationCa;
        _federationName = federationName;
        _aggregatorName = aggregatorName;
    }

    public ModelSignatureCheck Verify(ModelSignature signature, ModelState model, long expectedVersion, long? expectedRound = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Verify(signature, model.ComputeSha256(), expectedVersion, expectedRound);
    }

    /// <param name="modelSha256">The hash of the model as downloaded (computed by the site, never taken from the wire).</param>
    /// <param name="expectedRound">The round that committed the version, when the site knows it; null skips that check.</param>
    public ModelSignatureCheck Verify(ModelSignature signature, ReadOnlySpan<byte> modelSha256, long expectedVersion, long? expectedRound = null)
    {
        ArgumentNullException.ThrowIfNull(signature);
        if (signature.FederationName is null || signature.ModelSha256 is not { Length: ModelSignature.Sha256Bytes }
            || signature.Signature is not { Length: ModelSignature.SignatureBytes } || signature.SignerCertificate is not { Length: > 0 })
            return Refuse(ModelSignatureFailure.Malformed, $"the signature record is incomplete (a {ModelSignature.Sha256Bytes}-byte hash, a {ModelSignature.SignatureBytes}-byte P1363 signature and the signer's certificate are required)");

        X509Certificate2 signer;
        try
        {
            signer = X509CertificateLoader.LoadCertificate(signature.SignerCertificate);
        }
        catch (CryptographicException e)
        {
            return Refuse(ModelSignatureFailure.Malformed, $"the signer's certificate is unreadable ({e.Message})");
        }
        using (signer)
        {
            ModelSignatureCheck signerCheck = CheckSigner(signer, out ECDsa? key);
            if (!signerCheck.IsValid) return signerCheck;
            using (key)
            {
                if (!EcdsaP256.Verify(key!, signature.SignedBytes(), signature.Signature))
                    return Refuse(ModelSignatureFailure.BadSignature, $"the signature does not verify under the key of '{signer.Subject}': the signed fields were altered or were never signed by it");
            }
        }
        return CheckClaims(signature, modelSha256, expectedVersion, expectedRound);
    }

    private ModelSignatureCheck CheckSigner(X509Certificate2 signer, out ECDsa? key)
    {
        key = null;
        if (!FederationTrust.TryValidateModelSigningCertificate(signer, _federationCa, out string reason))
            return Refuse(ModelSignatureFailure.SignerNotAggregator, $"the signer is not the federation's aggregator: {reason}");
        if (_aggregatorName is not null && !NamesOf(signer).Contains(Normalise(_aggregatorName), StringComparer.OrdinalIgnoreCase))
            return Refuse(ModelSignatureFailure.SignerNotAggregator, $"the signer '{signer.Subject}' is not the aggregator '{_aggregatorName}' (its certificate does not list that name)");
        key = signer.GetECDsaPublicKey();
        if (key is null || !EcdsaP256.IsP256(key))
        {
            key?.Dispose();
            key = null;
            return Refuse(ModelSignatureFailure.SignerNotAggregator, $"the signer '{signer.Subject}' has no ECDSA P-256 key");
        }
        return ModelSignatureCheck.Valid;
    }

    private ModelSignatureCheck CheckClaims(ModelSignature signature, ReadOnlySpan<byte> modelSha256, long expectedVersion, long? expectedRound)
    {
        if (!string.Equals(signature.FederationName, _federationName, StringComparison.Ordinal))
            return Refuse(ModelSignatureFailure.FederationMismatch, $"the model was signed for federation '{signature.FederationName}', not '{_federationName}'");
        if (signature.ModelVersion != expectedVersion)
            return Refuse(ModelSignatureFailure.VersionMismatch, $"the signature is for model v{signature.ModelVersion}, but v{expectedVersion} was expected (a replayed signature?)");
        if (expectedRound is long round && signature.Round != round)
            return Refuse(ModelSignatureFailure.RoundMismatch, $"the signature is for a model committed in round {signature.Round}, but round {round} was expected");
        if (!modelSha256.SequenceEqual(signature.ModelSha256))
            return Refuse(ModelSignatureFailure.ModelHashMismatch,
                $"the downloaded model has SHA-256 {Convert.ToHexStringLower(modelSha256)}, but the aggregator signed {Convert.ToHexStringLower(signature.ModelSha256)}");
        return ModelSignatureCheck.Valid;
    }

    private static IEnumerable<string> NamesOf(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(san => san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(a => a.ToString())));

    private static string Normalise(string name) => IPAddress.TryParse(name, out IPAddress? address) ? address.ToString() : name;

    private static ModelSignatureCheck Refuse(ModelSignatureFailure failure, string reason) => new(failure, reason);
}
