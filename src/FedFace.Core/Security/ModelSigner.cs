using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FedFace.Core.Security;

/// <summary>
/// The aggregator's side of invariant 5: signs every global model it publishes with the key of its model-signing
/// certificate (the aggregator checks that certificate's usage when it loads it; sites check it on every model).
/// </summary>
public sealed class ModelSigner : IDisposable
{
    private readonly ECDsa _key;
    private readonly byte[] _certificate;
    private readonly X509Certificate2? _formerCertificate;

    /// <param name="aggregatorCertificate">The model-signing certificate with its ECDSA P-256 private key.</param>
    /// <param name="formerCertificate">The certificate whose key signed models before this one (the aggregator's TLS certificate), if any.</param>
    public ModelSigner(X509Certificate2 aggregatorCertificate, string federationName, X509Certificate2? formerCertificate = null)
    {
        ArgumentNullException.ThrowIfNull(aggregatorCertificate);
        ArgumentException.ThrowIfNullOrWhiteSpace(federationName);
        ECDsa key = aggregatorCertificate.GetECDsaPrivateKey()
            ?? throw new ArgumentException($"certificate '{aggregatorCertificate.Subject}' has no ECDSA private key to sign models with", nameof(aggregatorCertificate));
        if (!EcdsaP256.IsP256(key))
        {
            key.Dispose();
            throw new ArgumentException($"certificate '{aggregatorCertificate.Subject}' has an ECDSA key on another curve than P-256", nameof(aggregatorCertificate));
        }
        _key = key;
        _certificate = aggregatorCertificate.RawData;
        FederationName = federationName;
        _formerCertificate = formerCertificate;
    }

    public string FederationName { get; }

    /// <summary>
    /// Did the former key validly sign exactly this model for this federation? Only then may the aggregator sign it again
    /// with its own key: anyone else's signature in the state directory stays as it is, for sites to refuse.
    /// </summary>
    public bool SignedWithFormerKey(ModelSignature signature, ReadOnlySpan<byte> modelSha256)
    {
        ArgumentNullException.ThrowIfNull(signature);
        if (_formerCertificate is null || signature.SignerCertificate is null || signature.Signature is not { Length: ModelSignature.SignatureBytes }
            || signature.ModelSha256 is not { Length: ModelSignature.Sha256Bytes } || signature.FederationName != FederationName
            || !signature.SignerCertificate.AsSpan().SequenceEqual(_formerCertificate.RawData) || !modelSha256.SequenceEqual(signature.ModelSha256))
            return false;
        using ECDsa? key = _formerCertificate.GetECDsaPublicKey();
        return key is not null && EcdsaP256.IsP256(key) && EcdsaP256.Verify(key, signature.SignedBytes(), signature.Signature);
    }

    public ModelSignature Sign(ModelState model, long modelVersion, long round)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Sign(model.ComputeSha256(), modelVersion, round);
    }

    /// <summary>Signs a model known by its hash (the aggregator computes it once per commit anyway).</summary>
    public ModelSignature Sign(ReadOnlySpan<byte> modelSha256, long modelVersion, long round)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(modelVersion);
        ArgumentOutOfRangeException.ThrowIfNegative(round);
        byte[] payload = ModelSignature.SignedBytes(FederationName, modelVersion, round, modelSha256);
        return new ModelSignature(FederationName, modelVersion, round, modelSha256.ToArray(), EcdsaP256.Sign(_key, payload), (byte[])_certificate.Clone());
    }

    public void Dispose() => _key.Dispose();
}
