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

    /// <param name="aggregatorCertificate">The model-signing certificate with its ECDSA P-256 private key.</param>
    public ModelSigner(X509Certificate2 aggregatorCertificate, string federationName)
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
    }

    public string FederationName { get; }

    /// <summary>Was <paramref name="signature"/> made with this signer's certificate (rather than an earlier key)?</summary>
    public bool IsSignerOf(ModelSignature signature) => signature.SignerCertificate.AsSpan().SequenceEqual(_certificate);

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
