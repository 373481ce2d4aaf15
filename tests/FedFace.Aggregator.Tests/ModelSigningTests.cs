using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.Security;
using FedFace.Core.Storage;
using FedFace.Protocol;
using FedFace.Protocol.Storage;
using FedFace.Protos.V1;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>Invariant 5, the aggregator's half: every model it serves comes with its signature over federation, version, round and hash.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class ModelSigningTests(TestFederation federation, ITestOutputHelper output)
{
    [Fact]
    public async Task Every_published_model_from_version_0_on_is_served_signed_by_the_aggregator_and_a_restarted_aggregator_serves_the_same_signature()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("signing");
        string stateDirectory = Path.Combine(workspace, "state");
        var setup = new AggregatorSetup(federation.Pki, stateDirectory, TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 21)))
        {
            MinSites = 2,
            TotalRounds = 2,
        };
        using X509Certificate2 ca = FederationTrust.LoadCertificate(federation.Pki.CaCertificate);
        var verifier = new ModelSignatureVerifier(ca, "FedFace-Test", "localhost");

        GlobalModelSignature servedV1;
        await using (RunningAggregator first = await RunningAggregator.StartAsync(setup, log))
        {
            using var site1 = new SyntheticSite("site-01", federation.Pki, first.Uri, log.Factory(), exampleCount: 10);
            using var site2 = new SyntheticSite("site-02", federation.Pki, first.Uri, log.Factory(), exampleCount: 20);
            Download v0 = await site1.DownloadAsync(version: 0).WaitAsync(Eventually.Patience);
            AssertVerifies(verifier, v0, version: 0, round: 0);

            (RoundTask Task, UploadReply Reply)[] round1 = await Task.WhenAll(site1.TakePartAsync(), site2.TakePartAsync()).WaitAsync(Eventually.Patience);
            Assert.All(round1, r => Assert.Equal(0L, r.Task.ModelRound));
            Assert.True((await first.Rounds.WaitForRoundAsync(1)).Summary.Committed);

            Download v1 = await site1.DownloadAsync(version: 1).WaitAsync(Eventually.Patience);
            AssertVerifies(verifier, v1, version: 1, round: 1);
            Assert.Equal(1L, (await site1.NextTaskAsync(minRound: 2).WaitAsync(Eventually.Patience)).ModelRound);
            servedV1 = v1.Header.Signature;
        }
        (CommittedState state, _, _) = new CheckpointStore(stateDirectory).Load();
        Assert.Equal(servedV1, ModelSignatureWire.ToWire(state.Signature!));

        await using RunningAggregator second = await RunningAggregator.StartAsync(setup, log);
        using var again = new SyntheticSite("site-01", federation.Pki, second.Uri, log.Factory(), exampleCount: 10);
        Download afterRestart = await again.DownloadAsync(version: 1).WaitAsync(Eventually.Patience);
        Assert.Equal(servedV1, afterRestart.Header.Signature);
        AssertVerifies(verifier, afterRestart, version: 1, round: 1);
    }

    /// <summary>
    /// Migration: state committed when the TLS key signed models. Sites refuse such a signature, so the restarted
    /// aggregator signs the committed model again with its model-signing key, and says so.
    /// </summary>
    [Fact]
    public async Task A_committed_model_signed_with_the_TLS_key_is_served_signed_again_with_the_model_signing_key()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("signed-by-tls-key");
        ModelState initial = TestModels.Small(seed: 22);
        var setup = new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, initial))
        {
            MinSites = 2,
            TotalRounds = 1,
        };
        await (await RunningAggregator.StartAsync(setup, log)).DisposeAsync(); // commits the signed v0
        var store = new CheckpointStore(setup.StateDirectory);
        JsonNode state = JsonNode.Parse(File.ReadAllText(store.StatePath))!;
        using (X509Certificate2 tls = FederationTrust.LoadCertificateWithKey(federation.Pki.AggregatorCertificate, federation.Pki.AggregatorKey))
        using (var oldSigner = new ModelSigner(tls, "FedFace-Test"))
        {
            state["Signature"] = JsonSerializer.SerializeToNode(oldSigner.Sign(initial, modelVersion: 0, round: 0));
        }
        File.WriteAllText(store.StatePath, state.ToJsonString());
        using X509Certificate2 ca = FederationTrust.LoadCertificate(federation.Pki.CaCertificate);
        var verifier = new ModelSignatureVerifier(ca, "FedFace-Test", "localhost");

        await using RunningAggregator restarted = await RunningAggregator.StartAsync(setup, log);
        using var site = new SyntheticSite("site-01", federation.Pki, restarted.Uri, log.Factory(), exampleCount: 10);
        Download served = await site.DownloadAsync(version: 0).WaitAsync(Eventually.Patience);

        AssertVerifies(verifier, served, version: 0, round: 0);
        await log.WaitForAsync("has a signature by its TLS key; signing it now with the model-signing key", Eventually.Patience, "FedFace.Aggregator");
    }

    private static void AssertVerifies(ModelSignatureVerifier verifier, Download download, long version, long round)
    {
        ModelSignature? signature = ModelSignatureWire.FromWire(download.Header.Signature);
        Assert.NotNull(signature);
        ModelSignatureCheck check = verifier.Verify(signature, download.Model, version, round);
        Assert.True(check.IsValid, $"v{version}: {check.Failure}: {check.Reason}");
    }
}
