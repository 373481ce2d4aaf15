using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using FedFace.Certs.Tests;
using FedFace.Core.Security;

namespace FedFace.Core.Tests.Security;

/// <summary>A site's verdict on a model signature: the good one passes, every forgery or mix-up is refused with its reason.</summary>
public sealed class ModelSignatureVerifierTests : IDisposable
{
    private const long Version = 12, Round = 14;

    private readonly TestPki _pki = new(sites: 1);
    private readonly TestPki _otherFederation = new(sites: 1);
    private readonly ModelState _model = Models.Random(5, 0.5f, ("conv.weight", [16, 3, 3, 3]), ("fc.weight", [10, 16]));
    private readonly ModelSignatureVerifier _verifier;

    public ModelSignatureVerifierTests()
    {
        _verifier = new ModelSignatureVerifier(_pki.Ca, "FedFace");
    }

    public void Dispose()
    {
        _pki.Dispose();
        _otherFederation.Dispose();
    }

    private static ModelSignature SignWith(X509Certificate2 certificate, ModelState model, long version = Version, long round = Round, string federation = "FedFace")
    {
        using (certificate)
        using (var signer = new ModelSigner(certificate, federation))
            return signer.Sign(model, version, round);
    }

    private ModelSignature Good() => SignWith(_pki.ModelSigning(), _model);

    [Fact]
    public void The_aggregators_signature_of_this_model_passes()
    {
        ModelSignature signature = Good();
        Assert.Equal(ModelSignatureCheck.Valid, _verifier.Verify(signature, _model, Version, Round));
        Assert.True(_verifier.Verify(signature, _model, Version).IsValid); // round unknown to the site
        Assert.True(new ModelSignatureVerifier(_pki.Ca, "FedFace", aggregatorName: "localhost").Verify(signature, _model, Version).IsValid);
        Assert.True(new ModelSignatureVerifier(_pki.Ca, "FedFace", aggregatorName: "::1").Verify(signature, _model, Version).IsValid);
    }

    [Fact]
    public void A_signature_survives_a_trip_through_JSON()
    {
        ModelSignature copy = JsonSerializer.Deserialize<ModelSignature>(JsonSerializer.Serialize(Good()))!;
        Assert.True(_verifier.Verify(copy, _model, Version, Round).IsValid);
    }

    [Fact]
    public void A_flipped_byte_of_the_signed_hash_breaks_the_signature()
    {
        ModelSignature good = Good();
        byte[] hash = (byte[])good.ModelSha256.Clone();
        hash[0] ^= 0x01;
        var forged = new ModelSignature(good.FederationName, good.ModelVersion, good.Round, hash, good.Signature, good.SignerCertificate);

        ModelSignatureCheck check = _verifier.Verify(forged, hash, Version, Round); // even when the model matches the forged hash
        Assert.Equal(ModelSignatureFailure.BadSignature, check.Failure);
        Assert.Contains("does not verify under the key of 'CN=aggregator model signing, O=FedFace'", check.Reason);
    }

    [Fact]
    public void A_model_altered_after_signing_is_refused_by_its_hash()
    {
        ModelSignature signature = Good();
        ModelState tampered = _model.Clone();
        tampered["fc.weight"].Values[3] += 1e-3f;

        ModelSignatureCheck check = _verifier.Verify(signature, tampered, Version, Round);
        Assert.Equal(ModelSignatureFailure.ModelHashMismatch, check.Failure);
        Assert.Contains($"the aggregator signed {_model.ComputeSha256Hex()}", check.Reason);
    }

    [Fact]
    public void Another_federations_aggregator_is_not_ours()
    {
        ModelSignature signature = SignWith(_otherFederation.ModelSigning(), _model);
        ModelSignatureCheck check = _verifier.Verify(signature, _model, Version, Round);
        Assert.Equal(ModelSignatureFailure.SignerNotAggregator, check.Failure);
        Assert.Contains("was not issued by the federation CA", check.Reason);
    }

    /// <summary>TLS certificates of the federation, which must never pass for a model signer.</summary>
    public enum TlsSigner
    {
        Site,
        Aggregator,
    }

    /// <summary>One key, one purpose: what a TLS key signs (a site's, or the aggregator's own) never passes for a model signature.</summary>
    [Theory]
    [InlineData(TlsSigner.Site)]
    [InlineData(TlsSigner.Aggregator)]
    public void A_TLS_certificate_cannot_sign_models_not_even_the_aggregators(TlsSigner tls)
    {
        ModelSignature signature = SignWith(tls == TlsSigner.Site ? _pki.Site("site-01") : _pki.Aggregator(), _model);
        ModelSignatureCheck check = _verifier.Verify(signature, _model, Version, Round);
        Assert.Equal(ModelSignatureFailure.SignerNotAggregator, check.Failure);
        Assert.Contains("is not the federation's model-signing certificate (no FedFace model-signing extended key usage)", check.Reason);
    }

    [Fact]
    public void A_signature_replayed_for_another_version_or_round_is_refused()
    {
        ModelSignature oldSignature = SignWith(_pki.ModelSigning(), _model, version: Version - 1, round: Round - 1);

        ModelSignatureCheck version = _verifier.Verify(oldSignature, _model, Version, Round);
        Assert.Equal(ModelSignatureFailure.VersionMismatch, version.Failure);
        Assert.Contains("for model v11, but v12 was expected", version.Reason);

        ModelSignatureCheck round = _verifier.Verify(oldSignature, _model, Version - 1, Round);
        Assert.Equal(ModelSignatureFailure.RoundMismatch, round.Failure);
    }

    [Fact]
    public void A_signature_for_another_federation_name_is_refused()
    {
        ModelSignature signature = SignWith(_pki.ModelSigning(), _model, federation: "FedFace-Staging");
        Assert.Equal(ModelSignatureFailure.FederationMismatch, _verifier.Verify(signature, _model, Version, Round).Failure);
    }

    [Fact]
    public void An_aggregator_certificate_without_the_configured_name_is_refused()
    {
        var verifier = new ModelSignatureVerifier(_pki.Ca, "FedFace", aggregatorName: "fl.example.org");
        ModelSignatureCheck check = verifier.Verify(Good(), _model, Version, Round);
        Assert.Equal(ModelSignatureFailure.SignerNotAggregator, check.Failure);
        Assert.Contains("is not the aggregator 'fl.example.org'", check.Reason);
    }

    [Fact]
    public void Incomplete_records_are_malformed_and_refusals_throw_with_their_reason()
    {
        ModelSignature good = Good();
        var truncated = new ModelSignature(good.FederationName, good.ModelVersion, good.Round, good.ModelSha256, good.Signature[..63], good.SignerCertificate);
        ModelSignatureCheck check = _verifier.Verify(truncated, _model, Version, Round);
        Assert.Equal(ModelSignatureFailure.Malformed, check.Failure);

        var garbage = new ModelSignature(good.FederationName, good.ModelVersion, good.Round, good.ModelSha256, good.Signature, [1, 2, 3]);
        Assert.Equal(ModelSignatureFailure.Malformed, _verifier.Verify(garbage, _model, Version, Round).Failure);

        var error = Assert.Throws<ModelSignatureException>(() => check.ThrowIfInvalid());
        Assert.Same(check, error.Check);
        Assert.StartsWith("refusing the global model: the signature record is incomplete", error.Message);
        _verifier.Verify(good, _model, Version, Round).ThrowIfInvalid(); // valid: no exception
    }
}
