using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FedFace.Aggregator.SecureAggregation;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.SecureAggregation;
using FedFace.Core.Security;
using FedFace.Core.Storage;
using FedFace.Protocol;
using FedFace.Protocol.Storage;
using FedFace.Protos.V1;
using FedFace.Transport.SecureAggregation;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>
/// Secure rounds end to end over the real aggregator (Kestrel, mutual TLS, gRPC): the five SecAgg+ stages, dropouts at
/// every stage, an abort, and messages in another site's name. Synthetic sites, so the aggregate can be recomputed.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class SecureAggregationOverTheWireTests(TestFederation federation, ITestOutputHelper output)
{
    /// <summary>Short stage deadlines: a test that waits for one waits seconds, not minutes.</summary>
    private const int AdvertiseKeysSeconds = 4, ShareKeysSeconds = 4, RoundDeadlineSeconds = 12, ConsistencyCheckSeconds = 4, UnmaskSeconds = 4;

    private static SecureAggregationOptions Secure => new()
    {
        Enabled = true,
        AdvertiseKeysSeconds = AdvertiseKeysSeconds,
        ShareKeysSeconds = ShareKeysSeconds,
        ConsistencyCheckSeconds = ConsistencyCheckSeconds,
        UnmaskSeconds = UnmaskSeconds,
    };

    [Fact]
    public async Task A_secure_round_commits_the_model_a_plain_round_of_the_same_deltas_commits_within_the_quantization_bound_and_refuses_plain_updates()
    {
        ModelState initial = TestModels.Small(seed: 5);
        long[] examples = [120, 35, 800];
        UploadReply? plainUpdateInSecureRound = null;

        FinishedRound plain = await OneRoundAsync("plain", initial, examples, secure: null, async (sites, _) =>
            await Task.WhenAll(sites.Select(s => s.TakePartAsync())));
        FinishedRound secure = await OneRoundAsync("secure", initial, examples, Secure, async (sites, _) =>
        {
            // site-01 first tries a plain update, as an old client would: refused unread.
            var tryPlain = new StageHook(SecAggStage.MaskedInput, async round =>
            {
                RoundTask task = new() { Round = round, ModelVersion = 0 };
                ModelState delta = sites[0].DeltaFor(round, initial);
                plainUpdateInSecureRound = await sites[0].SendAsync(sites[0].HeaderFor(task, delta), TensorWire.DataChunks(delta));
            });
            (RoundTask Task, SecAggEnd End)[] ends = await Task.WhenAll(sites.Select((s, i) => s.TakePartSecurelyAsync(observer: i == 0 ? tryPlain : null)));
            Assert.All(ends, e => Assert.True(e.End.InputIncluded, e.End.Description));
        });

        Assert.True(secure.Summary.Committed, secure.Summary.Outcome);
        Assert.Equal(plain.Summary.AcceptedSites, secure.Summary.AcceptedSites);
        Assert.Equal(plain.Summary.TotalExamples, secure.Summary.TotalExamples);
        Assert.Equal("3→3→3→3→3", secure.Summary.SecureAggregation!.Survivors);
        Assert.Null(plain.Summary.SecureAggregation);
        AssertWithinOneQuantizationStep(plain.GlobalModel, secure.GlobalModel, sites: 3);
        Assert.NotNull(plainUpdateInSecureRound);
        Assert.False(plainUpdateInSecureRound.Accepted);
        Assert.Equal(RejectionCode.SecureAggregationRequired, plainUpdateInSecureRound.Rejection);
    }

    [Fact]
    public async Task Sites_vanishing_after_advertising_after_sharing_and_after_sending_their_masked_input_leave_the_survivors_sum_committed()
    {
        string workspace = federation.Workspace("secure-dropouts");
        ModelState initial = TestModels.Small(seed: 6);
        var log = new CapturedLog(output);
        // All eight sampled (pre-joined), and a quorum the five full survivors meet.
        await using RunningAggregator aggregator = await StartAsync(workspace, initial, minSites: 5, log, Secure, preJoined: TestFederation.AllSiteIds);
        using var metrics = new MeasurementRecorder(aggregator.App.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        SyntheticSite[] sites = Sites(TestFederation.AllSiteIds, [.. TestFederation.AllSiteIds.Select((_, i) => 40L + 25 * i)], aggregator, log);
        // site-06 vanishes after advertising its keys, site-07 after sharing them, site-08 after sending its masked input.
        var vanishing = new Dictionary<string, SecAggStage> { ["site-06"] = SecAggStage.ShareKeys, ["site-07"] = SecAggStage.MaskedInput, ["site-08"] = SecAggStage.Unmask };
        try
        {
            await Task.WhenAll(sites.Select(s => s.JoinAsync())).WaitAsync(Eventually.Patience);
            Task<(RoundTask Task, SecAggEnd End)>[] rounds = [.. sites.Select(site =>
            {
                var gone = new CancellationTokenSource();
                return site.TakePartSecurelyAsync(observer: vanishing.TryGetValue(site.SiteId, out SecAggStage stage) ? StageHook.Vanish(stage, gone) : null,
                    cancellationToken: gone.Token);
            })];
            FinishedRound finished = await aggregator.Rounds.WaitForRoundAsync(1, TimeSpan.FromSeconds(RoundDeadlineSeconds + ConsistencyCheckSeconds + UnmaskSeconds) + Eventually.Patience);

            RoundSummary summary = finished.Summary;
            Assert.True(summary.Committed, summary.Outcome);
            Assert.Equal("8→7→6→6→5", summary.SecureAggregation!.Survivors);
            string[] contributors = ["site-01", "site-02", "site-03", "site-04", "site-05", "site-08"];
            Assert.Equal(contributors, summary.AcceptedSites);
            // Only the sum was seen, and it counts as one accepted update per contributor.
            Assert.Equal(contributors.Length, metrics.Of("fedface.aggregator.updates.accepted").Sum(m => m.Value));
            SyntheticSite[] contributing = [.. sites.Where(s => contributors.Contains(s.SiteId))];
            Assert.Equal(contributing.Sum(s => s.ExampleCount), summary.TotalExamples);
            // The survivors' weighted mean within one quantization step; one more site would move it by ~1e-2.
            TestModels.AssertPreviousPlusWeightedMean(initial, [.. contributing.Select(s => (s.DeltaFor(1, initial), s.ExampleCount))], finished.GlobalModel,
                tolerance: QuantizationStep(sites: 8) + 1e-6);
            for (int i = 0; i < sites.Length; i++)
            {
                if (vanishing.ContainsKey(sites[i].SiteId))
                {
                    // Cancelled: in the stage hook, or in a gRPC call still under way when it fired.
                    Exception gone = await Assert.ThrowsAnyAsync<Exception>(() => rounds[i]);
                    Assert.True(gone is OperationCanceledException or Grpc.Core.RpcException { StatusCode: Grpc.Core.StatusCode.Cancelled }, gone.ToString());
                }
                else
                {
                    SecAggEnd end = (await rounds[i]).End;
                    Assert.True(end.InputIncluded, end.Description);
                }
            }
        }
        finally
        {
            Array.ForEach(sites, s => s.Dispose());
        }
    }

    [Fact]
    public async Task A_masked_input_stream_still_open_when_its_stage_closes_is_cut_and_the_round_commits_the_others()
    {
        string workspace = federation.Workspace("secure-held-masked-input");
        ModelState initial = TestModels.Small(seed: 9);
        var log = new CapturedLog(output);
        await using RunningAggregator aggregator = await StartAsync(workspace, initial, minSites: 3, log, Secure, preJoined: TestFederation.SiteIds);
        SyntheticSite[] sites = Sites(TestFederation.SiteIds, [30, 40, 50, 60], aggregator, log);
        AsyncClientStreamingCall<SecAggMaskedInputChunk, SecAggReceipt>? held = null;
        try
        {
            await Task.WhenAll(sites.Select(s => s.JoinAsync())).WaitAsync(Eventually.Patience);
            // site-04 opens its masked-input stream, sends a little of it and holds it open; its own client goes no further.
            using var gone = new CancellationTokenSource();
            var hold = new StageHook(SecAggStage.MaskedInput, async round =>
            {
                held = await HeldUploadTests.HoldMaskedInputAsync(sites[3], aggregator, round, ByteString.CopyFrom(new byte[1024]));
                await gone.CancelAsync();
            });
            Task<(RoundTask Task, SecAggEnd End)>[] rounds = [.. sites.Select((site, i) =>
                site.TakePartSecurelyAsync(observer: i == 3 ? hold : null, cancellationToken: i == 3 ? gone.Token : CancellationToken.None))];
            await Eventually.TrueAsync(() => held is not null && aggregator.Uploads.OpenCount == 1, Eventually.Patience, () => "site-04 never held its stream open");

            // The stage closes at the round's deadline without site-04; its stream is cut then, with a refusal that says why.
            SecAggReceipt cut = await held!.ResponseAsync.WaitAsync(TimeSpan.FromSeconds(RoundDeadlineSeconds) + Eventually.Patience);
            Assert.False(cut.Accepted);
            Assert.Equal("the masked-input stage of round 1 closed before the masked input's data was complete", cut.Reason);
            Assert.Single(log.Matching("Refused a secure-aggregation message from site-04: the masked-input stage of round 1 closed", "FedFace.Aggregator"));
            await Eventually.TrueAsync(() => aggregator.Uploads.OpenCount == 0 && aggregator.Uploads.BufferedBytes == 0, Eventually.Patience,
                () => $"{aggregator.Uploads.OpenCount} streams still open holding {aggregator.Uploads.BufferedBytes} bytes");

            FinishedRound finished = await aggregator.Rounds.WaitForRoundAsync(1, TimeSpan.FromSeconds(ConsistencyCheckSeconds + UnmaskSeconds) + Eventually.Patience);
            Assert.True(finished.Summary.Committed, finished.Summary.Outcome);
            Assert.Equal("4→4→3→3→3", finished.Summary.SecureAggregation!.Survivors);
            Assert.Equal(["site-01", "site-02", "site-03"], finished.Summary.AcceptedSites);
            foreach (Task<(RoundTask Task, SecAggEnd End)> included in rounds[..3])
            {
                SecAggEnd end = (await included.WaitAsync(Eventually.Patience)).End;
                Assert.True(end.InputIncluded, end.Description);
            }
            // Cancelled: in the stage hook, or in a gRPC call still under way when it fired.
            Exception left = await Assert.ThrowsAnyAsync<Exception>(() => rounds[3]);
            Assert.True(left is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled }, left.ToString());
        }
        finally
        {
            held?.Dispose();
            Array.ForEach(sites, s => s.Dispose());
        }
    }

    [Fact]
    public async Task Too_many_sites_leaving_aborts_the_round_with_nothing_committed_the_others_are_told_and_the_next_round_opens()
    {
        string workspace = federation.Workspace("secure-abort");
        ModelState initial = TestModels.Small(seed: 7);
        var log = new CapturedLog(output);
        await using RunningAggregator aggregator = await StartAsync(workspace, initial, minSites: 4, log, Secure);
        using var metrics = new MeasurementRecorder(aggregator.App.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        SyntheticSite[] sites = Sites(TestFederation.SiteIds, [10, 20, 30, 40], aggregator, log);
        try
        {
            await Task.WhenAll(sites.Select(s => s.JoinAsync())).WaitAsync(Eventually.Patience);
            // Four sites: each has 3 neighbours and needs t = 2. With two gone after advertising, no one keeps 2 sharing neighbours.
            Task<(RoundTask Task, SecAggEnd End)>[] rounds = [.. sites.Select((site, i) =>
            {
                var gone = new CancellationTokenSource();
                StageHook? leave = i < 2 ? null : new StageHook(SecAggStage.ShareKeys, async round =>
                {
                    await site.SecAgg.SecAggLeaveAsync(new SecAggLeaveRequest { ProtocolVersion = SyntheticSite.Protocol, Round = round, Reason = "shutting down" });
                    await gone.CancelAsync();
                });
                return site.TakePartSecurelyAsync(observer: leave, cancellationToken: gone.Token);
            })];
            FinishedRound finished = await aggregator.Rounds.WaitForRoundAsync(1);

            Assert.False(finished.Summary.Committed);
            Assert.Contains("aborted", finished.Summary.Outcome, StringComparison.Ordinal);
            Assert.Contains("ShareKeys", finished.Summary.SecureAggregation!.AbortReason, StringComparison.Ordinal);
            Assert.Equal("4→2", finished.Summary.SecureAggregation.Survivors);
            Assert.Equal("collection_failed", Assert.Single(metrics.Of("fedface.aggregator.rounds.aborted")).Tags["reason"]);
            Assert.Equal((0L, 0L), (aggregator.Coordinator.ModelVersion, aggregator.Coordinator.CommittedRound));
            Assert.Equal(0, new CheckpointStore(Path.Combine(workspace, "state")).Load().State.ModelVersion);
            foreach (Task<(RoundTask Task, SecAggEnd End)> told in rounds[..2])
            {
                SecAggEnd end = (await told.WaitAsync(Eventually.Patience)).End;
                Assert.False(end.InputIncluded);
                Assert.Contains("aborted", end.Description, StringComparison.Ordinal);
            }
            RoundTask next = await sites[0].NextTaskAsync(minRound: 2);
            Assert.Equal((2L, 0L), (next.Round, next.ModelVersion));
            Assert.NotNull(next.SecureAggregation);
        }
        finally
        {
            Array.ForEach(sites, s => s.Dispose());
        }
    }

    [Fact]
    public async Task A_masked_input_in_another_sites_name_is_refused_even_with_that_sites_valid_signature_and_the_round_still_commits()
    {
        ModelState initial = TestModels.Small(seed: 8);
        SecAggReceipt? forged = null;
        FinishedRound finished = await OneRoundAsync("secure-forged", initial, [50, 60, 70], Secure, async (sites, aggregator) =>
        {
            using var site2 = new SiteSigner(federation.Pki, "site-02");
            // site-01 sends a masked input that names and is signed by site-02, over its own (site-01) connection.
            var forge = new StageHook(SecAggStage.MaskedInput, async round =>
            {
                RoundConfiguration configuration = aggregator.App.Services.GetRequiredService<SecureRounds>().Find(round)!.Configuration;
                var unsigned = new MaskedInput(round, "site-02", new uint[configuration.MaskedLength], []);
                var input = unsigned with { Signature = site2.Sign(unsigned.SignedBytes(configuration.Digest)) };
                forged = await SecAggParticipant.SendMaskedInputAsync(sites[0].SecAgg, round, input.ToBytes(), CancellationToken.None);
            });
            (RoundTask Task, SecAggEnd End)[] ends = await Task.WhenAll(sites.Select((s, i) => s.TakePartSecurelyAsync(observer: i == 0 ? forge : null)));
            Assert.All(ends, e => Assert.True(e.End.InputIncluded, e.End.Description));
        });

        Assert.NotNull(forged);
        Assert.False(forged.Accepted);
        Assert.Contains("names site 'site-02'", forged.Reason, StringComparison.Ordinal);
        Assert.Contains("certificate of site 'site-01'", forged.Reason, StringComparison.Ordinal);
        Assert.True(finished.Summary.Committed, finished.Summary.Outcome);
        Assert.Equal(["site-01", "site-02", "site-03"], finished.Summary.AcceptedSites);
    }

    [Fact]
    public async Task Every_stage_message_sent_again_after_its_receipt_was_lost_is_accepted_and_counted_once()
    {
        ModelState initial = TestModels.Small(seed: 11);
        long[] examples = [40, 50, 60];
        var lost = new LostReceipts("site-02");
        FinishedRound plain = await OneRoundAsync("resent-plain", initial, examples, secure: null, async (sites, _) =>
            await Task.WhenAll(sites.Select(s => s.TakePartAsync())));

        FinishedRound resent = await OneRoundAsync("resent-secure", initial, examples, Secure, async (sites, _) =>
        {
            (RoundTask Task, SecAggEnd End)[] ends = await Task.WhenAll(sites.Select(s => s.TakePartSecurelyAsync()));
            Assert.All(ends, e => Assert.True(e.End.InputIncluded, e.End.Description));
        }, services =>
        {
            services.AddSingleton(lost);
            services.AddGrpc(grpc => grpc.Interceptors.Add<LostReceipts>());
        });

        // Advertisement, shares, masked input, survivor signature, unmask shares: each taken, then taken again.
        Assert.Equal(5, lost.Receipts.Count);
        Assert.All(lost.Receipts, r => Assert.All(r.Value, receipt => Assert.True(receipt.Accepted, $"{r.Key}: {receipt.Reason}")));
        Assert.True(resent.Summary.Committed, resent.Summary.Outcome);
        Assert.Equal(["site-01", "site-02", "site-03"], resent.Summary.AcceptedSites);
        AssertWithinOneQuantizationStep(plain.GlobalModel, resent.GlobalModel, sites: 3); // counted once: the plain round's mean
    }

    [Fact]
    public async Task Sites_sharing_masking_turns_mask_only_with_a_turn_and_give_it_back_after_their_receipt()
    {
        ModelState initial = TestModels.Small(seed: 13);
        using var turns = new SemaphoreSlim(0, 1); // the test holds the only turn until every site waits for it
        using var asked = new CountdownEvent(3);
        var askedForMaskedInput = new StageHook(SecAggStage.MaskedInput, _ =>
        {
            asked.Signal();
            return Task.CompletedTask;
        });

        FinishedRound finished = await OneRoundAsync("masking-turns", initial, [40, 50, 60], Secure, async (sites, aggregator) =>
        {
            Task<(RoundTask Task, SecAggEnd End)>[] taking = [.. sites.Select(s => s.TakePartSecurelyAsync(observer: askedForMaskedInput, maskingTurns: turns))];
            await Eventually.TrueAsync(() => asked.IsSet, Eventually.Patience, () => $"{asked.CurrentCount} sites were never asked for their masked input");
            await Task.Delay(TimeSpan.FromSeconds(1));
            SecureRound round = aggregator.App.Services.GetRequiredService<SecureRounds>().Find(1)!;
            foreach (SyntheticSite site in sites)
            {
                SecAggStageReply reply = await round.InstructionForAsync(site.SiteId, TimeSpan.Zero, CancellationToken.None);
                Assert.Equal(SecAggStageReply.InstructionOneofCase.MaskedInputRequest, reply.InstructionCase); // not answered: no turn
            }

            turns.Release();
            (RoundTask Task, SecAggEnd End)[] ends = await Task.WhenAll(taking);
            Assert.All(ends, e => Assert.True(e.End.InputIncluded, e.End.Description));
        });

        Assert.True(finished.Summary.Committed, finished.Summary.Outcome);
        Assert.Equal("3→3→3→3→3", finished.Summary.SecureAggregation!.Survivors);
        Assert.Equal(1, turns.CurrentCount); // each site gave the one turn back after its receipt
    }

    [Fact]
    public async Task A_masked_input_sent_again_after_its_stage_closed_is_accepted_again_and_not_cut_by_the_closed_stage()
    {
        ModelState initial = TestModels.Small(seed: 12);
        var recorder = new MaskedInputRecorder("site-01");
        SecAggReceipt? resent = null;
        FinishedRound finished = await OneRoundAsync("secure-resent-late", initial, [50, 60, 70], Secure, async (sites, _) =>
        {
            // Asked for the consistency check, so the masked-input stage closed: site-01 sends its masked input again, as the
            // retry of a send whose receipt was lost would.
            var resend = new StageHook(SecAggStage.ConsistencyCheck, async round =>
                resent = await SecAggParticipant.SendMaskedInputAsync(sites[0].SecAgg, round, recorder.Bytes, CancellationToken.None));
            (RoundTask Task, SecAggEnd End)[] ends = await Task.WhenAll(sites.Select((s, i) => s.TakePartSecurelyAsync(observer: i == 0 ? resend : null)));
            Assert.All(ends, e => Assert.True(e.End.InputIncluded, e.End.Description));
        }, services =>
        {
            services.AddSingleton(recorder);
            services.AddGrpc(grpc => grpc.Interceptors.Add<MaskedInputRecorder>());
        });

        Assert.NotNull(resent);
        Assert.True(resent.Accepted, resent.Reason);
        Assert.True(finished.Summary.Committed, finished.Summary.Outcome);
        Assert.Equal(["site-01", "site-02", "site-03"], finished.Summary.AcceptedSites);
    }

    private static void AssertWithinOneQuantizationStep(ModelState plain, ModelState secure, int sites)
    {
        double step = QuantizationStep(sites);
        foreach (NamedTensor tensor in plain.Tensors)
        {
            for (int i = 0; i < tensor.Values.Length; i++)
            {
                double difference = Math.Abs(tensor.Values[i] - secure[tensor.Name].Values[i]);
                Assert.True(difference <= step + 1e-6, $"{tensor.Name}[{i}]: plain {tensor.Values[i]}, secure {secure[tensor.Name].Values[i]} (step {step:g3})");
            }
        }
    }

    /// <summary>One round of three sites (all sampled) on a fresh aggregator; returns it once committed or not.</summary>
    private async Task<FinishedRound> OneRoundAsync(string name, ModelState initial, long[] examples, SecureAggregationOptions? secure,
        Func<SyntheticSite[], RunningAggregator, Task> takePart, Action<IServiceCollection>? moreServices = null)
    {
        var log = new CapturedLog(output);
        await using RunningAggregator aggregator = await StartAsync(federation.Workspace(name), initial, minSites: 3, log, secure, moreServices: moreServices);
        SyntheticSite[] sites = Sites(TestFederation.SiteIds[..3], examples, aggregator, log);
        try
        {
            await Task.WhenAll(sites.Select(s => s.JoinAsync())).WaitAsync(Eventually.Patience);
            await takePart(sites, aggregator).WaitAsync(Eventually.Patience);
            return await aggregator.Rounds.WaitForRoundAsync(1);
        }
        finally
        {
            Array.ForEach(sites, s => s.Dispose());
        }
    }

    /// <param name="secure">null: plain rounds.</param>
    /// <param name="preJoined">sites sampled in round 1 whatever <paramref name="minSites"/>; by default the round opens once minSites joined.</param>
    private Task<RunningAggregator> StartAsync(string workspace, ModelState initial, int minSites, CapturedLog log, SecureAggregationOptions? secure,
        IReadOnlyList<string>? preJoined = null, Action<IServiceCollection>? moreServices = null) =>
        RunningAggregator.StartAsync(new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, initial))
        {
            MinSites = minSites,
            PreJoinedSites = preJoined ?? [],
            TotalRounds = 1,
            RoundDeadlineSeconds = RoundDeadlineSeconds,
            SecureAggregation = secure,
            MoreServices = moreServices,
        }, log);

    private SyntheticSite[] Sites(IEnumerable<string> ids, long[] examples, RunningAggregator aggregator, CapturedLog log) =>
        [.. ids.Select((id, i) => new SyntheticSite(id, federation.Pki, aggregator.Uri, log.Factory(), examples[i]))];

    /// <summary>One quantization step of the round's weighted mean, the bound on its error (see RoundConfiguration.ErrorBound).</summary>
    private static double QuantizationStep(int sites) => Secure.CoordinateBound / (int.MaxValue / (sites * Secure.MaxWeightPerSite));

    /// <summary>A site's certificate key, to sign in its name.</summary>
    private sealed class SiteSigner(Certs.PkiLayout pki, string siteId) : IDisposable
    {
        private readonly ECDsa _key = FederationTrust.LoadCertificateWithKey(pki.SiteCertificate(siteId), pki.SiteKey(siteId)).GetECDsaPrivateKey()!;

        public byte[] Sign(byte[] data) => SiteKeyRing.Signer(_key)(data);

        public void Dispose() => _key.Dispose();
    }
}
