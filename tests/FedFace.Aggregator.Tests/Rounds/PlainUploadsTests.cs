using FedFace.Aggregator.Collection;
using FedFace.Aggregator.Rounds;
using FedFace.Aggregator.Sites;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Protocol;
using FedFace.Protos.V1;
using FedFace.Transport;

namespace FedFace.Aggregator.Tests.Rounds;

/// <summary>Plain uploads checked and folded as they arrive, and the plain collector that waits for them: no Kestrel.</summary>
public sealed class PlainUploadsTests
{
    private static readonly ModelState Initial = TestModels.Small(seed: 4);

    [Fact]
    public async Task Uploads_folded_as_they_arrive_close_the_round_once_every_sampled_site_answered()
    {
        using var bench = new RoundBench(Initial);
        bench.Join("site-01", "site-02");
        Task<RoundSummary> running = bench.RunRoundAsync();
        OpenRound round = await OpenedAsync(bench);
        var uploads = bench.Get<PlainUploads>();

        var sent = new List<(ModelState, long)>();
        foreach ((string site, long examples) in new[] { ("site-02", 7L), ("site-01", 21L) })
        {
            ModelState delta = TestModels.DeltaFor(site, round.Number, Initial);
            Assert.True(Upload(uploads, site, round.Task, delta, examples).Accepted);
            sent.Add((delta, examples));
        }

        RoundSummary summary = await running.WaitAsync(TimeSpan.FromSeconds(10)); // long before the 20 s deadline
        Assert.True(summary.Committed, summary.Outcome);
        Assert.Equal(["site-01", "site-02"], summary.AcceptedSites);
        TestModels.AssertPreviousPlusWeightedMean(Initial, sent, bench.Model.Model);
    }

    [Fact]
    public void A_second_update_admitted_while_the_first_streamed_is_refused_as_a_duplicate_once_complete()
    {
        using var bench = new RoundBench(Initial);
        (OpenRound round, PlainUploads uploads) = OpenRoundOfTwo(bench);
        ModelState delta = TestModels.DeltaFor("site-01", round.Number, Initial);
        UpdateHeader header = ModelTransfer.HeaderFor(round.Task, delta, exampleCount: 5);

        AdmittedUpload first = uploads.Admit("site-01", header, out _)!;
        AdmittedUpload second = uploads.Admit("site-01", header, out _)!;

        Assert.True(uploads.Submit(first, delta).Accepted);
        UploadReply duplicate = uploads.Submit(second, delta);
        Assert.Equal((false, RejectionCode.Duplicate, "site site-01 already delivered an update for round 1"), (duplicate.Accepted, duplicate.Rejection, duplicate.Reason));
        Assert.Equal(1, round.Updates.UpdateCount);
        Assert.True(uploads.IsRetryOfAcceptedUpdate("site-01", header));
    }

    [Fact]
    public void An_update_whose_data_completes_after_the_deadline_is_refused_and_not_folded()
    {
        var clock = new ManualClock();
        using var bench = new RoundBench(Initial, clock: clock);
        (OpenRound round, PlainUploads uploads) = OpenRoundOfTwo(bench);
        ModelState delta = TestModels.DeltaFor("site-01", round.Number, Initial);
        AdmittedUpload admitted = uploads.Admit("site-01", ModelTransfer.HeaderFor(round.Task, delta, exampleCount: 5), out Rejection? early)!;
        Assert.Null(early);

        clock.Advance(TimeSpan.FromSeconds(21));
        UploadReply late = uploads.Submit(admitted, delta);

        Assert.Equal((false, RejectionCode.DeadlinePassed), (late.Accepted, late.Rejection));
        Assert.StartsWith("round 1 passed its deadline", late.Reason, StringComparison.Ordinal);
        Assert.Equal(0, round.Updates.UpdateCount);
        Assert.Empty(round.Answers);
    }

    [Fact]
    public void A_refused_upload_is_the_sites_answer_and_its_next_task_request_says_why()
    {
        using var bench = new RoundBench(Initial);
        (OpenRound round, PlainUploads uploads) = OpenRoundOfTwo(bench);
        ModelState poisoned = TestModels.DeltaFor("site-02", round.Number, Initial);
        poisoned.Tensors[0].Values[0] = float.NaN;

        UploadReply reply = Upload(uploads, "site-02", round.Task, poisoned, examples: 5);

        Assert.Equal(RejectionCode.NonFinite, reply.Rejection);
        Assert.IsType<SiteAnswer.Rejected>(round.Answers["site-02"]);
        TaskReply next = bench.Get<TaskDispatcher>().GetTask("site-02");
        Assert.StartsWith($"update for round 1 was rejected (NonFinite: ", next.Wait.Reason, StringComparison.Ordinal);
        Assert.Equal(round.Task, bench.Get<TaskDispatcher>().GetTask("site-01").Task);
    }

    [Fact]
    public void A_header_for_a_site_the_round_did_not_sample_is_refused_before_its_data()
    {
        using var bench = new RoundBench(Initial, configure: options => options.SampleFraction = 0.5);
        bench.Join("site-01", "site-02", "site-03", "site-04");
        OpenRound round = bench.OpenRound();
        string outsider = new[] { "site-01", "site-02", "site-03", "site-04" }.First(site => !round.IsSampled(site));
        ModelState delta = TestModels.DeltaFor(outsider, round.Number, Initial);

        Assert.Null(bench.Get<PlainUploads>().Admit(outsider, ModelTransfer.HeaderFor(round.Task, delta, exampleCount: 5), out Rejection? rejection));

        Assert.Equal(RejectionCode.NotSampled, rejection!.Code);
    }

    /// <summary>Round 1 over site-01 and site-02, open for uploads.</summary>
    [Fact]
    public void With_a_norm_bound_an_accepted_update_is_held_scaled_down_to_the_bound()
    {
        using var bench = new RoundBench(Initial, configure: options =>
            options.Aggregation = new FedFace.Aggregator.Strategies.Robust.AggregationSettings { Rule = "median", NormBound = 0.01, ByzantineSites = 0 });
        (OpenRound round, PlainUploads uploads) = OpenRoundOfTwo(bench);
        ModelState delta = TestModels.DeltaFor("site-01", round.Number, Initial);

        Assert.True(Upload(uploads, "site-01", round.Task, delta, examples: 5).Accepted);

        ModelState held = Assert.Single(round.Updates.HeldInSiteOrder);
        Assert.InRange(FedFace.Core.Privacy.DeltaClipping.L2Norm(held.Tensors.Select(t => t.Values)), 0.0099, 0.01);
    }

    private static (OpenRound Round, PlainUploads Uploads) OpenRoundOfTwo(RoundBench bench)
    {
        bench.Join("site-01", "site-02");
        return (bench.OpenRound(), bench.Get<PlainUploads>());
    }

    private static UploadReply Upload(PlainUploads uploads, string site, RoundTask task, ModelState delta, long examples)
    {
        UpdateHeader header = ModelTransfer.HeaderFor(task, delta, examples);
        AdmittedUpload? admitted = uploads.Admit(site, header, out Rejection? rejection);
        return admitted is null ? uploads.Reject(site, header.Round, rejection!) : uploads.Submit(admitted, delta);
    }

    private static async Task<OpenRound> OpenedAsync(RoundBench bench)
    {
        OpenRound? round = null;
        await Eventually.TrueAsync(() => (round = bench.Get<CurrentRound>().Round) is not null, TimeSpan.FromSeconds(10), () => "no round opened");
        return round!;
    }
}
