using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Protocol;
using FedFace.Protos.V1;
using Google.Protobuf;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>
/// Invariant 4, the refusing half: stale, malformed, non-finite and duplicate updates sent over the wire
/// are each rejected with their code and a reason naming the problem, and logged; they do not stop the
/// valid updates of the same round from committing.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class UpdateValidationTests(TestFederation federation, ITestOutputHelper output)
{
    /// <summary>A hand-made upload: the header and data chunks a faulty or hostile site might send.</summary>
    private sealed record BadUpload(string Problem, RejectionCode Code, string ReasonMentions, Func<RoundTask, ModelState, (UpdateHeader? Header, IEnumerable<ByteString> Data)> Make);

    private static (UpdateHeader?, IEnumerable<ByteString>) Valid(RoundTask task, ModelState delta, Action<UpdateHeader>? change = null)
    {
        UpdateHeader header = Header(task, delta);
        change?.Invoke(header);
        return (header, TensorWire.DataChunks(delta));
    }

    private static UpdateHeader Header(RoundTask task, ModelState delta) => new()
    {
        ProtocolVersion = SyntheticSite.Protocol,
        Round = task.Round,
        BaseModelVersion = task.ModelVersion,
        ExampleCount = 10,
        Tensors = { TensorWire.Specs(delta) },
        DataBytes = delta.DataBytes,
    };

    private static ModelState With(ModelState delta, string tensor, int index, float value)
    {
        ModelState copy = delta.Clone();
        copy[tensor].Values[index] = value;
        return copy;
    }

    private static readonly BadUpload[] s_badUploads =
    [
        new("wrong round", RejectionCode.WrongRound, "update is for round 2, the open round is 1",
            (task, delta) => Valid(task, delta, h => h.Round = task.Round + 1)),
        new("wrong base model version", RejectionCode.WrongModelVersion, "trained from model v7, round 1 trains v0",
            (task, delta) => Valid(task, delta, h => h.BaseModelVersion = 7)),
        new("wrong shape", RejectionCode.WrongShape, "tensor 'fc.weight' has shape [8, 16], the model has [16, 8]",
            (task, delta) => Valid(task, delta, h =>
            {
                TensorSpec fc = h.Tensors.Single(t => t.Name == "fc.weight");
                fc.Shape.Clear();
                fc.Shape.Add([8, 16]); // same element count, transposed
            })),
        new("unknown tensor (a head that must never leave a site)", RejectionCode.UnknownTensor, "tensor 'arcface.head.weight' is not part of the shared model",
            (task, delta) =>
            {
                var withHead = new ModelState([.. delta.Tensors, NamedTensor.Zeros("arcface.head.weight", [10, 8])]);
                return (Header(task, withHead), TensorWire.DataChunks(withHead));
            }),
        new("missing tensor", RejectionCode.MissingTensor, "tensor 'bn.running_mean' is missing from the update",
            (task, delta) =>
            {
                var partial = new ModelState(delta.Tensors.Where(t => t.Name != "bn.running_mean"));
                return (Header(task, partial), TensorWire.DataChunks(partial));
            }),
        new("NaN in the data", RejectionCode.NonFinite, "tensor 'fc.weight' holds NaN at element 5",
            (task, delta) => Valid(task, With(delta, "fc.weight", 5, float.NaN))),
        new("infinity in the data", RejectionCode.NonFinite, "tensor 'conv.weight' holds Infinity at element 0",
            (task, delta) => Valid(task, With(delta, "conv.weight", 0, float.PositiveInfinity))),
        new("example count 0", RejectionCode.BadExampleCount, "example count must be positive, got 0",
            (task, delta) => Valid(task, delta, h => h.ExampleCount = 0)),
        new("truncated data (fewer bytes than declared)", RejectionCode.Malformed, "stream ended after 1344 of 1408 declared bytes",
            (task, delta) =>
            {
                byte[] all = [.. TensorWire.DataChunks(delta).SelectMany(c => c.ToByteArray())];
                return (Header(task, delta), [ByteString.CopyFrom(all, 0, all.Length - 64)]);
            }),
        new("more data than declared", RejectionCode.Malformed, "more data than declared",
            (task, delta) => (Header(task, delta), [.. TensorWire.DataChunks(delta), ByteString.CopyFrom(new byte[64])])),
        new("data before any header", RejectionCode.Malformed, "upload did not start with a header",
            (_, delta) => (null, TensorWire.DataChunks(delta))),
        new("data that does not hash to the header's SHA-256", RejectionCode.Malformed, "differs from the header's",
            (task, delta) => Valid(task, delta, h => h.DeltaSha256 = ByteString.CopyFrom(With(delta, "fc.weight", 0, 1f).ComputeSha256()))),
        new("a protocol version this aggregator does not speak", RejectionCode.UnsupportedProtocol, "protocol version 2 is not supported",
            (task, delta) => Valid(task, delta, h => h.ProtocolVersion = 2)),
    ];

    [Fact]
    public async Task Each_stale_malformed_non_finite_or_duplicate_update_is_rejected_with_its_code_and_reason_and_valid_updates_still_commit()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("validation");
        ModelState initial = TestModels.Small(seed: 3);
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, initial))
            {
                MinSites = 2,
                TotalRounds = 1,
                RoundDeadlineSeconds = 60, // the round closes as soon as every sampled site has answered
                PreJoinedSites = TestFederation.SiteIds,
            }, log);
        long[] exampleCounts = [30, 50, 20, 10];
        SyntheticSite[] sites = [.. TestFederation.SiteIds.Select((id, i) => new SyntheticSite(id, federation.Pki, aggregator.Uri, log.Factory(), exampleCounts[i]))];
        try
        {
            SyntheticSite faulty = sites[3];
            RoundTask task = await faulty.NextTaskAsync().WaitAsync(Eventually.Patience);
            Assert.Equal((1L, 0L), (task.Round, task.ModelVersion));
            ModelState global = await faulty.DownloadForAsync(task).WaitAsync(Eventually.Patience);
            ModelState goodDelta = faulty.DeltaFor(task.Round, global);
            Assert.Equal(1408, goodDelta.DataBytes); // the truncation case's numbers

            var problems = new List<string>();
            foreach (BadUpload bad in s_badUploads)
            {
                (UpdateHeader? header, IEnumerable<ByteString> data) = bad.Make(task, goodDelta);
                UploadReply reply = await faulty.SendAsync(header, data).WaitAsync(Eventually.Patience);
                problems.AddRange(Check(bad.Problem, reply, bad.Code, bad.ReasonMentions, faulty.SiteId, log));
            }

            // A site that delivered a valid update cannot deliver a second one in the same round.
            (_, UploadReply first) = await sites[0].TakePartAsync().WaitAsync(Eventually.Patience);
            Assert.True(first.Accepted, $"{first.Rejection}: {first.Reason}");
            ModelState secondDelta = TestModels.DeltaFor("site-01-again", task.Round, global);
            UploadReply duplicate = await sites[0].SendAsync(Header(task, secondDelta), TensorWire.DataChunks(secondDelta)).WaitAsync(Eventually.Patience);
            problems.AddRange(Check("duplicate upload", duplicate, RejectionCode.Duplicate, "site site-01 already delivered an update for round 1", "site-01", log));
            // The same update again, as a site sends it when the reply to its first upload was lost: accepted, once.
            SentUpdate delivered = sites[0].Sent.Single();
            UploadReply retry = await sites[0].SendAsync(delivered.Header, TensorWire.DataChunks(delivered.Delta)).WaitAsync(Eventually.Patience);
            Assert.True(retry.Accepted, $"{retry.Rejection}: {retry.Reason}");
            Assert.Equal("already received: this update was accepted for round 1", retry.Reason);

            Assert.True(problems.Count == 0, string.Join('\n', problems));

            // The other sites' valid updates complete the round, which commits without the faulty site.
            (RoundTask, UploadReply)[] others = await Task.WhenAll(sites[1..3].Select(s => s.TakePartAsync())).WaitAsync(Eventually.Patience);
            Assert.All(others, o => Assert.True(o.Item2.Accepted, $"{o.Item2.Rejection}: {o.Item2.Reason}"));
            FinishedRound finished = await aggregator.Rounds.WaitForRoundAsync(1);
            Assert.True(finished.Summary.Committed, finished.Summary.Outcome);
            Assert.Equal(["site-01", "site-02", "site-03"], finished.Summary.AcceptedSites);
            Assert.Equal(["site-04"], finished.Summary.RejectedSites.Keys);
            Assert.StartsWith("WrongModelVersion", finished.Summary.RejectedSites["site-04"], StringComparison.Ordinal); // its first content fault
            Assert.Equal(30 + 50 + 20, finished.Summary.TotalExamples);
            SentUpdate[] accepted = [.. sites[..3].SelectMany(s => s.Sent).Where(u => u.Reply.Accepted)];
            TestModels.AssertPreviousPlusWeightedMean(initial, [.. accepted.Select(u => (u.Delta, u.Header.ExampleCount))], finished.GlobalModel);
            Assert.Equal(1, aggregator.Coordinator.ModelVersion);
        }
        finally
        {
            foreach (SyntheticSite site in sites)
            {
                site.Dispose();
            }
        }
    }

    [Fact]
    public async Task An_update_sent_after_the_rounds_deadline_is_rejected_as_late_and_the_round_commits_without_it()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("deadline");
        ModelState initial = TestModels.Small(seed: 4);
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, initial))
            {
                MinSites = 2,
                TotalRounds = 1,
                RoundDeadlineSeconds = 3,
                PreJoinedSites = ["site-01", "site-02", "site-03"],
            }, log);
        using var punctual1 = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, log.Factory(), exampleCount: 40);
        using var punctual2 = new SyntheticSite("site-02", federation.Pki, aggregator.Uri, log.Factory(), exampleCount: 60);
        using var straggler = new SyntheticSite("site-03", federation.Pki, aggregator.Uri, log.Factory(), exampleCount: 100);

        // The straggler gets its task and model in time, but its update leaves only after the round has closed.
        RoundTask task = await straggler.NextTaskAsync().WaitAsync(Eventually.Patience);
        ModelState global = await straggler.DownloadForAsync(task).WaitAsync(Eventually.Patience);
        (RoundTask, UploadReply)[] punctual = await Task.WhenAll(punctual1.TakePartAsync(), punctual2.TakePartAsync()).WaitAsync(Eventually.Patience);
        Assert.All(punctual, p => Assert.True(p.Item2.Accepted, p.Item2.Reason));
        FinishedRound finished = await aggregator.Rounds.WaitForRoundAsync(1);
        Assert.True(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > task.DeadlineUnixMs, "the round closed before its deadline");
        ModelState lateDelta = straggler.DeltaFor(task.Round, global);

        UploadReply late = await straggler.UploadAsync(straggler.HeaderFor(task, lateDelta), lateDelta).WaitAsync(Eventually.Patience);

        List<string> problems = Check("upload after the deadline", late, RejectionCode.DeadlinePassed, "round 1 passed its deadline", "site-03", log);
        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.True(finished.Summary.Committed, finished.Summary.Outcome);
        Assert.Equal(["site-01", "site-02"], finished.Summary.AcceptedSites);
        Assert.Equal(["site-01", "site-02", "site-03"], finished.Summary.SampledSites);
        SentUpdate[] accepted = [.. punctual1.Sent.Concat(punctual2.Sent)];
        TestModels.AssertPreviousPlusWeightedMean(initial, [.. accepted.Select(u => (u.Delta, u.Header.ExampleCount))], aggregator.Coordinator.GlobalModel);
        Assert.Equal(1, aggregator.Coordinator.ModelVersion);
    }

    /// <summary>The reply's code and reason, and the aggregator's log line for it; every mismatch as a sentence.</summary>
    private static List<string> Check(string problem, UploadReply reply, RejectionCode code, string reasonMentions, string siteId, CapturedLog log)
    {
        var mismatches = new List<string>();
        if (reply.Accepted)
        {
            mismatches.Add($"{problem}: accepted, expected {code}");
            return mismatches;
        }
        if (reply.Rejection != code)
        {
            mismatches.Add($"{problem}: rejected as {reply.Rejection} ('{reply.Reason}'), expected {code}");
        }
        if (!reply.Reason.Contains(reasonMentions, StringComparison.Ordinal))
        {
            mismatches.Add($"{problem}: reason '{reply.Reason}' does not mention '{reasonMentions}'");
        }
        string logged = $"{reply.Rejection}: {reply.Reason}";
        if (!log.Matching(logged, "FedFace.Aggregator").Any(e => e.Message.StartsWith($"Rejected update from {siteId} for round", StringComparison.Ordinal)))
        {
            mismatches.Add($"{problem}: the aggregator did not log 'Rejected update from {siteId} ...: {logged}'");
        }
        return mismatches;
    }
}
