using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FedFace.Certs.Tests;
using FedFace.Core.Security;

namespace FedFace.Core.Tests.Security;

public sealed class ModelSignerTests : IDisposable
{
    private readonly TestPki _pki = new(sites: 1);
    private readonly ModelState _model = Models.Random(11, 0.5f, ("conv.weight", [8, 3, 3, 3]), ("bn.running_var", [8]));

    public void Dispose() => _pki.Dispose();

    [Fact]
    public void Signs_federation_version_round_and_model_hash_with_the_aggregator_key_in_P1363_form()
    {
        using X509Certificate2 aggregator = _pki.ModelSigning();
        using var signer = new ModelSigner(aggregator, "FedFace");

        ModelSignature signature = signer.Sign(_model, modelVersion: 7, round: 9);

        Assert.Equal("FedFace", signature.FederationName);
        Assert.Equal(7, signature.ModelVersion);
        Assert.Equal(9, signature.Round);
        Assert.Equal(_model.ComputeSha256(), signature.ModelSha256);
        Assert.Equal(aggregator.RawData, signature.SignerCertificate);
        Assert.Equal(64, signature.Signature.Length);
        using ECDsa publicKey = aggregator.GetECDsaPublicKey()!;
        byte[] signed = ModelSignature.SignedBytes("FedFace", 7, 9, _model.ComputeSha256());
        Assert.True(publicKey.VerifyData(signed, signature.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public void Every_signed_field_changes_the_signed_bytes()
    {
        byte[] hash = _model.ComputeSha256();
        byte[] reference = ModelSignature.SignedBytes("FedFace", 7, 9, hash);
        byte[] otherHash = (byte[])hash.Clone();
        otherHash[31] ^= 1;
        byte[][] variants =
        [
            ModelSignature.SignedBytes("FedFace2", 7, 9, hash),
            ModelSignature.SignedBytes("FedFace", 8, 9, hash),
            ModelSignature.SignedBytes("FedFace", 7, 8, hash),
            ModelSignature.SignedBytes("FedFace", 7, 9, otherHash),
        ];
        Assert.All(variants, v => Assert.NotEqual(reference, v));
        Assert.StartsWith("FedFace model signature v1\0", System.Text.Encoding.UTF8.GetString(reference));
        Assert.Throws<ArgumentException>(() => ModelSignature.SignedBytes("FedFace", 7, 9, hash.AsSpan(0, 31)));
    }

    [Fact]
    public void A_certificate_without_its_private_key_cannot_sign()
    {
        using X509Certificate2 publicOnly = FederationTrust.LoadCertificate(_pki.Layout.AggregatorCertificate);
        var error = Assert.Throws<ArgumentException>(() => new ModelSigner(publicOnly, "FedFace"));
        Assert.Contains("no ECDSA private key", error.Message);
    }

    [Fact]
    public void A_key_on_another_curve_is_refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var request = new CertificateRequest("CN=aggregator", key, HashAlgorithmName.SHA384);
        using X509Certificate2 p384 = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        var error = Assert.Throws<ArgumentException>(() => new ModelSigner(p384, "FedFace"));
        Assert.Contains("another curve than P-256", error.Message);
    }
}
