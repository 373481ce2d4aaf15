using System.Security.Cryptography.X509Certificates;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.Security;
using FedFace.Protocol;
using FedFace.Protocol.Storage;
using FedFace.Protos.V1;
using FedFace.Transport;
using Grpc.Core;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>Models and updates larger than gRPC's 4 MiB message limit cross the wire in chunks of at most 1 MiB.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class ModelTransferTests(TestFederation federation, ITestOutputHelper output)
{
    private const int MiB = 1 << 20;

    [Fact]
    public async Task A_model_larger_than_4_MiB_downloads_in_chunks_of_at_most_1_MiB_and_matches_its_hash()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("download");
        ModelState initial = TestModels.Large(seed: 8);
        Assert.True(initial.DataBytes > 4 * MiB);
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, initial)) { MinSites = 4 }, log);
        using var site = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, log.Factory(), exampleCount: 1);

        Download download = await site.DownloadAsync(version: 0).WaitAsync(Eventually.Patience);

        Assert.Equal(0, download.Header.ModelVersion);
        Assert.Equal(initial.DataBytes, download.Header.DataBytes);
        Assert.Equal(initial.ComputeSha256(), download.Header.Sha256.ToByteArray());
        Assert.Equal(initial.DataBytes, download.DataChunkBytes.Sum(b => (long)b));
        Assert.All(download.DataChunkBytes, bytes => Assert.InRange(bytes, 1, MiB));
        int chunk = TensorWire.DefaultChunkBytes;
        Assert.All(download.DataChunkBytes.SkipLast(1), bytes => Assert.Equal(chunk, bytes)); // full chunks, fewest messages
        Assert.Equal((int)Math.Ceiling(initial.DataBytes / (double)chunk), download.DataChunkBytes.Count);
        TestModels.AssertSameValues(initial, download.Model);
        Assert.Equal(TestModels.LargeLayout.Select(t => t.Name), download.Header.Tensors.Select(t => t.Name));
    }

    [Fact]
    public async Task Asking_for_a_model_version_that_is_not_served_gives_NotFound_naming_the_current_version()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("not-found");
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 9))) { MinSites = 4 }, log);
        using var site = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, log.Factory(), exampleCount: 1);

        RpcException notFound = await Assert.ThrowsAsync<RpcException>(() => site.DownloadAsync(version: 7).WaitAsync(Eventually.Patience));

        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
        Assert.Contains("model v7 is not served", notFound.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("the current global model is v0", notFound.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_update_larger_than_4_MiB_uploads_in_chunks_commits_and_the_previous_version_is_then_NotFound()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("upload");
        ModelState initial = TestModels.Large(seed: 10);
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, initial))
            {
                MinSites = 1,
                TotalRounds = 1,
            }, log);
        using var site = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, log.Factory(), exampleCount: 12);
        await site.JoinAsync().WaitAsync(Eventually.Patience);

        (RoundTask task, UploadReply reply) = await site.TakePartAsync().WaitAsync(Eventually.Patience);

        Assert.True(reply.Accepted, $"{reply.Rejection}: {reply.Reason}");
        SentUpdate sent = Assert.Single(site.Sent);
        Assert.True(TensorWire.DataChunks(sent.Delta).Count() > 4, "the update went in several chunks");
        FinishedRound finished = await aggregator.Rounds.WaitForRoundAsync(task.Round);
        Assert.True(finished.Summary.Committed, finished.Summary.Outcome);
        TestModels.AssertPreviousPlusWeightedMean(initial, [(sent.Delta, 12L)], finished.GlobalModel);
        Download v1 = await site.DownloadAsync(version: 1).WaitAsync(Eventually.Patience);
        TestModels.AssertSameValues(finished.GlobalModel, v1.Model);
        RpcException stale = await Assert.ThrowsAsync<RpcException>(() => site.DownloadAsync(version: 0).WaitAsync(Eventually.Patience));
        Assert.Equal(StatusCode.NotFound, stale.StatusCode);
        Assert.Contains("the current global model is v1", stale.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_site_refuses_to_load_a_non_finite_global_model_even_when_its_hash_matches_saying_why()
    {
        // A model committed by an aggregator from before the commit check: hash and signature valid, +Inf inside.
        ModelState poisoned = TestModels.Small(seed: 11);
        poisoned["fc.weight"].Values[5] = float.PositiveInfinity;
        await using ServedSite served = await ServeAsync("non-finite-download", poisoned);

        InvalidDataException refused = await Assert.ThrowsAsync<InvalidDataException>(async () => await DownloadAsync(served));

        Assert.Equal("model v0 is not finite (tensor 'fc.weight' holds Infinity at element 5); refusing to load it: training from it could only give NaN",
            refused.Message);
    }

    /// <summary>Someone who can write the aggregator's state directory, but holds no signing key, changes the signature served.</summary>
    public enum Tampering
    {
        SignatureBitFlipped,
        ValidSignatureOfAnotherModel,
    }

    /// <summary>
    /// Parse after verify: the signature in the header is checked before any data is read and the data's hash before any
    /// tensor is built, so a model the aggregator did not sign is refused, saying why, without its tensors ever being built.
    /// </summary>
    [Theory]
    [InlineData(Tampering.SignatureBitFlipped, ModelSignatureFailure.BadSignature, "the signature does not verify under the key of")]
    [InlineData(Tampering.ValidSignatureOfAnotherModel, ModelSignatureFailure.ModelHashMismatch, "the downloaded model has SHA-256")]
    public async Task A_model_whose_signature_does_not_check_out_is_refused_before_any_tensor_is_built(Tampering tampering,
        ModelSignatureFailure failure, string reason)
    {
        await using ServedSite served = await ServeAsync($"unsigned-download-{tampering}", TestModels.Small(seed: 12), store =>
            CommittedSignature.Replace(store, signature => tampering == Tampering.SignatureBitFlipped
                ? CommittedSignature.WithSignatureBitFlipped(signature)
                : CommittedSignature.SignWith(federation.Pki.ModelSigningCertificate, federation.Pki.ModelSigningKey, TestModels.Small(seed: 13), version: 0)));
        int assembled = 0;

        ModelSignatureException refused = await Assert.ThrowsAsync<ModelSignatureException>(async () => await DownloadAsync(served, () => assembled++));

        Assert.Equal(failure, refused.Check.Failure);
        Assert.StartsWith(reason, refused.Check.Reason, StringComparison.Ordinal);
        Assert.Equal(0, assembled);
    }

    [Fact]
    public async Task An_honestly_signed_model_is_verified_then_built_once_with_its_signature()
    {
        ModelState initial = TestModels.Large(seed: 14);
        await using ServedSite served = await ServeAsync("signed-download", initial);
        int assembled = 0;

        DownloadedModel downloaded = await DownloadAsync(served, () => assembled++);

        Assert.Equal(1, assembled);
        TestModels.AssertSameValues(initial, downloaded.Model);
        Assert.Equal(initial.ComputeSha256(), downloaded.Signature.ModelSha256);
        Assert.Equal((0L, 0L), (downloaded.Signature.ModelVersion, downloaded.Signature.Round));
    }

    /// <summary>
    /// An aggregator serving <paramref name="model"/> as v0, and site-01 holding its round-1 task; <paramref name="tamper"/>,
    /// when given, changes the committed state between a first start (which commits the signed v0) and the serving one.
    /// </summary>
    private async Task<ServedSite> ServeAsync(string name, ModelState model, Action<CheckpointStore>? tamper = null)
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace(name);
        var setup = new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, model)) { MinSites = 1 };
        if (tamper is not null)
        {
            await (await RunningAggregator.StartAsync(setup, log)).DisposeAsync();
            tamper(new CheckpointStore(setup.StateDirectory));
        }
        var served = new ServedSite(await RunningAggregator.StartAsync(setup, log), federation, log);
        try
        {
            await served.TakeTaskAsync();
            return served;
        }
        catch
        {
            await served.DisposeAsync();
            throw;
        }
    }

    /// <summary>The site's download, verifying against the test federation's CA and the aggregator's name, as a site does.</summary>
    private async Task<DownloadedModel> DownloadAsync(ServedSite served, Action? assembling = null)
    {
        using X509Certificate2 ca = FederationTrust.LoadCertificate(federation.Pki.CaCertificate);
        var verifier = new ModelSignatureVerifier(ca, "FedFace-Test", "localhost");
        return await ModelTransfer.DownloadAsync(served.Site.Client, served.Assigned, maxModelBytes: 64 * MiB, verifier, CancellationToken.None, assembling)
            .AsTask().WaitAsync(Eventually.Patience);
    }

    private sealed class ServedSite(RunningAggregator aggregator, TestFederation federation, CapturedLog log) : IAsyncDisposable
    {
        public SyntheticSite Site { get; } = new("site-01", federation.Pki, aggregator.Uri, log.Factory(), exampleCount: 1);

        public RoundTask Assigned { get; private set; } = new();

        public async Task TakeTaskAsync() => Assigned = await Site.NextTaskAsync().WaitAsync(Eventually.Patience);

        public async ValueTask DisposeAsync()
        {
            Site.Dispose();
            await aggregator.DisposeAsync();
        }
    }
}
